package console

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"example.com/icpdesk/store"
)

func (c *Console) emailsPage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	var rows []store.OutboxRow
	for _, st := range []string{store.OutboxFailed, store.OutboxBounced} {
		got, err := c.desk.Store().ListOutbox(ctx, store.OutboxFilter{Status: st, Limit: 200})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		rows = append(rows, got...)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	c.render(w, r, http.StatusOK, "emails", u, rows)
}

type emailData struct {
	E       store.OutboxRow
	Subject string
	Text    string
	Items   []store.WorkItem
}

func (c *Console) emailPage(w http.ResponseWriter, r *http.Request, u *user) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	row, err := c.desk.Store().OutboxByID(ctx, id)
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	d := emailData{E: row}
	if c.opts.Emails != nil {
		if n, err := c.desk.Store().OutboxNotice(ctx, id); err == nil {
			// Secrets (a filing password, a set-password link) stay in the
			// one email that delivers them, never on a page.
			n.Password = ""
			if e, err := c.opts.Emails.Render(n); err == nil {
				d.Subject, d.Text = e.Subject, e.Text
			}
		}
	}
	if d.Items, err = c.desk.Queue(ctx, store.WorkFilter{OutboxID: id, All: true}); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "email", u, d)
}

func (c *Console) emailAction(w http.ResponseWriter, r *http.Request, u *user) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	row, err := c.desk.Store().OutboxByID(ctx, id)
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	kind := emailLabel(l, emailKind(row.Kind))
	back := fmt.Sprintf("/emails/%d", id)
	switch r.PathValue("action") {
	case "retry":
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.retry", id, kind, row.Recipient)}, "") {
			return
		}
		if _, err := c.desk.RetryEmail(ctx, id, false, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "retried")
	case "fix":
		to := strings.TrimSpace(r.PostFormValue("to"))
		if to == "" {
			c.refuse(w, r, http.StatusBadRequest, l.T("err.input")+"："+l.T("emails.newaddr"))
			return
		}
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.fix", row.Recipient, to, id, kind)}, "") {
			return
		}
		// Two steps, as on the command line (account set-email, then
		// outbox retry --to-current-address): each is its own transaction,
		// and the second refuses cleanly if the first did not happen.
		if _, err := c.desk.SetAccountEmail(ctx, row.Recipient, to, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		if _, err := c.desk.RetryEmail(ctx, id, true, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "fixed")
	case "cancel":
		note := strings.TrimSpace(r.PostFormValue("note"))
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.cancel", id, kind, row.Recipient, note), l.T("common.nomail")}, "") {
			return
		}
		if _, err := c.desk.CancelEmail(ctx, id, note, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "cancelled")
	default:
		c.refuse(w, r, http.StatusNotFound, l.T("err.notfound"))
	}
}
