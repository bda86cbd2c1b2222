// Package store is icpdesk's database: PostgreSQL (lib/pq) for production and
// replicas, embedded SQLite (modernc.org/sqlite, no cgo) for a single process.
// All SQL lives here, written with ? placeholders and rebound per dialect.
//
// Every state change goes through one call (Tx.ChangeStage and friends) that
// checks the transition with package filing and writes the change, its audit
// event and its outbox rows in one transaction.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"

	"example.com/icpdesk/filing"
)

func init() {
	// sqlx v1.4.0 does not know the "sqlite" driver name; it uses ? like sqlite3.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Dialect is the kind of database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrConflict is a lost race: someone else changed the row first. Retrying
	// re-reads the row and re-checks the transition.
	ErrConflict = errors.New("changed concurrently, try again")
)

// Store is an open database.
type Store struct {
	db        *sqlx.DB
	dialect   Dialect
	where     string // the URL without credentials, for messages
	dsn       string // the driver's DSN: pq.NewListener needs it for LISTEN
	rawURL    string // as given to Open
	policy    filing.Policy
	staff     []string
	staffLang filing.Language
	// msgIDDomain is the right-hand side of the Message-IDs given to outbox rows.
	msgIDDomain string
	// consoleURL is the staff console's address: digest rows link to it.
	consoleURL string
	now        func() time.Time

	// schemaTag names the PostgreSQL schema in lock keys and channels, so
	// isolated test schemas sharing a database do not interfere.
	schemaTag string

	mu       sync.Mutex
	watchers []chan struct{}
	eventsCh chan struct{} // closed at the next commit that writes events

	// trgm says text search reads trigram indexes (trigramSearch).
	trgmOnce sync.Once
	trgm     bool
	// idemPurged is when expired idempotency keys were last deleted.
	idemPurged time.Time
	leases     map[string]bool // in-process leases and job locks (SQLite)

	// markStmt records one delivery (MarkSent's usual call), prepared once.
	markOnce sync.Once
	markStmt *sqlx.Stmt
	markErr  error
}

// Option configures a Store.
type Option func(*Store)

// WithPolicy sets the desk's process policy (zone, resubmission days, reminders).
func WithPolicy(p filing.Policy) Option { return func(s *Store) { s.policy = p } }

// WithStaff sets the addresses that receive staff alerts and their language.
func WithStaff(addrs []string, lang filing.Language) Option {
	return func(s *Store) {
		s.staff = append([]string(nil), addrs...)
		s.staffLang = lang
	}
}

// WithMessageIDDomain sets the domain of outgoing Message-IDs (the desk's
// mail domain, e.g. example.cn).
func WithMessageIDDomain(domain string) Option {
	return func(s *Store) { s.msgIDDomain = strings.ToLower(strings.TrimSpace(domain)) }
}

// WithConsoleURL sets the staff console's public address ([http]
// public_url): the digest links each row to its page there.
func WithConsoleURL(u string) Option {
	return func(s *Store) { s.consoleURL = strings.TrimRight(strings.TrimSpace(u), "/") }
}

// WithClock replaces time.Now, for tests and `--now` overrides.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Open connects to the database named by rawURL:
//   - postgres://user@host/db?sslmode=… (sslmode defaults to disable on
//     loopback and require elsewhere, never left to the driver;
//     binary_parameters to yes);
//   - sqlite:///absolute/path.db or sqlite://relative.db;
//   - empty: embedded SQLite at DefaultSQLitePath.
//
// Open does not migrate; call Migrate, or CheckSchema before use.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	s := &Store{policy: filing.DefaultPolicy(), now: time.Now, staffLang: filing.DefaultLanguage, msgIDDomain: "icpdesk.invalid", rawURL: rawURL}
	for _, o := range opts {
		o(s)
	}
	if err := s.policy.Validate(); err != nil {
		return nil, err
	}
	var (
		driver, dsn string
		err         error
	)
	switch {
	case rawURL == "":
		path, perr := DefaultSQLitePath()
		if perr != nil {
			return nil, perr
		}
		driver, dsn, err = sqliteDSN(path)
		s.dialect, s.where = SQLite, "sqlite://"+path
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if path == "" || strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("database URL %q: want sqlite:///path/to/file.db", rawURL)
		}
		driver, dsn, err = sqliteDSN(path)
		s.dialect, s.where = SQLite, rawURL
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		driver = "postgres"
		dsn, s.where, err = postgresDSN(rawURL)
		s.dialect = Postgres
	default:
		return nil, fmt.Errorf("database URL %q: want postgres://… or sqlite:///path (or nothing for the embedded default)", redactURL(rawURL))
	}
	if err != nil {
		return nil, err
	}
	db, err := sqlx.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.where, err)
	}
	if s.dialect == Postgres {
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(8)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", s.where, err)
	}
	s.db, s.dsn = db, dsn
	if s.dialect == Postgres {
		var schema string
		if err := db.QueryRowxContext(pingCtx, `SELECT current_schema()`).Scan(&schema); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to %s: read schema: %w", s.where, err)
		}
		s.schemaTag = sanitizeIdent(schema)
	}
	return s, nil
}

