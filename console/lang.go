package console

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"example.com/icpdesk/filing"
)

// langCookie remembers the language a member chose; zh-CN without it.
const langCookie = "icpdesk_lang"

// lang is the language a page is written in, with its catalog.
type lang struct{ code filing.Language }

func (c *Console) lang(r *http.Request) lang {
	if ck, err := r.Cookie(langCookie); err == nil && ck.Value == string(filing.LangEnglish) {
		return lang{filing.LangEnglish}
	}
	return lang{filing.LangChinese}
}

// Code is the page's language tag.
func (l lang) Code() string { return string(l.code) }

// T is the sentence key in the page's language. A missing key shows
// itself, and the catalog test fails.
func (l lang) T(key string) string {
	t, ok := catalog[key]
	if !ok {
		return key
	}
	return t.In(l.code)
}

// Tf formats the sentence key with args.
func (l lang) Tf(key string, args ...any) string { return fmt.Sprintf(l.T(key), args...) }

func (l lang) has(key string) bool { _, ok := catalog[key]; return ok }

// Age says how long ago t was: "3 天" / "3 days".
func (l lang) Age(now, t time.Time) string { return l.span(now.Sub(t)) }

// Left says how long until t, or how long past it.
func (l lang) Left(now time.Time, t *time.Time) string {
	if t == nil {
		return ""
	}
	d := t.Sub(now)
	if d < 0 {
		return l.Tf("time.overdue", l.span(-d))
	}
	return l.Tf("time.left", l.span(d))
}

func (l lang) span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return l.T("time.now")
	case d < time.Hour:
		return l.Tf("time.minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		return l.Tf("time.hours", int(d/time.Hour))
	default:
		return l.Tf("time.days", int(d/(24*time.Hour)))
	}
}

// When is t in the desk's zone, to the minute.
func (l lang) When(t any, zone *time.Location) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return ""
		}
		tt = *v
	default:
		return ""
	}
	if tt.IsZero() {
		return ""
	}
	return tt.In(zone).Format("2006-01-02 15:04")
}

func (c *Console) switchLang(w http.ResponseWriter, r *http.Request) {
	to := filing.LangChinese
	if r.URL.Query().Get("to") == string(filing.LangEnglish) {
		to = filing.LangEnglish
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(to), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("back")), http.StatusSeeOther)
}

func urlEscape(s string) string { return url.QueryEscape(s) }

