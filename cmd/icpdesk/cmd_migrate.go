package main

import (
	"context"
	"fmt"
	"strings"
)

func init() {
	register(&command{name: "migrate", summary: "create or upgrade the database schema", run: runMigrate, noSchemaCheck: true})
}

func runMigrate(ctx context.Context, a *app, args []string) error {
	if _, err := a.parse(a.flags(commands["migrate"]), args, 0, 0); err != nil {
		return err
	}
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
