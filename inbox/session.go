package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"example.com/icpdesk/mailparse"
)

// processedKeyword marks messages recorded by icpdesk (servers may lower-case it).
const processedKeyword imap.Flag = "$IcpdeskProcessed"

// session is one IMAP connection with the watched mailbox selected. Every
// command is issued from the goroutine that owns the session, one at a
// time, and every FETCH is finished before the next command: go-imap
// deadlocks otherwise (docs/library-notes.md, go-imap).
type session struct {
	w    *Watcher
	c    *imapclient.Client
	wake chan struct{} // new mail reported by the server

	caps        imap.CapSet
	uidValidity uint32
	lastUID     uint32
	foundMail   bool            // the last pass's search found messages
	keywords    bool            // the mailbox accepts our keyword
	retryMove   []uint32        // recorded messages whose move failed; tried again next pass
	toMove      moveJob         // committed, to be moved
	metas       map[uint32]meta // sizes of the messages being ingested (metasFor)
	aux         bool            // the mover's: not the watcher's connection
	mover       *mover          // moves on a second connection during a backlog; nil: on this one
}

var errTimeout = errors.New("timed out")

// connect dials, secures, logs in and selects the watched mailbox.
func (w *Watcher) connect(ctx context.Context) (*session, error) {
	return w.dialSession(ctx, false)
}

// dialSession is connect; an aux session (the mover's) leaves the
// watcher's status alone.
func (w *Watcher) dialSession(ctx context.Context, aux bool) (*session, error) {
	s := &session{w: w, wake: make(chan struct{}, 1), aux: aux}
	opts := &imapclient.Options{
		TLSConfig:   w.tlsConfig(),
		WordDecoder: mailparse.WordDecoder,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine: never call the client here.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case s.wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	conn, err := w.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d: %w", w.cfg.Host, w.cfg.Port, err)
	}
	// Greeting and STARTTLS have no context either: a watchdog closes the
	// connection if they do not finish in time.
	setup := make(chan struct{})
	var setupErr error
	go func() {
		defer close(setup)
		defer func() {
			if r := recover(); r != nil {
				setupErr = w.recovered("connect", r)
			}
		}()
		if w.cfg.Security == "starttls" {
			s.c, setupErr = imapclient.NewStartTLS(conn, opts)
			return
		}
		s.c = imapclient.New(conn, opts)
		setupErr = s.c.WaitGreeting()
	}()
	timer := time.NewTimer(w.cfg.DialTimeout)
	defer timer.Stop()
	select {
	case <-setup:
	case <-ctx.Done():
		conn.Close()
		<-setup
		if s.c != nil {
			s.c.Close()
		}
		return nil, ctx.Err()
	case <-timer.C:
		conn.Close()
		<-setup
		if s.c != nil {
			s.c.Close()
		}
		return nil, fmt.Errorf("connect to %s:%d: no greeting: %w", w.cfg.Host, w.cfg.Port, errTimeout)
	}
	if setupErr != nil {
		conn.Close()
		if s.c != nil {
			s.c.Close()
		}
		return nil, fmt.Errorf("connect to %s:%d: %w", w.cfg.Host, w.cfg.Port, setupErr)
	}
	if err := s.login(ctx); err != nil {
		s.close()
		return nil, err
	}
	if err := s.selectMailbox(ctx); err != nil {
		s.close()
		return nil, err
	}
	// Capabilities change after STARTTLS and login: read them once now.
	if err := s.await(ctx, w.cfg.CommandTimeout, "capability", func() error {
		if s.caps = s.c.Caps(); s.caps == nil {
			return errors.New("no capabilities")
		}
		return nil
	}); err != nil {
		s.close()
		return nil, err
	}
	if aux {
		return s, nil
	}
	mode := "poll"
	if s.canIdle() {
		mode = "idle"
	}
	w.setStatus(func(st *Status) {
		st.Connected, st.Mode, st.ConnectedSince, st.Idle = true, mode, time.Now(), false
	})
	w.log.InfoContext(ctx, "inbox: connected", "host", w.cfg.Host, "mailbox", w.cfg.Mailbox, "mode", mode, "uidvalidity", s.uidValidity)
	w.established()
	return s, nil
}

