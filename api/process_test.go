package api_test

import (
	"bytes"
	"strings"
	"testing"

	"example.com/icpdesk/store"
)

type feedPage struct {
	Events []store.FeedEvent `json:"events"`
	Next   string            `json:"next"`
}

// TestWholeProcess drives a filing through the seed process over the API
// and reads it back: the filing view, the list, the outbox, the feed with
// the token named as actor. The filing password never comes back.
func TestWholeProcess(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		const ref, email = "BA-2026-000123", "zhangsan@example.cn"
		fs := e.tok["fs"]
		acct := e.must(201, req{method: "POST", path: "/api/v1/accounts", token: fs, body: map[string]any{"email": email, "name": "张三", "language": "zh-CN"}})
		var a struct{ Status, Email string }
		acct.json(t, &a)
		if a.Status != "pending" || a.Email != email {
			t.Fatalf("new account: %s", acct.body)
		}
		e.must(200, req{method: "POST", path: "/api/v1/accounts/" + email + "/approve", token: fs})
		e.must(200, req{method: "GET", path: "/api/v1/accounts/" + email, token: e.tok["read"]})
		var list struct {
			Accounts []struct{ Email, Status string }
		}
		e.must(200, req{method: "GET", path: "/api/v1/accounts", token: e.tok["read"]}).json(t, &list)
		if len(list.Accounts) != 1 || list.Accounts[0].Status != "approved" {
			t.Fatalf("accounts: %+v", list)
		}

		doc := map[string]any{"ref": ref, "account": email,
			"subject": map[string]any{"type": "enterprise", "name": "杭州示例科技有限公司",
				"legal_representative": map[string]any{"name": "张三", "id_number": "330106198503121231", "phone": "13800138000", "email": email},
				"responsible":          map[string]any{"name": "张三", "id_number": "330106198503121231", "phone": "13800138000", "email": email}},
			"website": map[string]any{"name": "示例商城",
				"responsible": map[string]any{"name": "李四", "id_number": "33010219900715456X", "phone": "13900139000", "email": "lisi@example.cn"},
				"domains":     []map[string]any{{"name": "shop.example.cn", "registrant": "杭州示例科技有限公司"}}}}
		e.must(201, req{method: "PUT", path: "/api/v1/filings/" + ref, token: fs, body: doc})
		doc["website"].(map[string]any)["name"] = "示例商城二"
		var updated struct{ Website struct{ Name string } }
		e.must(200, req{method: "PUT", path: "/api/v1/filings/" + ref, token: fs, body: doc}).json(t, &updated)
		if updated.Website.Name != "示例商城二" {
			t.Fatalf("update did not store the new name: %+v", updated)
		}

		steps := []struct {
			body  map[string]any
			stage string
		}{
			{map[string]any{"action": "submit"}, "provider_review"},
			{map[string]any{"action": "to_bureau"}, "bureau_review"},
			{map[string]any{"action": "return", "by": "bureau", "reason": "网站名称与主体不符"}, "returned"},
			{map[string]any{"action": "resubmit"}, "provider_review"},
			{map[string]any{"action": "to_bureau"}, "bureau_review"},
			{map[string]any{"action": "approve", "icp_number": "浙ICP备12345678号-1", "password": "S3cret-Pw-9"}, "approved"},
		}
		var bodies [][]byte
		for _, s := range steps {
			r := e.act(ref, fs, s.body)
			if r.status != 200 {
				t.Fatalf("%v: %d %s", s.body, r.status, r.body)
			}
			var res struct{ Stage, Reference string }
			r.json(t, &res)
			if res.Stage != s.stage {
				t.Fatalf("%v: stage %s, want %s", s.body["action"], res.Stage, s.stage)
			}
			bodies = append(bodies, r.body)
		}
		view := e.must(200, req{method: "GET", path: "/api/v1/filings/" + ref, token: e.tok["read"]})
		bodies = append(bodies, view.body)
		var v struct {
			Stage     string
			ICPNumber string `json:"icp_number"`
			Events    []struct {
				Action    string
				ActorName string `json:"actor_name"`
			}
			Outbox []struct{ Kind string }
		}
		view.json(t, &v)
		if v.ICPNumber != "浙ICP备12345678号-1" || len(v.Events) < 8 || len(v.Outbox) < 5 {
			t.Fatalf("view: icp %q, %d events, %d emails", v.ICPNumber, len(v.Events), len(v.Outbox))
		}
		for _, ev := range v.Events {
			if ev.ActorName != "api:fs" {
				t.Errorf("event %s by %q, want api:fs", ev.Action, ev.ActorName)
			}
		}

		var page struct {
			Filings []struct{ Reference, Stage string }
			Next    string
		}
		e.must(200, req{method: "GET", path: "/api/v1/filings?stage=approved&account=" + email + "&domain=shop.example.cn&q=示例&limit=10", token: e.tok["read"]}).json(t, &page)
		if len(page.Filings) != 1 || page.Filings[0].Reference != ref || page.Next != "" {
			t.Fatalf("filtered list: %+v", page)
		}
		e.must(200, req{method: "GET", path: "/api/v1/filings?stage=draft", token: e.tok["read"]}).json(t, &page)
		if len(page.Filings) != 0 {
			t.Fatalf("draft list: %+v", page)
		}

		var emails struct {
			Emails []struct{ Kind, Status string }
		}
		e.must(200, req{method: "GET", path: "/api/v1/outbox?filing=" + ref, token: e.tok["read"]}).json(t, &emails)
		bodies = append(bodies, e.must(200, req{method: "GET", path: "/api/v1/outbox", token: e.tok["read"]}).body)
		kinds := map[string]int{}
		for _, m := range emails.Emails {
			kinds[m.Kind]++
		}
		if kinds["filing_approved"] != 1 || kinds["filing_returned"] != 1 || kinds["filing_submitted"] != 1 {
			t.Fatalf("emails: %v", kinds)
		}

		var feed feedPage
		e.must(200, req{method: "GET", path: "/api/v1/events?after=0&limit=1000", token: e.tok["read"]}).json(t, &feed)
		var stages []string
		for _, ev := range feed.Events {
			if ev.Filing == ref && ev.To != "" {
				stages = append(stages, ev.To)
			}
		}
		want := "draft provider_review bureau_review returned provider_review bureau_review approved"
		if got := strings.Join(stages, " "); got != want {
			t.Fatalf("feed stages: %s\nwant        %s", got, want)
		}
		if feed.Next != feed.Events[len(feed.Events)-1].Cursor {
			t.Fatalf("next %s is not the last event's cursor", feed.Next)
		}
		// Nothing more: an empty page that keeps the cursor.
		var rest feedPage
		e.must(200, req{method: "GET", path: "/api/v1/events?after=" + feed.Next + "&wait=0s", token: e.tok["read"]}).json(t, &rest)
		if len(rest.Events) != 0 || rest.Next != feed.Next {
			t.Fatalf("after the end: %+v", rest)
		}
		var end feedPage
		e.must(200, req{method: "GET", path: "/api/v1/events?after=end", token: e.tok["read"]}).json(t, &end)
		if len(end.Events) != 0 || end.Next != feed.Next {
			t.Fatalf("after=end: %+v, want next %s", end, feed.Next)
		}
		for _, b := range append(bodies, feed.body()...) {
			if bytes.Contains(b, []byte("S3cret-Pw-9")) {
				t.Fatalf("the filing password came back: %s", b)
			}
		}
	})
}

