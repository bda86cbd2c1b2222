package reading

import (
	"strings"
	"testing"
)

// interpretCases are own texts and what must be true of their
// interpretation: D Done, R ReviewRequest, C Contradicted, A AsksSomething
// (a failure reported counts: someone must answer it), M Misread. Every field not listed must be false.
var interpretCases = []struct {
	text, want string
}{
	// The examples of the brief.
	{"已经改好了，刚刚重新提交了", "D"},
	{"已修改，请重新审核。", "DR"},
	{"还没改好，请问能否延期？", "CAM"},
	{"需要重新提交吗？", "CA"},
	{"能否延期几天？拿到执照后马上重新提交", "CA"},
	{"改好后再重新提交", "C"},
	{"I would like to know whether I need to resubmit", "CA"},
	{"还没有来得及重新提交", "CM"},
	{"已经改好了，请问多久能审核完？", "DA"},
	{"已经改好了，需要重新提交吗？", "DCA"},
	{"已修改，明天重新提交", "DC"},
	{"没问题，已经重新提交了", "D"},
	{"不好意思，已經重新遞交，煩請審批", "DR"},
	{"已重新送出，再麻煩審核", "DR"},
	{"I have updated the website name and submitted it again.", "D"},
	{"Fixed. Please review again.", "DR"},
	{"Not yet, I haven't resubmitted.", "CM"},
	{"你们理解错了，我还没提交", "CM"},
	{"请你们帮忙重新提交一下", "C"},
	{"请审核", "R"},
	{"谢谢！", ""},
	{"收到", ""},
	{"", ""},

	// Simplified Chinese: done.
	{"网站名称已按要求修改，已在备案系统重新提交，请重新审核。", "DR"},
	{"您好，已经按照退回原因修改了网站名称，并重新提交了，麻烦审核一下，谢谢！", "DR"},
	{"已修改并重新提交", "D"},
	{"修改完毕，已重新提交", "D"},
	{"修改完成", "D"},
	{"已整改完毕", "D"},
	{"已更正", "D"},
	{"已完善相关材料", "D"},
	{"材料已重新上传", "D"},
	{"核验单已重新签字上传", "D"},
	{"刚刚重新提交了，麻烦尽快审核", "DR"},
	{"处理好了", "D"},
	{"弄好了，请查收", "DR"},
	{"我把网站名称改成示例商城了", "D"},
	{"我已经让同事重新提交了", "C"},
	{"已经安排同事修改了", "C"},
	{"已按照您的要求进行了修改", "D"},
	{"修改已经完成了", "D"},
	{"已提交过一次，但是系统提示错误", "CAM"},
	{"上次已经修改过网站名称了，这次为什么还退回？", "A"},
	{"已经把修改后的资料发给你们了", ""},
	{"已修改，请问还需要做什么？", "DCA"},
	{"不需要延期，已经提交了", "D"},
	{"已经提交了，如有问题请联系", "D"},
	{"修改后的核验单已上传，请查收", "DR"},
	{"已经修改了网站名称，麻烦你们再审核一下", "DR"},
	{"网站名称已经改为示例商城，其他信息不变", "D"},
	{"收到退回通知后已经修改并重新提交了", "D"},
	{"根据退回原因，我们已将网站名称更改为示例商城，现已重新提交。", "D"},
	{"已经按要求将名称修改好了", "D"},
	{"我们将于明天重新提交", "C"},
	{"代理公司说已经提交了", ""},
	{"提交了，但是不知道成功没有", "DCA"},
	{"已经联系网站开发人员修改了", "C"},

	// Simplified Chinese: not done, or not only done.
	{"提交了吗？", "CA"},
	{"改好了没有", "CA"},
	{"还没改", "CM"},
	{"还没呢", "CM"},
	{"目前还没有", "CM"},
	{"尚未提交", "CM"},
	{"未修改", "CM"},
	{"系统一直提交失败", "CAM"},
	{"提交不了，请问怎么办？", "CAM"},
	{"我明天再提交", "C"},
	{"马上修改", "C"},
	{"稍后重新提交", "C"},
	{"周五前提交", "C"},
	{"这周内会修改好", "C"},
	{"我准备今晚重新提交", "C"},
	{"正在修改中", "C"},
	{"等执照下来后再提交", "C"},
	{"我改了再提交", "C"},
	{"如果已经提交了，还需要做什么吗？", "CA"},
	{"请问还需要重新提交吗？", "CA"},
	{"请问是否需要重新上传核验单？", "CA"},
	{"请问怎么修改网站名称？", "CA"},
	{"请问审核需要多久？", "A"},
	{"为什么又被退回了？", "A"},
	{"能不能帮我们重新提交一下？", "CA"},
	{"麻烦小王改一下再提交", "C"},
	{"让同事重新提交", "C"},
	{"能否宽限几天", "CA"},
	{"希望能延期一周", "CA"},
	{"应该已经提交了吧", "CA"},
	{"好像已经提交了", ""},
	{"差不多改好了", ""},
	{"已提交，但还没修改网站名称", "CM"},
	{"已修改，还没提交", "CM"},
	{"退回原因已收到，会尽快修改", "C"},
	{"提交后请尽快审核", "RC"},
	{"不知道怎么修改", "CA"},
	{"没时间修改，能否延期", "CAM"},
	{"已经修改了再提交一次", "DC"},

	// Closing offers: a promise after one is conditional on a further need.
	{"如有问题请联系我，我会尽快修改", ""},
	{"已重新提交。如有问题请随时联系，我们会及时修改。", "D"},
	{"我会尽快修改，如有问题请联系", "C"},
	{"主办单位的联系电话原来填写有误，现在已更正", "D"},
	{"I have resubmitted. If anything else needs to be changed, please let me know and I will fix it as soon as possible.", "DA"},
	{"I have resubmitted. I will fix anything else you find.", "DC"},

	// Simplified Chinese: neither.
	{"收到，谢谢", ""},
	{"好的，知道了", ""},
	{"已收到退回通知", ""},
	{"退回的邮件已经看到了，我修改一下", ""},
	{"如果需要修改请告诉我", ""},
	{"如果还有问题请联系我", ""},
	{"重新审核一下", "R"},
	{"辛苦审核", "R"},
	{"审核没通过是什么原因？", "A"},
	{"你们搞错了，我已经提交了", "DM"},
	{"我不是这个意思", "M"},
	{"误会了，我是问要不要重新提交", "CAM"},

	// Simplified Chinese: arranging, progress and attachments are not done.
	{"已转交技术同事处理", "C"},
	{"已让同事修改", "C"},
	{"已经在修改了", "C"},
	{"已在系统里提交", "D"},
	{"正在重新提交中", "C"},
	{"已准备好重新提交", "C"},
	{"已经可以提交了", ""},
	{"已完成修改", "D"},
	{"需要修改的地方已经改好了", "D"},
	{"附件是修改后的核验单，请查收", "R"},
	{"名称改好了，你们帮忙提交一下吧", "DC"},
	{"已修改，在哪里提交？", "DCA"},
	{"已经修改过好几次了，为什么还不通过？", "DA"},

	// Traditional Chinese.
	{"已經在修改了", "C"},
	{"正在重新遞交", "C"},
	{"已請同事協助修改", "C"},
	{"已轉交技術同事處理", "C"},
	{"網站名稱已經改好了，請問還需要做什麼？", "DCA"},
	{"已經修改完畢，請重新審核", "DR"},
	{"已重新遞交，請審核", "DR"},
	{"網站名稱已按要求修改，煩請審批", "DR"},
	{"還沒有來得及重新提交", "CM"},
	{"還沒改好，請問能否延期？", "CAM"},
	{"請問需要重新遞交嗎？", "CA"},
	{"我明天會重新提交", "C"},
	{"改好後再重新遞交", "C"},
	{"請你們幫忙重新提交", "C"},
	{"你們誤會了，我還沒提交", "CM"},
	{"沒問題，已經重新遞交了", "D"},
	{"剛剛重新提交了，麻煩審核", "DR"},
	{"已更正網站名稱並重新送出", "D"},
	{"處理好了，謝謝", "D"},
	{"請問審核需要多久？", "A"},
	{"能否寬限幾天？", "CA"},
	{"謝謝", ""},
	{"上傳失敗了", "CAM"},
	{"已修改，請查收並審核", "DR"},
	{"如有問題請隨時聯繫", ""},

	// English.
	{"I have resubmitted the application.", "D"},
	{"Resubmitted.", "D"},
	{"Done.", "D"},
	{"The website name has been changed to 示例商城.", "D"},
	{"We have made the changes and resubmitted the filing, please review.", "DR"},
	{"I corrected the name and re-submitted it.", "D"},
	{"Updated and resubmitted, please check again.", "DR"},
	{"Please review again.", "R"},
	{"Could you review it again?", "R"},
	{"I will resubmit tomorrow.", "C"},
	{"I'll fix it later.", "C"},
	{"I'm going to update the name this week.", "C"},
	{"Once I get the license I will resubmit.", "C"},
	{"If I change the name, do I need to resubmit?", "CA"},
	{"How do I resubmit?", "CA"},
	{"When will the review be finished?", "A"},
	{"Could you resubmit it for me?", "CA"},
	{"Please resubmit it for me.", "C"},
	{"Can I have a few more days?", "CA"},
	{"I need more time to prepare the documents.", "CA"},
	{"Could we extend the deadline?", "CA"},
	{"I haven't had time to fix it yet.", "CM"},
	{"I have not yet submitted.", "CM"},
	{"You misunderstood, I have not resubmitted yet.", "CM"},
	{"That's not what I said.", "M"},
	{"Thanks!", ""},
	{"Thank you for your email.", ""},
	{"I have already resubmitted, no problem.", "D"},
	{"Fixed the website name, please review.", "DR"},
	{"Please let me know if anything else needs to be changed.", ""},
	{"I have updated it. Let me know if there are any other issues.", "D"},
	{"No problem, it's done.", "D"},
	{"Not done yet, sorry.", "CM"},
	{"All done, thanks.", "D"},
	{"I think I have resubmitted it.", ""},
	{"Could you tell me how to change the website name?", "CA"},
	{"Thanks for the updated guidance.", ""},
	{"Please check the updated information.", "R"},
	{"I've resubmitted it.", "D"},
	{"We resubmitted the filing on 3 December.", "D"},
	{"I have fixed the name and will resubmit tomorrow.", "DC"},
	{"After correcting the website name, I resubmitted the application.", "D"},
	{"I've done it.", "D"},
	{"Changes made, please review", "DR"},
	{"I couldn't resubmit because the system was down", "CM"},
	{"Previously submitted, why returned again?", "A"},
	{"We'll resubmit it tomorrow.", "C"},
	{"What else do I need to do?", "CA"},
	{"Please find attached the corrected form.", ""},
	{"Resubmitted or not", "CA"},
	{"My colleague said he resubmitted it", ""},
	{"I thought I had resubmitted it", ""},
	{"I have fixed it, but I am not sure if I did it correctly.", "DCA"},
	{"I have changed the name, however the system won't let me submit.", "CM"},
	{"The system says submission failed when I submit.", "CAM"},
}

