package inbox

import (
	"bytes"
	"mime"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
)

// TestIDNumbersInMailAreMasked: applicants paste ID numbers into mail;
// what the inbox keeps (subject, text, the acknowledgement's quote of the
// subject) holds them masked, even when the mail encoded them.
func TestIDNumbersInMailAreMasked(t *testing.T) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	sc := newScenario(t, srv, store.SQLite)
	e := sc.env
	id := filingtest.IDZhangSan
	subject := mime.BEncoding.Encode("utf-8", "["+"ICP#"+refA+"] 已修改 身份证"+id)
	body := "法人身份证号：" + id + "，请重新审核。" // sent base64-encoded
	srv.Append(t, mailtest.Mail{From: "zhangsan@example.cn", Subject: subject, MessageID: mid("id-number"), CTE: "base64",
		Body: []byte(body)}.Bytes(), time.Time{})
	w := e.watcher(e.config())
	if _, err := w.PollOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	got := e.inbound(mid("id-number"))
	if got.Decision != string(DecisionResubmission) {
		t.Fatalf("decision %s: the test message did not work as meant", got.Decision)
	}
	masked := filing.MaskIDNumber(id)
	for what, s := range map[string]string{"subject": got.Subject, "text": got.BodyText} {
		if strings.Contains(s, id[:17]) || !strings.Contains(s, masked) {
			t.Errorf("stored %s %q: want %s masked as %s", what, s, id[:4], masked)
		}
	}
	rows, err := e.st.ListOutbox(e.ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	acks := 0
	for _, r := range rows {
		if r.Kind != string(filing.EmailResubmissionReceived) {
			continue
		}
		acks++
		n, err := e.st.OutboxNotice(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.Inbound == nil || strings.Contains(n.Inbound.Subject, id[:17]) || !strings.Contains(n.Inbound.Subject, masked) {
			t.Errorf("acknowledgement quotes %+v", n.Inbound)
		}
	}
	if acks != 1 {
		t.Errorf("%d acknowledgements, want 1", acks)
	}
}

// TestRawBytesKeptMaskIDNumbers: the raw bytes kept of a message that could
// not be parsed hold ID numbers written plainly masked.
func TestRawBytesKeptMaskIDNumbers(t *testing.T) {
	id := filingtest.IDLiSi
	raw := []byte("\x00\x01 garbage 身份证 " + id + " end")
	sp, err := mailparse.NewSpool(bytes.NewReader(raw), 1<<20, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	z, err := keptRaw(sp)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecompressRaw(z)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Replace(raw, []byte(id), []byte(filing.MaskIDNumber(id)), 1)
	if !bytes.Equal(back, want) {
		t.Errorf("kept %q, want %q", back, want)
	}
}
