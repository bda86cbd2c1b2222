package api_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/store"
)

// record writes a received message with its work item, as the inbox would.
func record(t *testing.T, e *env, uid int64, ref, decision string, raw []byte, text string) int64 {
	t.Helper()
	var id int64
	err := e.st.InTx(ctx, func(tx *store.Tx) error {
		m := store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: uid, MessageID: "m" + strconv.FormatInt(uid, 10) + "@mail.example.cn",
			Sender: "zhangsan@example.cn", Subject: "关于备案", ReceivedAt: time.Now(), Classification: "human",
			Decision: decision, BodyText: text, OwnText: text, Raw: raw}
		item := store.NewWorkItem{Kind: "unmatched", At: time.Now().Add(-time.Hour)}
		if ref != "" {
			d, err := tx.FilingByRef(ctx, ref)
			if err != nil {
				return err
			}
			m.FilingID, m.NeedsReply = &d.ID, true
			item = store.NewWorkItem{Kind: "reply_needed", FilingID: d.ID, At: time.Now().Add(-time.Hour), Details: map[string]any{"asks": "能否延期？"}}
		}
		res, err := tx.ApplyInbound(ctx, []store.InboundPlan{{Message: m, Items: []store.NewWorkItem{item}}})
		if err == nil {
			id = res[0].ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

const resubmitMail = "From: zhangsan@example.cn\r\nTo: icp@example.cn\r\nSubject: =?UTF-8?B?5bey5L+u5pS5?=\r\n" +
	"Message-ID: <m2@mail.example.cn>\r\nDate: Wed, 02 Dec 2026 10:00:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
	"您好，已修改并重新提交，请审核。\r\n"

// TestQueueMessagesOutbox: the work queue, received messages and the
// outbox, each action closing what it resolves, recorded as the token.
func TestQueueMessagesOutbox(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		const ref = "BA-2026-000123"
		e.setup(ref, "zhangsan@example.cn")
		for _, a := range []map[string]any{{"action": "submit"}, {"action": "to_bureau"}, {"action": "return", "by": "bureau", "reason": "网站名称与主体不符"}} {
			if r := e.act(ref, e.tok["fs"], a); r.status != 200 {
				t.Fatalf("%v: %s", a, r.body)
			}
		}
		staff, read := e.tok["staff"], e.tok["read"]
		asks := record(t, e, 1, ref, "correspondence", nil, "还没改好，请问能否延期？")
		lost := record(t, e, 2, "", "unmatched", []byte(resubmitMail), "您好，已修改并重新提交，请审核。")
		spam := record(t, e, 3, "", "unmatched", nil, "广告")
		phone := record(t, e, 4, "", "unmatched", nil, "请回电")

		var q struct {
			Items []struct {
				ID        int64
				Kind      string
				InboundID int64 `json:"inbound_id"`
			}
			Next string
		}
		e.must(200, req{method: "GET", path: "/api/v1/queue", token: read}).json(t, &q)
		if len(q.Items) != 4 {
			t.Fatalf("queue: %+v", q)
		}
		byMsg := map[int64]int64{}
		for _, it := range q.Items {
			byMsg[it.InboundID] = it.ID
		}
		e.must(200, req{method: "GET", path: "/api/v1/queue?kind=reply_needed&limit=1", token: read}).json(t, &q)
		if len(q.Items) != 1 || q.Items[0].Kind != "reply_needed" {
			t.Fatalf("queue by kind: %+v", q)
		}
		e.must(200, req{method: "GET", path: "/api/v1/queue?limit=2", token: read}).json(t, &q)
		if len(q.Items) != 2 || q.Next == "" {
			t.Fatalf("page 1: %+v", q)
		}
		after := q.Next
		q.Next = ""
		e.must(200, req{method: "GET", path: "/api/v1/queue?limit=2&after=" + after, token: read}).json(t, &q)
		if len(q.Items) != 2 || q.Next != "" {
			t.Fatalf("page 2: %+v", q)
		}
		e.must(200, req{method: "GET", path: "/api/v1/queue/" + strconv.FormatInt(byMsg[asks], 10), token: read})
		e.must(404, req{method: "GET", path: "/api/v1/queue/999999", token: read}).problem(t)

		var m struct {
			Text  string
			Items []struct{ Kind string }
		}
		e.must(200, req{method: "GET", path: "/api/v1/messages/" + strconv.FormatInt(asks, 10), token: read}).json(t, &m)
		if !strings.Contains(m.Text, "能否延期") || len(m.Items) != 1 {
			t.Fatalf("message: %+v", m)
		}
		var email struct{ Kind, Recipient, Status string }
		e.must(201, req{method: "POST", path: "/api/v1/messages/" + strconv.FormatInt(asks, 10) + "/reply", token: staff,
			body: map[string]any{"text": "可以延期到下周五。"}}).json(t, &email)
		if email.Kind != "staff_reply" || email.Recipient != "zhangsan@example.cn" {
			t.Fatalf("reply: %+v", email)
		}

		var linked struct{ Decision, Filing string }
		e.must(200, req{method: "POST", path: "/api/v1/messages/" + strconv.FormatInt(lost, 10) + "/link", token: staff,
			body: map[string]any{"filing": ref}}).json(t, &linked)
		if linked.Filing != ref || linked.Decision != "resubmission" {
			t.Fatalf("link: %+v", linked)
		}
		e.must(422, req{method: "POST", path: "/api/v1/messages/" + strconv.FormatInt(spam, 10) + "/link", token: staff,
			body: map[string]any{"filing": "not a reference!"}}).problem(t)

		if p := e.must(422, req{method: "POST", path: "/api/v1/messages/" + strconv.FormatInt(spam, 10) + "/dismiss", token: staff,
			body: map[string]any{}}).problem(t); p.Field != "note" {
			t.Fatalf("dismiss without note: %+v", p)
		}
		var dismissed struct {
			Closed []int64 `json:"closed_items"`
		}
		e.must(200, req{method: "POST", path: "/api/v1/messages/" + strconv.FormatInt(spam, 10) + "/dismiss", token: staff,
			body: map[string]any{"note": "广告"}}).json(t, &dismissed)
		if len(dismissed.Closed) != 1 || dismissed.Closed[0] != byMsg[spam] {
			t.Fatalf("dismiss: %+v", dismissed)
		}
		var item struct {
			ClosedAt   *time.Time `json:"closed_at"`
			ClosedBy   string     `json:"closed_by"`
			Resolution string
		}
		e.must(200, req{method: "POST", path: "/api/v1/queue/" + strconv.FormatInt(byMsg[phone], 10) + "/handle", token: staff,
			body: map[string]any{"note": "已电话联系"}}).json(t, &item)
		if item.ClosedAt == nil || item.ClosedBy != "api:staff" {
			t.Fatalf("handle: %+v", item)
		}
		e.must(200, req{method: "POST", path: "/api/v1/messages/" + strconv.FormatInt(phone, 10) + "/reprocess", token: staff})
		e.must(200, req{method: "GET", path: "/api/v1/queue", token: read}).json(t, &q)
		if len(q.Items) != 0 {
			t.Fatalf("queue after the work: %+v", q)
		}

		// Outbox: a failed email retried, a queued one cancelled.
		var out struct {
			Emails []struct {
				ID     int64
				Kind   string
				Status string
			}
		}
		e.must(200, req{method: "GET", path: "/api/v1/outbox?status=queued", token: read}).json(t, &out)
		if len(out.Emails) < 3 {
			t.Fatalf("queued emails: %+v", out)
		}
		claimed, err := e.st.ClaimDue(ctx, "w1", time.Now().Add(time.Hour), 1, time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatal(claimed, err)
		}
		if _, err := e.st.MarkFailed(ctx, store.OutboxFailure{ID: claimed[0].ID, Owner: "w1", At: time.Now(), Error: "550 5.1.1 user unknown"}); err != nil {
			t.Fatal(err)
		}
		failed := strconv.FormatInt(claimed[0].ID, 10)
		var row struct{ Status string }
		e.must(200, req{method: "POST", path: "/api/v1/outbox/" + failed + "/retry", token: staff, body: map[string]any{}}).json(t, &row)
		if row.Status != "queued" {
			t.Fatalf("retry: %+v", row)
		}
		e.must(200, req{method: "POST", path: "/api/v1/outbox/" + failed + "/cancel", token: staff, body: map[string]any{"note": "申请人已电话确认"}}).json(t, &row)
		if row.Status != "cancelled" {
			t.Fatalf("cancel: %+v", row)
		}
		if p := e.must(409, req{method: "POST", path: "/api/v1/outbox/" + failed + "/retry", token: staff, body: map[string]any{}}).problem(t); !strings.HasSuffix(p.Type, ":refused") {
			t.Fatalf("retry a cancelled email: %+v", p)
		}

		// The feed tells the filing system what mail did.
		var feed feedPage
		e.must(200, req{method: "GET", path: "/api/v1/events?limit=1000", token: read}).json(t, &feed)
		actions := map[string]int{}
		for _, ev := range feed.Events {
			actions[ev.Action]++
		}
		for _, a := range []string{"work_item_opened", "work_item_closed", "email_failed", "staff_reply"} {
			if actions[a] == 0 {
				t.Errorf("no %s event in the feed: %v", a, actions)
			}
		}
		resub := false
		for _, ev := range feed.Events {
			resub = resub || ev.Filing == ref && ev.To == "provider_review" && ev.From == "returned"
		}
		if !resub {
			t.Errorf("the linked resubmission is not on the feed: %v", actions)
		}
	})
}
