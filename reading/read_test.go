package reading

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitClauses(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"已经改好了，刚刚重新提交了", []string{"已经改好了", "刚刚重新提交了"}},
		{"请问多久能审核完？谢谢", []string{"请问多久能审核完？", "谢谢"}},
		{"Fixed. Please review again.", []string{"Fixed", "Please review again"}},
		{"see example.cn, version 3.5 ok", []string{"see example.cn", "version 3.5 ok"}},
		{"Is it ok? Thanks!", []string{"Is it ok?", "Thanks"}},
		{"已经修改但是还没提交", []string{"已经修改", "但是还没提交"}},
		{"已修改不过没提交", []string{"已修改", "不过没提交"}},
		{"不但修改了名称", []string{"不但修改了名称"}},
		{"I fixed it but did not resubmit", []string{"I fixed it", "but did not resubmit"}},
		{"第一行\n第二行；第三行、第四行……第五行～", []string{"第一行", "第二行", "第三行", "第四行", "第五行"}},
		{"  ，。  ", nil},
	} {
		spans, all := splitClauses(tc.text, nil)
		var got []string
		for _, sp := range spans {
			got = append(got, tc.text[sp.start:sp.end])
		}
		if !all || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %q (all %v), want %q", tc.text, got, all, tc.want)
		}
	}
	spans, all := splitClauses(strings.Repeat("好，", maxClauses+1), nil)
	if all || len(spans) != maxClauses {
		t.Errorf("%d clauses, all %v: want %d and not all", len(spans), all, maxClauses)
	}
}

// TestSplitSentences: commas end clauses, not sentences; a closing offer
// reaches to the end of its sentence.
func TestSplitSentences(t *testing.T) {
	spans, _ := splitClauses("已修改，请审核。如有问题请联系，我们会修改\nThanks, bye. Ok", nil)
	var got []bool
	for _, sp := range spans {
		got = append(got, sp.stop)
	}
	if want := []bool{false, true, false, true, false, true, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("stops %v, want %v", got, want)
	}
}

