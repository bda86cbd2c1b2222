package reading

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzOwnTextAndRead: no input makes OwnText or Read panic; OwnText returns
// valid UTF-8 never longer than its input; Read stays within its bounds.
func FuzzOwnTextAndRead(f *testing.F) {
	for _, tc := range interpretCases {
		f.Add(tc.text)
	}
	n := notice{subject: "[ICP#BA-2026-000123] 管局退回备案", body: "张三，您好：\n\n请在期限前完成修改并重新提交。"}
	for _, st := range replyStyles {
		mail, _ := st.build("已经改好了，刚刚重新提交了", n.subject, n.body)
		f.Add(mail)
	}
	f.Add(strings.Repeat("已修改，", 300))
	f.Add("\xff\xfe> \n--\n")
	f.Fuzz(func(t *testing.T, s string) {
		own := OwnText(s)
		if !utf8.ValidString(own) {
			t.Fatalf("own text not UTF-8: %q", own)
		}
		if len(own) > len(s) {
			t.Fatalf("own text %d bytes from %d", len(own), len(s))
		}
		for _, text := range []string{s, own} {
			r := Read(text)
			if len(r.Statements) > maxClauses {
				t.Fatalf("%d statements", len(r.Statements))
			}
			for _, st := range r.Statements {
				if !utf8.ValidString(st.Text) || len(st.Text) > MaxText || len(st.Acts) == 0 || len(st.Rules) == 0 {
					t.Fatalf("statement %+v", st)
				}
			}
			in := r.Interpret()
			if !utf8.ValidString(r.Explain()) || !utf8.ValidString(in.Why) || !utf8.ValidString(in.Understood) {
				t.Fatalf("explanation not UTF-8: %q %q %q", r.Explain(), in.Why, in.Understood)
			}
			if in.Done && !r.Has(ActDone) || in.ReviewRequest && !r.Has(ActReviewRequest) {
				t.Fatalf("interpretation %+v beyond its reading", in)
			}
		}
		if sub := StripSubjectPrefixes(s); !utf8.ValidString(sub) || len(sub) > len(s) {
			t.Fatalf("subject %q from %q", sub, s)
		}
	})
}
