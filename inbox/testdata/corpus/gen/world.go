package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// cst is China Standard Time, in which the desk and the world live.
var cst = time.FixedZone("CST", 8*3600)

// at is a time in CST: at(12, 3, 10, 12, 44) is 2026-12-03 10:12:44 +08:00.
func at(month, day, hour, min, sec int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, min, sec, 0, cst)
}

// now is the world's clock; every message is dated at or before it.
var now = at(12, 4, 10, 0, 0)

// Person is a sender or recipient.
type Person struct {
	Name, Addr string
	Lang       string // zh-CN or en: the language of our emails to them
}

func (p Person) String() string { return p.Name + " <" + p.Addr + ">" }

// Accounts of the filing system.
var (
	zhangsan = Person{"张三", "zhangsan@qq.example", "zh-CN"}                  // QQ Mail
	lisi     = Person{"李四", "lisi@163.example", "zh-CN"}                     // 163 (Coremail)
	wangwu   = Person{"王五", "wangwu@126.example", "zh-CN"}                   // 126 (Coremail)
	chenjing = Person{"陈静", "chenjing@foxmail.example", "zh-CN"}             // Foxmail desktop
	liuyang  = Person{"刘洋", "liuyang@hzshili.example", "zh-CN"}              // Outlook zh-CN, company domain
	zhaolei  = Person{"赵磊", "zhaolei@icloud.example", "zh-CN"}               // iPhone / Apple Mail
	john     = Person{"John Miller", "john.miller@gmail.example", "en"}      // Gmail
	zhoujie  = Person{"周杰", "zhoujie@jiaxin.example", "zh-CN"}               // WeCom (企业微信) mail
	sunli    = Person{"孙丽", "sunli@jiaxin.example", "zh-CN"}                 // WeCom, same company
	wuhua    = Person{"吴华", "wuhua@yunshang.example", "zh-CN"}               // Alimail
	chantm   = Person{"陳大文", "chan.taiman@netvigator.example", "zh-CN"}      // Hong Kong
	linyt    = Person{"林雅婷", "lin.yating@hinet.example", "zh-CN"}            // Taiwan
	huangq   = Person{"黄强", "huangqiang@139.example", "zh-CN"}               // two returned filings
	zhengmin = Person{"郑敏", "zhengmin@sina.example", "zh-CN"}                // past deadline
	xuyan    = Person{"徐燕", "xuyan@sohu.example", "zh-CN"}                   // already back in provider review
	gaofeng  = Person{"高峰", "gaofeng@yeah.example", "zh-CN"}                 // approved
	david    = Person{"David Wong", "david.wong@example.com", "en"}          // DKIM-signed by the world's key
	emily    = Person{"Emily Chen", "emily.chen@outlook.example", "en"}      // Outlook.com, provider return
	heping   = Person{"何平", "heping@21cn.example", "zh-CN"}                  // provider return, past deadline
	maliang  = Person{"马良", "maliang@qq.example", "zh-CN"}                   // draft never submitted
	peter    = Person{"Peter Schmidt", "peter.schmidt@posteo.example", "en"} // Thunderbird, UTC+1, past deadline
	tom      = Person{"Tom Baker", "tom.baker@yahoo.example", "en"}          // en, already back in provider review
)

var accounts = []Person{zhangsan, lisi, wangwu, chenjing, liuyang, zhaolei, john, zhoujie, sunli, wuhua, chantm, linyt,
	huangq, zhengmin, xuyan, gaofeng, david, emily, heping, maliang, peter, tom}

// Not accounts: people who write about a filing that is not theirs, and strangers.
var (
	agent    = Person{"备案代办小刘", "xiaoliu@daili.example", "zh-CN"}
	wanggong = Person{"王工", "wang@hzshili.example", "zh-CN"}
	stranger = Person{"周先生", "zhou.xs@qq.example", "zh-CN"}
	newcorp  = Person{"Laura Green", "laura.green@gmail.example", "en"}
	desk     = Person{"示例云备案中心", "icp@example.cn", "zh-CN"}
	deskEn   = Person{"Example Cloud ICP Filing Desk", "icp@example.cn", "en"}
)

// Filing is a filing of the world, with what our emails about it say.
type Filing struct {
	Ref        string
	Owner      Person
	Stage      string // draft, provider_review, bureau_review, returned, approved
	Source     string // bureau or provider, when returned
	ReturnedAt time.Time
	Deadline   time.Time
	Overdue    bool
	ICP        string
	Domains    []string

	Website, Holder, HolderEn, Reason string
}

