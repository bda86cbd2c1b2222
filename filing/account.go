package filing

import (
	"errors"
	"fmt"
	"time"
)

// AccountStatus is where an account is in the desk's review (seed §一 step 2).
type AccountStatus string

const (
	AccountPending  AccountStatus = "pending"
	AccountApproved AccountStatus = "approved"
	AccountRejected AccountStatus = "rejected"
)

// Account is an applicant's account in the provider's filing system.
type Account struct {
	ID           int64         `json:"id" db:"id"`
	Email        string        `json:"email" db:"email"`
	Name         string        `json:"name" db:"name"`
	Language     Language      `json:"language" db:"language"`
	Status       AccountStatus `json:"status" db:"status"`
	Customer     bool          `json:"customer" db:"customer"`
	RejectReason string        `json:"reject_reason,omitempty" db:"reject_reason"`
	CreatedAt    time.Time     `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at" db:"updated_at"`
}

// NewAccount validates a new account. Hosting customers already have a
// customer account with the provider and are approved on creation (seed §一 step 1).
func NewAccount(email, name string, lang Language, customer bool, now time.Time) (Account, error) {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return Account{}, fmt.Errorf("account email: %w", err)
	}
	name = OneLine(name)
	if name == "" {
		return Account{}, errors.New("account name is empty")
	}
	if lang == "" {
		lang = DefaultLanguage
	}
	if lang != LangChinese && lang != LangEnglish {
		return Account{}, fmt.Errorf("unknown language %q", lang)
	}
	status := AccountPending
	if customer {
		status = AccountApproved
	}
	now = now.UTC()
	return Account{Email: addr, Name: name, Language: lang, Status: status, Customer: customer,
		CreatedAt: now, UpdatedAt: now}, nil
}

// ErrAccountTransition is returned when an account cannot move to the requested status.
var ErrAccountTransition = errors.New("filing: account transition not allowed")

// AccountAction is a staff decision on an account.
type AccountAction string

const (
	AccountApprove AccountAction = "approve"
	AccountReject  AccountAction = "reject"
)

// accountTransitions is the account state machine. A rejected account can
// still be approved: staff reject for fixable reasons (a wrong name, say).
var accountTransitions = []struct {
	Action AccountAction
	From   AccountStatus
	To     AccountStatus
	Email  EmailKind
}{
	{AccountApprove, AccountPending, AccountApproved, EmailAccountApproved},
	{AccountApprove, AccountRejected, AccountApproved, EmailAccountApproved},
	{AccountReject, AccountPending, AccountRejected, EmailAccountRejected},
}

// DecideAccount returns the account after action and the email it causes.
func DecideAccount(a Account, action AccountAction, reason string, now time.Time) (Account, EmailKind, error) {
	for _, t := range accountTransitions {
		if t.Action != action || t.From != a.Status {
			continue
		}
		reason = OneLine(reason)
		if action == AccountReject && reason == "" {
			return a, "", errors.New("a rejection needs a reason: the applicant is told why")
		}
		a.Status = t.To
		a.RejectReason = reason
		if action == AccountApprove {
			a.RejectReason = ""
		}
		a.UpdatedAt = now.UTC()
		return a, t.Email, nil
	}
	return a, "", fmt.Errorf("%w: cannot %s account %s: %s → %s",
		ErrAccountTransition, action, a.Email, a.Status, targetOfAccountAction(action))
}

func targetOfAccountAction(action AccountAction) AccountStatus {
	if action == AccountReject {
		return AccountRejected
	}
	return AccountApproved
}
