package console

import (
	"net/http"
	"strings"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
)

func emailKind(s string) filing.EmailKind { return filing.EmailKind(s) }

func (c *Console) accountsPage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	accts, err := c.desk.Store().ListAccounts(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "accounts", u, accts)
}

func (c *Console) accountAction(w http.ResponseWriter, r *http.Request, u *user) {
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	email := strings.TrimSpace(r.PostFormValue("email"))
	back := "/accounts"
	switch action := r.PathValue("action"); action {
	case "add":
		name := strings.TrimSpace(r.PostFormValue("name"))
		in := desk.AccountInput{Email: email, Name: name, Language: r.PostFormValue("language"), Customer: r.PostFormValue("customer") != ""}
		lines := []string{l.Tf("confirm.addacct", email, name)}
		if in.Customer {
			lines = append(lines, l.Tf("common.willsend", emailLabel(l, filing.EmailAccountApproved), email))
		} else {
			lines = append(lines, l.T("common.nomail"))
		}
		if !c.confirmed(w, r, u, back, lines, "") {
			return
		}
		if _, err := c.desk.AddAccount(ctx, in, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
	case "approve", "reject":
		act := filing.AccountAction(action)
		k := filing.EmailAccountApproved
		if action == "reject" {
			k = filing.EmailAccountRejected
		}
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.account", email, l.T("accounts."+action)),
			l.Tf("common.willsend", emailLabel(l, k), email)}, reason) {
			return
		}
		if _, err := c.desk.DecideAccount(ctx, email, act, reason, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
	case "set-email":
		to := strings.TrimSpace(r.PostFormValue("to"))
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.setemail", email, to)}, "") {
			return
		}
		if _, err := c.desk.SetAccountEmail(ctx, email, to, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
	default:
		c.refuse(w, r, http.StatusNotFound, l.T("err.notfound"))
		return
	}
	done(w, r, back, "account")
}