func (f *Filing) Tag() string { return "[ICP#" + f.Ref + "]" }

const (
	reasonName   = "网站名称与网站内容不符,请修改网站名称。"
	reasonSign   = "真实性核验单网站负责人处签字与身份证姓名不一致。\n请重新打印核验单并由网站负责人本人签字。"
	reasonPhone  = "网站负责人手机号码无法接通,请核实后修改。"
	reasonDomain = "域名注册信息与备案主体不一致,请先修改域名注册信息。"
	reasonID     = "主体负责人证件有效期已过期,请上传有效证件。"
	reasonPhoto  = "现场核验照片背景不符合要求,请重新拍摄。"
)

func endOfDay(month, day int) time.Time { return at(month, day, 23, 59, 59) }

var (
	f101 = &Filing{Ref: "BA-2026-000101", Owner: zhangsan, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 1, 10, 0, 0), Deadline: endOfDay(12, 8),
		Domains: []string{"shop.example.cn"}, Website: "示例商城", Holder: "张三（个人）", HolderEn: "张三 (individual)", Reason: reasonName}
	f102 = &Filing{Ref: "BA-2026-000102", Owner: lisi, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 1, 15, 30, 0), Deadline: endOfDay(12, 8),
		Domains: []string{"blog.example.cn"}, Website: "李四的博客", Holder: "李四（个人）", HolderEn: "李四 (individual)", Reason: reasonPhone}
	f103 = &Filing{Ref: "BA-2026-000103", Owner: wangwu, Stage: "draft", Source: "provider", ReturnedAt: at(12, 2, 9, 40, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"photo.example.cn"}, Website: "王五摄影", Holder: "王五（个人）", HolderEn: "王五 (individual)", Reason: reasonSign}
	f104 = &Filing{Ref: "BA-2026-000104", Owner: chenjing, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 1, 11, 0, 0), Deadline: endOfDay(12, 8),
		Domains: []string{"peixun.example.cn"}, Website: "静心培训", Holder: "杭州静心教育咨询有限公司（企业）", HolderEn: "杭州静心教育咨询有限公司 (enterprise)", Reason: reasonDomain}
	f105 = &Filing{Ref: "BA-2026-000105", Owner: liuyang, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 2, 10, 0, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"示例.中国", "www.hzshili.example.cn"}, Website: "示例科技官网", Holder: "杭州示例科技有限公司（企业）", HolderEn: "杭州示例科技有限公司 (enterprise)", Reason: reasonName}
	f106 = &Filing{Ref: "BA-2026-000106", Owner: zhaolei, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 1, 16, 0, 0), Deadline: endOfDay(12, 8),
		Domains: []string{"cafe.example.cn"}, Website: "磊子咖啡", Holder: "赵磊（个人）", HolderEn: "赵磊 (individual)", Reason: reasonName}
	f107 = &Filing{Ref: "BA-2026-000107", Owner: john, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 2, 14, 0, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"studio.example.net"}, Website: "Miller Studio", Holder: "杭州米勒设计有限公司（企业）", HolderEn: "杭州米勒设计有限公司 (enterprise)", Reason: reasonName}
	f108 = &Filing{Ref: "BA-2026-000108", Owner: zhoujie, Stage: "draft", Source: "provider", ReturnedAt: at(12, 2, 11, 20, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"jiaxin.example.cn"}, Website: "嘉信物流", Holder: "宁波嘉信物流有限公司（企业）", HolderEn: "宁波嘉信物流有限公司 (enterprise)", Reason: reasonSign}
	f109 = &Filing{Ref: "BA-2026-000109", Owner: wuhua, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 1, 9, 30, 0), Deadline: endOfDay(12, 8),
		Domains: []string{"mall.example.cn"}, Website: "云尚优选", Holder: "杭州云尚电子商务有限公司（企业）", HolderEn: "杭州云尚电子商务有限公司 (enterprise)", Reason: reasonID}
	f110 = &Filing{Ref: "BA-2026-000110", Owner: chantm, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 2, 10, 30, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"trade.example.cn"}, Website: "大文贸易", Holder: "深圳大文贸易有限公司（企业）", HolderEn: "深圳大文贸易有限公司 (enterprise)", Reason: reasonName}
	f111 = &Filing{Ref: "BA-2026-000111", Owner: linyt, Stage: "draft", Source: "provider", ReturnedAt: at(12, 2, 15, 0, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"tea.example.cn"}, Website: "雅婷茶舍", Holder: "厦门雅婷茶业有限公司（企业）", HolderEn: "厦门雅婷茶业有限公司 (enterprise)", Reason: reasonPhoto}
	f112 = &Filing{Ref: "BA-2026-000112", Owner: huangq, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 1, 10, 0, 0), Deadline: endOfDay(12, 8),
		Domains: []string{"game.example.cn"}, Website: "强哥游戏攻略", Holder: "黄强（个人）", HolderEn: "黄强 (individual)", Reason: reasonName}
	f113 = &Filing{Ref: "BA-2026-000113", Owner: huangq, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 1, 10, 5, 0), Deadline: endOfDay(12, 8),
		Domains: []string{"news.example.cn"}, Website: "强哥资讯", Holder: "黄强（个人）", HolderEn: "黄强 (individual)", Reason: reasonPhone}
	f114 = &Filing{Ref: "BA-2026-000114", Owner: zhengmin, Stage: "returned", Source: "bureau", ReturnedAt: at(11, 26, 10, 0, 0), Deadline: endOfDay(12, 3), Overdue: true,
		Domains: []string{"travel.example.cn"}, Website: "敏行旅游", Holder: "郑敏（个人）", HolderEn: "郑敏 (individual)", Reason: reasonName}
	f115 = &Filing{Ref: "BA-2026-000115", Owner: xuyan, Stage: "provider_review",
		Domains: []string{"flower.example.cn"}, Website: "燕子花店", Holder: "徐燕（个人）", HolderEn: "徐燕 (individual)", Reason: reasonPhone}
	f116 = &Filing{Ref: "BA-2026-000116", Owner: gaofeng, Stage: "approved", ICP: "浙ICP备2026012345号-1",
		Domains: []string{"gaofeng.example.cn"}, Website: "高峰工作室", Holder: "高峰（个人）", HolderEn: "高峰 (individual)"}
	f117 = &Filing{Ref: "BA-2026-000117", Owner: david, Stage: "returned", Source: "bureau", ReturnedAt: at(12, 2, 10, 0, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"consult.example.net"}, Website: "Wong Consulting", Holder: "杭州王氏咨询有限公司（企业）", HolderEn: "杭州王氏咨询有限公司 (enterprise)", Reason: reasonName}
	f118 = &Filing{Ref: "BA-2026-000118", Owner: emily, Stage: "draft", Source: "provider", ReturnedAt: at(12, 2, 16, 30, 0), Deadline: endOfDay(12, 9),
		Domains: []string{"portfolio.example.org"}, Website: "Emily Chen Portfolio", Holder: "陈艾米（个人）", HolderEn: "陈艾米 (individual)", Reason: reasonSign}
	f119 = &Filing{Ref: "BA-2026-000119", Owner: sunli, Stage: "bureau_review",
		Domains: []string{"zhaopin.example.cn"}, Website: "嘉信招聘", Holder: "宁波嘉信物流有限公司（企业）", HolderEn: "宁波嘉信物流有限公司 (enterprise)"}
	f120 = &Filing{Ref: "BA-2026-000120", Owner: heping, Stage: "draft", Source: "provider", ReturnedAt: at(11, 25, 14, 0, 0), Deadline: endOfDay(12, 2), Overdue: true,
		Domains: []string{"hp-shop.example.cn"}, Website: "和平小铺", Holder: "何平（个人）", HolderEn: "何平 (individual)", Reason: reasonSign}
	f121 = &Filing{Ref: "BA-2026-000121", Owner: maliang, Stage: "draft",
		Domains: []string{"brush.example.cn"}, Website: "神笔书画", Holder: "马良（个人）", HolderEn: "马良 (individual)"}
	f122 = &Filing{Ref: "BA-2026-000122", Owner: peter, Stage: "returned", Source: "bureau", ReturnedAt: at(11, 26, 14, 0, 0), Deadline: endOfDay(12, 3), Overdue: true,
		Domains: []string{"schmidt.example.org"}, Website: "Schmidt Engineering", Holder: "杭州施密特工程技术有限公司（企业）", HolderEn: "杭州施密特工程技术有限公司 (enterprise)", Reason: reasonName}
	f124 = &Filing{Ref: "BA-2026-000124", Owner: tom, Stage: "provider_review",
		Domains: []string{"baker.example.org"}, Website: "Baker Bakery", Holder: "汤姆贝克（个人）", HolderEn: "汤姆贝克 (individual)", Reason: reasonName}
)

