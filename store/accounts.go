package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"example.com/icpdesk/filing"
)

const accountColumns = `id, email, name, language, status, customer, reject_reason, created_at, updated_at`

// CreateAccount stores a new account (validated by filing.NewAccount) and
// audits it. Hosting customers are approved on creation without an email:
// they never applied.
func (t *Tx) CreateAccount(ctx context.Context, a filing.Account, actorName string) (filing.Account, error) {
	err := t.get(ctx, &a.ID, `INSERT INTO accounts (email, name, language, status, customer, reject_reason, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Email, a.Name, string(a.Language), string(a.Status), a.Customer, a.RejectReason, dbTime(a.CreatedAt), dbTime(a.UpdatedAt))
	if isUniqueViolation(err) {
		return a, fmt.Errorf("account %s: %w", a.Email, ErrExists)
	}
	if err != nil {
		return a, fmt.Errorf("create account %s: %w", a.Email, err)
	}
	details := map[string]any{"status": a.Status, "customer": a.Customer}
	if err := t.insertEvent(ctx, event{AccountID: a.ID, Actor: filing.ActorStaff, ActorName: actorName,
		Action: "account_created", Details: details, At: a.CreatedAt}); err != nil {
		return a, err
	}
	return a, nil
}

// AccountByEmail finds an account by its (case-insensitive) address.
func (t *Tx) AccountByEmail(ctx context.Context, email string) (filing.Account, error) {
	return accountBy(ctx, t.get, `email = ?`, strings.ToLower(strings.TrimSpace(email)), email)
}

func (t *Tx) accountByID(ctx context.Context, id int64) (filing.Account, error) {
	return accountBy(ctx, t.get, `id = ?`, id, fmt.Sprint(id))
}

func accountBy(ctx context.Context, get func(context.Context, any, string, ...any) error, where string, arg any, name string) (filing.Account, error) {
	var a filing.Account
	err := get(ctx, &a, `SELECT `+accountColumns+` FROM accounts WHERE `+where, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("account %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read account %s: %w", name, err)
	}
	return a, nil
}

// DecideAccount approves or rejects an account, audits it and enqueues the
// applicant's email, in the caller's transaction.
func (t *Tx) DecideAccount(ctx context.Context, email string, action filing.AccountAction, reason, actorName string) (filing.Account, error) {
	a, err := accountBy(ctx, t.get, `email = ?`+t.forUpdate(), strings.ToLower(strings.TrimSpace(email)), email)
	if err != nil {
		return a, err
	}
	now := t.s.now()
	b, kind, err := filing.DecideAccount(a, action, reason, now)
	if err != nil {
		return a, err
	}
	res, err := t.exec(ctx, `UPDATE accounts SET status = ?, reject_reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
		string(b.Status), b.RejectReason, dbTime(b.UpdatedAt), b.ID, string(a.Status))
	if err != nil {
		return a, fmt.Errorf("update account %s: %w", a.Email, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return a, fmt.Errorf("account %s: %w", a.Email, ErrConflict)
	}
	details := map[string]any{"from": a.Status, "to": b.Status}
	if b.RejectReason != "" {
		details["reason"] = b.RejectReason
	}
	if err := t.insertEvent(ctx, event{AccountID: a.ID, Actor: filing.ActorStaff, ActorName: actorName,
		Action: "account_" + string(action), Details: details, At: now}); err != nil {
		return a, err
	}
	n := filing.Notice{Kind: kind, Language: b.Language, To: b.Email, ToName: b.Name, At: now,
		Account: b.Email, RejectReason: b.RejectReason}
	key := fmt.Sprintf("%s:%s:%d", kind, b.Email, b.UpdatedAt.UnixMicro())
	if _, err := t.Enqueue(ctx, OutboxItem{Notice: n, AccountID: b.ID, DedupKey: key}); err != nil {
		return a, err
	}
	return b, nil
}

// ListAccounts returns every account, newest first.
func (s *Store) ListAccounts(ctx context.Context) ([]filing.Account, error) {
	var out []filing.Account
	if err := s.db.SelectContext(ctx, &out, `SELECT `+accountColumns+` FROM accounts ORDER BY id DESC`); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// CreateAccount is Tx.CreateAccount in its own transaction.
func (s *Store) CreateAccount(ctx context.Context, a filing.Account, actorName string) (filing.Account, error) {
	var out filing.Account
	err := s.InTx(ctx, func(t *Tx) (err error) {
		out, err = t.CreateAccount(ctx, a, actorName)
		return err
	})
	return out, err
}

// DecideAccount is Tx.DecideAccount in its own transaction.
func (s *Store) DecideAccount(ctx context.Context, email string, action filing.AccountAction, reason, actorName string) (filing.Account, error) {
	var out filing.Account
	err := s.InTx(ctx, func(t *Tx) (err error) {
		out, err = t.DecideAccount(ctx, email, action, reason, actorName)
		return err
	})
	return out, err
}

// AccountByEmail reads one account.
func (s *Store) AccountByEmail(ctx context.Context, email string) (filing.Account, error) {
	return accountBy(ctx, func(ctx context.Context, dest any, q string, args ...any) error {
		return s.db.GetContext(ctx, dest, s.db.Rebind(q), args...)
	}, `email = ?`, strings.ToLower(strings.TrimSpace(email)), email)
}