func (s *session) close() {
	if s.c != nil {
		s.c.Close()
	}
	if !s.aux {
		s.w.setStatus(func(st *Status) { st.Connected, st.Idle, st.Mode = false, false, "disconnected" })
	}
}

// logout ends the session politely, not waiting long for the answer.
func (s *session) logout() {
	_ = s.await(context.Background(), 5*time.Second, "logout", func() error { return s.c.Logout().Wait() })
}

// await runs fn, which waits on the client, and gives up when ctx ends or
// after d by closing the connection: go-imap has no contexts, and a closed
// connection makes every pending command return. fn always finishes before
// await returns, so no goroutine outlives the session.
func (s *session) await(ctx context.Context, d time.Duration, what string, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- s.w.recovered(what, r)
			}
		}()
		done <- fn()
	}()
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		s.c.Close()
		<-done
		return ctx.Err()
	case <-timeout:
		s.c.Close()
		<-done
		err = errTimeout
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (s *session) login(ctx context.Context) error {
	cfg := s.w.cfg
	// AUTHENTICATE PLAIN where offered; LOGIN is sent even when the server
	// said LOGINDISABLED (docs/library-notes.md, go-imap), so check first.
	err := s.await(ctx, cfg.CommandTimeout, "login", func() error {
		caps := s.c.Caps()
		switch {
		case caps.Has(imap.AuthCap(sasl.Plain)):
			return s.c.Authenticate(sasl.NewPlainClient("", cfg.Username, cfg.Password.Reveal()))
		case caps.Has(imap.CapLoginDisabled):
			return errors.New("the server refuses LOGIN and offers no PLAIN authentication (TLS needed?)")
		}
		return s.c.Login(cfg.Username, cfg.Password.Reveal()).Wait()
	})
	if err != nil {
		// The error never holds the password: go-imap reports the server's text.
		return fmt.Errorf("log in to %s as %s: %w", cfg.Host, cfg.Username, err)
	}
	return nil
}

func (s *session) selectMailbox(ctx context.Context) error {
	cfg := s.w.cfg
	var sel *imap.SelectData
	err := s.await(ctx, cfg.CommandTimeout, "select "+cfg.Mailbox, func() (err error) {
		sel, err = s.c.Select(cfg.Mailbox, nil).Wait()
		return err
	})
	if err != nil {
		return err
	}
	s.uidValidity = sel.UIDValidity
	for _, f := range sel.PermanentFlags {
		if f == imap.FlagWildcard {
			s.keywords = true
		}
	}
	// The processed mailbox must exist before the first move. A failure here
	// is logged, not fatal: messages are still recorded, and moved once it exists.
	if err := s.ensureMailbox(ctx, cfg.ProcessedMailbox); err != nil {
		s.w.log.ErrorContext(ctx, "inbox: cannot create the processed mailbox; messages will stay in place", "mailbox", cfg.ProcessedMailbox, "err", err)
	}
	return nil
}

func (s *session) ensureMailbox(ctx context.Context, name string) error {
	var list []*imap.ListData
	err := s.await(ctx, s.w.cfg.CommandTimeout, "list "+name, func() (err error) {
		list, err = s.c.List("", name, nil).Collect()
		return err
	})
	if err != nil {
		return err
	}
	for _, l := range list {
		if l.Mailbox == name {
			return nil
		}
	}
	err = s.await(ctx, s.w.cfg.CommandTimeout, "create "+name, func() error { return s.c.Create(name, nil).Wait() })
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	return err
}

func (s *session) canIdle() bool {
	if s.w.cfg.DisableIdle {
		return false
	}
	return s.caps.Has(imap.CapIdle) || s.caps.Has(imap.CapIMAP4rev2)
}

