package store

import (
	"strings"
	"testing"
)

func TestPostgresDSN(t *testing.T) {
	for _, tc := range []struct {
		in, sslmode string
	}{
		{"postgres://u@127.0.0.1/db", "disable"},
		{"postgres://u@localhost:5432/db", "disable"},
		{"postgres://u@db.example.cn/db", "require"},
		{"postgres://u@/db?host=db.example.cn", "require"}, // lib/pq takes the host from the query
		{"postgres://u@/db?host=/var/run/postgresql", "disable"},
		{"postgres://u@db.example.cn/db?sslmode=verify-full", "verify-full"},
	} {
		dsn, _, err := postgresDSN(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(dsn, "sslmode="+tc.sslmode) {
			t.Errorf("%s → %s, want sslmode=%s", tc.in, dsn, tc.sslmode)
		}
		if !strings.Contains(dsn, "binary_parameters=yes") {
			t.Errorf("%s → %s, want one round trip per query (binary_parameters=yes)", tc.in, dsn)
		}
	}
	// The operator's own choice stands, and what is shown is what they wrote.
	dsn, where, _ := postgresDSN("postgres://u@db.example.cn/db?binary_parameters=no")
	if !strings.Contains(dsn, "binary_parameters=no") || strings.Contains(dsn, "binary_parameters=yes") {
		t.Errorf("binary_parameters=no became %s", dsn)
	}
	if _, where, _ = postgresDSN("postgres://u@db.example.cn/db"); strings.Contains(where, "binary_parameters") {
		t.Errorf("shown as %s", where)
	}
	_, where, _ = postgresDSN("postgres://u:s3cret@db.example.cn/db?password=s3cret2")
	if strings.Contains(where, "s3cret") {
		t.Errorf("a password is shown: %s", where)
	}
}

func TestOutboxChannelFitsPostgres(t *testing.T) {
	s := &Store{schemaTag: strings.Repeat("a_very_long_schema_name_", 4)}
	if ch := s.outboxChannel(); len(ch) > 63 || !strings.HasPrefix(ch, "icpdesk_outbox_") {
		t.Fatalf("channel %q (%d bytes)", ch, len(ch))
	}
	short := &Store{schemaTag: "public"}
	if ch := short.outboxChannel(); ch != "icpdesk_outbox_public" {
		t.Fatalf("channel %q", ch)
	}
}
