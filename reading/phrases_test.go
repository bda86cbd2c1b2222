package reading

import "testing"

// briefPhrases are the phrases of the brief, each with the act it must
// give: every one of them is read.
var briefPhrases = []struct {
	text string
	act  Act
}{
	// done
	{"已修改", ActDone}, {"已经修改", ActDone}, {"已經修改", ActDone}, {"已更正", ActDone}, {"已整改", ActDone},
	{"已完善", ActDone}, {"已重新提交", ActDone}, {"已经重新提交", ActDone}, {"已提交", ActDone}, {"已经提交", ActDone},
	{"已遞交", ActDone}, {"已重新遞交", ActDone}, {"已送出", ActDone}, {"已重新送出", ActDone}, {"重新提交了", ActDone},
	{"提交了", ActDone}, {"递交了", ActDone}, {"遞交了", ActDone}, {"送出了", ActDone}, {"改好了", ActDone},
	{"修改好了", ActDone}, {"弄好了", ActDone}, {"处理好了", ActDone}, {"處理好了", ActDone}, {"改完了", ActDone},
	{"修改完毕", ActDone}, {"修改完畢", ActDone}, {"修改完成", ActDone}, {"已按要求修改", ActDone},
	{"刚刚重新提交了", ActDone}, {"剛剛重新提交了", ActDone},
	{"resubmitted", ActDone}, {"re-submitted", ActDone}, {"I have submitted it again", ActDone},
	{"submitted it again", ActDone}, {"submitted again", ActDone}, {"I have updated the name", ActDone},
	{"updated the name and submitted", ActDone}, {"fixed", ActDone}, {"corrected", ActDone},
	{"made the changes", ActDone}, {"made the corrections", ActDone}, {"done with the changes", ActDone},

	// negated_done
	{"没提交", ActNegatedDone}, {"沒提交", ActNegatedDone}, {"没有修改", ActNegatedDone}, {"沒有修改", ActNegatedDone},
	{"未修改", ActNegatedDone}, {"尚未提交", ActNegatedDone}, {"还没提交", ActNegatedDone}, {"還沒提交", ActNegatedDone},
	{"还没有提交", ActNegatedDone}, {"还没有来得及重新提交", ActNegatedDone}, {"還沒有來得及重新提交", ActNegatedDone},
	{"不修改", ActNegatedDone}, {"别提交", ActNegatedDone},
	{"not resubmitted", ActNegatedDone}, {"not yet resubmitted", ActNegatedDone}, {"I haven't resubmitted", ActNegatedDone},
	{"I have not resubmitted", ActNegatedDone}, {"it hasn't been resubmitted", ActNegatedDone},
	{"I didn't resubmit", ActNegatedDone}, {"I did not resubmit", ActNegatedDone}, {"I never resubmitted", ActNegatedDone},
	{"not yet", ActNegatedDone}, {"还没", ActNegatedDone},

	// review_request
	{"请审核", ActReviewRequest}, {"請審核", ActReviewRequest}, {"请重新审核", ActReviewRequest},
	{"請重新審核", ActReviewRequest}, {"麻烦审核", ActReviewRequest}, {"麻煩審核", ActReviewRequest},
	{"麻烦再审核一下", ActReviewRequest}, {"烦请审核", ActReviewRequest}, {"煩請審批", ActReviewRequest},
	{"请审批", ActReviewRequest}, {"请复核", ActReviewRequest}, {"请查收并审核", ActReviewRequest},
	{"please review", ActReviewRequest}, {"please review again", ActReviewRequest},
	{"please check again", ActReviewRequest}, {"kindly review", ActReviewRequest},

	// question
	{"提交了吗？", ActQuestion}, {"改好了没有？", ActQuestion}, {"改好了没有", ActQuestion}, {"是这样吗", ActQuestion},
	{"是這樣嗎", ActQuestion}, {"是这样么", ActQuestion}, {"那我的呢", ActQuestion}, {"请问", ActQuestion},
	{"請問", ActQuestion}, {"是否", ActQuestion}, {"能否", ActQuestion}, {"可否", ActQuestion}, {"能不能", ActQuestion},
	{"可不可以", ActQuestion}, {"可以吗", ActQuestion}, {"怎么", ActQuestion}, {"怎麼", ActQuestion},
	{"如何", ActQuestion}, {"多久", ActQuestion}, {"什么时候", ActQuestion}, {"什麼時候", ActQuestion},
	{"为什么", ActQuestion}, {"為什麼", ActQuestion}, {"whether", ActQuestion}, {"could you tell me", ActQuestion},
	{"can you tell me", ActQuestion}, {"do I need to", ActQuestion}, {"should I", ActQuestion}, {"how", ActQuestion},
	{"when will it", ActQuestion}, {"why", ActQuestion}, {"ok?", ActQuestion},

	// extension_request
	{"延期", ActExtensionRequest}, {"延长", ActExtensionRequest}, {"延長", ActExtensionRequest},
	{"宽限", ActExtensionRequest}, {"寬限", ActExtensionRequest}, {"晚几天", ActExtensionRequest},
	{"晚幾天", ActExtensionRequest}, {"延后", ActExtensionRequest}, {"延後", ActExtensionRequest},
	{"推迟", ActExtensionRequest}, {"推遲", ActExtensionRequest}, {"多给几天", ActExtensionRequest},
	{"再给我几天", ActExtensionRequest}, {"more time", ActExtensionRequest}, {"an extension", ActExtensionRequest},
	{"extend the deadline", ActExtensionRequest}, {"postpone", ActExtensionRequest},
	{"a few more days", ActExtensionRequest},

	// promise
	{"会修改", ActPromise}, {"會修改", ActPromise}, {"将提交", ActPromise}, {"將提交", ActPromise},
	{"马上提交", ActPromise}, {"馬上提交", ActPromise}, {"稍后提交", ActPromise}, {"稍後提交", ActPromise},
	{"明天提交", ActPromise}, {"今晚提交", ActPromise}, {"后天提交", ActPromise}, {"下周提交", ActPromise},
	{"周五前提交", ActPromise}, {"这周内提交", ActPromise}, {"盡快提交", ActPromise}, {"尽快提交", ActPromise},
	{"准备提交", ActPromise}, {"打算提交", ActPromise}, {"計劃提交", ActPromise},
	{"I will resubmit", ActPromise}, {"I'll resubmit", ActPromise}, {"going to resubmit", ActPromise},
	{"resubmit shortly", ActPromise}, {"resubmit tomorrow", ActPromise}, {"fix it later", ActPromise},

	// condition
	{"改好后", ActCondition}, {"改好後", ActCondition}, {"修改后再提交", ActCondition}, {"等执照下来后", ActCondition},
	{"待执照下来后", ActCondition}, {"拿到执照后", ActCondition}, {"如果", ActCondition}, {"若", ActCondition},
	{"一旦", ActCondition}, {"once", ActCondition}, {"after I get it", ActCondition}, {"when I get it", ActCondition},
	{"if", ActCondition},

	// instruction
	{"请你们重新提交", ActInstruction}, {"麻烦小王改一下再提交", ActInstruction}, {"让同事重新提交", ActInstruction},
	{"please resubmit it for me", ActInstruction}, {"could you resubmit", ActInstruction},

	// correction
	{"理解错了", ActCorrection}, {"理解錯了", ActCorrection}, {"搞错了", ActCorrection}, {"搞錯了", ActCorrection},
	{"弄错了", ActCorrection}, {"误会", ActCorrection}, {"誤會", ActCorrection}, {"我没说", ActCorrection},
	{"我不是这个意思", ActCorrection}, {"you misunderstood", ActCorrection}, {"that is not what I said", ActCorrection},
	{"not what I meant", ActCorrection},
}

func TestBriefPhrases(t *testing.T) {
	for _, p := range briefPhrases {
		if r := Read(p.text); !r.Has(p.act) {
			t.Errorf("%q: %s, want %s", p.text, describe(r), p.act)
		}
	}
}

// TestNotNegations: the exceptions of the brief negate nothing.
func TestNotNegations(t *testing.T) {
	for _, s := range []string{"没问题，已修改", "沒問題，已修改", "没关系，已修改", "沒關係，已修改", "不好意思，已修改",
		"不客气，已修改", "不客氣，已修改", "不用谢，已修改", "no problem, resubmitted"} {
		r := Read(s)
		if r.Has(ActNegatedDone) || !r.Interpret().Done {
			t.Errorf("%q: %s", s, describe(r))
		}
	}
	if r := Read("不知道是否需要重新提交"); r.Has(ActNegatedDone) || !r.Has(ActQuestion) {
		t.Errorf("不知道: %s", describe(r))
	}
}
