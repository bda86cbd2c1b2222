package console_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/console"
	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/password"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
	"example.com/icpdesk/throttle"
)

// clock is a settable time for the store, the throttle and the sessions.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a console over a fresh store with two members: an admin and a
// staff member, both with passwords.
type env struct {
	t       *testing.T
	st      *store.Store
	clk     *clock
	h       http.Handler
	desk    *desk.Service
	limiter *throttle.Limiter
}

const pw = "a long enough password"

func newEnv(t *testing.T, s *store.Store, clk *clock) *env {
	t.Helper()
	ctx := context.Background()
	lim := throttle.New(3, time.Second, time.Minute, time.Hour).WithClock(clk.now)
	svc := desk.New(s, nil, nil)
	c, err := console.New(svc, console.Options{SessionIdle: time.Hour, SessionMax: 3 * time.Hour, Throttle: lim})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: s, clk: clk, h: c, desk: svc, limiter: lim}
	for _, m := range []struct{ email, name, role string }{
		{"admin@example.cn", "王芳", store.RoleAdmin}, {"staff@example.cn", "李四", store.RoleStaff}} {
		sl, err := console.AddStaff(ctx, s, m.email, m.name, m.role, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		hash, err := password.Hash(pw, password.Default)
		if err != nil {
			t.Fatal(err)
		}
		token := strings.TrimPrefix(sl.Link, "/set-password?token=")
		if _, err := s.SetStaffPassword(ctx, console.HashToken(token), hash); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// do serves one request from a client on remote (loopback unless given).
func (e *env) do(method, target string, form url.Values, cookie string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "127.0.0.1:50000"
	r.Host = "127.0.0.1:8080"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "icpdesk_session", Value: cookie})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *env) signIn(email, password string) (*httptest.ResponseRecorder, string) {
	e.t.Helper()
	w := e.do("POST", "/signin", url.Values{"email": {email}, "password": {password}, "next": {"/queue"}}, "")
	for _, c := range w.Result().Cookies() {
		if c.Name == "icpdesk_session" {
			return w, c.Value
		}
	}
	return w, ""
}

func TestSessions(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, clk)
		w, cookie := e.signIn("admin@example.cn", pw)
		if w.Code != http.StatusSeeOther || cookie == "" || w.Header().Get("Location") != "/queue" {
			t.Fatalf("sign-in: %d %q, cookie %q", w.Code, w.Header().Get("Location"), cookie)
		}
		if got := e.do("GET", "/queue", nil, cookie); got.Code != http.StatusOK {
			t.Fatalf("queue: %d", got.Code)
		}
		// Idle: used every 50 minutes it lives on, until the absolute end.
		for i := 0; i < 3; i++ {
			clk.advance(50 * time.Minute)
			if got := e.do("GET", "/queue", nil, cookie); got.Code != http.StatusOK {
				t.Fatalf("after %d × 50 min of use: %d", i+1, got.Code)
			}
		}
		clk.advance(40 * time.Minute) // 3h10m after sign-in: past session_max
		if got := e.do("GET", "/queue", nil, cookie); got.Code != http.StatusSeeOther || !strings.HasPrefix(got.Header().Get("Location"), "/signin") {
			t.Fatalf("past the absolute timeout: %d %q", got.Code, got.Header().Get("Location"))
		}
		_, cookie = e.signIn("admin@example.cn", pw)
		clk.advance(61 * time.Minute) // unused past session_idle
		if got := e.do("GET", "/queue", nil, cookie); got.Code != http.StatusSeeOther {
			t.Fatalf("past the idle timeout: %d", got.Code)
		}
		// Signing out ends the session in the database; a POST without one is refused.
		_, cookie = e.signIn("admin@example.cn", pw)
		if got := e.do("POST", "/signout", url.Values{}, cookie); got.Code != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", got.Code)
		}
		if got := e.do("POST", "/messages/1/dismiss", url.Values{"note": {"x"}}, cookie); got.Code != http.StatusUnauthorized {
			t.Fatalf("a POST after sign-out: %d", got.Code)
		}
		// Disabling a member ends their sessions.
		_, cookie = e.signIn("staff@example.cn", pw)
		if _, err := s.SetStaffDisabled(context.Background(), "staff@example.cn", true); err != nil {
			t.Fatal(err)
		}
		if got := e.do("GET", "/queue", nil, cookie); got.Code != http.StatusSeeOther {
			t.Fatalf("a disabled member's session: %d", got.Code)
		}
		if w, c := e.signIn("staff@example.cn", pw); c != "" || w.Code != http.StatusUnauthorized {
			t.Fatalf("a disabled member signed in: %d", w.Code)
		}
	}, store.WithClock(clk.now))
}

