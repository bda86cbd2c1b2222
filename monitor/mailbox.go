package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// HolderStatus is what the replica holding the mailbox last wrote about
// its IMAP session (store.MailboxStatus).
type HolderStatus struct {
	Holder    string
	Connected bool
	Mode      string // idle, poll, disconnected
	LastPass  time.Time
	LastError string
	At        time.Time // when the holder wrote it
}

// Mailbox is the "imap" readiness check of a replica that may be a standby:
// only one replica holds the mailbox, and only it knows whether the IMAP
// server answers. The others report what it last wrote.
type Mailbox struct {
	// Here is this replica's own watcher: standby when another replica
	// holds the mailbox; else nil when its session is up, or why not.
	Here func(ctx context.Context) (standby bool, err error)
	// Held reads what the holder last wrote; false when it never wrote.
	Held func(ctx context.Context) (HolderStatus, bool, error)
	// Fresh is how old the holder's status may be: older means it stopped
	// writing (hung, or cut off from the database).
	Fresh time.Duration
	Now   func() time.Time // nil: time.Now
	Zone  *time.Location   // for the times shown; nil: UTC
}

// Check is the readiness check (Check.Fn). A standby is ready if and only
// if the holder's last status is fresh and connected; either way it says
// "held by <holder>, <status> as of <time>".
func (m Mailbox) Check(ctx context.Context) (string, error) {
	standby, err := m.Here(ctx)
	if !standby {
		return "", err
	}
	st, ok, err := m.Held(ctx)
	if err != nil {
		return "", fmt.Errorf("held by another replica, whose status cannot be read: %w", err)
	}
	if !ok {
		return "", errors.New("held by another replica, which has not reported its status")
	}
	now, zone := time.Now, m.Zone
	if m.Now != nil {
		now = m.Now
	}
	if zone == nil {
		zone = time.UTC
	}
	detail := fmt.Sprintf("held by %s, %s as of %s", st.Holder, describe(st, zone), st.At.In(zone).Format(time.RFC3339))
	switch age := now().Sub(st.At); {
	case age > m.Fresh:
		return detail, fmt.Errorf("%s; no report since (%v): the holder may be hung or cut off", detail, age.Round(time.Second))
	case !st.Connected:
		return detail, errors.New(detail)
	}
	return detail, nil
}

// describe says what the holder's session was doing.
func describe(st HolderStatus, zone *time.Location) string {
	if !st.Connected {
		if st.LastError == "" {
			return "not connected"
		}
		return "not connected: " + st.LastError
	}
	var notes []string
	if st.Mode != "" {
		notes = append(notes, st.Mode)
	}
	if !st.LastPass.IsZero() {
		notes = append(notes, "last pass "+st.LastPass.In(zone).Format(time.RFC3339))
	}
	if len(notes) == 0 {
		return "connected"
	}
	return "connected (" + strings.Join(notes, ", ") + ")"
}
