package console

import (
	"net/http"
	"strings"
	"time"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/store"
)

type tokensData struct {
	Tokens []store.APIToken
	Scopes []string
	// Created is a token just made, with its secret: shown on this one
	// response and never again (only its hash is stored).
	Created *store.APIToken
	Secret  string
}

func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request, u *user) {
	c.showTokens(w, r, u, nil, "")
}

func (c *Console) showTokens(w http.ResponseWriter, r *http.Request, u *user, created *store.APIToken, secret string) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ts, err := c.desk.Tokens(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "tokens", u, tokensData{Tokens: ts, Scopes: desk.Scopes, Created: created, Secret: secret})
}

func (c *Console) tokenAction(w http.ResponseWriter, r *http.Request, u *user) {
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	name := strings.TrimSpace(r.PostFormValue("name"))
	const back = "/tokens"
	switch r.PathValue("action") {
	case "create":
		// Refused before the confirmation, not after it.
		name, scopes, err := desk.CheckToken(name, r.PostForm["scope"])
		if err != nil {
			c.refusal(w, r, err)
			return
		}
		words := make([]string, len(scopes))
		for i, s := range scopes {
			words[i] = l.T("scope." + s)
		}
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.token", name, strings.Join(words, l.T("common.listsep")))}, "") {
			return
		}
		tok, secret, err := c.desk.CreateToken(ctx, name, scopes, u.Actor())
		if err != nil {
			c.refusal(w, r, err)
			return
		}
		c.log.InfoContext(ctx, "API token created", "token", tok.Name, "scopes", tok.Scopes, "staff", u.Name)
		c.showTokens(w, r, u, &tok, secret)
	case "revoke":
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.revoke", name, int(desk.TokenCacheTTL/time.Second))}, "") {
			return
		}
		if _, err := c.desk.RevokeToken(ctx, name); err != nil {
			c.refusal(w, r, err)
			return
		}
		c.log.InfoContext(ctx, "API token revoked", "token", name, "staff", u.Name)
		done(w, r, back, "revoked")
	default:
		c.refuse(w, r, http.StatusNotFound, l.T("err.notfound"))
	}
}
