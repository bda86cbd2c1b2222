package templates

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"example.com/icpdesk/filing"
)

var zhWeekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// chinaZones are the zone names whose time mainland applicants call 北京时间.
var chinaZones = map[string]bool{
	"Asia/Shanghai": true, "Asia/Chongqing": true, "Asia/Chungking": true, "Asia/Harbin": true, "PRC": true,
}

// dateTime formats t in loc with the weekday and the zone, precise to the
// second, as a deadline must be:
//
//	zh-CN: 2026年12月8日 星期二 23:59:59（北京时间）
//	en:    Tuesday 8 December 2026, 23:59:59 China Standard Time (UTC+08:00)
func dateTime(t time.Time, loc *time.Location, lang filing.Language) string {
	l := t.In(loc)
	if lang == filing.LangEnglish {
		return l.Format("Monday 2 January 2006, 15:04:05") + " " + zoneName(l, loc, lang)
	}
	return fmt.Sprintf("%d年%d月%d日 %s %s（%s）", l.Year(), int(l.Month()), l.Day(),
		zhWeekdays[l.Weekday()], l.Format("15:04:05"), zoneName(l, loc, lang))
}

// shortDateTime is a deadline in a subject line: 12月8日 23:59 / 8 Dec 23:59.
func shortDateTime(t time.Time, loc *time.Location, lang filing.Language) string {
	l := t.In(loc)
	if lang == filing.LangEnglish {
		return l.Format("2 Jan 15:04")
	}
	return fmt.Sprintf("%d月%d日 %s", int(l.Month()), l.Day(), l.Format("15:04"))
}

// tableTime is a time in a staff table: 2026-12-08 23:59.
func tableTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// zoneName names the desk's zone at instant l (already in loc).
func zoneName(l time.Time, loc *time.Location, lang filing.Language) string {
	_, off := l.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	utc := fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
	if chinaZones[loc.String()] {
		if lang == filing.LangEnglish {
			return "China Standard Time (" + utc + ")"
		}
		return "北京时间"
	}
	if lang == filing.LangEnglish {
		return loc.String() + " time (" + utc + ")"
	}
	return loc.String() + " 时间，" + utc
}

// hoursText says how long an offset is: "72 小时" / "72 hours".
func hoursText(d time.Duration, lang filing.Language) string {
	h := int(d.Round(time.Hour) / time.Hour)
	if d < time.Hour {
		m := int(d.Round(time.Minute) / time.Minute)
		if lang == filing.LangEnglish {
			return plural(m, "minute", "minutes")
		}
		return fmt.Sprintf("%d 分钟", m)
	}
	if lang == filing.LangEnglish {
		return plural(h, "hour", "hours")
	}
	return fmt.Sprintf("%d 小时", h)
}

// spanText says how long a span is, in the unit a reader wants: minutes
// under an hour, hours under two days, then whole days ("5 小时", "2 days").
// A negative span (a deadline already passed) is measured the same way.
func spanText(d time.Duration, lang filing.Language) string {
	if d < 0 {
		d = -d
	}
	en := lang == filing.LangEnglish
	switch {
	case d < time.Hour:
		m := max(int(d/time.Minute), 1)
		if en {
			return plural(m, "minute", "minutes")
		}
		return fmt.Sprintf("%d 分钟", m)
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		if en {
			return plural(h, "hour", "hours")
		}
		return fmt.Sprintf("%d 小时", h)
	}
	days := int(d / (24 * time.Hour))
	if en {
		return plural(days, "day", "days")
	}
	return fmt.Sprintf("%d 天", days)
}

// thousands writes n with thousands separators, as English text does: 10,523.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// paragraph normalises applicant text that may span lines (a return reason):
// one kind of line break, no other control characters, trimmed.
func paragraph(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// paragraphs splits text (already through paragraph) into paragraphs at
// blank lines, each as its lines, so HTML can keep the writer's breaks.
func paragraphs(s string) [][]string {
	var out [][]string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, strings.TrimRight(line, " \t"))
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// maxQuoteRunes bounds a sentence quoted from someone's mail.
const maxQuoteRunes = 200

// clip cuts s to n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return strings.TrimSpace(string(rs[:n-1])) + "…"
}