func TestInterpret(t *testing.T) {
	for _, tc := range interpretCases {
		r := Read(tc.text)
		in := r.Interpret()
		got := ""
		for _, f := range []struct {
			c  string
			ok bool
		}{{"D", in.Done}, {"R", in.ReviewRequest}, {"C", in.Contradicted}, {"A", in.AsksSomething}, {"M", in.Misread}} {
			if f.ok {
				got += f.c
			}
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q\n  %s\n  why: %s", tc.text, got, tc.want, describe(r), in.Why)
		}
		if (in.Done || in.ReviewRequest) && in.Understood == "" {
			t.Errorf("%q: done or review request, but nothing understood", tc.text)
		}
		if !in.Done && !in.ReviewRequest && in.Understood != "" {
			t.Errorf("%q: understood %q, but neither done nor a review request", tc.text, in.Understood)
		}
		if in.Why == "" {
			t.Errorf("%q: no why", tc.text)
		}
	}
}

// describe lists a reading's statements for a failure message.
func describe(r Reading) string {
	var b strings.Builder
	for _, s := range r.Statements {
		b.WriteString("[")
		b.WriteString(s.Text)
		b.WriteString(" ")
		for _, a := range s.Acts {
			b.WriteString(string(a) + " ")
		}
		if s.Topic {
			b.WriteString("topic ")
		}
		b.WriteString(strings.Join(s.Rules, ","))
		b.WriteString("] ")
	}
	return b.String()
}

