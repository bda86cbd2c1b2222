package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

//go:embed migrations
var migrationFS embed.FS

type migration struct {
	Version int
	Name    string
	SQL     string
}

// migrations returns the ordered migrations for a dialect. Files are named
// NNNN_name.sql; a released migration is never edited, only followed.
func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations for %s are not numbered 1…n: %s is number %d", d, m.Name, i+1)
		}
	}
	return out, nil
}

// LatestSchema is the schema version this binary knows.
func LatestSchema(d Dialect) int {
	ms, err := migrations(d)
	if err != nil {
		return 0
	}
	return len(ms)
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	From, To int
	Applied  []string
}

const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at %s NOT NULL
)`

// Migrate applies every pending migration, each in its own transaction. On
// PostgreSQL it holds an advisory lock meanwhile, so replicas starting
// together apply each migration once. It refuses a schema newer than the binary.
func (s *Store) Migrate(ctx context.Context) (MigrateResult, error) {
	ms, err := migrations(s.dialect)
	if err != nil {
		return MigrateResult{}, err
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return MigrateResult{}, fmt.Errorf("migrate: %w", err)
	}
	if s.dialect != Postgres {
		defer conn.Close()
	} else {
		// A session lock on this pinned connection: through the pool it would
		// land on a random connection and leak (docs/library-notes.md, SQLite/PostgreSQL).
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext(current_schema() || ':icpdesk:migrate'))`); err != nil {
			closePinned(conn, false)
			return MigrateResult{}, fmt.Errorf("migrate: take lock: %w", err)
		}
		defer func() {
			// Unlock with a fresh context: the caller's may be cancelled.
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var unlocked bool
			err := conn.QueryRowxContext(uctx, `SELECT pg_advisory_unlock(hashtext(current_schema() || ':icpdesk:migrate'))`).Scan(&unlocked)
			closePinned(conn, err == nil && unlocked)
		}()
	}
	tsType := "DATETIME"
	if s.dialect == Postgres {
		tsType = "TIMESTAMPTZ"
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(createVersionTable, tsType)); err != nil {
		return MigrateResult{}, fmt.Errorf("migrate: create version table: %w", err)
	}
	current, err := schemaVersion(ctx, conn)
	if err != nil {
		return MigrateResult{}, err
	}
	res := MigrateResult{From: current, To: current}
	if current > len(ms) {
		return res, fmt.Errorf("database schema is version %d, newer than this binary knows (%d): upgrade icpdesk", current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := s.applyMigration(ctx, conn, m); err != nil {
			return res, err
		}
		res.To = m.Version
		res.Applied = append(res.Applied, m.Name)
	}
	return res, nil
}

func (s *Store) applyMigration(ctx context.Context, conn *sqlx.Conn, m migration) error {
	if s.dialect == SQLite {
		// SQLite changes a CHECK constraint only by rebuilding the table,
		// which its documented procedure does with foreign keys off (the
		// pragma is a no-op inside a transaction); they are checked before
		// the commit instead.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if s.dialect == SQLite {
		var bad []struct {
			Table  string        `db:"table"`
			RowID  sql.NullInt64 `db:"rowid"`
			Parent string        `db:"parent"`
			FKID   sql.NullInt64 `db:"fkid"`
		}
		if err := tx.SelectContext(ctx, &bad, `PRAGMA foreign_key_check`); err != nil {
			return fmt.Errorf("migration %s: check foreign keys: %w", m.Name, err)
		}
		if len(bad) > 0 {
			return fmt.Errorf("migration %s: %d rows break a foreign key (first: %s row %d → %s)", m.Name, len(bad), bad[0].Table, bad[0].RowID.Int64, bad[0].Parent)
		}
	}
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.Version, m.Name, dbTime(s.now())); err != nil {
		return fmt.Errorf("migration %s: record version: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return nil
}

type queryer interface {
	QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row
}

func schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowxContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// SchemaVersion returns the applied schema version (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	var err error
	if s.dialect == Postgres {
		err = s.db.QueryRowxContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists)
	} else {
		var n int
		err = s.db.QueryRowxContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
		exists = n > 0
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	return schemaVersion(ctx, s.db)
}

// CheckSchema returns an error unless the database schema is exactly the one
// this binary knows, saying what to do about it.
func (s *Store) CheckSchema(ctx context.Context) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := LatestSchema(s.dialect)
	switch {
	case v < latest:
		return fmt.Errorf("database %s has schema version %d, this binary needs %d: run `icpdesk migrate`", s.where, v, latest)
	case v > latest:
		return fmt.Errorf("database %s has schema version %d, newer than this binary knows (%d): upgrade icpdesk", s.where, v, latest)
	}
	return nil
}