var filings = []*Filing{f101, f102, f103, f104, f105, f106, f107, f108, f109, f110, f111, f112, f113, f114, f115, f116, f117, f118, f119, f120, f121, f122, f124}

// Sent is an email icpdesk sent.
type Sent struct {
	Kind   string
	F      *Filing
	At     time.Time
	ID     string // without angle brackets
	Quoted string // for an acknowledgement: the subject of the applicant's message it acknowledged
	QAt    time.Time
}

// sentID is a Message-ID of ours: icpdesk.<32 hex>@example.cn, fixed per
// filing and kind.
func sentID(ref, kind string) string {
	h := sha256.Sum256([]byte("icpdesk-corpus/" + ref + "/" + kind))
	return "icpdesk." + hex.EncodeToString(h[:16]) + "@example.cn"
}

var sentList []*Sent

func send(kind string, f *Filing, t time.Time) *Sent {
	s := &Sent{Kind: kind, F: f, At: t, ID: sentID(f.Ref, kind)}
	sentList = append(sentList, s)
	return s
}

// sentMail returns our email of kind about f.
func sentMail(f *Filing, kind string) *Sent {
	for _, s := range sentList {
		if s.F == f && s.Kind == kind {
			return s
		}
	}
	panic(fmt.Sprintf("no %s sent for %s", kind, f.Ref))
}

