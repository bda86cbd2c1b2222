package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
)

// This file is the staff console's sign-in SQL: staff members, their
// one-time set-password links and their sessions. Tokens arrive here
// already hashed (SHA-256, by package console): the database never holds
// anything a person could sign in with.

// Staff roles: admins also manage staff members (and API tokens).
const (
	RoleStaff = "staff"
	RoleAdmin = "admin"
)

// StaffUser is a member of staff who may sign in to the console.
type StaffUser struct {
	ID           int64      `json:"id" db:"id"`
	Email        string     `json:"email" db:"email"`
	Name         string     `json:"name" db:"name"`
	Role         string     `json:"role" db:"role"`
	PasswordHash string     `json:"-" db:"password_hash"`
	Disabled     bool       `json:"disabled" db:"disabled"`
	SetupExpires *time.Time `json:"setup_expires_at,omitempty" db:"setup_expires_at"`
	OIDCSubject  *string    `json:"-" db:"oidc_subject"`
	CreatedAt    time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at" db:"updated_at"`
}

// Admin reports whether the member may manage staff.
func (u StaffUser) Admin() bool { return u.Role == RoleAdmin }

// Actor is the member as the audit trail records them.
func (u StaffUser) Actor() Actor { return Actor{Name: u.Name, Kind: filing.ActorStaff} }

const staffUserColumns = `id, email, name, role, password_hash, disabled, setup_expires_at, oidc_subject, created_at, updated_at`

// StaffSetup is a one-time set-password link being issued: the hash of its
// token, until when it works, and the email that delivers it (nil: none,
// the link is only printed).
type StaffSetup struct {
	TokenHash string
	Expires   time.Time
	Email     *filing.Notice
}

// NewStaffUser is a member to add.
type NewStaffUser struct {
	Email, Name, Role string
	Setup             StaffSetup
}

func checkRole(role string) error {
	if role != RoleStaff && role != RoleAdmin {
		return fmt.Errorf("role %q: want staff or admin: %w", role, ErrRefused)
	}
	return nil
}