func sanitizeIdent(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '_'
	}, s)
}

// DefaultSQLitePath is where the embedded database lives when no URL is
// configured: $XDG_DATA_HOME/icpdesk/icpdesk.db, else ~/.local/share/icpdesk/icpdesk.db.
func DefaultSQLitePath() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no database URL and no home directory for the embedded database: %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "icpdesk", "icpdesk.db"), nil
}

// sqliteDSN builds the DSN verified in docs/library-notes.md, SQLite/PostgreSQL: WAL, a busy
// timeout, immediate transactions (a deferred read→write upgrade fails at once
// with SQLITE_BUSY), and UTC text times that compare in order. It creates the
// database file first, private (privateSQLiteFile).
func sqliteDSN(path string) (driver, dsn string, err error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", "", fmt.Errorf("create database directory: %w", err)
		}
	}
	if err := privateSQLiteFile(path); err != nil {
		return "", "", err
	}
	q := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_time_format=sqlite&_timezone=UTC&_texttotime=1&_txlock=immediate"
	return "sqlite", "file:" + path + "?" + q, nil
}

// privateSQLiteFile creates the database file with mode 0600 (less if the
// umask says so) when it does not exist: the driver would create it 0644,
// readable by every user of the machine, whatever the directory's mode. An
// empty file is an empty SQLite database. SQLite gives the -wal and -shm
// files it creates the database file's mode, so they are private too. An
// existing file readable by others (as earlier versions created it) loses
// those permissions, with its -wal and -shm; other modes are left as set.
func privateSQLiteFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o007 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&^0o007); err != nil {
			return fmt.Errorf("make %s private: %w", p, err)
		}
	}
	return nil
}

func postgresDSN(raw string) (dsn, where string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		// lib/pq's default has changed before (lib/pq#1271): never rely on it.
		// The host may also come as ?host= (lib/pq takes it from there).
		host := u.Hostname()
		if h := q.Get("host"); h != "" {
			host = h
		}
		q.Set("sslmode", "require")
		if isLoopback(host) {
			q.Set("sslmode", "disable")
		}
	}
	u.RawQuery = q.Encode()
	where = redactURL(u.String())
	if q.Get("binary_parameters") == "" {
		// A query with parameters then takes one round trip instead of two
		// (lib/pq otherwise prepares it, waits, then executes it); only
		// []byte values change form, and they go to bytea columns, which take
		// them as they are. A backlog's transaction makes a dozen such queries.
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
	}
	return u.String(), where, nil
}

func isLoopback(host string) bool {
	if host == "" || host == "localhost" || strings.HasPrefix(host, "/") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL hides a password in a URL, as user info or ?password=, for
// messages and logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable database URL)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Close closes the database.
func (s *Store) Close() error {
	if s.markStmt != nil {
		_ = s.markStmt.Close()
	}
	return s.db.Close()
}

// Dialect reports which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// Where is the database URL without credentials.
func (s *Store) Where() string { return s.where }

// Policy is the process policy the store applies.
func (s *Store) Policy() filing.Policy { return s.policy }

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// OutboxWatch returns a channel that receives a value after every commit
// that enqueued email, so the mailer wakes at once. The channel holds one
// pending wake-up; more are folded into it.
func (s *Store) OutboxWatch() <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.watchers = append(s.watchers, ch)
	s.mu.Unlock()
	return ch
}

func (s *Store) wakeOutbox() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.watchers {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// dbTime is how every time is written: UTC, microseconds (PostgreSQL rounds
// to µs, so anything finer would not compare equal after a round trip).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := dbTime(*t)
	return &u
}

func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if pq.As(err, pqerror.UniqueViolation) != nil {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return se.Code() == 2067 || se.Code() == 1555
	}
	return false
}
