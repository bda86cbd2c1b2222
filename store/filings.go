package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

const filingColumns = `id, reference, account_id, subject_type, subject_name, website_name, stage, return_reason,
	return_source, returned_at, deadline, overdue, late, icp_number, version, returns, created_at, updated_at, submitted_at, approved_at,
	extensions, last_deadline, close_reason, close_note, closed_at`

type filingRow struct {
	ID           int64      `db:"id"`
	Reference    string     `db:"reference"`
	AccountID    int64      `db:"account_id"`
	SubjectType  string     `db:"subject_type"`
	SubjectName  string     `db:"subject_name"`
	WebsiteName  string     `db:"website_name"`
	Stage        string     `db:"stage"`
	ReturnReason string     `db:"return_reason"`
	ReturnSource string     `db:"return_source"`
	ReturnedAt   *time.Time `db:"returned_at"`
	Deadline     *time.Time `db:"deadline"`
	Overdue      bool       `db:"overdue"`
	Late         bool       `db:"late"`
	ICPNumber    string     `db:"icp_number"`
	Version      int        `db:"version"`
	Returns      int        `db:"returns"`
	CreatedAt    time.Time  `db:"created_at"`
	UpdatedAt    time.Time  `db:"updated_at"`
	SubmittedAt  *time.Time `db:"submitted_at"`
	ApprovedAt   *time.Time `db:"approved_at"`
	Extensions   int        `db:"extensions"`
	LastDeadline *time.Time `db:"last_deadline"`
	CloseReason  string     `db:"close_reason"`
	CloseNote    string     `db:"close_note"`
	ClosedAt     *time.Time `db:"closed_at"`
}

func (r filingRow) filing() filing.Filing {
	return filing.Filing{
		ID: r.ID, Reference: r.Reference, AccountID: r.AccountID,
		Subject:      filing.Subject{Type: filing.SubjectType(r.SubjectType), Name: r.SubjectName},
		Website:      filing.Website{Name: r.WebsiteName},
		Stage:        filing.Stage(r.Stage),
		ReturnReason: r.ReturnReason, ReturnSource: filing.ReturnSource(r.ReturnSource),
		ReturnedAt: r.ReturnedAt, Deadline: r.Deadline, Overdue: r.Overdue, Late: r.Late,
		ICPNumber: r.ICPNumber, Version: r.Version, Returns: r.Returns, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		SubmittedAt: r.SubmittedAt, ApprovedAt: r.ApprovedAt,
		Extensions: r.Extensions, LastDeadline: r.LastDeadline, CloseReason: filing.CloseReason(r.CloseReason),
		CloseNote: r.CloseNote, ClosedAt: r.ClosedAt,
	}
}

type personRow struct {
	Role string `db:"role"`
	filing.Person
}