func (p feedPage) body() [][]byte {
	var out [][]byte
	for _, e := range p.Events {
		out = append(out, e.Details)
	}
	return out
}

// TestAccounts: a rejection with its reason, an approval after it, a
// changed address (both told), a hosting customer approved at once, and
// refusals that change nothing.
func TestAccounts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		fs := e.tok["fs"]
		var a struct {
			Status, Email string
			Reason        string `json:"reject_reason"`
		}
		e.must(201, req{method: "POST", path: "/api/v1/accounts", token: fs, body: map[string]any{"email": "li@example.cn", "name": "李四", "language": "en"}})
		e.must(200, req{method: "POST", path: "/api/v1/accounts/li@example.cn/reject", token: fs, body: map[string]any{"reason": "姓名与证件不符"}}).json(t, &a)
		if a.Status != "rejected" || a.Reason != "姓名与证件不符" {
			t.Fatalf("reject: %+v", a)
		}
		e.must(200, req{method: "POST", path: "/api/v1/accounts/li@example.cn/approve", token: fs}).json(t, &a)
		if a.Status != "approved" {
			t.Fatalf("approve after reject: %+v", a)
		}
		before := e.countEvents()
		if p := e.must(409, req{method: "POST", path: "/api/v1/accounts/li@example.cn/approve", token: fs}).problem(t); !strings.HasSuffix(p.Type, ":transition-not-allowed") {
			t.Fatalf("approve twice: %+v", p)
		}
		e.must(409, req{method: "POST", path: "/api/v1/accounts", token: fs, body: map[string]any{"email": "li@example.cn", "name": "李四"}}).problem(t)
		e.must(404, req{method: "POST", path: "/api/v1/accounts/nobody@example.cn/approve", token: fs}).problem(t)
		if e.countEvents() != before {
			t.Fatal("a refused account request changed something")
		}
		e.must(200, req{method: "POST", path: "/api/v1/accounts/li@example.cn/email", token: fs, body: map[string]any{"email": "li.si@example.cn"}}).json(t, &a)
		if a.Email != "li.si@example.cn" {
			t.Fatalf("set email: %+v", a)
		}
		e.must(404, req{method: "GET", path: "/api/v1/accounts/li@example.cn", token: fs}).problem(t)
		e.must(201, req{method: "POST", path: "/api/v1/accounts", token: fs, body: map[string]any{"email": "wangwu@example.cn", "name": "王五", "customer": true}}).json(t, &a)
		if a.Status != "approved" {
			t.Fatalf("a hosting customer: %+v", a)
		}
		var emails struct {
			Emails []struct{ Kind, Recipient string }
		}
		e.must(200, req{method: "GET", path: "/api/v1/outbox", token: e.tok["read"]}).json(t, &emails)
		to := map[string][]string{}
		for _, m := range emails.Emails {
			to[m.Recipient] = append(to[m.Recipient], m.Kind)
		}
		if len(to["li@example.cn"]) < 2 || len(to["li.si@example.cn"]) < 1 || len(to["wangwu@example.cn"]) != 0 {
			t.Fatalf("emails by recipient: %v", to)
		}
	})
}
