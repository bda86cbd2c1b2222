package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/password"
	"example.com/icpdesk/store"
)

// sessionCookie holds the session's random token; the database keeps only
// its SHA-256.
const sessionCookie = "icpdesk_session"

// user is the signed-in member of staff for a request.
type user struct {
	store.StaffUser
	token string
}

// NewToken returns a random token (256 bits) and the hash the database keeps.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("console: token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the hash under which the database knows a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// secureCookies says whether cookies must be Secure: always, except when
// both the client and the host it asked for are on this machine (a desk
// trying icpdesk on plain http://127.0.0.1).
func secureCookies(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !isLoopback(host) {
		return true
	}
	h := r.Host
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	return !isLoopback(h)
}

func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Console) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
}

// currentUser reads the session of the request.
func (c *Console) currentUser(r *http.Request) (*user, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, errNoSession
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	sess, err := c.desk.Store().SessionByToken(ctx, HashToken(ck.Value), c.opts.SessionIdle)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	return &user{StaffUser: sess.User, token: ck.Value}, nil
}

// requireUser serves h to a signed-in member (an admin when admin is set);
// anyone else is sent to sign in, or refused.
func (c *Console) requireUser(h func(http.ResponseWriter, *http.Request, *user), admin bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := c.currentUser(r)
		if errors.Is(err, errNoSession) {
			if r.Method == http.MethodGet {
				to := "/signin?next=" + url.QueryEscape(r.URL.RequestURI())
				if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
					to += "&ended=1" // a session that was: say it ended
				}
				http.Redirect(w, r, to, http.StatusSeeOther)
				return
			}
			c.refuse(w, r, http.StatusUnauthorized, c.lang(r).T("err.signedout"))
			return
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if admin && !u.Admin() {
			c.refuse(w, r, http.StatusForbidden, c.lang(r).T("err.adminonly"))
			return
		}
		h(w, r, u)
	})
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/queue"
	}
	return next
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	if u, err := c.currentUser(r); err == nil && u != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "signin", nil, map[string]any{"Next": safeNext(r.URL.Query().Get("next")),
		"Expired": r.URL.Query().Get("ended") != "", "OIDC": c.oidcLabel(r)})
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	l := c.lang(r)
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	keys := []string{"account:" + email, "address:" + clientAddress(r)}
	data := map[string]any{"Next": next, "Email": email, "OIDC": c.oidcLabel(r)}
	// Too early after failures: refused without checking, so a guesser
	// learns nothing by hurrying.
	if wait := c.throttle.Wait(keys...); wait > 0 {
		secs := int(wait.Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		data["Error"] = l.Tf("signin.wait", secs)
		c.render(w, r, http.StatusTooManyRequests, "signin", nil, data)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	u, err := c.desk.Store().StaffUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, err)
		return
	}
	hash := u.PasswordHash
	if err != nil || u.Disabled {
		// The same work for an unknown address, so timing does not tell
		// which addresses are staff.
		hash = dummyHash()
	}
	ok, verr := password.Verify(pw, hash)
	if verr != nil {
		c.log.ErrorContext(ctx, "stored password hash unreadable", "staff", filing.MaskEmail(email), "err", verr)
	}
	if err != nil || u.Disabled || !ok {
		c.throttle.Fail(keys...)
		c.log.InfoContext(ctx, "console sign-in failed", "staff", filing.MaskEmail(email), "address", clientAddress(r))
		data["Error"] = l.T("signin.bad")
		c.render(w, r, http.StatusUnauthorized, "signin", nil, data)
		return
	}
	c.throttle.Succeed(keys...)
	token, th, err := NewToken()
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.desk.Store().CreateSession(ctx, u.ID, th, c.desk.Store().Now().Add(c.opts.SessionMax), clientAddress(r)); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.InfoContext(ctx, "console sign-in", "staff", u.Name)
	c.setSessionCookie(w, r, token, int(c.opts.SessionMax/time.Second))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// dummyHash is verified against when there is no member, so a wrong
// address costs as long as a wrong password. Made on first use: hashing
// costs tens of milliseconds, which every command would pay at start.
var dummyHash = sync.OnceValue(func() string {
	h, err := password.Hash("not a password anybody has", password.Default)
	if err != nil {
		return ""
	}
	return h
})

func (c *Console) signout(w http.ResponseWriter, r *http.Request, u *user) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if err := c.desk.Store().DeleteSession(ctx, HashToken(u.token)); err != nil {
		c.fail(w, r, err)
		return
	}
	c.setSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (c *Console) setPasswordPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	u, err := c.desk.Store().StaffUserBySetup(ctx, HashToken(token))
	if err != nil {
		c.refuse(w, r, http.StatusNotFound, c.lang(r).T("setpw.badlink"))
		return
	}
	c.render(w, r, http.StatusOK, "setpassword", nil, map[string]any{"Token": token, "Member": u,
		"Min": password.MinLength})
}

func (c *Console) setPassword(w http.ResponseWriter, r *http.Request) {
	l := c.lang(r)
	token, pw := r.PostFormValue("token"), r.PostFormValue("password")
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	u, err := c.desk.Store().StaffUserBySetup(ctx, HashToken(token))
	if err != nil {
		c.refuse(w, r, http.StatusNotFound, l.T("setpw.badlink"))
		return
	}
	data := map[string]any{"Token": token, "Member": u, "Min": password.MinLength}
	switch {
	case password.Check(pw) != nil:
		data["Error"] = l.Tf("setpw.length", password.MinLength, password.MaxLength)
	case pw != r.PostFormValue("again"):
		data["Error"] = l.T("setpw.mismatch")
	}
	if data["Error"] != nil {
		c.render(w, r, http.StatusBadRequest, "setpassword", nil, data)
		return
	}
	hash, err := password.Hash(pw, password.Default)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if _, err := c.desk.Store().SetStaffPassword(ctx, HashToken(token), hash); err != nil {
		c.refuse(w, r, http.StatusConflict, l.T("setpw.badlink"))
		return
	}
	c.log.InfoContext(ctx, "console password set", "staff", u.Name)
	http.Redirect(w, r, "/signin?done=password", http.StatusSeeOther)
}

// oidcLabel is the identity provider's sign-in button, empty without one.
func (c *Console) oidcLabel(r *http.Request) string {
	if c.oidc == nil {
		return ""
	}
	if c.oidc.cfg.Label != "" {
		return c.oidc.cfg.Label
	}
	return c.lang(r).T("oidc.button")
}

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }

// SetupLink is the set-password address for a token.
func SetupLink(publicURL, token string) string {
	base := strings.TrimRight(publicURL, "/")
	return base + "/set-password?token=" + url.QueryEscape(token)
}