func TestFailedSignInsSlowDown(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, clk)
		for i := 0; i < 4; i++ {
			if w, _ := e.signIn("admin@example.cn", "wrong password"); w.Code != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, w.Code)
			}
		}
		// Now even the right password is refused unchecked until the wait ends.
		w, cookie := e.signIn("admin@example.cn", pw)
		if w.Code != http.StatusTooManyRequests || cookie != "" || w.Header().Get("Retry-After") == "" {
			t.Fatalf("right password while slowed down: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
		if !strings.Contains(w.Body.String(), "秒后再试") {
			t.Error("the refusal does not say how long to wait")
		}
		clk.advance(3 * time.Second)
		if w, cookie := e.signIn("admin@example.cn", pw); w.Code != http.StatusSeeOther || cookie == "" {
			t.Fatalf("after the wait: %d", w.Code)
		}
		// An unknown address fails like a wrong password.
		if w, _ := e.signIn("nobody@example.cn", pw); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "邮箱或密码不正确") {
			t.Fatalf("unknown address: %d", w.Code)
		}
		e.limiter.Succeed("address:127.0.0.1")
	}, store.WithClock(clk.now))
}

func TestAdminPagesAndCrossOrigin(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, clk)
		_, staff := e.signIn("staff@example.cn", pw)
		_, admin := e.signIn("admin@example.cn", pw)
		if w := e.do("GET", "/staff", nil, staff); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "仅管理员") {
			t.Errorf("a staff member opened /staff: %d", w.Code)
		}
		if w := e.do("POST", "/staff/add", url.Values{"email": {"x@example.cn"}, "name": {"x"}, "role": {"admin"}, "confirm": {"yes"}}, staff); w.Code != http.StatusForbidden {
			t.Errorf("a staff member added staff: %d", w.Code)
		}
		if w := e.do("GET", "/staff", nil, admin); w.Code != http.StatusOK {
			t.Errorf("an admin opened /staff: %d", w.Code)
		}
		// A cross-site form post is refused before anything else runs.
		w := e.do("POST", "/staff/add", url.Values{"email": {"x@example.cn"}, "name": {"x"}, "role": {"admin"}, "confirm": {"yes"}}, admin,
			"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example.com")
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "已拒绝来自其他网站的请求") {
			t.Errorf("cross-site POST: %d", w.Code)
		}
		if _, err := s.StaffUserByEmail(context.Background(), "x@example.cn"); err == nil {
			t.Error("the cross-site POST added a member")
		}
		// The same from the console itself asks to confirm first, then acts.
		w = e.do("POST", "/staff/add", url.Values{"email": {"x@example.cn"}, "name": {"赵六"}, "role": {"staff"}}, admin, "Sec-Fetch-Site", "same-origin")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="confirm"`) {
			t.Fatalf("no confirmation step: %d", w.Code)
		}
		if _, err := s.StaffUserByEmail(context.Background(), "x@example.cn"); err == nil {
			t.Error("the member was added before the confirmation")
		}
		w = e.do("POST", "/staff/add", url.Values{"email": {"x@example.cn"}, "name": {"赵六"}, "role": {"staff"}, "confirm": {"yes"}}, admin, "Sec-Fetch-Site", "same-origin")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "/set-password?token=") {
			t.Fatalf("adding a member: %d", w.Code)
		}
		if _, err := s.StaffUserByEmail(context.Background(), "x@example.cn"); err != nil {
			t.Error(err)
		}
	}, store.WithClock(clk.now))
}

// TestAPITokensPage: an admin creates a token in the console, sees its
// secret once, and revokes it; the secret works with the API until then.
func TestAPITokensPage(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, clk)
		ctx := context.Background()
		_, staff := e.signIn("staff@example.cn", pw)
		_, admin := e.signIn("admin@example.cn", pw)
		same := []string{"Sec-Fetch-Site", "same-origin"}
		if w := e.do("GET", "/tokens", nil, staff); w.Code != http.StatusForbidden {
			t.Errorf("a staff member opened /tokens: %d", w.Code)
		}
		if w := e.do("POST", "/tokens/create", url.Values{"name": {"x"}, "scope": {"read"}, "confirm": {"yes"}}, staff, same...); w.Code != http.StatusForbidden {
			t.Errorf("a staff member created a token: %d", w.Code)
		}
		if w := e.do("GET", "/queue", nil, staff); strings.Contains(w.Body.String(), `href="/tokens"`) {
			t.Error("a staff member's menu links to the tokens page")
		}
		w := e.do("GET", "/tokens", nil, admin)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "还没有 API 令牌") || !strings.Contains(w.Body.String(), `value="filings:write"`) {
			t.Fatalf("the empty tokens page: %d\n%s", w.Code, w.Body.String())
		}

		// A bad name or no scope is refused before the confirmation.
		for _, f := range []url.Values{{"name": {"Filing System"}, "scope": {"read"}}, {"name": {"filing-system"}}, {"name": {"filing-system"}, "scope": {"root"}}} {
			w := e.do("POST", "/tokens/create", f, admin, same...)
			if w.Code != http.StatusBadRequest || strings.Contains(w.Body.String(), `id="confirm"`) {
				t.Errorf("%v: %d, want a refusal before confirming", f, w.Code)
			}
		}
		form := url.Values{"name": {" filing-system "}, "scope": {"read", "filings:write", "read"}}
		w = e.do("POST", "/tokens/create", form, admin, same...)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="confirm"`) || !strings.Contains(w.Body.String(), "filing-system") {
			t.Fatalf("no confirmation: %d", w.Code)
		}
		if ts, _ := e.desk.Tokens(ctx); len(ts) != 0 {
			t.Fatal("a token was made before the confirmation")
		}
		form.Set("confirm", "yes")
		w = e.do("POST", "/tokens/create", form, admin, same...)
		secret := regexp.MustCompile(`<code id="token-secret">(icpd_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || secret == nil {
			t.Fatalf("creating: %d, no secret shown\n%s", w.Code, w.Body.String())
		}
		tok, err := e.desk.Authenticate(ctx, secret[1])
		if err != nil || tok.Name != "filing-system" || strings.Join(tok.Scopes, " ") != "read filings:write" || tok.CreatedBy != "王芳" {
			t.Fatalf("the shown secret: %+v, %v", tok, err)
		}
		// Shown once: the page lists the token, never its secret again.
		w = e.do("GET", "/tokens", nil, admin)
		if body := w.Body.String(); strings.Contains(body, secret[1]) || !strings.Contains(body, "<code>filing-system</code>") || !strings.Contains(body, "有效") {
			t.Errorf("the tokens page after creating:\n%s", body)
		}
		if w := e.do("POST", "/tokens/create", form, admin, same...); w.Code != http.StatusConflict {
			t.Errorf("a second token of the same name: %d", w.Code)
		}

		// Revoking asks first, then refuses the secret.
		w = e.do("POST", "/tokens/revoke", url.Values{"name": {"filing-system"}}, admin, same...)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="confirm"`) || !strings.Contains(w.Body.String(), "其他副本最多 10 秒后生效") {
			t.Fatalf("no confirmation to revoke, or it does not say when other replicas follow: %d\n%s", w.Code, w.Body.String())
		}
		if _, err := e.desk.Authenticate(ctx, secret[1]); err != nil {
			t.Fatalf("revoked before the confirmation: %v", err)
		}
		w = e.do("POST", "/tokens/revoke", url.Values{"name": {"filing-system"}, "confirm": {"yes"}}, admin, same...)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/tokens?done=revoked" {
			t.Fatalf("revoking: %d %q", w.Code, w.Header().Get("Location"))
		}
		if _, err := e.desk.Authenticate(ctx, secret[1]); err == nil {
			t.Error("a revoked token still authenticates")
		}
		w = e.do("GET", "/tokens?done=revoked", nil, admin)
		if body := w.Body.String(); !strings.Contains(body, "令牌已吊销") || !strings.Contains(body, "已于 2026-12-03") || strings.Contains(body, `action="/tokens/revoke"`) {
			t.Errorf("the tokens page after revoking:\n%s", body)
		}
		if w := e.do("POST", "/tokens/revoke", url.Values{"name": {"nobody"}, "confirm": {"yes"}}, admin, same...); w.Code != http.StatusNotFound {
			t.Errorf("revoking an unknown token: %d", w.Code)
		}
	}, store.WithClock(clk.now))
}

