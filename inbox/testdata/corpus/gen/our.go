package main

import (
	"fmt"
	"strings"
)

// Our emails, as the templates in templates/testdata/golden render them
// (text part): replies quote these lines.

const zhFooter = `示例云备案中心
邮箱：icp@example.cn
电话：0571-8800 0000
地址：浙江省杭州市西湖区示例路 1 号
网站：https://www.example.cn

本邮件由系统自动发送。如需回复，请直接回复本邮件，并保留主题中的 %[1]s，以便我们找到您的备案。`

const enFooter = `Example Cloud ICP Filing Desk
Email: icp@example.cn
Phone: 0571-8800 0000
Address: 1 Example Road, Xihu District, Hangzhou, Zhejiang
Web: https://www.example.cn

This email was sent automatically. To reply, simply reply to it and keep %[1]s in the subject so we can find your filing.`

const zhSteps = `请按以下步骤处理：
1. 根据上述退回原因修改备案信息；
2. 登录备案系统（https://beian.example.cn）重新提交；
3. 提交后直接回复本邮件告知我们（请保留主题中的 %[1]s），我们收到后将尽快重新审核。`

const enSteps = `What to do:
1. Correct the filing as the reason above asks.
2. Resubmit it in the filing system (https://beian.example.cn).
3. Then reply to this email to let us know (keep %[1]s in the subject), and we will review it again as soon as possible.`

func (f *Filing) zhTable() string {
	s := fmt.Sprintf("备案编号：%s\n网站名称：%s\n主办单位或个人：%s\n网站域名：%s", f.Ref, f.Website, f.Holder, joinDomains(f, "zh-CN"))
	return s
}

func (f *Filing) enTable() string {
	return fmt.Sprintf("Filing reference: %s\nWebsite: %s\nFiled by: %s\nDomains: %s", f.Ref, f.Website, f.HolderEn, joinDomains(f, "en"))
}

// Subject is the subject of our email.
func (s *Sent) Subject() string {
	f := s.F
	en := f.Owner.Lang == "en"
	d := f.deadlineFor()
	var t string
	switch s.Kind {
	case "filing_returned":
		if en {
			t = "Filing returned by the Communications Administration: please correct and resubmit by " + enShort(d)
		} else {
			t = "管局退回备案，请于 " + zhShort(d) + " 前修改并重新提交"
		}
	case "filing_returned_provider":
		if en {
			t = "Filing returned: please correct and resubmit by " + enShort(d)
		} else {
			t = "备案被退回，请于 " + zhShort(d) + " 前修改并重新提交"
		}
	case "deadline_reminder":
		if en {
			t = "Reminder: about 24 hours left to resubmit your filing (deadline " + enShort(d) + ")"
		} else {
			t = "提醒：备案重新提交期限还剩约 24 小时（" + zhShort(d) + " 截止）"
		}
	case "deadline_passed":
		if en {
			t = "The deadline to resubmit your filing has passed"
		} else {
			t = "备案已超过重新提交期限"
		}
	case "resubmission_received":
		if en {
			t = "We have received your resubmission"
		} else {
			t = "已收到您的重新提交"
		}
	case "filing_approved":
		t = "备案成功：" + f.ICP
	case "filing_sent_to_bureau":
		t = "备案已提交管局审核"
	default:
		panic(s.Kind)
	}
	return f.Tag() + " " + t
}

// From is our sender for this email.
func (s *Sent) From() Person {
	if s.F.Owner.Lang == "en" {
		return deskEn
	}
	return desk
}

