package console

import (
	"net/http"
	"strings"

	"example.com/icpdesk/store"
)

type staffData struct {
	Members []store.StaffUser
	// Link is a set-password link just issued, shown once (when the
	// console has no public address to email it from).
	Link string
}

func (c *Console) staffPage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	ms, err := c.desk.Store().StaffUsers(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "staff", u, staffData{Members: ms})
}

func (c *Console) staffAction(w http.ResponseWriter, r *http.Request, u *user) {
	l := c.lang(r)
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	email := strings.TrimSpace(r.PostFormValue("email"))
	back := "/staff"
	var link StaffLink
	var err error
	switch r.PathValue("action") {
	case "add":
		name, role := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("role")
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.addstaff", name, email, l.T("role."+role))}, "") {
			return
		}
		link, err = AddStaff(ctx, c.desk.Store(), email, name, role, c.opts.PublicURL, c.opts.SetupValid)
	case "disable":
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.disable", email)}, "") {
			return
		}
		_, err = c.desk.Store().SetStaffDisabled(ctx, email, true)
	case "enable":
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.enable", email)}, "") {
			return
		}
		_, err = c.desk.Store().SetStaffDisabled(ctx, email, false)
	case "reset":
		if !c.confirmed(w, r, u, back, []string{l.Tf("confirm.reset", email)}, "") {
			return
		}
		link, err = ResetStaffPassword(ctx, c.desk.Store(), email, c.opts.PublicURL, c.opts.SetupValid)
	default:
		c.refuse(w, r, http.StatusNotFound, l.T("err.notfound"))
		return
	}
	if err != nil {
		c.refusal(w, r, err)
		return
	}
	c.log.InfoContext(ctx, "staff changed", "action", r.PathValue("action"), "staff", u.Name)
	if link.Link != "" && c.opts.PublicURL == "" {
		// Nothing to email it from: show it this once.
		ms, err := c.desk.Store().StaffUsers(ctx)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		c.render(w, r, http.StatusOK, "staff", u, staffData{Members: ms, Link: link.Link})
		return
	}
	done(w, r, back, "staff")
}
