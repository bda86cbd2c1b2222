package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/store"
)

func (a *app) tokenCommand() *cobra.Command {
	return a.group("token", "bearer tokens of the HTTP API", a.tokenCreateCommand(), a.tokenListCommand(), a.tokenRevokeCommand())
}

func (a *app) tokenCreateCommand() *cobra.Command {
	var (
		name   string
		scopes []string
	)
	c := a.leaf("create --name NAME --scope SCOPE...", "create an API token; its secret is printed once and stored only as a hash",
		func(ctx context.Context, _ []string) error { return runTokenCreate(ctx, a, name, scopes) })
	c.Flags().StringVar(&name, "name", "", "the token's `NAME` (e.g. filing-system), recorded as the actor of what it does")
	c.Flags().StringArrayVar(&scopes, "scope", nil, "a `SCOPE` the token grants: "+strings.Join(desk.Scopes, ", ")+" (repeat for several)")
	completeWords(c, "scope", desk.Scopes...)
	return c
}

func runTokenCreate(ctx context.Context, a *app, name string, scopes []string) error {
	svc, err := a.desk(ctx)
	if err != nil {
		return err
	}
	var flat []string
	for _, s := range scopes {
		flat = append(flat, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	tok, secret, err := svc.CreateToken(ctx, name, flat, a.staff())
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, secret)
	fmt.Fprintf(a.stderr, "token %s created with scopes %s; the secret above is shown only this once: keep it in the client's secret store\n",
		tok.Name, strings.Join(tok.Scopes, ", "))
	return nil
}

func (a *app) tokenListCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("list", "list API tokens with their scopes and when each was last used",
		func(ctx context.Context, _ []string) error { return runTokenList(ctx, a, asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func runTokenList(ctx context.Context, a *app, asJSON bool) error {
	svc, err := a.desk(ctx)
	if err != nil {
		return err
	}
	toks, err := svc.Tokens(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if toks == nil {
			toks = []store.APIToken{}
		}
		return writeJSON(a.stdout, toks)
	}
	loc := svc.Store().Policy().Location
	var t table
	t.add("NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED")
	for _, tok := range toks {
		used, revoked := "never", ""
		if tok.LastUsedAt != nil {
			used = localTime(*tok.LastUsedAt, loc)
		}
		if tok.RevokedAt != nil {
			revoked = localTime(*tok.RevokedAt, loc)
		}
		t.add(tok.Name, strings.Join(tok.Scopes, ","), localTime(tok.CreatedAt, loc), used, revoked)
	}
	return t.write(a.stdout)
}

func (a *app) tokenRevokeCommand() *cobra.Command {
	return a.leaf("revoke NAME", "revoke an API token: requests with it are refused from now on",
		func(ctx context.Context, args []string) error { return runTokenRevoke(ctx, a, args[0]) })
}

func runTokenRevoke(ctx context.Context, a *app, name string) error {
	svc, err := a.desk(ctx)
	if err != nil {
		return err
	}
	tok, err := svc.RevokeToken(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "token %s revoked at %s\n", tok.Name, localTime(*tok.RevokedAt, svc.Store().Policy().Location))
	return nil
}
