package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"example.com/icpdesk/filing"
)

func (a *app) accountCommand() *cobra.Command {
	return a.group("account", "applicant accounts",
		a.accountAddCommand(), a.accountApproveCommand(), a.accountRejectCommand(), a.accountSetEmailCommand(), a.accountListCommand())
}

// accountFlags are `account add`'s flags.
type accountFlags struct {
	email, name, lang string
	customer          bool
}

func (a *app) accountAddCommand() *cobra.Command {
	var af accountFlags
	c := a.leaf("add --email ADDRESS --name NAME", "add an applicant account (hosting customers are approved at once)",
		func(ctx context.Context, _ []string) error { return runAccountAdd(ctx, a, af) })
	f := c.Flags()
	f.StringVar(&af.email, "email", "", "the applicant's registered email `ADDRESS` (required)")
	f.StringVar(&af.name, "name", "", "the applicant's `NAME` (required)")
	f.StringVar(&af.lang, "lang", "zh-CN", "language of the applicant's emails: `zh-CN|en`")
	f.BoolVar(&af.customer, "customer", false, "an existing hosting customer: approved on creation")
	completeWords(c, "lang", "zh-CN", "en")
	return c
}

func runAccountAdd(ctx context.Context, a *app, af accountFlags) error {
	if af.email == "" || af.name == "" {
		return usagef("--email and --name are required")
	}
	l, err := filing.ParseLanguage(af.lang)
	if err != nil {
		return usagef("--lang: %v", err)
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	acct, err := filing.NewAccount(af.email, af.name, l, af.customer, s.Now())
	if err != nil {
		return err
	}
	acct, err = s.CreateAccount(ctx, acct, a.staffName())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "account %s added (%s)\n", acct.Email, acct.Status)
	return nil
}

func (a *app) accountApproveCommand() *cobra.Command {
	return a.leaf("approve EMAIL", "approve an account and email the applicant", func(ctx context.Context, args []string) error {
		return decideAccount(ctx, a, args[0], filing.AccountApprove, "")
	})
}

func (a *app) accountRejectCommand() *cobra.Command {
	var reason string
	c := a.leaf("reject EMAIL --reason TEXT", "reject an account and email the applicant why", func(ctx context.Context, args []string) error {
		if reason == "" {
			return usagef("--reason is required: the applicant is told why")
		}
		return decideAccount(ctx, a, args[0], filing.AccountReject, reason)
	})
	c.Flags().StringVar(&reason, "reason", "", "the reason `TEXT`, as the applicant will read it (required)")
	return c
}

func decideAccount(ctx context.Context, a *app, email string, action filing.AccountAction, reason string) error {
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	acct, err := s.DecideAccount(ctx, email, action, reason, a.staffName())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "account %s is %s; email queued\n", acct.Email, acct.Status)
	return nil
}

func (a *app) accountSetEmailCommand() *cobra.Command {
	return a.leaf("set-email OLD NEW", "change an account's registered address; both addresses are told",
		func(ctx context.Context, args []string) error {
			if _, err := filing.NormalizeEmail(args[1]); err != nil {
				return usagef("new address: %v", err)
			}
			d, err := a.desk(ctx)
			if err != nil {
				return err
			}
			acct, err := d.SetAccountEmail(ctx, args[0], args[1], a.staff())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "account %s: the address is now %s; both addresses are told. "+
				"Failed emails keep their old recipient: `icpdesk outbox retry ID --to-current-address` re-addresses one\n", args[0], acct.Email)
			return nil
		})
}

func (a *app) accountListCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("list", "list accounts", func(ctx context.Context, _ []string) error { return runAccountList(ctx, a, asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func runAccountList(ctx context.Context, a *app, asJSON bool) error {
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	accts, err := s.ListAccounts(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if accts == nil {
			accts = []filing.Account{}
		}
		return writeJSON(a.stdout, accts)
	}
	loc := s.Policy().Location
	var t table
	t.add("EMAIL", "NAME", "LANG", "STATUS", "CUSTOMER", "CREATED")
	for _, ac := range accts {
		cust := ""
		if ac.Customer {
			cust = "yes"
		}
		t.add(ac.Email, ac.Name, string(ac.Language), string(ac.Status), cust, localTime(ac.CreatedAt, loc))
	}
	return t.write(a.stdout)
}
