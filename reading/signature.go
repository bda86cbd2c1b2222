package reading

import "strings"

// signatureDelimiter reports the "-- " line (RFC 3676, 4.3) that starts a
// signature; mailers and copy-paste often lose its trailing space.
func signatureDelimiter(line string) bool {
	return strings.TrimRight(line, " \t") == "--"
}

// deviceStarts begin the one-line signatures phones and mail apps add,
// compacted: 发自我的iPhone, Sent from my iPhone, 来自 QQ邮箱, Get Outlook for iOS.
var deviceStarts = []string{
	"发自", "發自", "来自", "來自", "从我的", "從我的", "发送自", "發送自", "寄自", "sentfrom", "sentwith", "getoutlook",
	"获取outlook", "獲取outlook", "下载outlook", "下載outlook",
}

// deviceLeads are the first bytes of deviceStarts, a prefilter.
var deviceLeads = func() (m [256]bool) {
	for _, s := range deviceStarts {
		m[s[0]] = true
		if s[0] >= 'a' && s[0] <= 'z' {
			m[s[0]-'a'+'A'] = true
		}
	}
	return m
}()

// deviceWords name the device or app in such a line, so own text that
// happens to start with 来自 is kept.
var deviceWords = []string{
	"iphone", "ipad", "android", "手机", "手機", "邮箱", "郵箱", "mail", "outlook", "企业微信", "企業微信", "华为",
	"華為", "huawei", "小米", "xiaomi", "vivo", "oppo", "荣耀", "榮耀", "honor", "三星", "samsung", "galaxy", "windows",
	"ios", "钉钉", "釘釘", "foxmail", "网易", "網易", "阿里", "邮件", "郵件", "大师", "大師", "mobile", "pixel", "mac",
	"wecom", "dingtalk", "spark",
}

// deviceSignature reports a one-line signature added by a phone or app.
func deviceSignature(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if len(t) > 96 || len(t) < 4 || !deviceLeads[t[0]] {
		return false
	}
	var buf [96]byte
	k, ok := compact(line, buf[:])
	if !ok || k == 0 || k > 64 {
		return false
	}
	l := string(buf[:k]) // a short line that may be a signature: this is rare
	start := false
	for _, s := range deviceStarts {
		if strings.HasPrefix(l, s) {
			start = true
			break
		}
	}
	if !start {
		return false
	}
	for _, w := range deviceWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}
