package reading

// class says what a word is in a clause, apart from the rules it triggers.
// A word may be several things (我 is the applicant and a filler).
type class uint16

const (
	classWork        class = 1 << iota // a verb of work on the filing, base form: 修改, 提交, resubmit
	classWorkPast                      // an English verb of work in its past form: resubmitted, made the changes
	classGeneric                       // a verb of doing, not of the filing itself: 处理, 弄, 完成
	classGenericPast                   // English phrases of having done: all done, taken care of
	classReview                        // a verb of reviewing, which is our work: 审核, review
	classLead                          // opens a wait: 等, 拿到 (a later 后 makes it a condition)
	classSelf                          // the applicant: a request before 我 is not to us (请告诉我是否需要修改)
	classStop                          // hearing or knowing: 已 before 收到 is not about the work
	classFiller                        // may stand beside a bare answer: 目前还没呢, no, not yet
	classTail                          // may follow a bare imperative: 重新审核一下吧, review it again please
	classNeutral                       // only takes its characters from shorter words: 没问题 is no 没, 要求 no 要
)

// classVerb is every class of verb.
const classVerb = classWork | classWorkPast | classGeneric | classGenericPast | classReview

// wordClass lists the words of one class in each script. English words are
// lower case; "~" starts a suffix that may begin inside a word (~n't).
type wordClass struct {
	class          class
	hans, hant, en []string
}