func TestInterpretUnderstood(t *testing.T) {
	for text, want := range map[string]string{
		"已经改好了，刚刚重新提交了":                    "已经改好了，刚刚重新提交了",
		"已修改，请重新审核。":                       "已修改，请重新审核",
		"您好，已修改，网站名称改为示例商城，请重新审核":          "已修改 … 请重新审核",
		"Fixed. Please review again.":      "Fixed. Please review again",
		"已经改好了\n刚刚重新提交了":                   "已经改好了 刚刚重新提交了",
		"不好意思，已經重新遞交，煩請審批":                 "已經重新遞交，煩請審批",
		"已经改好了，请问多久能审核完？":                  "已经改好了",
		"I have updated the website name.": "I have updated the website name",
	} {
		if got := Read(text).Interpret().Understood; got != want {
			t.Errorf("%q: understood %q, want %q", text, got, want)
		}
	}
}

func TestInterpretWhy(t *testing.T) {
	in := Read("已修改，明天重新提交").Interpret()
	for _, want := range []string{`done: "已修改"`, `promise about the work: "明天重新提交"`} {
		if !strings.Contains(in.Why, want) {
			t.Errorf("why %q lacks %q", in.Why, want)
		}
	}
	if got := Read("谢谢").Interpret().Why; got != "no statement about the filing" {
		t.Errorf("why of thanks: %q", got)
	}
	in = Read("已提交，但还没修改网站名称").Interpret()
	if !strings.Contains(in.Why, "taken back") || !strings.Contains(in.Why, `not done: "但还没修改网站名称"`) {
		t.Errorf("why %q", in.Why)
	}
}

// TestTroubleIsTheFailureClause: a reported failure is quoted to staff as
// what must be answered; not having done the work yet is not a failure.
func TestTroubleIsTheFailureClause(t *testing.T) {
	for text, want := range map[string]string{
		"重新提交了，但是系统显示失败":           "但是系统显示失败",
		"提交不了，一直报错":                "提交不了",
		"The upload failed again.": "The upload failed again",
		"还没有来得及重新提交":               "",
		"尚未提交，明天提交":                "",
		"已经重新提交了":                  "",
	} {
		in := Read(text).Interpret()
		if in.Trouble != want {
			t.Errorf("%q: trouble %q, want %q", text, in.Trouble, want)
		}
		if want != "" && (!in.AsksSomething || !strings.Contains(in.Why, "reports a failure")) {
			t.Errorf("%q: asks %v, why %q", text, in.AsksSomething, in.Why)
		}
	}
}