// Text is the text part of our email.
func (s *Sent) Text() string {
	f := s.F
	tag := f.Tag()
	d := f.deadlineFor()
	name := f.Owner.Name
	if f.Owner.Lang == "en" {
		var b strings.Builder
		fmt.Fprintf(&b, "Dear %s,\n\n", name)
		switch s.Kind {
		case "filing_returned", "filing_returned_provider":
			if s.Kind == "filing_returned" {
				b.WriteString("The Communications Administration (管局) reviewed your filing and has returned it to you for correction:\n\n")
			} else {
				b.WriteString("We, the hosting provider, reviewed your filing and have returned it to you for correction:\n\n")
			}
			fmt.Fprintf(&b, "%s\n\nReason for the return:\n%s\n\nResubmit by: %s\nPlease correct and resubmit the filing before this deadline. If it is resubmitted later, our staff will decide whether it can still be accepted.\n\n", f.enTable(), f.Reason, enLong(d))
			fmt.Fprintf(&b, enSteps+"\n\n", tag)
		case "deadline_reminder":
			fmt.Fprintf(&b, "Your filing was returned for correction and we have not yet received your resubmission. About 24 hours remain before the deadline:\n\n%s\n\nReason for the return:\n%s\n\nResubmit by: %s\n\n", f.enTable(), f.Reason, enLong(d))
			fmt.Fprintf(&b, enSteps+"\n\n", tag)
		case "deadline_passed":
			fmt.Fprintf(&b, "The deadline to resubmit this filing, %s, has passed, and we have not received your resubmission:\n\n%s\n\nReason for the return:\n%s\n\n", enLong(d), f.enTable(), f.Reason)
			fmt.Fprintf(&b, "If you still want the filing, please correct it as the reason asks, resubmit it in the filing system (https://beian.example.cn) and reply to this email to let us know (keep %s in the subject). As it is late, our staff will decide whether it can still be accepted.\n\n", tag)
		case "resubmission_received":
			fmt.Fprintf(&b, "We have received your resubmission of this filing:\n\n%s\nYour message: \"%s\", received %s\n\n", f.enTable(), s.Quoted, enLong(s.QAt))
			b.WriteString("What happens next: we will review the corrected filing. If it is in order, we will send it to the Communications Administration for review; if anything still needs correcting, we will email you the reason. There is no need to write again.\n\n")
		default:
			panic(s.Kind)
		}
		fmt.Fprintf(&b, enFooter, tag)
		return b.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s，您好：\n\n", name)
	switch s.Kind {
	case "filing_returned", "filing_returned_provider":
		if s.Kind == "filing_returned" {
			b.WriteString("您的备案经通信管理局（管局）审核未通过，已退回主办者修改：\n\n")
		} else {
			b.WriteString("您的备案经我公司（接入商）审核未通过，已退回修改：\n\n")
		}
		fmt.Fprintf(&b, "%s\n\n退回原因：\n%s\n\n重新提交期限：%s\n请在期限前完成修改并重新提交。逾期提交的，将由工作人员决定是否继续受理。\n\n", f.zhTable(), f.Reason, zhLong(d))
		fmt.Fprintf(&b, zhSteps+"\n\n", tag)
	case "deadline_reminder":
		fmt.Fprintf(&b, "您的以下备案已被退回修改，我们尚未收到您的重新提交。距离重新提交期限还剩约 24 小时：\n\n%s\n\n退回原因：\n%s\n\n重新提交期限：%s\n\n", f.zhTable(), f.Reason, zhLong(d))
		fmt.Fprintf(&b, zhSteps+"\n\n", tag)
	case "deadline_passed":
		fmt.Fprintf(&b, "您的以下备案的重新提交期限已于 %s 届满，我们尚未收到您的重新提交：\n\n%s\n\n退回原因：\n%s\n\n", zhLong(d), f.zhTable(), f.Reason)
		fmt.Fprintf(&b, "如您仍需办理该备案，请尽快根据退回原因修改，在备案系统（https://beian.example.cn）重新提交，并直接回复本邮件告知我们（请保留主题中的 %s）。逾期提交的，将由工作人员决定是否继续受理。\n\n", tag)
	case "resubmission_received":
		fmt.Fprintf(&b, "我们已收到您对以下备案的重新提交：\n\n%s\n您的来信：“%s”，收到于 %s\n\n", f.zhTable(), s.Quoted, zhLong(s.QAt))
		b.WriteString("接下来，我们将重新审核您修改后的备案信息。审核无误后，我们会将备案提交至通信管理局（管局）审核；如仍有需要修改之处，我们会再次通过邮件告知退回原因。您无需重复发送邮件。\n\n")
	case "filing_approved":
		fmt.Fprintf(&b, "恭喜！您的备案已通过通信管理局审核：\n\n%s\n备案号：%s\n备案密码：Kd4#wQ9z\n\n", f.zhTable(), f.ICP)
		b.WriteString("请妥善保管备案密码，今后办理备案变更、注销等业务时需要使用。为保护您的安全，备案密码仅通过本邮件发送一次，我们不会保存，也不会再次发送。\n\n")
		fmt.Fprintf(&b, "请注意：网站开通后，须在网站首页底部中间位置展示备案号，并将备案号链接至工业和信息化部政务服务平台 https://beian.miit.gov.cn 。可参考以下代码：\n<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\" rel=\"noopener\">%s</a>\n\n", f.ICP)
	case "filing_sent_to_bureau":
		fmt.Fprintf(&b, "您的备案资料已经我公司审核无误，现已提交至通信管理局（管局）审核：\n\n%s\n\n当前状态：待管局审核。审核结果出来后，我们会以邮件通知您，其间您无需重复提交。\n\n", f.zhTable())
	default:
		panic(s.Kind)
	}
	fmt.Fprintf(&b, zhFooter, tag)
	return b.String()
}

// HTML is a reduced rendering of our HTML part, as a reply's HTML quotes it.
func (s *Sent) HTML() string {
	var b strings.Builder
	b.WriteString(`<div style="margin:0;padding:0;background:#f3f4f6;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tbody><tr><td align="center" style="padding:24px 12px;">`)
	b.WriteString(`<table role="presentation" width="640" cellpadding="0" cellspacing="0" style="max-width:640px;width:100%;background:#ffffff;border:1px solid #e5e7eb;"><tbody>`)
	title := "示例云备案中心"
	if s.F.Owner.Lang == "en" {
		title = "Example Cloud ICP Filing Desk"
	}
	b.WriteString(`<tr><td style="padding:16px 28px;background:#1e4e8c;color:#ffffff;font-size:18px;font-weight:bold;">` + title + `</td></tr><tr><td style="padding:24px 28px;">`)
	for _, para := range strings.Split(s.Text(), "\n\n") {
		b.WriteString(`<p style="margin:0 0 16px;">` + strings.ReplaceAll(htmlEsc(para), "\n", "<br>") + "</p>")
	}
	b.WriteString(`</td></tr></tbody></table></td></tr></tbody></table></div>`)
	return b.String()
}