func TestReadStatements(t *testing.T) {
	r := Read("您好，已经改好了，刚刚重新提交了。请问多久能审核完？谢谢")
	want := []struct {
		text  string
		acts  []Act
		topic bool
		rule  string
	}{
		{"已经改好了", []Act{ActDone}, true, "done.perfect"},
		{"刚刚重新提交了", []Act{ActDone}, true, "done.perfective"},
		{"请问多久能审核完？", []Act{ActQuestion}, false, "question.word"},
	}
	if len(r.Statements) != len(want) {
		t.Fatalf("statements %s", describe(r))
	}
	for i, w := range want {
		s := r.Statements[i]
		if s.Text != w.text || !reflect.DeepEqual(s.Acts, w.acts) || s.Topic != w.topic || !contains(s.Rules, w.rule) {
			t.Errorf("statement %d: %+v, want %+v", i, s, w)
		}
	}
	if got := r.Acts(); !reflect.DeepEqual(got, []Act{ActDone, ActQuestion}) {
		t.Errorf("acts %v", got)
	}
	if got := r.Evidence(ActDone); got != "已经改好了" {
		t.Errorf("evidence %q", got)
	}
	if got := r.Evidence(ActPromise); got != "" {
		t.Errorf("evidence of a promise %q", got)
	}
	if got, want := r.Explain(), `done: "已经改好了，刚刚重新提交了"; question: "请问多久能审核完？"`; got != want {
		t.Errorf("explain %s\nwant    %s", got, want)
	}
	if !r.Has(ActDone) || r.Has(ActPromise) || r.Truncated {
		t.Errorf("has done %v, promise %v, truncated %v", r.Has(ActDone), r.Has(ActPromise), r.Truncated)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestReadRules: which rule reads which phrase, for the rules' own sake.
func TestReadRules(t *testing.T) {
	for _, tc := range []struct {
		text string
		act  Act
		rule string
	}{
		{"已按要求修改", ActDone, "done.perfect"},
		{"修改完畢", ActDone, "done.perfective"},
		{"我把名称改成示例商城了", ActDone, "done.final-le"},
		{"I have resubmitted it", ActDone, "done.past-form"},
		{"Done", ActDone, "done.bare"},
		{"还没有来得及重新提交", ActNegatedDone, "negated.before-verb"},
		{"系统提交失败", ActNegatedDone, "negated.after-verb"},
		{"还没呢", ActNegatedDone, "negated.not-yet"},
		{"Not yet", ActNegatedDone, "negated.not-yet"},
		{"煩請審批", ActReviewRequest, "review.request"},
		{"重新审核一下吧", ActReviewRequest, "review.imperative"},
		{"是这样么", ActQuestion, "question.final-particle"},
		{"提交了没有", ActQuestion, "question.a-not-a-end"},
		{"能否", ActQuestion, "question.polite"},
		{"could you tell me why", ActQuestion, "question.word"},
		{"再给我几天", ActExtensionRequest, "extension.request"},
		{"We need a few more days", ActExtensionRequest, "extension.request"},
		{"周五前提交", ActPromise, "promise.before-verb"},
		{"resubmitting tomorrow", ActPromise, "promise.after-verb"},
		{"we'll resubmit it", ActPromise, "promise.before-verb"},
		{"We’ll resubmit it", ActPromise, "promise.before-verb"},
		{"I haven’t resubmitted", ActNegatedDone, "negated.before-verb"},
		{"我们在改", ActPromise, "promise.in-progress"},
		{"一旦拿到执照", ActCondition, "condition.if"},
		{"如有问题请联系", ActCondition, "condition.courtesy"},
		{"待执照下来后", ActCondition, "condition.after"},
		{"when I get the license", ActCondition, "condition.when"},
		{"麻烦小王改一下再提交", ActInstruction, "instruction.request"},
		{"please resubmit it for me", ActInstruction, "instruction.request"},
		{"你们搞错了", ActCorrection, "correction.phrase"},
		{"That's not what I meant", ActCorrection, "correction.phrase"},
		{"不是的", ActCorrection, "correction.bare"},
	} {
		r := Read(tc.text)
		if len(r.Statements) != 1 || !r.Statements[0].Has(tc.act) || !contains(r.Statements[0].Rules, tc.rule) {
			t.Errorf("%q: %s, want %s by %s", tc.text, describe(r), tc.act, tc.rule)
		}
	}
}

// TestReadScope: a negation, a question or an if reaches only its own clause.
func TestReadScope(t *testing.T) {
	for _, tc := range []struct {
		text string
		acts []Act
	}{
		{"没问题，已经重新提交了", []Act{ActDone}},
		{"没收到通知，但已经提交了", []Act{ActDone}},
		{"已经提交了，没有其他问题", []Act{ActDone}},
		{"已提交，还没修改", []Act{ActDone, ActNegatedDone}},
		{"已经修改，需要重新提交吗", []Act{ActDone, ActQuestion}},
		{"提交了吗", []Act{ActQuestion}},
		{"如果已经提交了", []Act{ActCondition}},
		{"不好意思，已修改", []Act{ActDone}},
		{"网站名称与内容不一致的问题已修改", []Act{ActDone}},
		{"审核未通过的原因已整改", []Act{ActDone}},
		{"能不能延期", []Act{ActQuestion, ActExtensionRequest}},
		{"不需要延期", nil},
		{"请问审核要多久", []Act{ActQuestion}},
		{"请告诉我是否需要修改", []Act{ActQuestion}},
		{"麻烦审核一下好吗？", []Act{ActReviewRequest}},
		{"可以帮我重新提交吗？", []Act{ActQuestion, ActInstruction}},
		{"已经看到邮件了，修改一下", nil},
		{"已经看到邮件了修改一下", nil},
		{"已收到退回通知", nil},
		{"Thanks for the updated guidance", nil},
		{"I have not resubmitted", []Act{ActNegatedDone}},
		{"No problem, resubmitted", []Act{ActDone}},
	} {
		if got := Read(tc.text).Acts(); !reflect.DeepEqual(got, tc.acts) {
			t.Errorf("%q: acts %v, want %v (%s)", tc.text, got, tc.acts, describe(Read(tc.text)))
		}
	}
}

func TestReadBounds(t *testing.T) {
	long := "已修改。" + strings.Repeat("谢谢。", MaxText) + "还没提交"
	r := Read(long)
	if in := r.Interpret(); !r.Truncated || !in.Done || !in.Contradicted || !strings.Contains(in.Why, "only the start") {
		t.Errorf("long text: truncated %v, %+v", r.Truncated, in)
	}
	many := strings.Repeat("好，", maxClauses) + "已修改"
	if r := Read(many); !r.Truncated || r.Has(ActDone) {
		t.Errorf("many clauses: truncated %v, done %v", r.Truncated, r.Has(ActDone))
	}
	words := strings.Repeat("已", maxHits+1)
	if r := Read(words); !r.Truncated {
		t.Errorf("a clause of %d words is not truncated", maxHits+1)
	}
	// A cut inside a character leaves no broken character behind.
	cut := strings.Repeat("a", MaxText-1) + "改"
	for _, s := range Read(cut).Statements {
		if !utf8.ValidString(s.Text) {
			t.Errorf("statement %q is not UTF-8", s.Text)
		}
	}
	if r := Read("已修改\xff，请审核"); !r.Has(ActDone) || !r.Has(ActReviewRequest) {
		t.Errorf("invalid UTF-8: %s", describe(r))
	}
}

// TestReadCase: English words match in any case.
func TestReadCase(t *testing.T) {
	for _, s := range []string{"RESUBMITTED", "I Have Resubmitted", "FIXED. PLEASE REVIEW AGAIN"} {
		if !Read(s).Has(ActDone) {
			t.Errorf("%q: not done (%s)", s, describe(Read(s)))
		}
	}
}

func TestExplainBuiltByHand(t *testing.T) {
	r := Reading{Statements: []Statement{
		{Text: "已修改", Acts: []Act{ActDone}},
		{Text: "请审核", Acts: []Act{ActReviewRequest}},
	}}
	if got, want := r.Explain(), `done: "已修改"; review_request: "请审核"`; got != want {
		t.Errorf("explain %s, want %s", got, want)
	}
	if got := r.Interpret().Understood; got != "已修改 … 请审核" {
		t.Errorf("understood %q", got)
	}
	if (Reading{}).Explain() != "" || (Reading{}).Interpret().Done {
		t.Error("the zero Reading says something")
	}
}

// TestReadConcurrent: readers share the lexicon and a pool of buffers;
// reading at once gives what reading one by one gives.
func TestReadConcurrent(t *testing.T) {
	want := make([]string, len(interpretCases))
	for i, tc := range interpretCases {
		want[i] = Read(tc.text).Explain()
	}
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- true }()
			for i := range interpretCases {
				j := (i + g*7) % len(interpretCases)
				if got := Read(interpretCases[j].text).Explain(); got != want[j] {
					t.Errorf("%q: %s, alone %s", interpretCases[j].text, got, want[j])
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}

// A quote stops copying once it has what its reader keeps; what it keeps
// is exactly the start of the whole quote.
func TestQuoteStopsAtItsLimit(t *testing.T) {
	text := strings.Repeat("您好，我们已修改了网站名称，已重新提交，请审核。  谢谢！\n还没改好？\n", 60)
	r := Read(text)
	all := func(*Statement) bool { return true }
	whole := string(r.appendQuote(nil, all, 1<<30))
	if len(whole) < 2*maxUnderstood {
		t.Fatalf("the whole quote is %d bytes; the test wants a long one", len(whole))
	}
	for _, max := range []int{0, 1, 2, 239, 240, 241, 1000, len(whole) - 1, len(whole), len(whole) + 5} {
		got := string(r.appendQuote([]byte("前"), all, max))
		want := "前" + whole[:min(max, len(whole))]
		if got != want {
			t.Fatalf("max %d: got %d bytes, want the first %d of the whole quote", max, len(got)-len("前"), len(want)-len("前"))
		}
	}
	in := Read(strings.Repeat("已修改了网站名称，已重新提交，请审核。\n", 200)).Interpret()
	if !in.Done || len(in.Understood) > maxUnderstood+len("…") || !strings.HasSuffix(in.Understood, "…") || !utf8.ValidString(in.Understood) {
		t.Fatalf("understood: %d bytes, done %v: %q", len(in.Understood), in.Done, in.Understood)
	}
}