func init() {
	for _, f := range filings {
		if f.Source == "bureau" {
			send("filing_returned", f, f.ReturnedAt.Add(5*time.Second))
		} else if f.Source == "provider" {
			send("filing_returned_provider", f, f.ReturnedAt.Add(5*time.Second))
		}
	}
	for _, f := range []*Filing{f114, f120, f122} {
		send("deadline_reminder", f, f.Deadline.Add(-24*time.Hour+6*time.Second))
		send("deadline_passed", f, f.Deadline.Add(6*time.Second))
	}
	// f115 and f124 were returned, resubmitted by email and acknowledged.
	s := send("filing_returned", f115, at(11, 30, 10, 0, 5))
	_ = s
	a := send("resubmission_received", f115, at(12, 2, 10, 20, 31))
	a.Quoted, a.QAt = "回复：[ICP#BA-2026-000115] 管局退回备案，请于 12月7日 23:59 前修改并重新提交", at(12, 2, 10, 20, 12)
	send("filing_returned", f124, at(11, 30, 15, 0, 5))
	a = send("resubmission_received", f124, at(12, 2, 9, 45, 20))
	a.Quoted, a.QAt = "Re: [ICP#BA-2026-000124] Filing returned by the Communications Administration: please correct and resubmit by 7 Dec 23:59", at(12, 2, 9, 45, 2)
	send("filing_approved", f116, at(11, 30, 16, 20, 5))
	send("filing_sent_to_bureau", f119, at(12, 1, 17, 10, 5))
}

// The deadlines of f115 and f124's earlier returns, for quoting.
var earlierDeadline = map[*Filing]time.Time{f115: endOfDay(12, 7), f124: endOfDay(12, 7)}

func (f *Filing) deadlineFor() time.Time {
	if d, ok := earlierDeadline[f]; ok {
		return d
	}
	return f.Deadline
}

var zhWeekdays = []string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func zhLong(t time.Time) string {
	t = t.In(cst)
	return fmt.Sprintf("%d年%d月%d日 %s %s（北京时间）", t.Year(), int(t.Month()), t.Day(), zhWeekdays[t.Weekday()], t.Format("15:04:05"))
}

func enLong(t time.Time) string {
	t = t.In(cst)
	return t.Format("Monday 2 January 2006, 15:04:05") + " China Standard Time (UTC+08:00)"
}

func zhShort(t time.Time) string {
	t = t.In(cst)
	return fmt.Sprintf("%d月%d日 %s", int(t.Month()), t.Day(), t.Format("15:04"))
}

func enShort(t time.Time) string { return t.In(cst).Format("2 Jan 15:04") }

func joinDomains(f *Filing, lang string) string {
	if lang == "en" {
		return strings.Join(f.Domains, ", ")
	}
	return strings.Join(f.Domains, "、")
}
