package inbox

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/mailparse/mailtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestUnverifiedSenderNotices: mail about a filing from an address not
// registered for it tells the account holder at most once a day per filing
// however many addresses write, and without relaying the stranger's
// subject.
func TestUnverifiedSenderNotices(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { testUnverifiedSenderNotices(t, d) })
	}
}

func testUnverifiedSenderNotices(t *testing.T, d store.Dialect) {
	srv := inboxtest.NewMemory(t, inboxtest.MemOptions{})
	var mu sync.Mutex
	clock := time.Now().UTC().Truncate(time.Second)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	st := storetest.Open(t, d, store.WithClock(now), store.WithStaff([]string{staffAddr}, filing.LangChinese),
		store.WithMessageIDDomain("example.cn"))
	e := &env{t: t, ctx: context.Background(), st: st, srv: srv}
	e.account("zhangsan@example.cn")
	e.account("wangwu@example.com")
	e.filing(refA, "zhangsan@example.cn", filing.StageReturned, now().Add(-24*time.Hour), "", "a-shop.example.cn")
	e.filing(refE, "wangwu@example.com", filing.StageApproved, time.Time{}, "浙ICP备12345678号-1", "e-site.example.com")
	w := e.watcher(e.config())
	deliver := func(from, subject, body, id string) {
		srv.Append(t, mailtest.Mail{From: from, Subject: subject, Body: []byte(body), MessageID: mid(id)}.Bytes(), time.Time{})
	}
	poll := func() {
		t.Helper()
		if _, err := w.PollOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	const lure = "账户异常，请点击 http://phish.example.net 验证"
	deliver("stranger1@example.net", "[ICP#"+refA+"] "+lure, "已修改，请重新审核", "s1")
	deliver("stranger2@example.net", "[ICP#"+refA+"] 已修改", "请重新审核", "s2")
	deliver("stranger3@example.net", "关于网站", "我们的网站 e-site.example.com 备案号 浙ICP备12345678号-1 有问题吗", "s3")
	poll()

	wantAck := map[string]string{"s1": store.AckQueued, "s2": store.AckRateLimited, "s3": store.AckQueued}
	for id, want := range wantAck {
		m := e.inbound(mid(id))
		if m.Decision != string(DecisionUnverified) || m.Ack != want {
			t.Errorf("%s: decision %s ack %q, want unverified %q", id, m.Decision, m.Ack, want)
		}
	}
	if n := e.emails(filing.EmailUnverifiedSender, "zhangsan@example.cn"); n != 1 {
		t.Errorf("%d notices to the holder of %s, want 1: %v", n, refA, e.outbox())
	}
	if n := e.emails(filing.EmailUnverifiedSender, "wangwu@example.com"); n != 1 {
		t.Errorf("%d notices to the holder of %s (linked by ICP number), want 1", n, refE)
	}
	if e.stage(refA).Stage != filing.StageReturned {
		t.Errorf("a stranger's message moved %s", refA)
	}
	rows, err := st.ListOutbox(e.ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Kind != string(filing.EmailUnverifiedSender) {
			continue
		}
		n, err := st.OutboxNotice(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.Inbound == nil || !strings.HasPrefix(n.Inbound.From, "stranger") || n.Inbound.Subject != "" {
			t.Errorf("notice inbound %+v: want the sender and no subject", n.Inbound)
		}
		if js, _ := json.Marshal(n); strings.Contains(string(js), "phish") {
			t.Errorf("the stranger's words reached the notice: %s", js)
		}
	}

	// A day later the holder may be told again.
	mu.Lock()
	clock = clock.Add(noticeEvery + time.Minute)
	mu.Unlock()
	deliver("stranger4@example.net", "[ICP#"+refA+"] 再次申请", "请重新审核", "s4")
	poll()
	if m := e.inbound(mid("s4")); m.Ack != store.AckQueued {
		t.Errorf("a day later: ack %q, want queued", m.Ack)
	}
	if n := e.emails(filing.EmailUnverifiedSender, "zhangsan@example.cn"); n != 2 {
		t.Errorf("%d notices after a day, want 2", n)
	}
}
