package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
	"github.com/jmoiron/sqlx"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox/inboxtest"
	"example.com/icpdesk/mailparse"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// TestConsoleInBrowser drives the staff console in a real browser (Debian's
// chromium, through chromedp) against `icpdesk serve` with PostgreSQL and
// Dovecot: the applicants' mail reaches the desk mailbox in Dovecot, icpdesk's
// mail leaves over SMTP to a sink that appends it to each applicant's own
// Dovecot mailbox, where the test reads it over IMAP. It takes the README's
// screenshots (docs/screenshots).
func TestConsoleInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	dove := inboxtest.NewDovecot(t)
	dbURL := storetest.URL(t, store.Postgres)
	ctx := context.Background()

	// The applicants' and staff's mailboxes, in the Dovecot test account.
	boxes := map[string]string{
		"zhangsan@example.cn":   dove.Mailbox + "-zhangsan",
		"wangwu@example.com":    dove.Mailbox + "-wangwu",
		"fixed@example.cn":      dove.Mailbox + "-fixed",
		"staff@example.cn":      dove.Mailbox + "-staff",
		"icp-staff@example.cn":  dove.Mailbox + "-staff",
		"wangfang@example.cn":   dove.Mailbox + "-staff",
		"lisi@example.cn":       dove.Mailbox + "-staff",
		"someone@example.org":   dove.Mailbox + "-staff",
		"attacker@example.org":  dove.Mailbox + "-staff",
		"another@example.org":   dove.Mailbox + "-staff",
		"unknown@example.org":   dove.Mailbox + "-staff",
		"nobody-else@localhost": dove.Mailbox + "-staff",
	}
	imapAddr := fmt.Sprintf("%s:%d", dove.BackendHost(), dove.BackendPort())
	withIMAP(t, imapAddr, dove.User, dove.Pass, func(c *imapclient.Client) error {
		seen := map[string]bool{}
		for _, mb := range boxes {
			if !seen[mb] {
				seen[mb] = true
				if err := c.Create(mb, nil).Wait(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	t.Cleanup(func() {
		_ = dialIMAP(imapAddr, dove.User, dove.Pass, func(c *imapclient.Client) error {
			for _, mb := range boxes {
				_ = c.Delete(mb).Wait()
			}
			return nil
		})
	})
	sink := newAppendingSMTP(t, imapAddr, dove.User, dove.Pass, boxes)

	httpPort := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	conf := filepath.Join(t.TempDir(), "icpdesk.toml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`
[desk]
address = "icp@example.cn"
staff = ["staff@example.cn"]
[smtp]
host = "127.0.0.1"
port = %d
security = "none"
retry_base = "1s"
[imap]
host = %q
port = %d
security = "none"
username = %q
mailbox = %q
processed_mailbox = %q
poll_interval = "1s"
[http]
listen = "127.0.0.1:%d"
[log]
format = "json"
level = "debug"
`, sink.port, dove.BackendHost(), dove.BackendPort(), dove.User, dove.Mailbox, dove.Processed, httpPort)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ICPDESK_DATABASE_URL": dbURL, "ICPDESK_IMAP_PASSWORD": dove.Pass,
		"ICPDESK_ID_SECRET": "console-browser-test-secret-0123456789", "ICPDESK_STAFF": "setup"}
	getenv := func(k string) string { return env[k] }
	cli := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append([]string{"--config", conf}, args...), strings.NewReader(""), &out, &errb, getenv); code != 0 {
			t.Fatalf("icpdesk %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		return out.String()
	}

	// The world: a returned enterprise filing past its deadline, an
	// individual filing in review, an account whose address bounces.
	cli("migrate")
	now := time.Now()
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	cli("account", "add", "--email", "zhangsan@example.cn", "--name", "张三", "--customer")
	cli("account", "add", "--email", "wangwu@example.com", "--name", "王五", "--customer")
	cli("filing", "import", filepath.Join("..", "..", "examples", "enterprise.json"))
	cli("filing", "import", filepath.Join("..", "..", "examples", "individual.json"))
	cli("filing", "submit", "BA-2026-000123", "--at", at(12*24*time.Hour))
	cli("filing", "to-bureau", "BA-2026-000123", "--at", at(11*24*time.Hour))
	cli("filing", "return", "BA-2026-000123", "--by", "bureau", "--reason", "网站名称与网站内容不符，请修改网站名称。", "--at", at(10*24*time.Hour))
	cli("filing", "submit", "BA-2026-000124", "--at", at(2*24*time.Hour))
	cli("account", "add", "--email", "bad@example.cn", "--name", "赵六")
	cli("account", "approve", "bad@example.cn") // its email is refused: 550 5.1.1
	admin := setupToken(t, cli("staff", "add", "--email", "wangfang@example.cn", "--name", "王芳", "--role", "admin"))
	staffOnly := setupToken(t, cli("staff", "add", "--email", "lisi@example.cn", "--name", "李四", "--role", "staff"))

	var stdout, stderr syncBuffer
	sctx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	go func() {
		done <- run(sctx, []string{"--config", conf, "serve"}, strings.NewReader(""), &stdout, &stderr, getenv)
	}()
	defer func() {
		stop()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Error("serve did not stop")
		}
		if t.Failed() {
			t.Logf("serve's log:\n%s", stderr.String())
		}
	}()
	waitUntil(t, "serve to be ready", func() bool {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s", code, stderr.String())
		default:
		}
		code, _ := httpGet(base + "/readyz")
		return code == http.StatusOK
	})

	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// The applicants write.
	date := time.Now().Format(time.RFC1123Z)
	mailFrom := func(from, msgID, subject, body string) []byte {
		return []byte("From: " + from + "\r\nTo: icp@example.cn\r\nSubject: " + mime.BEncoding.Encode("utf-8", subject) + "\r\nMessage-ID: <" + msgID + ">\r\nDate: " + date +
			"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n")
	}
	dove.Append(t, mailFrom("王五 <wangwu@example.com>", "question.1@example.com", "[ICP#BA-2026-000124] 现场核验的问题",
		"您好，请问现场核验时身份证需要带原件吗？"), time.Time{})
	dove.Append(t, mailFrom("张三 <zhangsan@example.cn>", "late.1@example.cn", "[ICP#BA-2026-000123] 已修改",
		"您好，网站名称已修改，已重新提交，请审核。"), time.Time{})
	dove.Append(t, mailFrom("someone@example.org", "unmatched.1@example.org", "咨询",
		"你们好，我们公司的网站想备案，请问流程是怎样的？"), time.Time{})
	dove.Append(t, mailFrom("attacker@example.org", "script.1@example.org", "<script>document.title='pwned'</script>备案咨询",
		"<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"> 请看附件"), time.Time{})

	item := func(kind filing.WorkKind, pred func(store.WorkItem) bool) store.WorkItem {
		t.Helper()
		var found store.WorkItem
		waitUntil(t, "a "+string(kind)+" item", func() bool {
			items, err := st.ListWorkItems(ctx, store.WorkFilter{Kind: kind})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if pred == nil || pred(it) {
					found = it
					return true
				}
			}
			return false
		})
		return found
	}
	subject := func(s string) func(store.WorkItem) bool {
		return func(it store.WorkItem) bool { return strings.Contains(it.Subject, s) }
	}
	question := item(filing.WorkReplyNeeded, nil)
	late := item(filing.WorkLateResubmission, nil)
	unmatched := item(filing.WorkUnmatched, subject("咨询"))
	scripted := item(filing.WorkUnmatched, subject("<script>"))
	failed := item(filing.WorkEmailFailed, func(it store.WorkItem) bool { return it.Recipient == "bad@example.cn" })

	b := newBrowser(t, chrome, base)

	t.Run("set a password and sign in", func(t *testing.T) {
		b.setPassword(t, admin, "王芳的工作台密码 2026")
		b.go_(t, "/queue")
		b.waitVisible(t, "input[name=email]") // sent to sign in first
		b.signIn(t, "wangfang@example.cn", "王芳的工作台密码 2026")
		b.waitVisible(t, "#queue")
		if who := b.text(t, ".who"); who != "王芳" {
			t.Errorf("signed in as %q", who)
		}
	})

	t.Run("the queue", func(t *testing.T) {
		b.go_(t, "/queue")
		txt := b.text(t, "#queue")
		for _, want := range []string{"待回复", "逾期重新提交，待决定是否受理", "未关联备案的来信", "发送失败的邮件", "BA-2026-000124"} {
			if !strings.Contains(txt, want) {
				t.Errorf("the queue lacks %q:\n%s", want, txt)
			}
		}
		b.screenshot(t, "queue.png", false)
		b.phone(t, func() { b.screenshot(t, "queue-phone.png", false) })
	})

	t.Run("read a question and reply", func(t *testing.T) {
		b.go_(t, "/queue?kind=reply_needed")
		b.click(t, fmt.Sprintf(`a[href="/items/%d"]`, question.ID))
		b.waitVisible(t, "#reply-form")
		if own := b.text(t, "#own-text"); !strings.Contains(own, "身份证需要带原件吗") {
			t.Errorf("the applicant's own text: %q", own)
		}
		b.screenshot(t, "message.png", true)
		b.sendKeys(t, "#reply-text", "您好，需要携带身份证原件，现场核验后当场归还。")
		b.click(t, "#reply-form button[type=submit]")
		b.waitVisible(t, "#confirm")
		if c := b.text(t, "ul.confirm"); !strings.Contains(c, "wangwu@example.com") {
			t.Errorf("the confirmation does not say to whom: %q", c)
		}
		b.click(t, "#confirm")
		b.waitVisible(t, ".done")
		// The answer arrives threaded in the applicant's mailbox.
		var reply *mailparse.Message
		waitUntil(t, "the answer in the applicant's mailbox", func() bool {
			for _, raw := range imapMessages(t, imapAddr, dove.User, dove.Pass, boxes["wangwu@example.com"]) {
				m, err := mailparse.ParseBytes(raw, mailparse.ParseOptions{})
				if err == nil && slices.Contains(m.InReplyTo, "question.1@example.com") {
					reply = m
					return true
				}
			}
			return false
		})
		if !strings.HasPrefix(reply.Subject, "Re:") || !strings.Contains(reply.Subject, "[ICP#BA-2026-000124]") ||
			!slices.Contains(reply.References, "question.1@example.com") {
			t.Errorf("the answer is not threaded: subject %q, references %q", reply.Subject, reply.References)
		}
		if !strings.Contains(reply.Text, "需要携带身份证原件") {
			t.Errorf("the answer lacks the staff's text:\n%s", reply.Text)
		}
		if it, _ := st.WorkItemByID(ctx, question.ID); it.Open() || it.ClosedBy != "王芳" {
			t.Errorf("the item is still open or not closed by the staff member: %+v", it)
		}
		b.go_(t, "/queue")
		if strings.Contains(b.html(t, "#main"), fmt.Sprintf(`/items/%d"`, question.ID)) {
			t.Error("the answered question is still in the queue")
		}
	})

	t.Run("link an unmatched message", func(t *testing.T) {
		b.go_(t, fmt.Sprintf("/items/%d", unmatched.ID))
		b.waitVisible(t, "#link-ref")
		// Search as you type suggests the filing by its domain.
		b.sendKeys(t, "#link-q", "blog.example")
		b.waitVisible(t, "#link-suggest button")
		b.click(t, "#link-suggest button")
		if v := b.value(t, "#link-ref"); v != "BA-2026-000124" {
			t.Fatalf("the suggestion filled %q", v)
		}
		b.submit(t, "#link-ref")
		b.waitVisible(t, "#confirm")
		b.click(t, "#confirm")
		b.waitVisible(t, ".done")
		m, err := st.InboundByID(ctx, *unmatched.InboundID)
		if err != nil || m.FilingRef != "BA-2026-000124" {
			t.Errorf("the message is linked to %q (%v)", m.FilingRef, err)
		}
		if it, _ := st.WorkItemByID(ctx, unmatched.ID); it.Open() {
			t.Error("the unmatched item is still open")
		}
	})

	t.Run("accept a late resubmission", func(t *testing.T) {
		b.go_(t, "/filings/"+late.FilingRef)
		b.waitVisible(t, "#act-accept_late")
		b.screenshot(t, "filing.png", true)
		b.click(t, "#act-accept_late button")
		b.waitVisible(t, "#confirm")
		if c := b.text(t, "ul.confirm"); !strings.Contains(c, "zhangsan@example.cn") {
			t.Errorf("the confirmation does not say to whom: %q", c)
		}
		b.click(t, "#confirm")
		b.waitVisible(t, ".done")
		if tl := b.text(t, "#timeline"); !strings.Contains(tl, "受理逾期提交") || !strings.Contains(tl, "王芳") {
			t.Errorf("the timeline lacks the acceptance by 王芳:\n%s", tl)
		}
		if it, _ := st.WorkItemByID(ctx, late.ID); it.Open() {
			t.Error("the late_resubmission item is still open")
		}
	})

	t.Run("fix a failed email's address", func(t *testing.T) {
		b.go_(t, "/emails")
		b.click(t, fmt.Sprintf(`a[href="/emails/%d"]`, *failed.OutboxID))
		b.waitVisible(t, "#fix-form")
		b.sendKeys(t, "#fix-form input[name=to]", "fixed@example.cn")
		b.click(t, "#fix-form button")
		b.waitVisible(t, "#confirm")
		b.click(t, "#confirm")
		b.waitVisible(t, ".done")
		waitUntil(t, "the email delivered to the new address", func() bool {
			row, err := st.OutboxByID(ctx, *failed.OutboxID)
			if err != nil {
				t.Fatal(err)
			}
			return row.Status == store.OutboxSent && row.Recipient == "fixed@example.cn" &&
				len(imapMessages(t, imapAddr, dove.User, dove.Pass, boxes["fixed@example.cn"])) >= 1
		})
		b.go_(t, fmt.Sprintf("/emails/%d", *failed.OutboxID))
		if s := b.text(t, "#email-status"); s != "已发送" {
			t.Errorf("the email's status on its page: %q", s)
		}
	})

	t.Run("create an API token, use it, revoke it", func(t *testing.T) {
		b.go_(t, "/tokens")
		b.sendKeys(t, "form[action='/tokens/create'] input[name=name]", "filing-system")
		b.click(t, "form[action='/tokens/create'] input[value='filings:write']")
		b.click(t, "form[action='/tokens/create'] button")
		b.waitVisible(t, "#confirm")
		if s := b.text(t, "main"); !strings.Contains(s, "filing-system") || !strings.Contains(s, "备案写入") {
			t.Errorf("the confirmation does not say what it makes:\n%s", s)
		}
		b.click(t, "#confirm")
		b.waitVisible(t, "#token-secret")
		secret := b.text(t, "#token-secret")
		api := func() int {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/filings/BA-2026-000124", nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := api(); code != http.StatusOK {
			t.Fatalf("the API with the new token: %d", code)
		}
		b.go_(t, "/tokens")
		if strings.Contains(b.html(t, "main"), secret) {
			t.Error("the secret is shown again")
		}
		b.click(t, "form[action='/tokens/revoke'] button")
		b.waitVisible(t, "#confirm")
		b.click(t, "#confirm")
		b.waitVisible(t, ".done")
		if code := api(); code != http.StatusUnauthorized {
			t.Errorf("the API with the revoked token: %d", code)
		}
	})

	t.Run("a script in a received message is text", func(t *testing.T) {
		b.go_(t, fmt.Sprintf("/messages/%d", *scripted.InboundID))
		b.waitVisible(t, "#subject")
		if s := b.text(t, "#subject"); !strings.Contains(s, "<script>document.title='pwned'</script>") {
			t.Errorf("the subject is not shown as text: %q", s)
		}
		if s := b.textContent(t, "#full-text"); !strings.Contains(s, "<img src=x onerror=") {
			t.Errorf("the body is not shown as text: %q", s)
		}
		if title := b.title(t); strings.Contains(title, "pwned") {
			t.Errorf("a script from the message ran: title %q", title)
		}
	})

	t.Run("a cross-site POST is refused", func(t *testing.T) {
		// A page on another site (localhost is not 127.0.0.1) that posts to
		// the console as soon as it loads, with the member's cookie if the
		// browser sends it.
		evil := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/filings/BA-2026-000124/act">
<input name="action" value="withdraw"><input name="reason" value="forged"><input name="confirm" value="yes"></form>
<script>document.getElementById("f").submit()</script>`, base)
		}))
		ln, err := net.Listen("tcp", "localhost:0")
		if err != nil {
			t.Fatal(err)
		}
		evil.Listener = ln
		evil.Start()
		defer evil.Close()
		b.goURL(t, strings.Replace(evil.URL, "127.0.0.1", "localhost", 1))
		b.waitVisible(t, "#refusal")
		if r := b.text(t, "#refusal"); !strings.Contains(r, "已拒绝来自其他网站的请求") {
			t.Errorf("refusal: %q", r)
		}
		d, err := st.FilingByRef(ctx, "BA-2026-000124")
		if err != nil || d.Filing.Stage != filing.StageProviderReview {
			t.Errorf("the forged withdrawal changed the filing: %v %v", d.Filing.Stage, err)
		}
	})

	t.Run("sign out and be refused", func(t *testing.T) {
		b.go_(t, "/queue")
		cookie := b.cookie(t)
		b.click(t, "#signout")
		b.waitVisible(t, "input[name=email]")
		b.go_(t, "/queue")
		b.waitVisible(t, "input[name=email]")
		// The old cookie is worthless: the session is gone from the database.
		req, _ := http.NewRequest(http.MethodGet, base+"/queue", nil)
		req.AddCookie(&http.Cookie{Name: "icpdesk_session", Value: cookie})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("after sign-out the old cookie got %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("a staff member cannot reach admin pages", func(t *testing.T) {
		b.setPassword(t, staffOnly, "李四的工作台密码 2026")
		b.signIn(t, "lisi@example.cn", "李四的工作台密码 2026")
		b.waitVisible(t, "#queue")
		if h := b.html(t, "header"); strings.Contains(h, `href="/staff"`) || strings.Contains(h, `href="/tokens"`) {
			t.Error("a staff member sees the admin links")
		}
		for _, page := range []string{"/staff", "/tokens"} {
			b.go_(t, page)
			b.waitVisible(t, "#refusal")
			if r := b.text(t, "#refusal"); !strings.Contains(r, "仅管理员") {
				t.Errorf("%s refusal: %q", page, r)
			}
		}
	})

	t.Run("a session expires", func(t *testing.T) {
		// Nobody used the session for longer than session_idle (2h): its
		// last visit is moved back in the database rather than waiting.
		if err := expireSessions(ctx, dbURL, "lisi@example.cn", 3*time.Hour); err != nil {
			t.Fatal(err)
		}
		b.go_(t, "/queue")
		b.waitVisible(t, "input[name=email]")
		if loc := b.location(t); !strings.Contains(loc, "/signin") {
			t.Errorf("an expired session reached %s", loc)
		}
		if note := b.text(t, "main .note"); !strings.Contains(note, "会话已结束") {
			t.Errorf("the sign-in page does not say the session ended: %q", note)
		}
	})
}

// setupToken finds the set-password link `staff add` printed.
func setupToken(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`/set-password\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no set-password link in:\n%s", out)
	}
	return m[1]
}

// chromiumPath finds Debian's chromium; without it the test skips, saying
// how to install it (and fails under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium: to run the browser tests, apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei (bash .ci/run does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless chromium with the console open.
type browser struct {
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, path, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "zh-CN"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	// The first action starts the browser: no timeout on it.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{ctx: bctx, base: base}
}

func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func get[T any](t *testing.T, b *browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *browser) go_(t *testing.T, path string) { t.Helper(); b.goURL(t, b.base+path) }
func (b *browser) goURL(t *testing.T, u string) {
	t.Helper()
	b.do(t, "open "+u, chromedp.Navigate(u))
}
func (b *browser) waitVisible(t *testing.T, css string) {
	t.Helper()
	b.do(t, "wait for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
}
func (b *browser) click(t *testing.T, css string) {
	t.Helper()
	b.do(t, "click "+css, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}
func (b *browser) submit(t *testing.T, css string) {
	t.Helper()
	b.do(t, "submit "+css, chromedp.Submit(chromedp.CSS(css)))
}
func (b *browser) sendKeys(t *testing.T, css, s string) {
	t.Helper()
	b.do(t, "type into "+css, chromedp.SendKeys(chromedp.CSS(css), s, chromedp.NodeVisible))
}
func (b *browser) text(t *testing.T, css string) string {
	t.Helper()
	return get(t, b, "text of "+css, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
}
func (b *browser) textContent(t *testing.T, css string) string {
	t.Helper()
	return get(t, b, "text of "+css, chromedp.TextContent(chromedp.CSS(css), chromedp.NodeReady))
}
func (b *browser) html(t *testing.T, css string) string {
	t.Helper()
	return get(t, b, "html of "+css, chromedp.OuterHTML(chromedp.CSS(css), chromedp.NodeReady))
}
func (b *browser) value(t *testing.T, css string) string {
	t.Helper()
	return get(t, b, "value of "+css, chromedp.Value(chromedp.CSS(css)))
}
func (b *browser) title(t *testing.T) string {
	t.Helper()
	return get(t, b, "title", chromedp.Title())
}
func (b *browser) location(t *testing.T) string {
	t.Helper()
	return get(t, b, "location", chromedp.Location())
}

// cookie is the session cookie's value (HttpOnly: read through DevTools).
func (b *browser) cookie(t *testing.T) string {
	t.Helper()
	v := get(t, b, "cookies", chromedp.Action[string](func(ctx context.Context, tg *chromedp.Target) (string, error) {
		cs, err := storageCookies(ctx, tg)
		if err != nil {
			return "", err
		}
		for _, c := range cs {
			if c.Name == "icpdesk_session" {
				if !c.HTTPOnly || c.SameSite != "Lax" {
					return "", fmt.Errorf("session cookie: HttpOnly %v, SameSite %q", c.HTTPOnly, c.SameSite)
				}
				return c.Value, nil
			}
		}
		return "", fmt.Errorf("no session cookie")
	}))
	return v
}

func (b *browser) setPassword(t *testing.T, token, pw string) {
	t.Helper()
	b.go_(t, "/set-password?token="+token)
	b.sendKeys(t, "input[name=password]", pw)
	b.sendKeys(t, "input[name=again]", pw)
	b.click(t, "form button[type=submit]")
	b.waitVisible(t, ".done")
}

func (b *browser) signIn(t *testing.T, email, pw string) {
	t.Helper()
	b.go_(t, "/signin")
	b.sendKeys(t, "input[name=email]", email)
	b.sendKeys(t, "input[name=password]", pw)
	b.click(t, "form button[type=submit]")
}

// screenshot takes a picture of the page. With ICPDESK_SCREENSHOTS=1 it is
// saved to docs/screenshots/name for the README; otherwise to the test's
// temporary directory, so a test run leaves the repository as it was.
func (b *browser) screenshot(t *testing.T, name string, full bool) {
	t.Helper()
	var png []byte
	if full {
		png = get(t, b, "screenshot", chromedp.FullScreenshot(100))
	} else {
		png = get(t, b, "screenshot", chromedp.CaptureScreenshot())
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: not a PNG (%d bytes)", name, len(png))
	}
	dir := t.TempDir()
	if os.Getenv("ICPDESK_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// phone runs fn with a phone's screen (390×844, touch, mobile).
func (b *browser) phone(t *testing.T, fn func()) {
	t.Helper()
	b.do(t, "phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile), chromedp.Reload())
	defer b.do(t, "desktop screen", chromedp.EmulateReset(), chromedp.EmulateViewport(1280, 900), chromedp.Reload())
	fn()
}

// appendingSMTP is the desk's outgoing mail server: it accepts mail for the
// known addresses and appends each message to that address's Dovecot
// mailbox; any other recipient is refused with 550 5.1.1, like a real one.
type appendingSMTP struct {
	port  int
	imap  string
	user  string
	pass  string
	boxes map[string]string
	mu    sync.Mutex
}

func newAppendingSMTP(t *testing.T, imapAddr, user, pass string, boxes map[string]string) *appendingSMTP {
	t.Helper()
	a := &appendingSMTP{imap: imapAddr, user: user, pass: pass, boxes: boxes}
	srv := smtp.NewServer(a)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return a
}

func (a *appendingSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &appendSession{a: a}, nil
}

type appendSession struct {
	a  *appendingSMTP
	to []string
}

func (s *appendSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *appendSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	mb, ok := s.a.boxes[strings.ToLower(to)]
	if !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	}
	s.to = append(s.to, mb)
	return nil
}
func (s *appendSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	return dialIMAP(s.a.imap, s.a.user, s.a.pass, func(c *imapclient.Client) error {
		for _, mb := range s.to {
			cmd := c.Append(mb, int64(len(raw)), nil)
			if _, err := cmd.Write(raw); err != nil {
				return err
			}
			if err := cmd.Close(); err != nil {
				return err
			}
			if _, err := cmd.Wait(); err != nil {
				return err
			}
		}
		return nil
	})
}
func (s *appendSession) Reset()        { s.to = nil }
func (s *appendSession) Logout() error { return nil }

func dialIMAP(addr, user, pass string, fn func(*imapclient.Client) error) error {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.Logout().Wait()
}

func withIMAP(t *testing.T, addr, user, pass string, fn func(*imapclient.Client) error) {
	t.Helper()
	if err := dialIMAP(addr, user, pass, fn); err != nil {
		t.Fatal(err)
	}
}

// imapMessages reads every message of a mailbox over IMAP.
func imapMessages(t *testing.T, addr, user, pass, mailbox string) [][]byte {
	t.Helper()
	var out [][]byte
	withIMAP(t, addr, user, pass, func(c *imapclient.Client) error {
		sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil || sel.NumMessages == 0 {
			return err
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		for _, m := range msgs {
			for _, b := range m.BodySection {
				out = append(out, b.Bytes)
			}
		}
		return err
	})
	return out
}

// cookie is what DevTools reports of a cookie.
type devCookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	HTTPOnly bool   `json:"httpOnly"`
	SameSite string `json:"sameSite"`
}

func storageCookies(ctx context.Context, tg *chromedp.Target) ([]devCookie, error) {
	var res struct {
		Cookies []devCookie `json:"cookies"`
	}
	err := tg.Call(ctx, "Network.getCookies", map[string]any{}, &res)
	return res.Cookies, err
}

// expireSessions moves a member's sessions' last visit back by ago, as if
// nobody had used them since.
func expireSessions(ctx context.Context, dbURL, email string, ago time.Duration) error {
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `UPDATE staff_sessions SET last_seen_at = $1
		WHERE user_id = (SELECT id FROM staff_users WHERE email = $2)`, time.Now().Add(-ago).UTC(), email)
	return err
}
