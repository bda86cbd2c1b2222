package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) migrateCommand() *cobra.Command {
	return a.leaf("migrate", "create or upgrade the database schema (each migration in one transaction; refuses a newer schema)",
		func(ctx context.Context, _ []string) error { return runMigrate(ctx, a) })
}

func runMigrate(ctx context.Context, a *app) error {
	a.skipSchemaCheck = true // it runs on an outdated schema to bring it up to date
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	res, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(res.Applied) == 0 {
		fmt.Fprintf(a.stdout, "%s: schema is current (version %d)\n", s.Where(), res.To)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: schema %d → %d (%s)\n", s.Where(), res.From, res.To, strings.Join(res.Applied, ", "))
	return nil
}
