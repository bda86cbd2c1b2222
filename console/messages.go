package console

import (
	"fmt"
	"net/http"
	"strings"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/store"
)

type messageData struct {
	M          desk.Message
	OpenItems  int
	Q          string
	Candidates []store.FilingSummary
	Searched   bool
}

func (c *Console) messagePage(w http.ResponseWriter, r *http.Request, u *user) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	m, err := c.desk.Message(ctx, id)
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	d := messageData{M: m, Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	for _, it := range m.Items {
		if it.Open() {
			d.OpenItems++
		}
	}
	if d.Q != "" {
		// Search without JavaScript: the same search the box does as you type.
		page, err := c.desk.Filings(ctx, store.FilingFilter{Text: d.Q, Limit: 10})
		if err != nil {
			c.refusal(w, r, err)
			return
		}
		d.Candidates, d.Searched = page.Filings, true
	}
	c.render(w, r, http.StatusOK, "message", u, d)
}

func (c *Console) messageAction(w http.ResponseWriter, r *http.Request, u *user) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	m, err := c.desk.Message(ctx, id)
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	back := fmt.Sprintf("/messages/%d", id)
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch r.PathValue("action") {
	case "reply":
		text := strings.TrimSpace(r.PostFormValue("text"))
		if text == "" {
			c.refuse(w, r, http.StatusBadRequest, l.T("err.input")+"："+l.T("msg.replyhint"))
			return
		}
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.reply", m.Sender)}, text) {
			return
		}
		if _, err := c.desk.Reply(ctx, id, text, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "replied")
	case "link":
		ref := strings.ToUpper(strings.TrimSpace(r.PostFormValue("ref")))
		if ref == "" {
			c.refuse(w, r, http.StatusBadRequest, l.T("err.input")+"："+l.T("msg.linkhint"))
			return
		}
		fv, err := c.desk.Filing(ctx, ref)
		if err != nil {
			c.refusal(w, r, err)
			return
		}
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.link", id, fv.Reference, fv.Account.Email, fv.Account.Email)}, "") {
			return
		}
		if _, err := c.desk.Link(ctx, id, fv.Reference, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "linked")
	case "dismiss":
		if note == "" {
			c.refuse(w, r, http.StatusBadRequest, l.T("err.input")+"："+l.T("msg.dismiss"))
			return
		}
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.dismiss", id, note), l.T("common.nomail")}, "") {
			return
		}
		if _, err := c.desk.Dismiss(ctx, id, note, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "dismissed")
	case "handled":
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.handled", id), l.T("common.nomail")}, "") {
			return
		}
		if _, err := c.desk.Handled(ctx, id, note, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "handled")
	case "reprocess":
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.reprocess", id)}, "") {
			return
		}
		if _, err := c.desk.Reprocess(ctx, id, u.Actor()); err != nil {
			c.refusal(w, r, err)
			return
		}
		done(w, r, back, "reprocessed")
	default:
		c.refuse(w, r, http.StatusNotFound, l.T("err.notfound"))
	}
}
