package console

import (
	"context"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

// StaffLink is a member with the one-time set-password link issued for them.
type StaffLink struct {
	Member store.StaffUser
	Link   string
}

// setup issues a set-password link valid for valid, and the email that
// delivers it (in the staff language) when the console has a public address
// to point it at.
func setup(publicURL string, lang filing.Language, valid time.Duration, now time.Time) (store.StaffSetup, string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return store.StaffSetup{}, "", err
	}
	link := SetupLink(publicURL, token)
	s := store.StaffSetup{TokenHash: hash, Expires: now.Add(valid)}
	if publicURL != "" {
		exp := s.Expires
		// The link is a credential: it travels in the notice's password
		// field, which the mailer erases once the email is sent.
		s.Email = &filing.Notice{Kind: filing.EmailStaffSetPassword, Language: lang, At: now, Password: link, Deadline: &exp}
	}
	return s, link, nil
}

// AddStaff adds a member of staff and issues their set-password link,
// emailed through the outbox when publicURL is set (printed by the caller
// either way).
func AddStaff(ctx context.Context, st *store.Store, email, name, role, publicURL string, valid time.Duration) (StaffLink, error) {
	lang := staffLanguage(st)
	s, link, err := setup(publicURL, lang, valid, st.Now())
	if err != nil {
		return StaffLink{}, err
	}
	u, err := st.CreateStaffUser(ctx, store.NewStaffUser{Email: email, Name: name, Role: role, Setup: s})
	return StaffLink{Member: u, Link: link}, err
}

// ResetStaffPassword clears a member's password, ends their sessions and
// issues a new set-password link.
func ResetStaffPassword(ctx context.Context, st *store.Store, email, publicURL string, valid time.Duration) (StaffLink, error) {
	s, link, err := setup(publicURL, staffLanguage(st), valid, st.Now())
	if err != nil {
		return StaffLink{}, err
	}
	u, err := st.ResetStaffPassword(ctx, email, s)
	return StaffLink{Member: u, Link: link}, err
}

func staffLanguage(st *store.Store) filing.Language {
	_, lang := st.Staff()
	return lang.OrDefault()
}
