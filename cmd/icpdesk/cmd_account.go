package main

import (
	"context"
	"fmt"

	"example.com/icpdesk/filing"
)

func init() {
	register(
		&command{name: "account add", args: "--email E --name N [--lang zh-CN|en] [--customer]",
			summary: "add an applicant account (hosting customers are approved at once)", run: runAccountAdd},
		&command{name: "account approve", args: "EMAIL", summary: "approve an account and email the applicant", run: runAccountApprove},
		&command{name: "account reject", args: "EMAIL --reason TEXT", summary: "reject an account and email the applicant why", run: runAccountReject},
		&command{name: "account list", args: "[--json]", summary: "list accounts", run: runAccountList},
	)
}

func runAccountAdd(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["account add"])
	email := fs.String("email", "", "the applicant's registered email address")
	name := fs.String("name", "", "the applicant's name")
	lang := fs.String("lang", "zh-CN", "language of the applicant's emails: zh-CN or en")
	customer := fs.Bool("customer", false, "an existing hosting customer: approved on creation")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return usagef("--email and --name are required")
	}
	l, err := filing.ParseLanguage(*lang)
	if err != nil {
		return usagef("--lang: %v", err)
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	acct, err := filing.NewAccount(*email, *name, l, *customer, s.Now())
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

func runAccountApprove(ctx context.Context, a *app, args []string) error {
	pos, err := a.parse(a.flags(commands["account approve"]), args, 1, 1)
	if err != nil {
		return err
	}
	return decideAccount(ctx, a, pos[0], filing.AccountApprove, "")
}

func runAccountReject(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["account reject"])
	reason := fs.String("reason", "", "why, as the applicant will read it")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *reason == "" {
		return usagef("--reason is required: the applicant is told why")
	}
	return decideAccount(ctx, a, pos[0], filing.AccountReject, *reason)
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

func runAccountList(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["account list"])
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	accts, err := s.ListAccounts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
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
