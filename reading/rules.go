package reading

// shape is how a rule's words work in a clause.
type shape uint8

const (
	shapeAnywhere  shape = iota // the word anywhere in the clause: 请问, 延期, 如果
	shapeGoverns                // the word stands before a verb of the rule's classes and says what it is: 已 修改, 会 提交
	shapeFollows                // the word directly follows a verb of the rule's classes: 改好了, 修改完毕
	shapeAfterVerb              // the word comes somewhere after a verb of the rule's classes: 提交失败, 拿到执照后
	shapeEnds                   // the word ends the clause (only fillers after it): 是这样么, 提交了没有
	shapeAlone                  // the word, with fillers, is all the clause says: 还没呢, not yet
	shapeOpens                  // a verb of the rule's classes opens the clause after only these words, with only tails after it: 重新审核一下
	shapePast                   // an English past form after one of these words, or at the clause's start or end: I have updated, Fixed.
)

// reach is how far a governing word reaches to its verb.
type reach uint8

const (
	reachNearest   reach = iota // the nearest governing word before the verb decides: 已经修改并会尽快提交
	reachClause                 // any such word before the verb in the clause decides: negation, whatever stands between
	reachFirstVerb              // the first verb after the word, past other governing words: 请尽快审核
)

// flag qualifies a rule.
type flag uint16

const (
	flagWeak            flag = 1 << iota // a question form a polite request is phrased in (麻烦审核一下好吗？): not a question beside a review request
	flagNoDone                           // the clause cannot state that the work is done: a question, an if, a hedge
	flagUnlessNeg                        // not when a negation stands before the word in the clause: 不需要延期
	flagUnlessDone                       // not when the clause states the work is done: 修改后已重新提交
	flagCourtesy                         // a closing offer (如有问题请联系), not a condition on the applicant's own work
	flagBlocksPerfect                    // ends the reach of 已 to later verbs: 已经看到邮件了，修改一下
	flagAdjacent                         // governs only a verb right after it: 在修改 is in progress, 在系统里提交 is not
	flagTopic                            // the word makes its clause about the applicant's work: 下一步怎么办
	flagNotAfterPerfect                  // governs nothing after a 已: 已将名称修改 is 已把, not "will"
)

// rule is one named way a clause does an act. English words are lower case;
// "~" starts a suffix that may begin inside a word.
type rule struct {
	name           string
	act            Act // "" for a rule that only keeps others from firing: a modal, a hedge
	shape          shape
	reach          reach // for shapeGoverns
	verbs          class // the verbs the rule is about, for the shapes that need one
	flags          flag
	hans, hant, en []string
}

const (
	verbsDone    = classWork | classWorkPast | classGeneric | classGenericPast
	verbsPresent = classWork | classGeneric
)

// dayBefore are the times and deadlines of a promise (明天, 周五前, by Friday),
// shared by the rules for words before and after the verb.
var (
	dayBeforeHans = []string{"周一前", "周二前", "周三前", "周四前", "周五前", "周六前", "周日前", "周末前", "星期一前",
		"星期二前", "星期三前", "星期四前", "星期五前", "星期六前", "星期天前", "星期日前", "月底前", "下班前", "今天内", "今日内"}
	dayBeforeHant = []string{"週一前", "週二前", "週三前", "週四前", "週五前", "週六前", "週日前", "週末前", "周五前",
		"星期一前", "星期二前", "星期三前", "星期四前", "星期五前", "星期六前", "星期天前", "星期日前", "月底前", "下班前", "今天內", "今日內"}
	dayBeforeEn = []string{"by monday", "by tuesday", "by wednesday", "by thursday", "by friday", "by saturday",
		"by sunday", "by the end of", "by tomorrow", "by tonight", "by next week", "tomorrow", "later", "soon",
		"shortly", "tonight", "next week", "this week", "asap", "as soon as possible", "in a few days", "in a couple of days"}
)

