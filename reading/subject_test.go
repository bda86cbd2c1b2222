package reading

import "testing"

func TestStripSubjectPrefixes(t *testing.T) {
	for in, want := range map[string]string{
		"Re: [ICP#BA-2026-000123] 管局退回备案": "[ICP#BA-2026-000123] 管局退回备案",
		"RE：回复: Fwd: 已修改":                 "已修改",
		"re:re:RE: x":                     "x",
		"回复：回復：答复:答覆：回覆: 已修改":             "已修改",
		"转发：轉發：轉寄:转寄: 已修改":                "已修改",
		"Fw: FW： fwd : 已修改":               "已修改",
		"　Re ：  已修改  ":                    "已修改",
		"Re[2]: 已修改":                      "Re[2]: 已修改",
		"[External] Re: 已修改":              "[External] Re: 已修改",
		"Re: [External] Re: 已修改":          "[External] Re: 已修改",
		"Reply: 已修改":                      "Reply: 已修改",
		"Return notice":                   "Return notice",
		"回复":                              "回复",
		"Re:":                             "",
		"":                                "",
		"FWD:已修改\xff":                     "已修改",
		"Re: 回复我一下":                       "回复我一下",
		"Refund: 已修改":                     "Refund: 已修改",
	} {
		if got := StripSubjectPrefixes(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
