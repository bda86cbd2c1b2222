package reading

import (
	"strings"
	"testing"
)

// benchOwnText is a long but ordinary own text, about 1.5 KB: a
// resubmission notice with what was changed, thanks, a question, some
// English, and a closing block.
var benchOwnText = strings.Join([]string{
	"您好：",
	"收到贵司的退回通知后，我们已经按照退回原因修改了网站名称，网站名称已改为“示例商城官网”，与网站内容一致。",
	"真实性核验单也已经由网站负责人本人重新签字，并重新上传到备案系统。",
	"网站首页底部的备案号链接已经补充，指向 https://beian.miit.gov.cn ，域名证书也已更新为最新版本。",
	"主办单位的联系电话原来填写有误，现在已更正为 0571-8800 0000，负责人的应急联系电话也一并核对过了。",
	"今天上午已在备案系统重新提交，麻烦尽快审核，谢谢！",
	"另外想问一下，管局审核一般需要多久？如果还有需要修改的地方，请随时联系我，我会第一时间处理。",
	"服务器所在地和接入商信息没有变化，网站内容也没有涉及前置审批的项目，这次只修改了网站名称和联系电话两处。",
	"上次因为核验单照片不清晰被退回过一次，这次我们用扫描仪重新扫描了，应该可以看清楚了。",
	"Thanks for your help. I have updated the website name and submitted it again, please review.",
	"If anything else needs to be changed, please let me know and I will fix it as soon as possible.",
	"张三",
	"杭州示例科技有限公司 技术部",
	"电话：138 0000 0000",
	"地址：浙江省杭州市西湖区示例路 1 号",
}, "\n")

func BenchmarkRead(b *testing.B) {
	b.SetBytes(int64(len(benchOwnText)))
	b.ReportAllocs()
	for b.Loop() {
		Read(benchOwnText)
	}
}

func BenchmarkReadInterpret(b *testing.B) {
	b.SetBytes(int64(len(benchOwnText)))
	b.ReportAllocs()
	for b.Loop() {
		Read(benchOwnText).Interpret()
	}
}

// benchReply is benchOwnText above our quoted return notice, as QQ Mail sends it.
var benchReply = benchOwnText + "\n\n------------------ 原始邮件 ------------------\n" +
	"发件人: \"示例云备案中心\"<icp@example.cn>;\n发送时间: 2026年12月2日(星期三) 下午3:00\n" +
	"收件人: \"张三\"<zhangsan@example.com>;\n主题: [ICP#BA-2026-000123] 管局退回备案\n\n" +
	strings.Repeat("请在期限前完成修改并重新提交。逾期提交的，将由工作人员决定是否继续受理。\n", 20)

func BenchmarkOwnText(b *testing.B) {
	b.SetBytes(int64(len(benchReply)))
	b.ReportAllocs()
	for b.Loop() {
		OwnText(benchReply)
	}
}

// BenchmarkReadWorst is MaxText bytes of words in clauses without punctuation.
func BenchmarkReadWorst(b *testing.B) {
	worst := strings.Repeat("已经修改并重新提交了吗请审核明天不", 200)
	b.SetBytes(MaxText)
	b.ReportAllocs()
	for b.Loop() {
		Read(worst)
	}
}

func BenchmarkInterpret(b *testing.B) {
	r := Read(benchOwnText)
	b.ReportAllocs()
	for b.Loop() {
		r.Interpret()
	}
}