// catalog holds every sentence the console shows, in both languages.
var catalog = map[string]filing.Text{
	"app.name":        {Zh: "icpdesk 工作台", En: "icpdesk console"},
	"nav.queue":       {Zh: "工作台", En: "Queue"},
	"nav.filings":     {Zh: "备案", En: "Filings"},
	"nav.emails":      {Zh: "发送失败", En: "Failed emails"},
	"nav.accounts":    {Zh: "帐号", En: "Accounts"},
	"nav.staff":       {Zh: "员工", En: "Staff"},
	"nav.tokens":      {Zh: "API 令牌", En: "API tokens"},
	"nav.signout":     {Zh: "退出", En: "Sign out"},
	"nav.lang":        {Zh: "English", En: "中文"},
	"nav.skip":        {Zh: "跳到正文", En: "Skip to content"},
	"common.back":     {Zh: "返回", En: "Back"},
	"common.confirm":  {Zh: "确认", En: "Confirm"},
	"common.cancel":   {Zh: "取消", En: "Cancel"},
	"common.none":     {Zh: "无", En: "none"},
	"common.search":   {Zh: "搜索", En: "Search"},
	"common.filter":   {Zh: "筛选", En: "Filter"},
	"common.all":      {Zh: "全部", En: "All"},
	"common.next":     {Zh: "下一页", En: "Next page"},
	"common.open":     {Zh: "打开", En: "Open"},
	"common.note":     {Zh: "备注", En: "Note"},
	"common.reason":   {Zh: "原因", En: "Reason"},
	"common.yes":      {Zh: "是", En: "yes"},
	"common.no":       {Zh: "否", En: "no"},
	"common.listsep":  {Zh: "、", En: ", "},
	"common.at":       {Zh: "时间", En: "When"},
	"common.by":       {Zh: "操作人", En: "By"},
	"common.status":   {Zh: "状态", En: "Status"},
	"common.kind":     {Zh: "类型", En: "Kind"},
	"common.filing":   {Zh: "备案", En: "Filing"},
	"common.account":  {Zh: "帐号", En: "Account"},
	"common.email":    {Zh: "邮箱", En: "Email"},
	"common.name":     {Zh: "姓名", En: "Name"},
	"common.role":     {Zh: "角色", En: "Role"},
	"common.details":  {Zh: "详情", En: "Details"},
	"common.subject":  {Zh: "主题", En: "Subject"},
	"common.from":     {Zh: "发件人", En: "From"},
	"common.to":       {Zh: "收件人", En: "To"},
	"common.age":      {Zh: "已等待", En: "Waiting"},
	"common.actions":  {Zh: "操作", En: "Actions"},
	"common.nomail":   {Zh: "不发送邮件。", En: "No email is sent."},
	"common.willsend": {Zh: "将发送「%s」邮件给 %s。", En: "A “%s” email will go to %s."},

	"time.now":     {Zh: "不到 1 分钟", En: "under a minute"},
	"time.minutes": {Zh: "%d 分钟", En: "%d min"},
	"time.hours":   {Zh: "%d 小时", En: "%d h"},
	"time.days":    {Zh: "%d 天", En: "%d days"},
	"time.left":    {Zh: "剩余 %s", En: "%s left"},
	"time.overdue": {Zh: "已超期 %s", En: "overdue by %s"},

	"signin.title":    {Zh: "登录", En: "Sign in"},
	"signin.email":    {Zh: "邮箱", En: "Email"},
	"signin.password": {Zh: "密码", En: "Password"},
	"signin.submit":   {Zh: "登录", En: "Sign in"},
	"signin.bad":      {Zh: "邮箱或密码不正确。", En: "Wrong email or password."},
	"signin.wait":     {Zh: "登录失败次数过多，请 %d 秒后再试。", En: "Too many failed sign-ins: try again in %d seconds."},
	"signin.ended":    {Zh: "会话已结束，请重新登录。", En: "Your session ended: please sign in again."},

	"oidc.button":    {Zh: "使用公司帐号登录", En: "Sign in with the company account"},
	"oidc.down":      {Zh: "暂时无法连接公司的统一登录，请稍后再试，或使用密码登录。", En: "The company sign-in cannot be reached now: try again later, or sign in with your password."},
	"oidc.bad":       {Zh: "统一登录未完成（链接过期或无效），请重新登录。", En: "The company sign-in did not complete (an expired or invalid answer): please sign in again."},
	"oidc.nostaff":   {Zh: "此帐号不是工作台的员工，请联系管理员添加。", En: "This account is not a member of staff: ask an admin to add you."},
	"signin.or":      {Zh: "或", En: "or"},
	"setpw.title":    {Zh: "设置密码", En: "Set your password"},
	"setpw.for":      {Zh: "为 %s（%s）设置登录密码。", En: "Choose the console password of %s (%s)."},
	"setpw.password": {Zh: "新密码", En: "New password"},
	"setpw.again":    {Zh: "再输入一次", En: "Once more"},
	"setpw.hint":     {Zh: "至少 %d 个字符。", En: "At least %d characters."},
	"setpw.submit":   {Zh: "设置密码", En: "Set password"},
	"setpw.badlink":  {Zh: "此设置密码链接无效、已使用或已过期，请联系管理员重新发送。", En: "This set-password link is unknown, used or expired: ask an admin for a new one."},
	"setpw.length":   {Zh: "密码长度须为 %d 至 %d 个字符。", En: "A password has %d to %d characters."},
	"setpw.mismatch": {Zh: "两次输入的密码不一致。", En: "The two passwords differ."},

	"err.title":       {Zh: "无法完成", En: "Not done"},
	"err.notfound":    {Zh: "未找到", En: "Not found"},
	"err.refused":     {Zh: "当前状态不允许此操作", En: "Not allowed now"},
	"err.exists":      {Zh: "已存在", En: "Already exists"},
	"err.input":       {Zh: "请求有误", En: "Cannot do this as asked"},
	"err.internal":    {Zh: "内部错误，已记录日志，请稍后再试。", En: "Internal error, logged: please try again later."},
	"err.crossorigin": {Zh: "已拒绝来自其他网站的请求。", En: "A request from another site was refused."},
	"err.signedout":   {Zh: "未登录或会话已结束，请重新登录。", En: "Not signed in, or the session ended: please sign in again."},
	"err.adminonly":   {Zh: "仅管理员可访问此页面。", En: "Only admins may open this page."},

	"queue.title":   {Zh: "工作台", En: "Work queue"},
	"queue.intro":   {Zh: "需要工作人员处理的事项，按类型排列，最早的在前。", En: "What needs staff, by kind, oldest first."},
	"queue.empty":   {Zh: "没有待处理的事项。", En: "Nothing waits for staff."},
	"queue.total":   {Zh: "共 %d 项待处理", En: "%d open items"},
	"queue.more":    {Zh: "另有 %d 项未列出，请按类型筛选。", En: "%d more not listed: filter by kind."},
	"queue.oldest":  {Zh: "最久已等 %s", En: "oldest waiting %s"},
	"queue.about":   {Zh: "事项", En: "About"},
	"queue.close":   {Zh: "关闭事项", En: "Close item"},
	"queue.closedy": {Zh: "已关闭：%s，%s，%s", En: "Closed: %s, by %s, %s"},

	"msg.title":       {Zh: "来信 #%d", En: "Message #%d"},
	"msg.headers":     {Zh: "邮件头", En: "Headers"},
	"msg.received":    {Zh: "收到时间", En: "Received"},
	"msg.date":        {Zh: "发信时间", En: "Date"},
	"msg.cc":          {Zh: "抄送", En: "Cc"},
	"msg.replyto":     {Zh: "回复地址", En: "Reply-To"},
	"msg.mailer":      {Zh: "邮件客户端", En: "Mailer"},
	"msg.messageid":   {Zh: "Message-ID", En: "Message-ID"},
	"msg.own":         {Zh: "申请人自己写的内容", En: "The applicant's own words"},
	"msg.full":        {Zh: "全文（纯文本）", En: "Full text (plain text)"},
	"msg.attachments": {Zh: "附件", En: "Attachments"},
	"msg.auth":        {Zh: "发件人验证", En: "Sender authentication"},
	"msg.verified":    {Zh: "发件人为帐号注册邮箱", En: "Sender is the account's registered address"},
	"msg.decision":    {Zh: "icpdesk 的判断", En: "What icpdesk decided"},
	"msg.why":         {Zh: "原因", En: "Why"},
	"msg.acts":        {Zh: "读出的陈述", En: "Statements read"},
	"msg.linkedby":    {Zh: "关联方式", En: "Linked by"},
	"msg.items":       {Zh: "相关事项", En: "Work items"},
	"msg.answers":     {Zh: "我们的回复", En: "Our answers"},
	"msg.error":       {Zh: "读取错误", En: "Error"},
	"msg.reply":       {Zh: "回复", En: "Reply"},
	"msg.replyhint":   {Zh: "只写答复正文；问候语、编号和签名会自动加上，并以回复邮件的形式发出。", En: "Write only the answer: the greeting, reference and signature are added, and it goes out as a reply to this message."},
	"msg.link":        {Zh: "关联到备案", En: "Link to a filing"},
	"msg.linkhint":    {Zh: "输入备案编号、域名或帐号邮箱搜索。", En: "Search by reference, domain or account email."},
	"msg.linkref":     {Zh: "备案编号", En: "Reference"},
	"msg.linkthis":    {Zh: "关联到此备案", En: "Link to this filing"},
	"msg.nomatch":     {Zh: "没有找到匹配的备案。", En: "No filing matches."},
	"msg.dismiss":     {Zh: "无需处理（请写明原因）", En: "Dismiss (say why)"},
	"msg.handled":     {Zh: "已在其他渠道处理", En: "Handled elsewhere"},
	"msg.reprocess":   {Zh: "按当前规则重新判断", En: "Decide again with today's rules"},
	"msg.noitems":     {Zh: "此来信没有待处理的事项。", En: "This message has no open items."},

	"decision.resubmission":      {Zh: "重新提交", En: "resubmission"},
	"decision.late_resubmission": {Zh: "逾期重新提交", En: "late resubmission"},
	"decision.correspondence":    {Zh: "往来邮件", En: "correspondence"},
	"decision.unverified":        {Zh: "发件人未验证", En: "unverified sender"},
	"decision.unmatched":         {Zh: "未关联备案", En: "unmatched"},
	"decision.ignored":           {Zh: "无需处理（自动回复或本系统邮件）", En: "ignored (auto-reply or our own mail)"},
	"decision.bounce":            {Zh: "退信", En: "bounce"},
	"class.human":                {Zh: "人工来信", En: "written by a person"},
	"class.auto_reply":           {Zh: "自动回复", En: "auto-reply"},
	"class.bounce":               {Zh: "退信", En: "delivery report"},
	"class.own":                  {Zh: "本系统发出的邮件", En: "our own mail"},
	"msg.dismissbtn":             {Zh: "无需处理", En: "Dismiss"},
	"confirm.title":              {Zh: "请确认", En: "Please confirm"},
	"confirm.reply":              {Zh: "将把以下答复发送给 %s（回复其来信，主题带备案编号）。", En: "This answer will go to %s, as a reply to their message, the reference in its subject."},
	"confirm.link":               {Zh: "将把来信 #%d 关联到备案 %s（帐号 %s），并按关联后的备案重新判断：若是重新提交，将向 %s 发送确认邮件；若有问题，将打开待回复事项。", En: "Message #%d will be linked to filing %s (account %s) and decided again as if linked on arrival: a resubmission is acknowledged to %s; a question opens a reply-needed item."},
	"confirm.dismiss":            {Zh: "将关闭来信 #%d 的待处理事项，备注：%s。", En: "The open items of message #%d will be closed with the note: %s."},
	"confirm.handled":            {Zh: "将关闭来信 #%d 的待处理事项，记为已在其他渠道处理。", En: "The open items of message #%d will be closed as handled elsewhere."},
	"confirm.reprocess":          {Zh: "将按当前规则和数据重新判断来信 #%d；判断结果可能发送确认邮件或打开事项。", En: "Message #%d will be decided again with today's rules and data; that may send an acknowledgement or open items."},
	"confirm.act":                {Zh: "备案 %s：%s。", En: "Filing %s: %s."},
	"confirm.update":             {Zh: "将用以下数据更新备案 %s，并重新检查规则。", En: "Filing %s will be updated with this data and its rules checked again."},
	"confirm.notify":             {Zh: "资料清单有变化时，将向 %s 发送「资料清单更新」邮件。", En: "If the materials changed, a “checklist updated” email will go to %s."},
	"confirm.retry":              {Zh: "将重新发送邮件 #%d（%s）给 %s。", En: "Email #%d (%s) will be sent again to %s."},
	"confirm.fix":                {Zh: "将把帐号 %s 的注册邮箱改为 %s（新旧两个地址都会收到通知），然后把邮件 #%d（%s）重新发送到新地址。", En: "Account %s's registered address becomes %s (both addresses are told), then email #%d (%s) is sent again to the new address."},
	"confirm.cancel":             {Zh: "将放弃发送邮件 #%d（%s，收件人 %s），备注：%s。", En: "Email #%d (%s to %s) will not be sent, with the note: %s."},
	"confirm.close":              {Zh: "将关闭事项 #%d，备注：%s。", En: "Item #%d will be closed with the note: %s."},
	"confirm.account":            {Zh: "帐号 %s：%s。", En: "Account %s: %s."},
	"confirm.addacct":            {Zh: "将新建帐号 %s（%s）。", En: "Account %s (%s) will be created."},
	"confirm.setemail":           {Zh: "将把帐号 %s 的注册邮箱改为 %s；新旧两个地址都会收到通知。", En: "Account %s's registered address becomes %s; both addresses are told."},
	"confirm.addstaff":           {Zh: "将添加员工 %s（%s，%s），并向其发送设置密码链接。", En: "%s (%s, %s) will be added to staff and sent a set-password link."},
	"confirm.disable":            {Zh: "将停用员工 %s，其会话立即结束。", En: "%s will be disabled; their sessions end at once."},
	"confirm.enable":             {Zh: "将重新启用员工 %s。", En: "%s will be enabled again."},
	"confirm.token":              {Zh: "将创建 API 令牌 %s，权限：%s。密钥只显示一次。", En: "API token %s will be created with the scopes: %s. Its secret is shown once."},
	"confirm.revoke":             {Zh: "将吊销 API 令牌 %s：使用它的请求从此被拒绝（其他副本最多 %d 秒后生效）。", En: "API token %s will be revoked: requests with it are refused from now on (by other replicas within %d seconds)."},
	"confirm.reset":              {Zh: "将清除员工 %s 的密码、结束其会话，并发送新的设置密码链接。", En: "%s's password will be cleared, their sessions ended, and a new set-password link sent."},

	"done.replied":     {Zh: "答复已排入发送队列，事项已关闭。", En: "The answer is queued for sending; the item is closed."},
	"done.linked":      {Zh: "已关联并重新判断。", En: "Linked and decided again."},
	"done.dismissed":   {Zh: "已关闭事项。", En: "The items are closed."},
	"done.handled":     {Zh: "已记为在其他渠道处理。", En: "Recorded as handled elsewhere."},
	"done.reprocessed": {Zh: "已重新判断。", En: "Decided again."},
	"done.acted":       {Zh: "已完成，已记录在时间线上。", En: "Done, and on the timeline."},
	"done.updated":     {Zh: "备案数据已更新。", En: "The filing's data is updated."},
	"done.retried":     {Zh: "邮件已重新排入发送队列。", En: "The email is queued again."},
	"done.fixed":       {Zh: "地址已更改，邮件已排入发送队列发往新地址。", En: "The address is changed and the email queued to it."},
	"done.cancelled":   {Zh: "已放弃发送此邮件。", En: "The email will not be sent."},
	"done.closed":      {Zh: "事项已关闭。", En: "The item is closed."},
	"done.account":     {Zh: "帐号已更新。", En: "The account is updated."},
	"done.revoked":     {Zh: "令牌已吊销。", En: "The token is revoked."},
	"done.staff":       {Zh: "员工已更新。", En: "The staff member is updated."},
	"done.password":    {Zh: "密码已设置，请登录。", En: "Your password is set: please sign in."},

	"filing.title":      {Zh: "备案 %s", En: "Filing %s"},
	"filing.stage":      {Zh: "阶段", En: "Stage"},
	"filing.deadline":   {Zh: "重新提交期限", En: "Resubmission deadline"},
	"filing.late":       {Zh: "逾期重新提交", En: "resubmitted late"},
	"filing.overdue":    {Zh: "已超期", En: "overdue"},
	"filing.extensions": {Zh: "已延期 %d 次", En: "extended %d times"},
	"filing.return":     {Zh: "退回原因", En: "Return reason"},
	"filing.icp":        {Zh: "备案号", En: "ICP number"},
	"filing.closed":     {Zh: "关闭原因", En: "Closed as"},
	"filing.subject":    {Zh: "主体", En: "Subject"},
	"filing.website":    {Zh: "网站", En: "Website"},
	"filing.domains":    {Zh: "域名", En: "Domains"},
	"filing.legal":      {Zh: "法定代表人", En: "Legal representative"},
	"filing.resp":       {Zh: "负责人", En: "Responsible person"},
	"filing.materials":  {Zh: "资料清单", En: "Materials checklist"},
	"filing.copies":     {Zh: "%d 份", En: "%d copies"},
	"filing.rules":      {Zh: "规则检查", En: "Rule findings"},
	"filing.rulesok":    {Zh: "未发现问题。", En: "No problems found."},
	"filing.timeline":   {Zh: "时间线", En: "Timeline"},
	"filing.inbound":    {Zh: "收到的邮件", En: "Mail in"},
	"filing.outbox":     {Zh: "发出的邮件", En: "Mail out"},
	"filing.items":      {Zh: "事项", En: "Work items"},
	"filing.actions":    {Zh: "操作", En: "Actions"},
	"filing.noactions":  {Zh: "当前阶段没有可执行的操作。", En: "No action is possible at this stage."},
	"filing.until":      {Zh: "新期限（日期）", En: "New deadline (date)"},
	"filing.days":       {Zh: "或延长天数", En: "or days"},
	"filing.icpnumber":  {Zh: "备案号", En: "ICP number"},
	"filing.password":   {Zh: "备案密码（仅在发给申请人的邮件中出现）", En: "Filing password (only in the email to the applicant)"},
	"filing.returnby":   {Zh: "退回方", En: "Returned by"},
	"filing.provider":   {Zh: "接入商", En: "provider"},
	"filing.bureau":     {Zh: "管局", En: "bureau"},
	"filing.update":     {Zh: "用备案系统的 JSON 更新", En: "Update from the filing system's JSON"},
	"filing.notify":     {Zh: "资料清单有变化时通知申请人", En: "Tell the applicant when the materials changed"},
	"filing.event":      {Zh: "事件", En: "Event"},

	"filings.title":   {Zh: "备案列表", En: "Filings"},
	"filings.q":       {Zh: "编号、名称、域名或邮箱", En: "Reference, name, domain or email"},
	"filings.overdue": {Zh: "仅已超期", En: "Overdue only"},
	"filings.empty":   {Zh: "没有符合条件的备案。", En: "No filing matches."},
	"filings.ref":     {Zh: "编号", En: "Reference"},
	"filings.names":   {Zh: "主体 / 网站", En: "Subject / website"},
	"filings.domain":  {Zh: "域名", En: "Domain"},
	"filings.updated": {Zh: "更新于", En: "Updated"},

	"emails.title":            {Zh: "发送失败的邮件", En: "Failed emails"},
	"emails.intro":            {Zh: "无法投递的邮件：改正地址后重发、原样重发或放弃。", En: "Emails that could not be delivered: fix the address and resend, retry as is, or give up."},
	"emails.empty":            {Zh: "没有发送失败的邮件。", En: "No failed emails."},
	"emails.reason":           {Zh: "失败原因", En: "Reason"},
	"emails.failure":          {Zh: "%s（%s）", En: "%s (%s)"},
	"emails.raw":              {Zh: "服务器原文", En: "Server's words"},
	"emails.attempts":         {Zh: "尝试次数", En: "Attempts"},
	"emails.fix":              {Zh: "改正地址并重发", En: "Fix the address and resend"},
	"emails.newaddr":          {Zh: "新地址", En: "New address"},
	"emails.retry":            {Zh: "原样重发", En: "Retry as is"},
	"emails.cancel":           {Zh: "放弃发送", En: "Give up"},
	"emails.email":            {Zh: "邮件 #%d", En: "Email #%d"},
	"emails.sent":             {Zh: "发送时间", En: "Sent"},
	"emails.created":          {Zh: "排队时间", En: "Queued"},
	"emails.body":             {Zh: "正文（纯文本）", En: "Text"},
	"emails.norender":         {Zh: "无法显示此邮件的正文。", En: "This email's text cannot be shown."},
	"emails.status.queued":    {Zh: "待发送", En: "queued"},
	"emails.status.sending":   {Zh: "发送中", En: "sending"},
	"emails.status.sent":      {Zh: "已发送", En: "sent"},
	"emails.status.failed":    {Zh: "发送失败", En: "failed"},
	"emails.status.bounced":   {Zh: "被退回", En: "bounced"},
	"emails.status.cancelled": {Zh: "已放弃", En: "cancelled"},

	"accounts.title":           {Zh: "帐号", En: "Accounts"},
	"accounts.add":             {Zh: "新建帐号", En: "Add an account"},
	"accounts.customer":        {Zh: "主机托管客户（直接通过）", En: "Hosting customer (approved at once)"},
	"accounts.language":        {Zh: "邮件语言", En: "Email language"},
	"accounts.approve":         {Zh: "通过", En: "Approve"},
	"accounts.reject":          {Zh: "不通过", En: "Reject"},
	"accounts.setemail":        {Zh: "更改邮箱", En: "Change address"},
	"accounts.empty":           {Zh: "还没有帐号。", En: "No accounts yet."},
	"accounts.status.pending":  {Zh: "待审核", En: "pending"},
	"accounts.status.approved": {Zh: "已通过", En: "approved"},
	"accounts.status.rejected": {Zh: "未通过", En: "rejected"},

	"staff.title":         {Zh: "员工", En: "Staff"},
	"staff.add":           {Zh: "添加员工", En: "Add a member"},
	"staff.disable":       {Zh: "停用", En: "Disable"},
	"staff.enable":        {Zh: "启用", En: "Enable"},
	"staff.reset":         {Zh: "重置密码", En: "Reset password"},
	"staff.disabled":      {Zh: "已停用", En: "disabled"},
	"staff.pending":       {Zh: "尚未设置密码", En: "no password yet"},
	"staff.active":        {Zh: "正常", En: "active"},
	"staff.link":          {Zh: "设置密码链接（仅显示这一次）：", En: "Set-password link (shown this once):"},
	"tokens.title":        {Zh: "API 令牌", En: "API tokens"},
	"tokens.intro":        {Zh: "备案系统和其他工具用令牌调用 /api/v1：请求头 Authorization: Bearer <密钥>。密钥只在创建时显示一次，数据库中只保存其摘要。", En: "The filing system and other tools call /api/v1 with a token: header Authorization: Bearer <secret>. The secret is shown once, when it is created; only its digest is stored."},
	"tokens.name":         {Zh: "名称", En: "Name"},
	"tokens.namehint":     {Zh: "小写字母、数字、.、_ 或 -，如 filing-system", En: "lower-case letters, digits, '.', '_' or '-', e.g. filing-system"},
	"tokens.scopes":       {Zh: "权限", En: "Scopes"},
	"tokens.created":      {Zh: "创建", En: "Created"},
	"tokens.lastused":     {Zh: "最近使用", En: "Last used"},
	"tokens.never":        {Zh: "从未使用", En: "never"},
	"tokens.active":       {Zh: "有效", En: "active"},
	"tokens.revokedat":    {Zh: "已于 %s 吊销", En: "revoked %s"},
	"tokens.revoke":       {Zh: "吊销", En: "Revoke"},
	"tokens.create":       {Zh: "创建令牌", En: "Create a token"},
	"tokens.empty":        {Zh: "还没有 API 令牌。", En: "No API tokens yet."},
	"tokens.secret":       {Zh: "令牌 %s 已创建。这是它的密钥，只显示这一次，请现在复制到调用方的配置中：", En: "Token %s is created. This is its secret, shown this once: copy it into the caller's configuration now."},
	"tokens.scopesof":     {Zh: "权限：%s", En: "Scopes: %s"},
	"scope.read":          {Zh: "只读（帐号、备案、事项、邮件、事件流）", En: "read (accounts, filings, the queue, mail, the events feed)"},
	"scope.filings:write": {Zh: "备案写入（帐号、导入和更新备案、阶段操作）", En: "filings:write (accounts, importing and updating filings, stage actions)"},
	"scope.staff":         {Zh: "员工操作（事项、来信、发件箱）", En: "staff (the queue, received messages, the outbox)"},
	"role.staff":          {Zh: "员工", En: "staff"},
	"role.admin":          {Zh: "管理员", En: "admin"},

	"event.import":                  {Zh: "导入备案", En: "imported"},
	"event.filing_updated":          {Zh: "更新备案数据", En: "data updated"},
	"event.email_sent":              {Zh: "邮件已发出", En: "email sent"},
	"event.email_retried":           {Zh: "重新发送邮件", En: "email retried"},
	"event.email_cancelled":         {Zh: "放弃发送邮件", En: "email cancelled"},
	"event.email_failed":            {Zh: "邮件发送失败", En: "email failed"},
	"event.email_bounced":           {Zh: "邮件被退回", En: "email bounced"},
	"event.email_received":          {Zh: "收到来信", En: "email received"},
	"event.email_unverified_sender": {Zh: "来信发件人未通过验证", En: "email from an unverified sender"},
	"event.inbound_linked":          {Zh: "来信由工作人员关联到备案", En: "email linked by staff"},
	"event.inbound_reprocessed":     {Zh: "来信按现行规则重新处理", En: "email decided again"},
	"event.staff_reply":             {Zh: "工作人员答复", En: "staff reply"},
	"event.account_email_changed":   {Zh: "帐号邮箱变更", En: "account address changed"},
	"event.submit":                  {Zh: "信息核实提交", En: "submitted"},
	"event.return_provider":         {Zh: "接入商退回", En: "returned by the provider"},
	"event.return_bureau":           {Zh: "管局退回", En: "returned by the bureau"},
	"event.to_bureau":               {Zh: "提交管局", En: "sent to the bureau"},
	"event.approve":                 {Zh: "备案成功", En: "approved"},
	"event.resubmit":                {Zh: "重新提交", En: "resubmitted"},
	"event.flag_overdue":            {Zh: "标记超期", En: "flagged overdue"},
	"event.remind":                  {Zh: "期限提醒", En: "reminded"},
	"event.extend":                  {Zh: "延长期限", En: "deadline extended"},
	"event.withdraw":                {Zh: "撤回", En: "withdrawn"},
	"event.accept_late":             {Zh: "受理逾期提交", En: "late resubmission accepted"},
	"event.decline_late":            {Zh: "不受理逾期提交", En: "late resubmission declined"},
	"event.undo_resubmission":       {Zh: "撤销重新提交记录", En: "resubmission undone"},
	"event.work_item_opened":        {Zh: "打开事项", En: "work item opened"},
	"event.work_item_closed":        {Zh: "关闭事项", En: "work item closed"},
	"action.submit":                 {Zh: "已信息核实提交（发送资料清单）", En: "Submitted (send the checklist)"},
	"action.return":                 {Zh: "退回", En: "Return"},
	"action.return_provider":        {Zh: "接入商退回", En: "Return (provider)"},
	"action.return_bureau":          {Zh: "管局退回", En: "Return (bureau)"},
	"action.to_bureau":              {Zh: "提交管局", En: "Send to the bureau"},
	"action.approve":                {Zh: "备案成功", En: "Approved by the bureau"},
	"action.resubmit":               {Zh: "记录重新提交", En: "Record a resubmission"},
	"action.extend":                 {Zh: "延长期限", En: "Extend the deadline"},
	"action.withdraw":               {Zh: "撤回备案", En: "Withdraw"},
	"action.accept_late":            {Zh: "受理逾期提交", En: "Accept the late resubmission"},
	"action.decline_late":           {Zh: "不受理逾期提交", En: "Decline the late resubmission"},
	"action.undo_resubmission":      {Zh: "撤销重新提交记录", En: "Undo the resubmission"},
}