// join concatenates word lists.
func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// rules is the rule set. The clause reader (clausereader.go) applies them
// by shape; which rule gave an act is kept in Statement.Rules for staff.
var rules = []rule{
	// done
	{
		name: "done.perfect", act: ActDone, shape: shapeGoverns, reach: reachNearest, verbs: verbsDone,
		hans: []string{"已", "已经", "都已经", "都已", "均已", "业已", "早已", "已然"},
		hant: []string{"已", "已經", "都已經", "都已", "均已", "業已", "早已", "已然"},
		en:   []string{"already"},
	},
	{
		name: "done.perfective", act: ActDone, shape: shapeFollows, verbs: verbsPresent, flags: flagBlocksPerfect,
		hans: []string{"了", "好了", "完了", "过了", "好啦", "完啦", "啦", "完毕", "完成", "完成了", "成功", "成功了",
			"妥了", "上去了", "过去了", "掉了", "好咯", "好喽"},
		hant: []string{"了", "好了", "完了", "過了", "好啦", "完啦", "啦", "完畢", "完成", "完成了", "成功", "成功了",
			"妥了", "上去了", "過去了", "掉了", "好囉"},
	},
	{
		name: "done.final-le", act: ActDone, shape: shapeEnds, verbs: verbsPresent, flags: flagBlocksPerfect,
		hans: []string{"了", "啦"},
		hant: []string{"了", "啦"},
	},
	{
		name: "done.light-verb", act: ActDone, shape: shapeGoverns, reach: reachNearest, verbs: classWork, flags: flagAdjacent,
		hans: []string{"做了", "作了", "进行了", "完成了"},
		hant: []string{"做了", "作了", "進行了", "完成了"},
	},
	{
		name: "done.past-form", act: ActDone, shape: shapePast, verbs: classWorkPast | classGenericPast,
		en: []string{"i", "we", "~'ve", "~’ve", "have", "has", "had", "been", "was", "were", "is", "are", "already",
			"just", "now", "it has", "it's", "it’s"},
	},
	{
		name: "done.bare", act: ActDone, shape: shapeAlone,
		en: []string{"done", "finished", "completed", "all set", "all done"},
	},

	// negated_done
	{
		name: "negated.before-verb", act: ActNegatedDone, shape: shapeGoverns, reach: reachClause, verbs: verbsDone,
		hans: []string{"没", "没有", "未", "尚未", "还没", "还没有", "还未", "暂未", "暂时没有", "并未", "并没有", "从未", "从没",
			"不", "别", "无法", "没能", "未能", "不能", "不会", "不用", "不必", "无须", "无需", "不需要", "来不及", "没来得及",
			"还没来得及", "还没有来得及", "没法"},
		hant: []string{"沒", "沒有", "未", "尚未", "還沒", "還沒有", "還未", "暫未", "暫時沒有", "並未", "並沒有", "從未", "從沒",
			"不", "別", "無法", "沒能", "未能", "不能", "不會", "不用", "不必", "無須", "無需", "不需要", "來不及", "沒來得及",
			"還沒來得及", "還沒有來得及", "沒法"},
		en: []string{"not", "~n't", "~n’t", "never", "not yet", "not done", "haven't yet", "haven’t yet", "have not yet", "cannot", "can't", "can’t", "won't", "won’t", "shan't",
			"unable to", "yet to", "no", "nothing", "didnt", "havent", "hasnt", "dont", "cant", "couldnt", "wasnt",
			"isnt", "wont"},
	},
	{
		name: "negated.after-verb", act: ActNegatedDone, shape: shapeAfterVerb, verbs: classWork | classWorkPast | classGeneric,
		hans: []string{"不了", "不上", "不上去", "不成功", "没成功", "未成功", "失败", "出错", "报错"},
		hant: []string{"不了", "不上", "不上去", "不成功", "沒成功", "未成功", "失敗", "出錯", "報錯"},
		en:   []string{"failed", "fails", "failing", "did not go through"},
	},
	{
		name: "negated.failure", act: ActNegatedDone, shape: shapeAnywhere,
		hans: []string{"提示错误", "显示错误", "系统错误", "出现错误", "报错", "出错", "失败", "不成功", "没成功", "未成功"},
		hant: []string{"提示錯誤", "顯示錯誤", "系統錯誤", "出現錯誤", "報錯", "出錯", "失敗", "不成功", "沒成功", "未成功"},
		en:   []string{"an error", "error message", "failed", "fails", "failing", "did not go through"},
	},
	{
		name: "negated.not-yet", act: ActNegatedDone, shape: shapeAlone,
		hans: []string{"还没", "还没有", "没有", "没", "尚未", "还未", "暂未", "暂时没有", "没呢"},
		hant: []string{"還沒", "還沒有", "沒有", "沒", "尚未", "還未", "暫未", "暫時沒有", "沒呢"},
		en:   []string{"not yet", "not done", "haven't yet", "haven’t yet", "have not yet", "nope"},
	},

	// review_request
	{
		name: "review.request", act: ActReviewRequest, shape: shapeGoverns, reach: reachFirstVerb, verbs: classReview | classGeneric,
		hans: []string{"请", "麻烦", "烦请", "劳烦", "有劳", "还请", "恳请", "敬请", "请您", "请你们", "帮忙", "帮我", "帮我们",
			"帮", "再麻烦", "辛苦", "希望", "望", "盼", "期待", "拜托"},
		hant: []string{"請", "麻煩", "煩請", "勞煩", "有勞", "還請", "懇請", "敬請", "請您", "請你們", "幫忙", "幫我", "幫我們",
			"幫", "再麻煩", "辛苦", "希望", "望", "盼", "期待", "拜託"},
		en: []string{"please", "kindly", "pls", "plz", "could you", "can you", "would you", "could you please",
			"would you please", "can you please", "hope you can"},
	},
	{
		name: "review.imperative", act: ActReviewRequest, shape: shapeOpens, verbs: classReview,
		hans: []string{"重新", "再", "再次", "尽快", "帮忙"},
		hant: []string{"重新", "再", "再次", "盡快", "幫忙"},
	},

	// question
	{
		name: "question.mark", act: ActQuestion, shape: shapeAnywhere, flags: flagWeak | flagNoDone,
		hans: []string{"？"}, hant: []string{"？"}, en: []string{"?"},
	},
	{
		name: "question.particle", act: ActQuestion, shape: shapeAnywhere, flags: flagWeak | flagNoDone,
		hans: []string{"吗"}, hant: []string{"嗎"},
	},
	{
		name: "question.final-particle", act: ActQuestion, shape: shapeEnds, flags: flagWeak | flagNoDone | flagUnlessNeg,
		hans: []string{"么", "呢", "吧"}, hant: []string{"麼", "呢", "吧"},
	},
	{
		name: "question.a-not-a-end", act: ActQuestion, shape: shapeEnds, verbs: verbsDone, flags: flagNoDone,
		hans: []string{"没有", "没"}, hant: []string{"沒有", "沒"},
	},
	{
		name: "question.polite", act: ActQuestion, shape: shapeAnywhere, flags: flagWeak | flagNoDone,
		hans: []string{"能否", "可否", "好不好", "行不行"},
		hant: []string{"能否", "可否", "好不好", "行不行"},
		en:   []string{"could you", "can you", "would you", "could you please", "would you please", "can you please"},
	},
	{
		name: "question.next-step", act: ActQuestion, shape: shapeAnywhere, flags: flagNoDone | flagTopic,
		hans: []string{"下一步", "接下来", "还需要做", "还要做", "需要做什么", "还需要什么", "还差什么", "要怎么做", "该怎么做"},
		hant: []string{"下一步", "接下來", "還需要做", "還要做", "需要做什麼", "還需要什麼", "還差什麼", "要怎麼做", "該怎麼做"},
		en: []string{"what else", "next step", "next steps", "what should i do", "what do i need to do",
			"what do we need to do", "what should we do", "what now"},
	},
	{
		name: "question.success", act: ActQuestion, shape: shapeAnywhere, flags: flagNoDone | flagTopic,
		hans: []string{"成功没有", "有没有成功", "是否成功", "成功了吗", "成功了没", "成功与否", "是否已经成功"},
		hant: []string{"成功沒有", "有沒有成功", "是否成功", "成功了嗎", "成功了沒", "成功與否", "是否已經成功"},
		en:   []string{"went through", "whether it worked", "if it worked", "if it went through", "successful?"},
	},
	{
		// 我不确定: doubt about the work wants a person to look.
		name: "question.unsure", act: ActQuestion, shape: shapeAnywhere, flags: flagNoDone | flagTopic,
		hans: []string{"不确定", "不太确定", "不敢确定", "不清楚是否", "拿不准"},
		hant: []string{"不確定", "不太確定", "不敢確定", "不清楚是否", "拿不準"},
		en:   []string{"not sure", "unsure", "not certain", "don't know if", "don't know whether", "do not know if"},
	},
	{
		name: "question.word", act: ActQuestion, shape: shapeAnywhere, flags: flagNoDone,
		hans: []string{"请问", "是否", "能不能", "可不可以", "可以不可以", "要不要", "需不需要", "需要不需要", "用不用", "是不是",
			"有没有", "对不对", "会不会", "怎么", "怎样", "怎么样", "如何", "多久", "多长时间", "多少天", "什么时候", "何时",
			"为什么", "为何", "哪里", "哪些", "哪个", "什么", "不知道", "想问", "想知道", "想咨询", "咨询一下", "请教",
			"问一下", "几时", "怎么办"},
		hant: []string{"請問", "是否", "能不能", "可不可以", "可以不可以", "要不要", "需不需要", "需要不需要", "用不用", "是不是",
			"有沒有", "對不對", "會不會", "怎麼", "怎樣", "怎麼樣", "如何", "多久", "多長時間", "多少天", "什麼時候", "何時",
			"為什麼", "為何", "哪裡", "哪些", "哪個", "什麼", "不知道", "想問", "想知道", "想諮詢", "諮詢一下", "請教",
			"問一下", "幾時", "怎麼辦"},
		en: []string{"whether", "how", "why", "what", "which", "when will", "when can", "when do", "when does", "when is",
			"when would", "when should", "do i", "do we", "should i", "should we", "is it", "is there", "are there",
			"did you", "have you", "has it", "will it", "i would like to know", "i'd like to know", "would like to know",
			"wonder", "wondering", "please advise", "let me know", "any update", "any updates", "any news", "can i",
			"may i", "do you", "is that ok", "is this ok", "or not"},
	},

	// extension_request
	{
		name: "extension.request", act: ActExtensionRequest, shape: shapeAnywhere, flags: flagUnlessNeg,
		hans: []string{"延期", "延长", "宽限", "晚几天", "延后", "推迟", "多给几天", "多给我几天", "再给几天", "再给我几天",
			"多几天", "缓几天", "延迟", "宽延", "通融", "多一些时间", "多点时间", "更多时间", "多给点时间", "延缓"},
		hant: []string{"延期", "延長", "寬限", "晚幾天", "延後", "推遲", "多給幾天", "多給我幾天", "再給幾天", "再給我幾天",
			"多幾天", "緩幾天", "延遲", "通融", "多一些時間", "多點時間", "更多時間", "多給點時間", "延緩"},
		en: []string{"more time", "extension", "extend", "extended", "postpone", "a few more days", "few more days",
			"couple more days", "a few extra days", "few extra days", "additional time", "extra time", "grace period",
			"delay the deadline", "later deadline", "more days"},
	},

	// promise
	{
		name: "promise.before-verb", act: ActPromise, shape: shapeGoverns, reach: reachNearest,
		verbs: classWork | classWorkPast | classGeneric,
		hans: join([]string{"会", "马上", "稍后", "明天", "明日", "今晚", "后天", "下周", "下星期", "下个星期",
			"这周内", "本周内", "这周", "本周", "尽快", "准备", "打算", "计划", "预计", "争取", "即将", "正在",
			"立即", "立刻", "随后", "回头", "待会", "等会", "一会儿", "晚点", "晚些", "过两天", "改天", "近期", "这两天",
			"要", "就要", "快要", "将要", "快", "很快", "想", "想要", "抓紧", "再", "再去", "后再", "之后再", "以后再",
			"然后再", "了再", "好了再", "赶紧", "赶快"}, dayBeforeHans),
		hant: join([]string{"會", "馬上", "稍後", "明天", "明日", "今晚", "後天", "下週", "下周", "下星期",
			"下個星期", "這週內", "本週內", "這週", "本週", "盡快", "準備", "打算", "計劃", "預計", "爭取", "即將", "正在",
			"立即", "立刻", "隨後", "回頭", "待會", "等會", "一會兒", "晚點", "晚些", "過兩天", "改天", "近期", "這兩天",
			"要", "就要", "快要", "將要", "快", "很快", "想", "想要", "抓緊", "再", "再去", "後再", "之後再", "以後再",
			"然後再", "了再", "好了再", "趕緊", "趕快"}, dayBeforeHant),
		en: join([]string{"will", "~'ll", "~’ll", "shall", "going to", "gonna", "plan to", "planning to", "intend to",
			"about to", "working on", "in the process of", "try to", "trying to", "want to", "would like to"}, dayBeforeEn),
	},
	{
		name: "promise.future-marker", act: ActPromise, shape: shapeGoverns, reach: reachNearest,
		verbs: classWork | classWorkPast | classGeneric, flags: flagNotAfterPerfect,
		hans: []string{"将", "将会", "将于"},
		hant: []string{"將", "將會", "將於"},
	},
	{
		name: "promise.after-verb", act: ActPromise, shape: shapeAfterVerb, verbs: classWork,
		en: dayBeforeEn,
	},

	// modal: governs a verb without saying it is done
	{
		name: "promise.in-progress", act: ActPromise, shape: shapeGoverns, reach: reachNearest, flags: flagAdjacent,
		verbs: classWork | classGeneric,
		hans:  []string{"在"},
		hant:  []string{"在"},
	},
	{
		name: "modal", shape: shapeGoverns, reach: reachNearest, verbs: classWork | classWorkPast | classGeneric,
		hans: []string{"需要", "需", "须", "必须", "应该", "应当", "该", "可以", "能", "能够", "可", "还需", "还需要", "还要",
			"还得", "得以", "只能", "才能", "记得"},
		hant: []string{"需要", "需", "須", "必須", "應該", "應當", "該", "可以", "能", "能夠", "可", "還需", "還需要", "還要",
			"還得", "得以", "只能", "才能", "記得"},
		en: []string{"need to", "needs to", "have to", "has to", "had to", "must", "should", "can", "could", "may",
			"might", "able to", "required to", "supposed to", "need", "needs", "ought to", "asked to", "told to"},
	},

	// condition
	{
		name: "condition.if", act: ActCondition, shape: shapeAnywhere, flags: flagNoDone,
		hans: []string{"如果", "假如", "要是", "若", "若是", "一旦", "万一", "倘若", "如若", "只要", "等到", "假设"},
		hant: []string{"如果", "假如", "要是", "若", "若是", "一旦", "萬一", "倘若", "如若", "只要", "等到", "假設"},
		en:   []string{"if", "once", "as soon as", "in case", "unless", "provided that"},
	},
	{
		name: "condition.courtesy", act: ActCondition, shape: shapeAnywhere, flags: flagCourtesy,
		hans: []string{"如有", "如还有", "如果有", "如果还有", "若有", "若还有", "如需", "如还需", "如还需要", "如果需要",
			"如果还需要", "若需", "若需要", "若还需", "如仍需", "如有需要"},
		hant: []string{"如有", "如還有", "如果有", "如果還有", "若有", "若還有", "如需", "如還需", "如還需要", "如果需要",
			"如果還需要", "若需", "若需要", "若還需", "如仍需", "如有需要"},
		en: []string{"if you", "if any", "if anything", "if there", "if further", "if more", "if additional",
			"should you", "if needed", "if necessary", "if required", "if so", "let me know if anything",
			"let me know if you", "let me know if there", "let me know if any", "let me know if further",
			"let me know if more", "let me know if additional", "let me know if needed"},
	},
	{
		name: "condition.after", act: ActCondition, shape: shapeAfterVerb, verbs: classWork | classGeneric | classLead,
		flags: flagUnlessDone | flagBlocksPerfect,
		hans: []string{"后", "之后", "以后", "过后", "后再", "之后再", "以后再", "然后再", "了再", "好了再", "了以后", "了之后",
			"好了以后", "好了之后"},
		hant: []string{"後", "之後", "以後", "過後", "後再", "之後再", "以後再", "然後再", "了再", "好了再", "了以後", "了之後",
			"好了以後", "好了之後"},
	},
	{
		name: "condition.when", act: ActCondition, shape: shapeAnywhere, flags: flagUnlessDone,
		en: []string{"after", "when", "until"},
	},

	// instruction
	{
		name: "instruction.request", act: ActInstruction, shape: shapeGoverns, reach: reachFirstVerb, verbs: classWork,
		hans: []string{"请", "麻烦", "烦请", "劳烦", "有劳", "还请", "恳请", "请您", "请你们", "帮忙", "帮我", "帮我们", "帮",
			"替我", "代为", "代我", "再麻烦", "拜托"},
		hant: []string{"請", "麻煩", "煩請", "勞煩", "有勞", "還請", "懇請", "請您", "請你們", "幫忙", "幫我", "幫我們", "幫",
			"替我", "代為", "代我", "再麻煩", "拜託"},
		en: []string{"please", "kindly", "pls", "plz", "could you", "can you", "would you", "could you please",
			"would you please", "can you please", "help me", "help us", "help to"},
	},

	{
		// 已经交给代理公司处理了: the work is someone else's, done or not.
		name: "instruction.delegate", act: ActInstruction, shape: shapeGoverns, reach: reachFirstVerb,
		verbs: classWork | classGeneric,
		hans:  []string{"让", "叫", "安排", "告诉", "转交", "交给", "转给", "委托", "联系", "交由", "找人"},
		hant:  []string{"讓", "叫", "安排", "告訴", "轉交", "交給", "轉給", "委託", "聯繫", "交由", "找人"},
		en:    []string{"asked my colleague to", "asked our agency to", "asked the agency to", "asked someone to"},
	},

	// correction
	{
		name: "correction.phrase", act: ActCorrection, shape: shapeAnywhere,
		hans: []string{"理解错了", "理解错", "搞错了", "搞错", "弄错了", "弄错", "误会", "误解", "我没说", "我没有说",
			"我不是这个意思", "不是这个意思", "不是这样的", "不是这样", "看错了", "搞混了", "弄混了"},
		hant: []string{"理解錯了", "理解錯", "搞錯了", "搞錯", "弄錯了", "弄錯", "誤會", "誤解", "我沒說", "我沒有說",
			"我不是這個意思", "不是這個意思", "不是這樣的", "不是這樣", "看錯了", "搞混了", "弄混了"},
		en: []string{"misunderstood", "misunderstanding", "misread", "not what i said", "not what i meant",
			"that is not what", "that's not what", "that’s not what", "i didn't say", "i did not say", "i never said",
			"got it wrong", "that's not right", "that is not right", "that's incorrect", "that is incorrect", "mistaken"},
	},
	{
		name: "correction.bare", act: ActCorrection, shape: shapeAlone,
		hans: []string{"不是", "不是的", "不对", "错了"},
		hant: []string{"不是", "不是的", "不對", "錯了"},
		en:   []string{"wrong", "incorrect", "that's wrong", "that is wrong"},
	},

	// hedge: the clause is not sure the work is done, or speaks of an
	// earlier round (上次已经修改过了，为什么还退回？)
	{
		name: "hedge", shape: shapeAnywhere, flags: flagNoDone,
		hans: []string{"应该", "好像", "似乎", "可能", "大概", "估计", "差不多", "基本上", "一半", "一部分", "大部分",
			"上次", "上一次", "之前已", "当初", "先前", "此前", "说已", "说已经", "据说", "听说", "上周", "上星期",
			"上个星期", "上个月"},
		hant: []string{"應該", "好像", "似乎", "可能", "大概", "估計", "差不多", "基本上", "一半", "一部分", "大部分",
			"上次", "上一次", "之前已", "當初", "先前", "此前", "說已", "說已經", "據說", "聽說", "上週", "上周",
			"上星期", "上個星期", "上個月"},
		en: []string{"i think", "i believe", "probably", "maybe", "perhaps", "might have", "should have", "partially",
			"partly", "almost", "nearly", "mostly", "half", "last time", "previously", "before you returned",
			"before it was returned", "i thought", "i guess", "i suppose", "said", "says", "told me", "last week",
			"last month"},
	},
}
