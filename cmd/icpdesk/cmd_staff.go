package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"example.com/icpdesk/config"
	"example.com/icpdesk/console"
	"example.com/icpdesk/store"
)

// The `staff` commands manage who may sign in to the console. (The staff
// actions themselves are under queue, inbox, filing, account and outbox.)

func (a *app) staffCommand() *cobra.Command {
	return a.group("staff", "console sign-in for staff members",
		a.staffAddCommand(), a.staffListCommand(), a.staffDisableCommand(), a.staffEnableCommand(), a.staffResetCommand())
}

func (a *app) staffAddCommand() *cobra.Command {
	var email, name, role string
	c := a.leaf("add --email ADDRESS --name NAME --role staff|admin", "add a staff member: prints a one-time set-password link and emails it",
		func(ctx context.Context, _ []string) error {
			if email == "" || name == "" {
				return usagef("--email and --name are required")
			}
			if role != store.RoleStaff && role != store.RoleAdmin {
				return usagef("--role %q: want staff or admin", role)
			}
			cfg, s, err := a.staffStore(ctx)
			if err != nil {
				return err
			}
			sl, err := console.AddStaff(ctx, s, email, name, role, setupBase(cfg), cfg.Console.SetupLinkValid.Duration)
			if err != nil {
				return err
			}
			return a.printSetupLink(cfg, "added", sl)
		})
	f := c.Flags()
	f.StringVar(&email, "email", "", "the member's email `ADDRESS`, their sign-in name (required)")
	f.StringVar(&name, "name", "", "the member's `NAME`, as the timeline records their actions (required)")
	f.StringVar(&role, "role", store.RoleStaff, "`staff` or `admin` (admins also manage staff)")
	completeWords(c, "role", store.RoleStaff, store.RoleAdmin)
	return c
}

func (a *app) staffResetCommand() *cobra.Command {
	return a.leaf("reset-password EMAIL", "clear a member's password, end their sessions, and issue a new set-password link",
		func(ctx context.Context, args []string) error {
			cfg, s, err := a.staffStore(ctx)
			if err != nil {
				return err
			}
			sl, err := console.ResetStaffPassword(ctx, s, args[0], setupBase(cfg), cfg.Console.SetupLinkValid.Duration)
			if err != nil {
				return err
			}
			return a.printSetupLink(cfg, "reset", sl)
		})
}

func (a *app) staffDisableCommand() *cobra.Command {
	return a.leaf("disable EMAIL", "stop a member from signing in; their sessions end at once",
		func(ctx context.Context, args []string) error { return a.staffSetDisabled(ctx, args[0], true) })
}

func (a *app) staffEnableCommand() *cobra.Command {
	return a.leaf("enable EMAIL", "let a disabled member sign in again",
		func(ctx context.Context, args []string) error { return a.staffSetDisabled(ctx, args[0], false) })
}

func (a *app) staffSetDisabled(ctx context.Context, email string, disabled bool) error {
	_, s, err := a.staffStore(ctx)
	if err != nil {
		return err
	}
	u, err := s.SetStaffDisabled(ctx, email, disabled)
	if err != nil {
		return err
	}
	state := "enabled"
	if disabled {
		state = "disabled; their sessions ended"
	}
	fmt.Fprintf(a.stdout, "staff member %s %s\n", u.Email, state)
	return nil
}

func (a *app) staffListCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("list", "list staff members", func(ctx context.Context, _ []string) error {
		cfg, s, err := a.staffStore(ctx)
		if err != nil {
			return err
		}
		us, err := s.StaffUsers(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			if us == nil {
				us = []store.StaffUser{}
			}
			return writeJSON(a.stdout, us)
		}
		t := &table{}
		t.add("EMAIL", "NAME", "ROLE", "STATUS", "SINCE")
		for _, u := range us {
			status := "active"
			switch {
			case u.Disabled:
				status = "disabled"
			case u.PasswordHash == "":
				status = "no password yet"
			}
			t.add(u.Email, u.Name, u.Role, status, localTime(u.CreatedAt, cfg.Policy().Location))
		}
		return t.write(a.stdout)
	})
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (a *app) staffStore(ctx context.Context) (*config.Config, *store.Store, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, nil, err
	}
	s, err := a.db(ctx)
	return cfg, s, err
}

// setupBase is where set-password links point: [http] public_url. Without
// it links are only printed (with the listen address): a link to a
// loopback address would be useless in a mailbox.
func setupBase(cfg *config.Config) string { return cfg.HTTP.PublicURL }

func (a *app) printSetupLink(cfg *config.Config, what string, sl console.StaffLink) error {
	link := sl.Link
	emailed := cfg.HTTP.PublicURL != ""
	if !emailed {
		link = "http://" + cfg.HTTP.Listen + link
	}
	fmt.Fprintf(a.stdout, "staff member %s (%s, %s) %s\n", sl.Member.Email, sl.Member.Name, sl.Member.Role, what)
	fmt.Fprintf(a.stdout, "set-password link (works once, until %s):\n  %s\n", localTimePtr(sl.Member.SetupExpires, cfg.Policy().Location), link)
	if emailed {
		fmt.Fprintf(a.stdout, "the link is also emailed to %s\n", sl.Member.Email)
	} else {
		fmt.Fprintln(a.stdout, strings.TrimSpace(`not emailed: set [http] public_url so links point where staff can reach the console`))
	}
	return nil
}