// zhPunct gives Chinese text from package filing, written with ASCII
// punctuation like the seed procedure, the full-width punctuation of the
// templates around it.
var zhPunct = strings.NewReplacer("(", "（", ")", "）", ",", "，", ":", "：", ";", "；")

var kindLabels = map[filing.EmailKind]filing.Text{
	filing.EmailAccountApproved:        {Zh: "帐号审核通过", En: "account approved"},
	filing.EmailAccountRejected:        {Zh: "帐号未通过审核", En: "account rejected"},
	filing.EmailFilingSubmitted:        {Zh: "资料清单", En: "materials checklist"},
	filing.EmailFilingReturnedProvider: {Zh: "接入商退回", En: "returned by the provider"},
	filing.EmailFilingReturned:         {Zh: "管局退回", En: "returned by the bureau"},
	filing.EmailFilingSentToBureau:     {Zh: "已提交管局", En: "sent to the bureau"},
	filing.EmailFilingApproved:         {Zh: "备案成功", En: "filing approved"},
	filing.EmailResubmissionReceived:   {Zh: "重新提交确认", En: "resubmission received"},
	filing.EmailResubmissionLate:       {Zh: "逾期重新提交", En: "late resubmission"},
	filing.EmailUnverifiedSender:       {Zh: "发件人未验证", En: "unverified sender"},
	filing.EmailDeadlineReminder:       {Zh: "期限提醒", En: "deadline reminder"},
	filing.EmailDeadlinePassed:         {Zh: "超过期限", En: "deadline passed"},
	filing.EmailStaffAlert:             {Zh: "员工提醒", En: "staff alert"},
	filing.EmailStaffDigest:            {Zh: "每日摘要", En: "daily digest"},
	filing.EmailStaffReply:             {Zh: "工作人员答复", En: "staff reply"},
	filing.EmailDeadlineExtended:       {Zh: "延长期限", En: "deadline extended"},
	filing.EmailFilingWithdrawn:        {Zh: "备案撤回", En: "filing withdrawn"},
	filing.EmailLateAccepted:           {Zh: "逾期提交继续受理", En: "late resubmission accepted"},
	filing.EmailLateDeclined:           {Zh: "逾期提交不予受理", En: "late resubmission declined"},
	filing.EmailResubmissionUndone:     {Zh: "更正重新提交记录", En: "resubmission record corrected"},
	filing.EmailAccountEmailChanged:    {Zh: "帐号邮箱变更", En: "account email changed"},
	filing.EmailChecklistUpdated:       {Zh: "资料清单更新", En: "checklist updated"},
	filing.EmailStaffSetPassword:       {Zh: "工作台设置密码", En: "console set-password link"},
}

// KindLabel names an email kind for people: "备案成功" / "filing approved".
func KindLabel(k filing.EmailKind, lang filing.Language) string { return label(kindLabels, k, lang) }

// label is k's entry in labels in lang, or k itself when it has none.
func label[K ~string](labels map[K]filing.Text, k K, lang filing.Language) string {
	if t, ok := labels[k]; ok {
		return t.In(lang)
	}
	return string(k)
}