func TestSetPasswordLinkWorksOnce(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, clk)
		sl, err := console.ResetStaffPassword(context.Background(), s, "staff@example.cn", "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		token := strings.TrimPrefix(sl.Link, "/set-password?token=")
		if w, _ := e.signIn("staff@example.cn", pw); w.Code != http.StatusUnauthorized {
			t.Errorf("the old password works after a reset: %d", w.Code)
		}
		form := url.Values{"token": {token}, "password": {"short"}, "again": {"short"}}
		if w := e.do("POST", "/set-password", form, ""); w.Code != http.StatusBadRequest {
			t.Errorf("a short password: %d", w.Code)
		}
		form = url.Values{"token": {token}, "password": {"the new long password"}, "again": {"the new long password"}}
		if w := e.do("POST", "/set-password", form, ""); w.Code != http.StatusSeeOther {
			t.Fatalf("set password: %d %s", w.Code, w.Body.String())
		}
		if w := e.do("POST", "/set-password", form, ""); w.Code != http.StatusNotFound {
			t.Errorf("the link worked twice: %d", w.Code)
		}
		if w, c := e.signIn("staff@example.cn", "the new long password"); c == "" {
			t.Errorf("the new password does not work: %d", w.Code)
		}
		sl, _ = console.ResetStaffPassword(context.Background(), s, "staff@example.cn", "", time.Hour)
		clk.advance(61 * time.Minute)
		if w := e.do("GET", "/set-password?"+strings.TrimPrefix(sl.Link, "/set-password?"), nil, ""); w.Code != http.StatusNotFound {
			t.Errorf("an expired link: %d", w.Code)
		}
	}, store.WithClock(clk.now))
}

