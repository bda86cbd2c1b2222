package main

import (
	"context"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/store"
)

// outboxJanitor is wired to the mailer's janitor once it exists.
func outboxJanitor(s *store.Store, cfg *config.Config) func(ctx context.Context, now time.Time) (string, error) {
	return nil
}
