package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// OIDC is sign-in through the company's identity provider (OpenID Connect,
// authorization code flow with PKCE, state and nonce). A member is found by
// the provider's subject, or the first time by a verified email address
// equal to theirs; the provider never creates members, `staff add` does.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Label is the sign-in button's text; empty: "使用公司帐号登录".
	Label string
}

// oidcCookie carries the flow's state, nonce, PKCE verifier and where to
// go after, between the redirect to the provider and its answer.
const oidcCookie = "icpdesk_oidc"

// oidcClient discovers the provider on first use, so that an identity
// provider that is down does not stop icpdesk from starting; password
// sign-in works meanwhile.
type oidcClient struct {
	cfg      OIDC
	redirect string
	mu       sync.Mutex
	provider *oidc.Provider
}

func (o *oidcClient) setup(ctx context.Context) (*oidc.Provider, oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
		if err != nil {
			return nil, oauth2.Config{}, fmt.Errorf("console: identity provider %s: %w", o.cfg.Issuer, err)
		}
		o.provider = p
	}
	return o.provider, oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.redirect,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

func (c *Console) oidcStart(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	_, conf, err := c.oidc.setup(ctx)
	if err != nil {
		c.log.ErrorContext(ctx, "OIDC sign-in unavailable", "err", err)
		c.refuse(w, r, http.StatusServiceUnavailable, c.lang(r).T("oidc.down"))
		return
	}
	state, _, err1 := NewToken()
	nonce, _, err2 := NewToken()
	if err := errors.Join(err1, err2); err != nil {
		c.fail(w, r, err)
		return
	}
	verifier := oauth2.GenerateVerifier()
	next := safeNext(r.URL.Query().Get("next"))
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: strings.Join([]string{state, nonce, verifier, urlEscape(next)}, "."),
		Path: "/signin/oidc", MaxAge: 600, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
}

// oidcClaims are the ID token's claims icpdesk reads.
type oidcClaims struct {
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
}

func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ck, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(ck.Value, ".")
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: "/signin/oidc", MaxAge: -1, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	if len(parts) != 4 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 || q.Get("code") == "" {
		c.refuse(w, r, http.StatusBadRequest, l.T("oidc.bad"))
		return
	}
	nonce, verifier := parts[1], parts[2]
	next := "/queue"
	if n, err := urlUnescape(parts[3]); err == nil {
		next = safeNext(n)
	}
	provider, conf, err := c.oidc.setup(ctx)
	if err != nil {
		c.log.ErrorContext(ctx, "OIDC sign-in unavailable", "err", err)
		c.refuse(w, r, http.StatusServiceUnavailable, l.T("oidc.down"))
		return
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		c.log.WarnContext(ctx, "OIDC code exchange failed", "err", err)
		c.refuse(w, r, http.StatusBadRequest, l.T("oidc.bad"))
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.VerifierContext(ctx, &oidc.Config{ClientID: c.oidc.cfg.ClientID, Now: c.desk.Store().Now}).Verify(ctx, raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		c.log.WarnContext(ctx, "OIDC ID token refused", "err", err)
		c.refuse(w, r, http.StatusBadRequest, l.T("oidc.bad"))
		return
	}
	var claims oidcClaims
	if err := idt.Claims(&claims); err != nil {
		c.refuse(w, r, http.StatusBadRequest, l.T("oidc.bad"))
		return
	}
	subject := idt.Issuer + " " + idt.Subject
	st := c.desk.Store()
	u, err := st.StaffUserByOIDC(ctx, subject)
	if errors.Is(err, store.ErrNotFound) && claims.EmailVerified && claims.Email != "" {
		// First sign-in through the provider: tie its subject to the member
		// with that (verified) address, once.
		u, err = st.LinkStaffOIDC(ctx, claims.Email, subject)
	}
	if err != nil || u.Disabled {
		c.log.InfoContext(ctx, "OIDC sign-in of no staff member", "email", filing.MaskEmail(claims.Email), "err", logSafe(err))
		c.refuse(w, r, http.StatusForbidden, l.T("oidc.nostaff"))
		return
	}
	token, th, err := NewToken()
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := st.CreateSession(ctx, u.ID, th, st.Now().Add(c.opts.SessionMax), clientAddress(r)); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.InfoContext(ctx, "console sign-in", "staff", u.Name, "via", "oidc")
	c.setSessionCookie(w, r, token, int(c.opts.SessionMax/time.Second))
	http.Redirect(w, r, next, http.StatusSeeOther)
}