func TestHeadersAndCookies(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, storetest.Open(t, store.SQLite, store.WithClock(clk.now)), clk)
	w := e.do("GET", "/signin", nil, "")
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	_, cookie := e.signIn("admin@example.cn", pw)
	if cookie == "" {
		t.Fatal("no session")
	}
	// On loopback (client and host) the cookie may travel over plain HTTP;
	// anywhere else it is Secure.
	r := httptest.NewRequest("POST", "/signin", strings.NewReader(url.Values{"email": {"admin@example.cn"}, "password": {pw}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr, r.Host = "192.0.2.10:40000", "icpdesk.example.cn"
	rw := httptest.NewRecorder()
	e.h.ServeHTTP(rw, r)
	for _, c := range rw.Result().Cookies() {
		if c.Name == "icpdesk_session" && (!c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
			t.Errorf("remote session cookie: Secure %v HttpOnly %v SameSite %v", c.Secure, c.HttpOnly, c.SameSite)
		}
	}
	// English on request, Chinese by default.
	if w := e.do("GET", "/signin", nil, ""); !strings.Contains(w.Body.String(), `lang="zh-CN"`) {
		t.Error("not Chinese by default")
	}
	w = e.do("GET", "/lang?to=en&back=/signin", nil, "")
	var lang string
	for _, c := range w.Result().Cookies() {
		if c.Name == "icpdesk_lang" {
			lang = c.Value
		}
	}
	r = httptest.NewRequest("GET", "/signin", nil)
	r.AddCookie(&http.Cookie{Name: "icpdesk_lang", Value: lang})
	rw = httptest.NewRecorder()
	e.h.ServeHTTP(rw, r)
	if !strings.Contains(rw.Body.String(), "Sign in") {
		t.Error("English was not switched on")
	}
	// A redirect after sign-in stays on the site.
	w = e.do("POST", "/signin", url.Values{"email": {"admin@example.cn"}, "password": {pw}, "next": {"//evil.example.com/"}}, "")
	if loc := w.Header().Get("Location"); loc != "/queue" {
		t.Errorf("next=//evil… redirected to %q", loc)
	}
}

// TestTemplatesAreSafeByConstruction: no inline script or style (the CSP
// would block them anyway), no event handler attributes.
func TestTemplatesAreSafeByConstruction(t *testing.T) {
	bad := regexp.MustCompile(`(?i)\sstyle=|<script(?:\s[^>]*)?>[^<]|\son[a-z]+=|javascript:`)
	err := fs.WalkDir(os.DirFS("files"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile("files/" + path)
		if err != nil {
			return err
		}
		if m := bad.Find(b); m != nil {
			t.Errorf("%s: %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestItemLinks: the digest links each row to /items/ID, which opens the
// page the item is about; a received message's page shows its text as text.
func TestItemLinks(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, clk)
		ctx := context.Background()
		var itemID, msgID int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			ids, err := tx.RecordInboundBatch(ctx, []store.InboundMessage{{Mailbox: "INBOX", UIDValidity: 1, UID: 1,
				MessageID: "m1@example.org", Sender: "someone@example.org", Subject: "<b>咨询</b>", ReceivedAt: clk.now(),
				Classification: "human", Decision: "unmatched", BodyText: "<script>alert(1)</script>你好", OwnText: "<script>alert(1)</script>你好"}})
			if err != nil {
				return err
			}
			msgID = ids["m1@example.org"]
			_, err = tx.OpenWorkItems(ctx, []store.NewWorkItem{{Kind: filing.WorkUnmatched,
				Cause: filing.WorkCauseInbound(filing.WorkUnmatched, msgID), InboundID: msgID, Actor: filing.ActorApplicant}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		items, err := s.ListWorkItems(ctx, store.WorkFilter{})
		if err != nil || len(items) != 1 {
			t.Fatalf("items: %v %v", items, err)
		}
		itemID = items[0].ID
		_, cookie := e.signIn("staff@example.cn", pw)
		w := e.do("GET", fmt.Sprintf("/items/%d", itemID), nil, cookie)
		if want := fmt.Sprintf("/messages/%d", msgID); w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Fatalf("/items/%d: %d %q, want %s", itemID, w.Code, w.Header().Get("Location"), want)
		}
		w = e.do("GET", fmt.Sprintf("/messages/%d", msgID), nil, cookie)
		body := w.Body.String()
		if w.Code != http.StatusOK || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;你好") ||
			strings.Contains(body, "<b>咨询</b>") {
			t.Errorf("message page: %d\n%s", w.Code, body)
		}
		if w := e.do("GET", "/queue", nil, cookie); !strings.Contains(w.Body.String(), fmt.Sprintf(`href="/items/%d"`, itemID)) {
			t.Error("the queue does not link the item")
		}
		if w := e.do("GET", "/items/999999", nil, cookie); w.Code != http.StatusNotFound {
			t.Errorf("an unknown item: %d", w.Code)
		}
	}, store.WithClock(clk.now))
}

// TestSetPasswordEmail: with a public address the link is emailed through
// the outbox (in the staff language); the console's page for that email
// never shows the link.
func TestSetPasswordEmail(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, clk)
		ctx := context.Background()
		sl, err := console.AddStaff(ctx, s, "zhaoliu@example.cn", "赵六", store.RoleStaff, "https://icpdesk.example.cn", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sl.Link, "https://icpdesk.example.cn/set-password?token=") {
			t.Fatalf("link %q", sl.Link)
		}
		rows, err := s.ListOutbox(ctx, store.OutboxFilter{})
		if err != nil || len(rows) != 1 || rows[0].Kind != string(filing.EmailStaffSetPassword) || rows[0].Recipient != "zhaoliu@example.cn" {
			t.Fatalf("outbox: %+v %v", rows, err)
		}
		n, err := s.OutboxNotice(ctx, rows[0].ID)
		if err != nil || n.Password != sl.Link || n.Language != filing.LangChinese {
			t.Fatalf("notice: %+v %v", n, err)
		}
		_, cookie := e.signIn("admin@example.cn", pw)
		w := e.do("GET", fmt.Sprintf("/emails/%d", rows[0].ID), nil, cookie)
		token := strings.TrimPrefix(sl.Link, "https://icpdesk.example.cn/set-password?token=")
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), token) {
			t.Errorf("the email's page: %d, shows the link: %v", w.Code, strings.Contains(w.Body.String(), token))
		}
	}, store.WithClock(clk.now))
}