// idleLoop waits in IDLE for new mail and catches up when it comes. IDLE
// is re-issued every IdleRefresh with a NOOP in between, whose answer
// proves the connection alive: a half-open TCP connection would otherwise
// wait forever.
func (s *session) idleLoop(ctx context.Context) error {
	cfg := s.w.cfg
	afterRecheck := false // the last pass was a recheck's
	for {
		var idle *imapclient.IdleCommand
		if err := s.await(ctx, cfg.CommandTimeout, "idle", func() (err error) {
			idle, err = s.c.Idle()
			return err
		}); err != nil {
			return err
		}
		s.w.setStatus(func(st *Status) { st.Idle = true })
		done := make(chan error, 1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					done <- s.w.recovered("idle", r)
				}
			}()
			done <- idle.Wait()
		}()
		// Mail arriving between a pass's last command and the start of IDLE
		// is not announced by every server (go-imap's own in-memory one,
		// older Cyrus releases): after a pass, look once more shortly rather
		// than at the next refresh. Only a recheck that found nothing is not
		// followed by another, or an idle mailbox would be searched forever.
		wait, recheck := cfg.IdleRefresh, false
		if (s.foundMail || !afterRecheck) && idleRecheck < wait {
			wait, recheck = idleRecheck, true
		}
		timer := time.NewTimer(wait)
		refresh := false
		afterRecheck = false
		select {
		case <-s.wake:
		case <-timer.C:
			refresh = !recheck // a recheck's SEARCH proves the connection
			afterRecheck = recheck
		case err := <-done:
			timer.Stop()
			return fmt.Errorf("connection lost while idle: %w", errOr(err, errors.New("IDLE ended")))
		case <-ctx.Done():
			timer.Stop()
			// Shutting down: a polite DONE and LOGOUT, but not a long wait.
			_ = s.stopIdle(idle, done, 5*time.Second)
			s.logout()
			return ctx.Err()
		}
		timer.Stop()
		s.w.setStatus(func(st *Status) { st.Idle = false })
		if err := s.stopIdle(idle, done, cfg.CommandTimeout); err != nil {
			return err
		}
		if refresh {
			if err := s.await(ctx, min(cfg.CommandTimeout, 30*time.Second), "noop", func() error { return s.c.Noop().Wait() }); err != nil {
				return fmt.Errorf("connection check: %w", err)
			}
			s.w.mu.Lock()
			s.w.stats.IdleRefreshes++
			s.w.mu.Unlock()
		}
		sum := Summary{ByDecision: map[Decision]int{}}
		if err := s.catchUp(ctx, false, &sum); err != nil {
			return err
		}
	}
}

// idleRecheck is how soon after a pass that found mail the mailbox is
// searched again (see idleLoop).
const idleRecheck = 2 * time.Second

// stopIdle ends IDLE and waits for the server's answer, within d.
func (s *session) stopIdle(idle *imapclient.IdleCommand, done <-chan error, d time.Duration) error {
	closeErr := idle.Close()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if closeErr != nil {
			return fmt.Errorf("stop idle: %w", closeErr)
		}
		if err != nil {
			return fmt.Errorf("stop idle: %w", err)
		}
		return nil
	case <-t.C:
		s.c.Close()
		<-done
		return fmt.Errorf("stop idle: %w", errTimeout)
	}
}

func errOr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// pollLoop is for servers without IDLE: a NOOP and a catch-up every PollInterval.
func (s *session) pollLoop(ctx context.Context) error {
	cfg := s.w.cfg
	t := time.NewTicker(cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.logout()
			return ctx.Err()
		case <-t.C:
		}
		if err := s.await(ctx, cfg.CommandTimeout, "noop", func() error { return s.c.Noop().Wait() }); err != nil {
			return fmt.Errorf("connection check: %w", err)
		}
		sum := Summary{ByDecision: map[Decision]int{}}
		if err := s.catchUp(ctx, false, &sum); err != nil {
			return err
		}
	}
}