// loadFiling reads a filing with its persons and domains.
func (t *Tx) loadFiling(ctx context.Context, where string, arg any, name string, lock bool) (filing.Filing, error) {
	var r filingRow
	q := `SELECT ` + filingColumns + ` FROM filings WHERE ` + where
	if lock {
		q += t.forUpdate()
	}
	err := t.get(ctx, &r, q, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return filing.Filing{}, fmt.Errorf("filing %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return filing.Filing{}, fmt.Errorf("read filing %s: %w", name, err)
	}
	f := r.filing()
	var persons []personRow
	if err := t.selectRows(ctx, &persons, `SELECT role, name, id_fingerprint, id_masked, phone, email FROM filing_persons WHERE filing_id = ?`, f.ID); err != nil {
		return f, fmt.Errorf("read persons of %s: %w", name, err)
	}
	for _, p := range persons {
		setPerson(&f, p)
	}
	if err := t.selectRows(ctx, &f.Website.Domains, `SELECT name, ascii, registrant FROM filing_domains WHERE filing_id = ? ORDER BY position`, f.ID); err != nil {
		return f, fmt.Errorf("read domains of %s: %w", name, err)
	}
	return f, nil
}

// FilingByRef reads a filing by its reference (case-insensitive).
func (t *Tx) FilingByRef(ctx context.Context, ref string) (filing.Filing, error) {
	return t.loadFiling(ctx, `reference = ?`, normRef(ref), ref, false)
}

// FilingByID reads a filing by its row id.
func (t *Tx) FilingByID(ctx context.Context, id int64) (filing.Filing, error) {
	return t.loadFiling(ctx, `id = ?`, id, strconv.FormatInt(id, 10), false)
}

func normRef(ref string) string { return strings.ToUpper(strings.TrimSpace(ref)) }

// ImportFiling validates a filing from the filing system and stores it as a
// draft. It returns every problem found, and stores nothing, when there is
// any: invalid data, a broken seed rule, an unknown account, a reference
// already imported.
func (t *Tx) ImportFiling(ctx context.Context, in filing.FilingInput, fp *filing.Fingerprinter, actorName string) (filing.Filing, filing.Problems, error) {
	now := t.s.now()
	f, probs := filing.NewFiling(in, fp, now)
	var acct filing.Account
	if addr, err := filing.NormalizeEmail(in.Account); err == nil {
		a, err := t.AccountByEmail(ctx, addr)
		switch {
		case errors.Is(err, ErrNotFound):
			probs = append(probs, filing.Problem{Code: "unknown_account", Field: "account", Message: filing.Text{
				Zh: fmt.Sprintf("account:帐号 %s 不存在,请先创建帐号", addr),
				En: fmt.Sprintf("account: no account %s; add it first (icpdesk account add)", addr)}})
		case err != nil:
			return f, nil, err
		case a.Status == filing.AccountRejected:
			probs = append(probs, filing.Problem{Code: "account_rejected", Field: "account", Message: filing.Text{
				Zh: fmt.Sprintf("account:帐号 %s 未通过审核,不能提交备案", addr),
				En: fmt.Sprintf("account: account %s was rejected and cannot own a filing", addr)}})
		}
		acct = a
	}
	if ref, err := filing.NormalizeReference(in.Ref); err == nil {
		var n int
		if err := t.get(ctx, &n, `SELECT COUNT(*) FROM filings WHERE reference = ?`, ref); err != nil {
			return f, nil, fmt.Errorf("check reference %s: %w", ref, err)
		}
		if n > 0 {
			probs = append(probs, filing.Problem{Code: "duplicate_reference", Field: "ref", Message: filing.Text{
				Zh: fmt.Sprintf("ref:备案 %s 已导入", ref), En: fmt.Sprintf("ref: filing %s was already imported", ref)}})
		}
	}
	if len(probs) > 0 {
		return filing.Filing{}, probs, nil
	}
	if f.Reference == "" {
		ref, err := t.nextReference(ctx, now.In(t.s.policy.Location).Year())
		if err != nil {
			return f, nil, err
		}
		f.Reference = ref
	}
	f.AccountID = acct.ID
	err := t.get(ctx, &f.ID, `INSERT INTO filings (reference, account_id, subject_type, subject_name, website_name, stage, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.Reference, f.AccountID, string(f.Subject.Type), f.Subject.Name, f.Website.Name, string(f.Stage), f.Version, dbTime(f.CreatedAt), dbTime(f.UpdatedAt))
	if isUniqueViolation(err) {
		return f, nil, fmt.Errorf("filing %s: %w", f.Reference, ErrExists)
	}
	if err != nil {
		return f, nil, fmt.Errorf("store filing %s: %w", f.Reference, err)
	}
	for _, rp := range []struct {
		role filing.Role
		p    *filing.Person
	}{
		{filing.RoleLegalRepresentative, f.Subject.LegalRepresentative},
		{filing.RoleSubjectResponsible, &f.Subject.Responsible},
		{filing.RoleWebsiteResponsible, &f.Website.Responsible},
	} {
		if rp.p == nil {
			continue
		}
		if _, err := t.exec(ctx, `INSERT INTO filing_persons (filing_id, role, name, id_fingerprint, id_masked, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.ID, string(rp.role), rp.p.Name, rp.p.IDFingerprint, rp.p.IDMasked, rp.p.Phone, rp.p.Email); err != nil {
			return f, nil, fmt.Errorf("store %s of %s: %w", rp.role, f.Reference, err)
		}
	}
	for i, d := range f.Website.Domains {
		if _, err := t.exec(ctx, `INSERT INTO filing_domains (filing_id, position, name, ascii, registrant) VALUES (?, ?, ?, ?, ?)`,
			f.ID, i, d.Name, d.ASCII, d.Registrant); err != nil {
			return f, nil, fmt.Errorf("store domain %s of %s: %w", d.Name, f.Reference, err)
		}
	}
	if err := t.insertEvent(ctx, event{FilingID: f.ID, AccountID: f.AccountID, Actor: filing.ActorStaff, ActorName: actorName,
		Action: "import", To: f.Stage, At: now,
		Details: map[string]any{"subject_type": f.Subject.Type, "domains": len(f.Website.Domains)}}); err != nil {
		return f, nil, err
	}
	return f, nil, nil
}

// nextReference gives the next generated reference of the year: one past
// the highest numbered one. References the filing system sent that merely
// share the prefix (ICPD-2026-7-A) are passed over. Two imports racing for
// one number collide on the unique index and the loser's transaction fails
// with ErrExists; the CLI reports it and nothing is lost.
func (t *Tx) nextReference(ctx context.Context, year int) (string, error) {
	prefix := filing.GeneratedReferencePrefix(year)
	var refs []string
	// Fixed-width numbers sort like strings; anything else sorts after them.
	if err := t.selectRows(ctx, &refs, `SELECT reference FROM filings WHERE reference LIKE ? ORDER BY reference DESC LIMIT 1000`, prefix+"%"); err != nil {
		return "", fmt.Errorf("generate reference: %w", err)
	}
	seq := 0
	for _, r := range refs {
		num := strings.TrimPrefix(r, prefix)
		if n, err := strconv.Atoi(num); err == nil && len(num) == 6 && n > seq {
			seq = n
			break
		}
	}
	if seq >= 999999 {
		return "", fmt.Errorf("generate reference: the numbers of %s are used up", prefix)
	}
	return filing.GeneratedReference(year, seq+1), nil
}

// ImportFiling is Tx.ImportFiling in its own transaction.
func (s *Store) ImportFiling(ctx context.Context, in filing.FilingInput, fp *filing.Fingerprinter, actorName string) (filing.Filing, filing.Problems, error) {
	var (
		f     filing.Filing
		probs filing.Problems
	)
	err := s.InTx(ctx, func(t *Tx) (err error) {
		f, probs, err = t.ImportFiling(ctx, in, fp, actorName)
		if err == nil && len(probs) > 0 {
			return probs // roll back: nothing is stored
		}
		return err
	})
	if len(probs) > 0 {
		return filing.Filing{}, probs, nil
	}
	return f, nil, err
}

// FilingDetail is a filing with its account, for display.
type FilingDetail struct {
	Filing  filing.Filing
	Account filing.Account
}

// FilingByRef reads a filing and its account.
func (s *Store) FilingByRef(ctx context.Context, ref string) (FilingDetail, error) {
	var d FilingDetail
	err := s.readTx(ctx, func(t *Tx) (err error) {
		if d.Filing, err = t.FilingByRef(ctx, ref); err != nil {
			return err
		}
		d.Account, err = t.accountByID(ctx, d.Filing.AccountID)
		return err
	})
	return d, err
}

// readTx runs fn in a read-only transaction, for a consistent view over
// several queries without taking SQLite's write lock.
func (s *Store) readTx(ctx context.Context, fn func(*Tx) error) error {
	// ReadOnly makes modernc/sqlite issue a plain BEGIN despite
	// _txlock=immediate, so a long read does not hold the write lock.
	sqltx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer sqltx.Rollback()
	return fn(&Tx{s: s, tx: sqltx})
}

// FilingSummary is one line of a filing list.
type FilingSummary struct {
	ID          int64      `json:"-" db:"id"`
	Reference   string     `json:"reference" db:"reference"`
	Account     string     `json:"account" db:"account"`
	SubjectName string     `json:"subject_name" db:"subject_name"`
	WebsiteName string     `json:"website_name" db:"website_name"`
	Domain      string     `json:"domain" db:"domain"`
	Stage       string     `json:"stage" db:"stage"`
	Deadline    *time.Time `json:"deadline,omitempty" db:"deadline"`
	Overdue     bool       `json:"overdue" db:"overdue"`
	Late        bool       `json:"late" db:"late"`
	ICPNumber   string     `json:"icp_number,omitempty" db:"icp_number"`
	UpdatedAt   time.Time  `json:"updated_at" db:"updated_at"`
}

// FilingFilter selects filings for a list. Filters combine with AND.
type FilingFilter struct {
	Stage   filing.Stage
	Overdue bool
	// Account is an account's email address (exact, case-insensitive).
	Account string
	// Domain is one of the filing's domain names (exact, Unicode or
	// punycode, case-insensitive).
	Domain string
	// Text matches, case-insensitively, part of the reference, the subject's
	// or website's name, the account's address or a domain name.
	Text string
	// After continues a list from FilingPage.Next.
	After string
	Limit int
}

// FilingPage is one page of a filing list; Next, when not empty, is the
// cursor of the page after it.
type FilingPage struct {
	Filings []FilingSummary `json:"filings"`
	Next    string          `json:"next,omitempty"`
}

// ErrBadCursor reports a list cursor this store did not hand out.
var ErrBadCursor = errors.New("invalid cursor")

// filingCursor is the position after a filing in "most recently changed
// first" order. It is opaque to callers: a keyset position, so a page costs
// the same at any depth and a filing changed meanwhile is not shown twice
// on one page.
func filingCursor(f FilingSummary) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d", f.UpdatedAt.UnixMicro(), f.ID))
}