// TestFilingPageListsEscaped: the filing page's timeline and outbox list
// are put together as HTML in Go, not by the template, since they can run
// to hundreds of rows. Every row is shown, and what people typed is
// escaped there as the template would have escaped it.
func TestFilingPageListsEscaped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, c, cookie := signedInConsole(t, s)
		in := benchFiling(t)
		staff := store.Actor{Name: "王芳 <b>admin</b>"}
		if _, err := svc.AddAccount(ctx, desk.AccountInput{Email: in.Account, Name: "张三", Customer: true}, staff); err != nil {
			t.Fatal(err)
		}
		if _, probs, err := svc.ImportFiling(ctx, in, staff); err != nil || len(probs) > 0 {
			t.Fatalf("import: %v %v", err, probs)
		}
		for _, a := range []desk.ActionInput{{Action: "submit"}, {Action: "to_bureau"},
			{Action: "return", ReturnBy: "bureau", Reason: "<script>alert(1)</script>网站名称与内容不符"},
			{Action: "extend", Days: 1, Reason: "材料 & 补充中"}} {
			if _, err := svc.Act(ctx, in.Ref, a, staff); err != nil {
				t.Fatalf("%s: %v", a.Action, err)
			}
		}
		v, err := svc.Filing(ctx, in.Ref)
		if err != nil {
			t.Fatal(err)
		}
		w := getPage(c, "/filings/"+in.Ref, cookie)
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("filing page: %d", w.Code)
		}
		if n := strings.Count(body, `<tr><td class="nowrap">`); n != len(v.Events) || n < 5 {
			t.Errorf("the timeline shows %d rows, the filing has %d events", n, len(v.Events))
		}
		if n := strings.Count(body, `<li><a href="/emails/`); n != len(v.Outbox) || n < 3 {
			t.Errorf("the outbox list shows %d emails, the filing has %d", n, len(v.Outbox))
		}
		for _, o := range v.Outbox {
			if !strings.Contains(body, fmt.Sprintf(`<a href="/emails/%d">`, o.ID)) {
				t.Errorf("email %d is not linked", o.ID)
			}
		}
		if strings.Contains(body, "<b>admin</b>") || strings.Contains(body, "<script>alert") || strings.Contains(body, "材料 & 补充中") {
			t.Errorf("a typed value is not escaped:\n%s", body)
		}
		if !strings.Contains(body, "王芳 &lt;b&gt;admin&lt;/b&gt; (staff)") {
			t.Errorf("the timeline's actor cell is missing or escaped differently:\n%s", body)
		}
	})
}