// CreateStaffUser adds a member with a set-password link, and queues the
// email carrying it in the same transaction.
func (s *Store) CreateStaffUser(ctx context.Context, in NewStaffUser) (StaffUser, error) {
	var u StaffUser
	email, err := filing.NormalizeEmail(in.Email)
	if err != nil {
		return u, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return u, fmt.Errorf("a staff member needs a name: %w", ErrRefused)
	}
	if err := checkRole(in.Role); err != nil {
		return u, err
	}
	err = s.InTx(ctx, func(t *Tx) error {
		now := dbTime(t.s.now())
		err := t.get(ctx, &u, `INSERT INTO staff_users (email, name, role, setup_token_hash, setup_expires_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+staffUserColumns,
			email, name, in.Role, in.Setup.TokenHash, dbTime(in.Setup.Expires), now, now)
		if isUniqueViolation(err) {
			return fmt.Errorf("staff member %s: %w", email, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("add staff member %s: %w", email, err)
		}
		return t.enqueueSetup(ctx, u, in.Setup)
	})
	return u, err
}

func (t *Tx) enqueueSetup(ctx context.Context, u StaffUser, setup StaffSetup) error {
	if setup.Email == nil {
		return nil
	}
	n := *setup.Email
	n.To, n.ToName = u.Email, u.Name
	// The token's hash is unique per link, so each link is sent once.
	_, err := t.Enqueue(ctx, OutboxItem{Notice: n, DedupKey: fmt.Sprintf("%s:%d:%s", n.Kind, u.ID, setup.TokenHash[:16])})
	return err
}

// StaffUsers lists every member, by email.
func (s *Store) StaffUsers(ctx context.Context) ([]StaffUser, error) {
	var out []StaffUser
	if err := s.db.SelectContext(ctx, &out, `SELECT `+staffUserColumns+` FROM staff_users ORDER BY email`); err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	return out, nil
}

// StaffUserByEmail reads one member.
func (s *Store) StaffUserByEmail(ctx context.Context, email string) (StaffUser, error) {
	return s.staffUser(ctx, `email = ?`, strings.ToLower(strings.TrimSpace(email)), email)
}

// StaffUserByID reads one member.
func (s *Store) StaffUserByID(ctx context.Context, id int64) (StaffUser, error) {
	return s.staffUser(ctx, `id = ?`, id, fmt.Sprint(id))
}

// StaffUserBySetup reads the member a set-password link is for, while it
// works.
func (s *Store) StaffUserBySetup(ctx context.Context, tokenHash string) (StaffUser, error) {
	u, err := s.staffUser(ctx, `setup_token_hash = ? AND NOT disabled`, tokenHash, "of this link")
	if err == nil && (u.SetupExpires == nil || !u.SetupExpires.After(s.now())) {
		return u, fmt.Errorf("staff member of this link: %w", ErrNotFound)
	}
	return u, err
}

// StaffUserByOIDC reads the member signed in by an identity provider's subject.
func (s *Store) StaffUserByOIDC(ctx context.Context, subject string) (StaffUser, error) {
	return s.staffUser(ctx, `oidc_subject = ?`, subject, "of this sign-in")
}

func (s *Store) staffUser(ctx context.Context, where string, arg any, name string) (StaffUser, error) {
	var u StaffUser
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+staffUserColumns+` FROM staff_users WHERE `+where), arg)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("staff member %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read staff member %s: %w", name, err)
	}
	return u, nil
}

// SetStaffPassword sets a member's password through a set-password link and
// uses the link up; every other session of the member ends. It is refused
// when the link is unknown, used or expired.
func (s *Store) SetStaffPassword(ctx context.Context, tokenHash, passwordHash string) (StaffUser, error) {
	var u StaffUser
	err := s.InTx(ctx, func(t *Tx) error {
		now := dbTime(t.s.now())
		err := t.get(ctx, &u, `UPDATE staff_users SET password_hash = ?, setup_token_hash = NULL, setup_expires_at = NULL, updated_at = ?
			WHERE setup_token_hash = ? AND setup_expires_at > ? AND NOT disabled RETURNING `+staffUserColumns,
			passwordHash, now, tokenHash, now)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("this set-password link is unknown, used or expired: %w", ErrRefused)
		}
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		_, err = t.exec(ctx, `DELETE FROM staff_sessions WHERE user_id = ?`, u.ID)
		return err
	})
	return u, err
}

// ResetStaffPassword clears a member's password, ends their sessions and
// issues a new set-password link.
func (s *Store) ResetStaffPassword(ctx context.Context, email string, setup StaffSetup) (StaffUser, error) {
	var u StaffUser
	err := s.InTx(ctx, func(t *Tx) error {
		err := t.get(ctx, &u, `UPDATE staff_users SET password_hash = '', setup_token_hash = ?, setup_expires_at = ?, updated_at = ?
			WHERE email = ? RETURNING `+staffUserColumns,
			setup.TokenHash, dbTime(setup.Expires), dbTime(t.s.now()), strings.ToLower(strings.TrimSpace(email)))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("staff member %s: %w", email, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("reset password of %s: %w", email, err)
		}
		if u.Disabled {
			return fmt.Errorf("staff member %s is disabled: %w", email, ErrRefused)
		}
		if _, err := t.exec(ctx, `DELETE FROM staff_sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("end sessions of %s: %w", email, err)
		}
		return t.enqueueSetup(ctx, u, setup)
	})
	return u, err
}