func parseFilingCursor(c string) (time.Time, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("%w %q", ErrBadCursor, c)
	}
	us, id, ok := strings.Cut(string(raw), ".")
	micros, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n <= 0 {
		return time.Time{}, 0, fmt.Errorf("%w %q", ErrBadCursor, c)
	}
	return time.UnixMicro(micros).UTC(), n, nil
}

// escapeLike makes s match itself literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListFilings returns filings matching the filter, most recently changed first.
func (s *Store) ListFilings(ctx context.Context, f FilingFilter) ([]FilingSummary, error) {
	p, err := s.ListFilingsPage(ctx, f)
	return p.Filings, err
}

// ListFilingsPage returns one page of filings matching the filter, most
// recently changed first, and the cursor of the next page when there is one.
func (s *Store) ListFilingsPage(ctx context.Context, f FilingFilter) (FilingPage, error) {
	q := `SELECT f.id, f.reference, a.email AS account, f.subject_name, f.website_name,
		COALESCE((SELECT d.name FROM filing_domains d WHERE d.filing_id = f.id ORDER BY d.position LIMIT 1), '') AS domain,
		f.stage, f.deadline, f.overdue, f.late, f.icp_number, f.updated_at
		FROM filings f JOIN accounts a ON a.id = f.account_id WHERE 1 = 1`
	var args []any
	if f.Stage != "" {
		q += ` AND f.stage = ?`
		args = append(args, string(f.Stage))
	}
	if f.Overdue {
		q += ` AND f.overdue AND f.deadline IS NOT NULL`
	}
	if f.Account != "" {
		q += ` AND a.email = ?`
		args = append(args, strings.ToLower(strings.TrimSpace(f.Account)))
	}
	if d := strings.TrimSpace(f.Domain); d != "" {
		_, ascii, err := filing.NormalizeDomain(d)
		if err != nil {
			ascii = strings.ToLower(d)
		}
		q += ` AND EXISTS (SELECT 1 FROM filing_domains d WHERE d.filing_id = f.id AND d.ascii = ?)`
		args = append(args, ascii)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		pat := "%" + escapeLike(strings.ToLower(t)) + "%"
		if s.trigramSearch(ctx) {
			// The same matches, each part read from its trigram index
			// (migration 7); the parts' expressions are the indexes'.
			q += ` AND f.id IN (SELECT x.id FROM filings x WHERE lower(x.reference || ' ' || x.subject_name || ' ' || x.website_name) LIKE ? ESCAPE '\'
				UNION SELECT d.filing_id FROM filing_domains d WHERE lower(d.name) || ' ' || d.ascii LIKE ? ESCAPE '\'
				UNION SELECT y.id FROM filings y WHERE y.account_id IN (SELECT a2.id FROM accounts a2 WHERE a2.email LIKE ? ESCAPE '\'))`
			args = append(args, pat, pat, pat)
		} else {
			q += ` AND (lower(f.reference) LIKE ? ESCAPE '\' OR lower(f.subject_name) LIKE ? ESCAPE '\'
			OR lower(f.website_name) LIKE ? ESCAPE '\' OR a.email LIKE ? ESCAPE '\'
			OR EXISTS (SELECT 1 FROM filing_domains d WHERE d.filing_id = f.id AND (lower(d.name) LIKE ? ESCAPE '\' OR d.ascii LIKE ? ESCAPE '\')))`
			args = append(args, pat, pat, pat, pat, pat, pat)
		}
	}
	if f.After != "" {
		at, id, err := parseFilingCursor(f.After)
		if err != nil {
			return FilingPage{}, err
		}
		q += ` AND (f.updated_at < ? OR (f.updated_at = ? AND f.id < ?))`
		args = append(args, dbTime(at), dbTime(at), id)
	}
	q += ` ORDER BY f.updated_at DESC, f.id DESC`
	if f.Limit > 0 {
		// One more than asked says whether there is a next page.
		q += fmt.Sprintf(` LIMIT %d`, f.Limit+1)
	}
	var out []FilingSummary
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return FilingPage{}, fmt.Errorf("list filings: %w", err)
	}
	page := FilingPage{Filings: out}
	if f.Limit > 0 && len(out) > f.Limit {
		page.Filings = out[:f.Limit]
		page.Next = filingCursor(page.Filings[f.Limit-1])
	}
	if page.Filings == nil {
		page.Filings = []FilingSummary{}
	}
	return page, nil
}

// trigramSearch says whether text search can read the trigram indexes
// (PostgreSQL with pg_trgm, migration 7); asked once per store.
func (s *Store) trigramSearch(ctx context.Context) bool {
	if s.dialect != Postgres {
		return false
	}
	s.trgmOnce.Do(func() {
		var ok bool
		if err := s.db.GetContext(ctx, &ok, `SELECT to_regclass('filings_search_trgm_idx') IS NOT NULL`); err == nil {
			s.trgm = ok
		}
	})
	return s.trgm
}
