// Package desk is what staff and the provider's filing system can do: every
// action the command line, the HTTP API and the console offer, each one
// store transaction with its audit event, its emails and the work items it
// opens or closes. Callers parse their input into the types here and hold
// no rules of their own; the rules are in package filing, the decisions on
// received mail in package inbox, the SQL in package store.
package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/store"
)

// Service carries out staff actions.
type Service struct {
	store *store.Store
	inbox *inbox.Processor
	// fingerprinter keys ID numbers in imported filings; nil refuses imports
	// with a message saying how to configure it.
	fingerprinter func() (*filing.Fingerprinter, error)
	// tokens caches API tokens found by Authenticate.
	tokens tokenCache
}

// New returns the service. proc decides received mail linked or
// reprocessed by hand; fp gives the ID-number fingerprinter for imports.
func New(st *store.Store, proc *inbox.Processor, fp func() (*filing.Fingerprinter, error)) *Service {
	return &Service{store: st, inbox: proc, fingerprinter: fp}
}

// Store is the store the service acts on, for reads.
func (s *Service) Store() *store.Store { return s.store }

// ErrInput is returned for a request that cannot be carried out as given
// (a missing reason, a date that does not parse): nothing was changed.
var ErrInput = errors.New("invalid request")

func inputf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, args...))
}

// Accounts.

// AccountInput is a new applicant account.
type AccountInput struct {
	Email    string
	Name     string
	Language string // zh-CN (default) or en
	Customer bool   // a hosting customer: approved at once
}

// AddAccount creates an account; hosting customers are approved at once.
func (s *Service) AddAccount(ctx context.Context, in AccountInput, by store.Actor) (filing.Account, error) {
	lang := filing.DefaultLanguage
	if strings.TrimSpace(in.Language) != "" {
		l, err := filing.ParseLanguage(in.Language)
		if err != nil {
			return filing.Account{}, fmt.Errorf("%w: %w", ErrInput, err)
		}
		lang = l
	}
	a, err := filing.NewAccount(in.Email, in.Name, lang, in.Customer, s.store.Now())
	if err != nil {
		return filing.Account{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return s.store.CreateAccount(ctx, a, by.Name)
}

// DecideAccount approves or rejects an account and emails the applicant.
func (s *Service) DecideAccount(ctx context.Context, email string, action filing.AccountAction, reason string, by store.Actor) (filing.Account, error) {
	if action == filing.AccountReject && strings.TrimSpace(reason) == "" {
		return filing.Account{}, inputf("a rejection needs a reason: the applicant is told why")
	}
	return s.store.DecideAccount(ctx, email, action, reason, by.Name)
}

// SetAccountEmail changes an account's registered address; both addresses
// are told.
func (s *Service) SetAccountEmail(ctx context.Context, oldAddr, newAddr string, by store.Actor) (filing.Account, error) {
	return s.store.SetAccountEmail(ctx, oldAddr, newAddr, by)
}

// Filings.

// ImportFiling stores a new filing from the filing system's JSON; every
// problem is returned and nothing stored when there is one.
func (s *Service) ImportFiling(ctx context.Context, in filing.FilingInput, by store.Actor) (filing.Filing, filing.Problems, error) {
	fp, err := s.fp()
	if err != nil {
		return filing.Filing{}, nil, err
	}
	return s.store.ImportFiling(ctx, in, fp, by.Name)
}

// UpdateFiling stores corrected data for an imported filing; with notify the
// applicant gets the corrected checklist when the materials changed.
func (s *Service) UpdateFiling(ctx context.Context, in filing.FilingInput, notify bool, by store.Actor) (store.FilingUpdate, filing.Problems, error) {
	fp, err := s.fp()
	if err != nil {
		return store.FilingUpdate{}, nil, err
	}
	return s.store.UpdateFiling(ctx, in, fp, by, notify)
}

func (s *Service) fp() (*filing.Fingerprinter, error) {
	if s.fingerprinter == nil {
		return nil, errors.New("no ID-number fingerprint secret configured")
	}
	return s.fingerprinter()
}

// ActionInput is a change to a filing's stage or deadline, as a person or
// the filing system asks for it.
type ActionInput struct {
	// Action: submit, return (with ReturnBy), to_bureau, approve, resubmit,
	// extend, withdraw, accept_late, decline_late, undo_resubmission (the
	// transition table's names; return_provider and return_bureau too).
	Action   string
	ReturnBy string // provider or bureau, for return
	Reason   string
	// ICPNumber and Password come with approve; the password is never
	// stored but in the one email that delivers it.
	ICPNumber string
	Password  string
	// Until (a date, YYYY-MM-DD, in the desk's zone: the end of that day)
	// or Days (after the current deadline for extend; after now for undo)
	// set a new deadline.
	Until string
	Days  int
	// At is when it happened; zero: now.
	At time.Time
}

// Act changes a filing through the transition table, in one transaction:
// the change, its audit event, its emails, the work items it opens and
// closes. A change the table does not allow is refused (filing.ErrTransition,
// naming both stages) and nothing changes.
func (s *Service) Act(ctx context.Context, ref string, in ActionInput, by store.Actor) (store.ChangeResult, error) {
	req, err := s.request(ctx, ref, in, by)
	if err != nil {
		return store.ChangeResult{}, err
	}
	return s.store.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: req, ActorName: by.Name})
}

// request turns an action's input into a transition request.
func (s *Service) request(ctx context.Context, ref string, in ActionInput, by store.Actor) (filing.Request, error) {
	action := filing.Action(strings.ToLower(strings.TrimSpace(in.Action)))
	if action == "return" {
		src, err := filing.ParseReturnSource(in.ReturnBy)
		if err != nil {
			return filing.Request{}, fmt.Errorf("%w: %w", ErrInput, err)
		}
		action = filing.ActionReturnProvider
		if src == filing.ReturnedByBureau {
			action = filing.ActionReturnBureau
		}
	}
	known := false
	for _, a := range filing.Actions() {
		known = known || a == action
	}
	if !known || action == filing.ActionFlagOverdue || action == filing.ActionRemind {
		return filing.Request{}, inputf("unknown action %q", in.Action)
	}
	at := in.At
	if at.IsZero() {
		at = s.store.Now()
	}
	req := filing.Request{Action: action, Actor: by.Role(), At: at, Reason: in.Reason, ICPNumber: in.ICPNumber, Password: in.Password}
	if in.Until != "" && in.Days != 0 {
		return req, inputf("give a new deadline as a date or as days, not both")
	}
	if in.Until == "" && in.Days == 0 {
		return req, nil
	}
	loc := s.store.Policy().Location
	var dl time.Time
	switch {
	case in.Until != "":
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(in.Until), loc)
		if err != nil {
			return req, inputf("deadline %q: want a date like 2026-12-20", in.Until)
		}
		dl = filing.Deadline(day, 0, loc)
	case in.Days < 1 || in.Days > 365:
		return req, inputf("days %d: want 1 to 365", in.Days)
	default:
		from := at
		if action == filing.ActionExtend {
			d, err := s.store.FilingByRef(ctx, ref)
			if err != nil {
				return req, err
			}
			if d.Filing.Deadline == nil {
				return req, fmt.Errorf("%w: filing %s has no deadline to extend", filing.ErrTransition, d.Filing.Reference)
			}
			from = *d.Filing.Deadline
		}
		dl = filing.Deadline(from, in.Days, loc)
	}
	dl = dl.UTC()
	req.Deadline = &dl
	return req, nil
}