// SetStaffDisabled disables a member (their sessions end and links stop
// working) or enables them again.
func (s *Store) SetStaffDisabled(ctx context.Context, email string, disabled bool) (StaffUser, error) {
	var u StaffUser
	err := s.InTx(ctx, func(t *Tx) error {
		err := t.get(ctx, &u, `UPDATE staff_users SET disabled = ?, updated_at = ? WHERE email = ? RETURNING `+staffUserColumns,
			disabled, dbTime(t.s.now()), strings.ToLower(strings.TrimSpace(email)))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("staff member %s: %w", email, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("disable %s: %w", email, err)
		}
		if disabled {
			_, err = t.exec(ctx, `DELETE FROM staff_sessions WHERE user_id = ?`, u.ID)
		}
		return err
	})
	return u, err
}

// SetStaffRole changes a member's role.
func (s *Store) SetStaffRole(ctx context.Context, email, role string) (StaffUser, error) {
	var u StaffUser
	if err := checkRole(role); err != nil {
		return u, err
	}
	err := s.InTx(ctx, func(t *Tx) error {
		err := t.get(ctx, &u, `UPDATE staff_users SET role = ?, updated_at = ? WHERE email = ? RETURNING `+staffUserColumns,
			role, dbTime(t.s.now()), strings.ToLower(strings.TrimSpace(email)))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("staff member %s: %w", email, ErrNotFound)
		}
		return err
	})
	return u, err
}

// LinkStaffOIDC ties an identity provider's subject to the member with that
// verified address, the first time they sign in through it.
func (s *Store) LinkStaffOIDC(ctx context.Context, email, subject string) (StaffUser, error) {
	var u StaffUser
	err := s.InTx(ctx, func(t *Tx) error {
		err := t.get(ctx, &u, `UPDATE staff_users SET oidc_subject = ?, updated_at = ?
			WHERE email = ? AND oidc_subject IS NULL AND NOT disabled RETURNING `+staffUserColumns,
			subject, dbTime(t.s.now()), strings.ToLower(strings.TrimSpace(email)))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("staff member %s: %w", email, ErrNotFound)
		}
		return err
	})
	return u, err
}

// Session is a signed-in member's session.
type Session struct {
	ID         int64     `db:"id"`
	UserID     int64     `db:"user_id"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
	ExpiresAt  time.Time `db:"expires_at"`
	User       StaffUser `db:"-"`
}

// CreateSession starts a session for a member until expires (the absolute
// timeout), and removes sessions that ended long ago.
func (s *Store) CreateSession(ctx context.Context, userID int64, tokenHash string, expires time.Time, address string) error {
	now := dbTime(s.now())
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO staff_sessions (token_hash, user_id, created_at, last_seen_at, expires_at, address)
		VALUES (?, ?, ?, ?, ?, ?)`), tokenHash, userID, now, now, dbTime(expires), address)
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM staff_sessions WHERE expires_at < ?`), now.Add(-24*time.Hour)); err != nil {
		return fmt.Errorf("remove old sessions: %w", err)
	}
	return nil
}

// SessionByToken reads a live session and its member: not past its absolute
// end, seen within idle, its member not disabled. It records the visit at
// most once a minute, so reading pages does not mean a write per request.
func (s *Store) SessionByToken(ctx context.Context, tokenHash string, idle time.Duration) (Session, error) {
	var row struct {
		Session
		U StaffUser `db:"u"`
	}
	now := s.now()
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT s.id, s.user_id, s.created_at AS created_at, s.last_seen_at, s.expires_at,
		u.id AS "u.id", u.email AS "u.email", u.name AS "u.name", u.role AS "u.role",
		u.disabled AS "u.disabled", u.created_at AS "u.created_at", u.updated_at AS "u.updated_at"
		FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id WHERE s.token_hash = ?`), tokenHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	sess := row.Session
	sess.User = row.U
	if sess.User.Disabled || !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= idle {
		return Session{}, fmt.Errorf("session ended: %w", ErrNotFound)
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE staff_sessions SET last_seen_at = ? WHERE id = ?`), dbTime(now), sess.ID); err != nil {
			return Session{}, fmt.Errorf("record session visit: %w", err)
		}
	}
	return sess, nil
}

// DeleteSession ends a session (signing out).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM staff_sessions WHERE token_hash = ?`), tokenHash); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