// vocabulary is every word with a class. Words that also trigger rules are
// listed in rules; the two are merged into one lexicon.
var vocabulary = []wordClass{
	{
		class: classWork,
		hans: []string{"修改", "改", "更正", "整改", "完善", "提交", "递交", "送出", "上传", "更新", "更改", "改正", "修正",
			"补充", "补交", "补传", "重填", "填写", "变更", "调整", "替换", "更换", "送审", "签字", "盖章", "修订", "重交", "重新上传",
			"删除", "删掉", "去掉", "补上", "补齐", "补发", "补办"},
		hant: []string{"修改", "改", "更正", "整改", "完善", "提交", "遞交", "送出", "上傳", "更新", "更改", "改正", "修正",
			"補充", "補交", "補傳", "重填", "填寫", "變更", "調整", "替換", "更換", "送審", "簽字", "蓋章", "修訂", "重交", "重新上傳",
			"刪除", "刪掉", "去掉", "補上", "補齊", "補發", "補辦"},
		en: []string{"resubmit", "re-submit", "submit", "update", "fix", "correct it", "correct the", "correct this", "correct them",
			"change", "modify", "amend", "edit", "upload", "re-upload", "reupload", "revise", "redo",
			"make the change", "make the changes", "make the correction", "make the corrections",
			"resubmits", "resubmitting", "re-submitting", "submits", "submitting", "updates", "updating", "fixes", "fixing",
			"correcting", "changes", "changing", "modifies", "modifying", "amends", "amending", "edits", "editing",
			"uploads", "uploading", "revises", "revising"},
	},
	{
		class: classWorkPast,
		en: []string{"resubmitted", "re-submitted", "submitted", "updated", "fixed", "corrected", "changed", "modified",
			"amended", "edited", "uploaded", "re-uploaded", "reuploaded", "revised", "redone",
			"made the change", "made the changes", "made the correction", "made the corrections",
			"made the required changes", "made the necessary changes", "made the requested changes",
			"have been made", "has been made", "were made", "changes made", "corrections made"},
	},
	{
		class: classGeneric,
		hans:  []string{"处理", "弄", "搞", "办", "完成", "完成了", "完毕", "做", "搞定", "弄妥", "办妥"},
		hant:  []string{"處理", "弄", "搞", "辦", "完成", "完成了", "完畢", "做", "搞定", "弄妥", "辦妥"},
	},
	{
		class: classGenericPast,
		en: []string{"all done", "it's done", "it is done", "it’s done", "done with the changes", "done with the corrections",
			"done with the modifications", "taken care of", "finished the changes", "completed the changes",
			"finished the corrections", "completed the corrections", "done it", "done that"},
	},
	{
		class: classReview,
		hans:  []string{"审核", "审批", "复核", "覆核", "审查", "查收", "核实", "审阅", "查看", "看一下", "看看", "过目", "核对", "确认", "受理"},
		hant:  []string{"審核", "審批", "複核", "覆核", "審查", "查收", "核實", "審閱", "查看", "看一下", "看看", "過目", "核對", "確認", "受理"},
		en: []string{"review", "re-review", "check", "recheck", "re-check", "approve", "process", "verify", "look at",
			"have a look", "take a look", "look into", "examine"},
	},
	{
		class: classLead,
		hans:  []string{"等", "待", "拿到", "下来", "领到", "批下来"},
		hant:  []string{"等", "待", "拿到", "下來", "領到", "批下來"},
	},
	{
		class: classSelf,
		hans:  []string{"我", "我们", "本人", "咱们", "我司", "本公司"},
		hant:  []string{"我", "我們", "本人", "咱們", "我司", "本公司"},
		en:    []string{"i", "we", "i'm", "i’m", "me", "us"},
	},
	{
		class: classStop,
		hans: []string{"收到", "看到", "知道", "知悉", "了解", "明白", "清楚", "获悉", "接到", "得知", "注意到", "收悉", "读到", "看了",
			"转发给", "通知", "联系", "转达", "转交", "交给", "转给", "安排", "告诉", "委托", "交由", "反馈给", "发给", "发送给", "寄给", "发到",
			"发过去", "邮寄", "寄出"},
		hant: []string{"收到", "看到", "知道", "知悉", "瞭解", "了解", "明白", "清楚", "獲悉", "接到", "得知", "注意到", "讀到", "看了",
			"轉發給", "通知", "聯繫", "轉達", "轉交", "交給", "轉給", "安排", "告訴", "委託", "交由", "反饋給", "發給", "發送給", "寄給", "發到",
			"發過去", "郵寄", "寄出"},
	},
	{
		class: classFiller,
		hans: []string{"目前", "暂时", "现在", "其实", "呢", "啊", "呀", "哦", "噢", "哈", "嗯", "的", "我", "我们", "还", "抱歉",
			"对不起", "不好意思", "实在", "真的", "都", "也", "您好", "你好", "谢谢", "好的"},
		hant: []string{"目前", "暫時", "現在", "其實", "呢", "啊", "呀", "哦", "噢", "哈", "嗯", "的", "我", "我們", "還", "抱歉",
			"對不起", "不好意思", "實在", "真的", "都", "也", "您好", "你好", "謝謝", "好的"},
		en: []string{"no", "sorry", "actually", "i", "we", "still", "yet", "oh", "well", "hi", "hello", "thanks", "thank you",
			"ok", "okay", "yes"},
	},
	{
		class: classTail,
		hans:  []string{"一下", "一下吧", "下", "吧", "呗", "哈", "谢谢", "哦", "啦"},
		hant:  []string{"一下", "一下吧", "下", "吧", "唄", "哈", "謝謝", "哦", "啦"},
		en:    []string{"again", "it", "please", "thanks", "thank you", "this", "it again", "pls", "plz", "asap"},
	},
	{
		class: classNeutral,
		hans: []string{
			// not negations
			"没问题", "没有问题", "没关系", "没事", "没什么", "没想到", "不客气", "不用谢", "不谢", "不一致", "不符", "不符合",
			"不对应", "不过", "不久", "不少", "不同", "不仅", "不但", "不断", "不管", "不论", "不然", "不错", "不得不", "不规范",
			"不完整", "不清晰", "不正确", "不准确", "不合格", "不匹配", "不通过", "未通过", "没通过", "没有通过", "不予",
			"不了解", "不明白", "而已", "不得已", "已读",
			// not requests, promises or modals
			"要求", "按要求", "按照要求", "重要", "主要", "要么", "必要", "摘要", "会议", "会计", "机会", "社会", "会员", "学会",
			"协会", "开会", "体会", "领会", "委员会", "快递", "愉快", "快乐", "快速", "申请", "邀请", "请假", "聘请", "麻烦了",
			"麻烦您了", "麻烦你了", "麻烦你们了", "添麻烦", "辛苦了", "帮助", "转让", "叫做", "功能", "性能", "可是", "认可",
			"许可", "可惜", "该网站", "该备案", "该域名", "该主体", "该问题", "思想", "理想", "想法", "将近", "将来",
			// not conditions or waits
			"联系电话", "联系方式", "联系人", "联系邮箱", "联系地址", "安排表",
			"若干", "后台", "最后", "然后", "前后", "后续", "后面", "后来", "背后", "落后", "等待", "等候", "等等", "期待已久",
			"对待", "接待", "招待",
			// plain
			"重新", "再次", "好吧", "为了", "除了", "什么的", "这么", "那么", "多么", "改革", "改天见"},
		hant: []string{
			"沒問題", "沒有問題", "沒關係", "沒事", "沒什麼", "沒想到", "不客氣", "不用謝", "不謝", "不一致", "不符", "不符合",
			"不對應", "不過", "不久", "不少", "不同", "不僅", "不但", "不斷", "不管", "不論", "不然", "不錯", "不得不", "不規範",
			"不完整", "不清晰", "不正確", "不準確", "不合格", "不匹配", "不通過", "未通過", "沒通過", "沒有通過", "不予",
			"不瞭解", "不了解", "不明白", "而已", "不得已", "已讀",
			"要求", "按要求", "按照要求", "重要", "主要", "要麼", "必要", "摘要", "會議", "會計", "機會", "社會", "會員", "學會",
			"協會", "開會", "體會", "領會", "委員會", "快遞", "愉快", "快樂", "快速", "申請", "邀請", "請假", "聘請", "麻煩了",
			"麻煩您了", "麻煩你了", "麻煩你們了", "添麻煩", "辛苦了", "幫助", "轉讓", "叫做", "功能", "性能", "可是", "認可",
			"許可", "可惜", "該網站", "該備案", "該域名", "該主體", "該問題", "思想", "理想", "想法", "將近", "將來",
			"聯繫電話", "聯繫方式", "聯繫人", "聯繫郵箱", "聯繫地址", "聯絡電話",
			"若干", "後台", "最後", "然後", "前後", "後續", "後面", "後來", "背後", "落後", "等待", "等候", "等等",
			"對待", "接待", "招待",
			"重新", "再次", "好吧", "為了", "除了", "什麼的", "這麼", "那麼", "多麼", "改革"},
		en: []string{"no problem", "not a problem", "no worries", "not only", "once again", "once more", "never mind",
			"after fixing", "after correcting", "after updating", "after changing", "after modifying", "after making",
			"after amending", "after editing", "after revising", "after uploading", "after receiving", "please find",
			"please note", "please see"},
	},
}