var actionLabels = map[string]filing.Text{
	string(filing.ActionSubmit):           {Zh: "提交接入商审核", En: "submitted for the provider's review"},
	string(filing.ActionReturnProvider):   {Zh: "接入商退回", En: "returned by the provider"},
	string(filing.ActionToBureau):         {Zh: "提交管局", En: "sent to the bureau"},
	string(filing.ActionReturnBureau):     {Zh: "管局退回", En: "returned by the bureau"},
	string(filing.ActionApprove):          {Zh: "备案成功", En: "approved"},
	string(filing.ActionResubmit):         {Zh: "重新提交", En: "resubmitted"},
	string(filing.ActionFlagOverdue):      {Zh: "超过重新提交期限", En: "past the resubmission deadline"},
	string(filing.ActionRemind):           {Zh: "期限提醒", En: "deadline reminder"},
	string(filing.ActionExtend):           {Zh: "延长重新提交期限", En: "deadline extended"},
	string(filing.ActionWithdraw):         {Zh: "撤回备案", En: "withdrawn"},
	string(filing.ActionAcceptLate):       {Zh: "逾期提交继续受理", En: "late resubmission accepted"},
	string(filing.ActionDeclineLate):      {Zh: "逾期提交不予受理", En: "late resubmission declined"},
	string(filing.ActionUndoResubmission): {Zh: "撤销误记的重新提交", En: "resubmission undone"},
	actionEmailFailed:                     {Zh: "邮件发送失败", En: "email not delivered"},
	actionBounce:                          {Zh: "收到退信", En: "bounce received"},
}

var actorLabels = map[filing.Actor]filing.Text{
	filing.ActorStaff:     {Zh: "工作人员", En: "staff"},
	filing.ActorApplicant: {Zh: "主办者（邮件）", En: "applicant (by email)"},
	filing.ActorScheduler: {Zh: "定时任务", En: "scheduled job"},
}

// returnedByLabels name who returned a filing, as return emails say it.
var returnedByLabels = map[filing.ReturnSource]filing.Text{
	filing.ReturnedByProvider: {Zh: "接入商（我公司）", En: "the provider (our filing desk)"},
	filing.ReturnedByBureau:   {Zh: "通信管理局（管局）", En: "the Communications Administration"},
}

// fieldLabels name the fields filing.Diff reports ("website.name").
var fieldLabels = map[string]filing.Text{
	"subject.type":                           {Zh: "主办者性质", En: "Subject type"},
	"subject.name":                           {Zh: "主办单位或个人名称", En: "Subject name"},
	"subject.legal_representative.name":      {Zh: "法定代表人姓名", En: "Legal representative's name"},
	"subject.legal_representative.id_number": {Zh: "法定代表人证件号码", En: "Legal representative's ID number"},
	"subject.legal_representative.phone":     {Zh: "法定代表人联系电话", En: "Legal representative's phone"},
	"subject.legal_representative.email":     {Zh: "法定代表人电子邮箱", En: "Legal representative's email"},
	"subject.responsible.name":               {Zh: "主体负责人姓名", En: "Subject responsible person's name"},
	"subject.responsible.id_number":          {Zh: "主体负责人证件号码", En: "Subject responsible person's ID number"},
	"subject.responsible.phone":              {Zh: "主体负责人联系电话", En: "Subject responsible person's phone"},
	"subject.responsible.email":              {Zh: "主体负责人电子邮箱", En: "Subject responsible person's email"},
	"website.name":                           {Zh: "网站名称", En: "Website name"},
	"website.responsible.name":               {Zh: "网站负责人姓名", En: "Website responsible person's name"},
	"website.responsible.id_number":          {Zh: "网站负责人证件号码", En: "Website responsible person's ID number"},
	"website.responsible.phone":              {Zh: "网站负责人联系电话", En: "Website responsible person's phone"},
	"website.responsible.email":              {Zh: "网站负责人电子邮箱", En: "Website responsible person's email"},
	"website.domains":                        {Zh: "网站域名", En: "Domains"},
}

// fieldLabel names a changed field for the applicant; a field this version
// does not know keeps its key.
func fieldLabel(field string, lang filing.Language) string {
	return label(fieldLabels, OneLine(field), lang)
}

// changeValue is a changed field's value as the applicant reads it: subject
// types labelled, the rest as filing.Diff wrote it.
func changeValue(field, value string, lang filing.Language) string {
	value = OneLine(value)
	if field == "subject.type" && value != "" {
		if l := filing.SubjectType(value).Label(lang); l != "" {
			return l
		}
	}
	return value
}
