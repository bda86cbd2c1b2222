package inbox

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
)

// processedKeyword marks messages recorded by icpdesk (servers may lower-case it).
const processedKeyword imap.Flag = "$IcpdeskProcessed"

// session is one IMAP connection with the watched mailbox selected. Every
// command is issued from the goroutine that owns the session, one at a
// time, and every FETCH is finished before the next command: go-imap
// deadlocks otherwise (notes/libraries.md §1).
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
	toMove      []uint32        // committed, to be moved
	toMoveDups  []string        // mailparse.Message-IDs of duplicates among them
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
	// said LOGINDISABLED (notes §1), so check first.
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

// search returns the UIDs of messages not flagged deleted, from first on
// (0: all), in ascending order.
func (s *session) search(ctx context.Context, first uint32) ([]uint32, error) {
	crit := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	if first > 0 {
		crit.UID = []imap.UIDSet{{{Start: imap.UID(first), Stop: 0}}}
	}
	var data *imap.SearchData
	err := s.await(ctx, s.w.cfg.CommandTimeout, "search", func() (err error) {
		data, err = s.c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return nil, err
	}
	set, ok := data.All.(imap.UIDSet)
	if !ok || set.Dynamic() {
		// AllUIDs would panic on a dynamic set (a server bug).
		return nil, fmt.Errorf("search: unexpected result %v", data.All)
	}
	nums, _ := set.Nums()
	out := make([]uint32, 0, len(nums))
	for _, u := range nums {
		// "n:*" always matches the highest UID, even one below n (notes §1).
		if uint32(u) >= first {
			out = append(out, uint32(u))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// catchUp ingests every message waiting. A full pass (at connect) looks at
// the whole mailbox: messages already recorded but not yet moved (a crash
// between commit and move) are only moved. Later passes look past the
// checkpoint.
func (s *session) catchUp(ctx context.Context, full bool, sum *Summary) error {
	w := s.w
	mailbox := w.cfg.Mailbox
	// Drained before searching, so mail arriving during the pass wakes the next one.
	select {
	case <-s.wake:
	default:
	}
	if full {
		cp, ok, err := w.store.MailboxCheckpoint(ctx, mailbox)
		if err != nil {
			return err
		}
		switch {
		case !ok:
			s.lastUID = 0
		case cp.UIDValidity != s.uidValidity:
			// The server renumbered the mailbox: every message is looked at
			// again; those recorded are recognised by mailparse.Message-ID.
			w.log.WarnContext(ctx, "inbox: UIDVALIDITY changed; rescanning the mailbox", "mailbox", mailbox,
				"was", cp.UIDValidity, "now", s.uidValidity)
			s.lastUID = 0
			sum.Rescan = true
		default:
			s.lastUID = cp.LastUID
		}
	}
	first := s.lastUID + 1
	if full {
		first = 0
	}
	// Everything in the mailbox when the search runs is recorded once the
	// pass succeeds: the deadline sweep may then flag deadlines up to here.
	searchedAt := w.store.Now()
	uids, err := s.search(ctx, first)
	if err != nil {
		return err
	}
	sum.Found += len(uids)
	s.foundMail = len(uids) > 0
	if full {
		s.noteLeft(ctx, uids)
	}
	var old, fresh []uint32
	for _, u := range uids {
		if u <= s.lastUID {
			old = append(old, u)
		} else {
			fresh = append(fresh, u)
		}
	}
	// Messages at or below the checkpoint are recorded, unless they were
	// duplicates by mailparse.Message-ID (recorded under another UID): those are
	// looked at again, which finds them duplicates again and moves them.
	if len(old) > 0 {
		rec, err := w.store.RecordedUIDs(ctx, mailbox, s.uidValidity, old)
		if err != nil {
			return err
		}
		var again []uint32
		for _, u := range old {
			if rec[u] {
				s.retryMove = append(s.retryMove, u)
			} else {
				again = append(again, u)
			}
		}
		fresh = append(again, fresh...)
	}
	if len(s.retryMove) > 0 {
		uids := s.retryMove
		s.retryMove = nil
		if err := s.moveRecorded(ctx, uids, nil, sum); err != nil {
			return err
		}
	}
	if err := s.ingest(ctx, fresh, sum); err != nil {
		return err
	}
	if err := w.store.MarkCaughtUp(ctx, mailbox, s.uidValidity, searchedAt); err != nil {
		// Not fatal: the sweep waits a little longer; the next pass marks it.
		w.log.WarnContext(ctx, "inbox: could not note the pass", "err", err)
	}
	w.setStatus(func(st *Status) { st.LastPass = time.Now() })
	return nil
}

// noteLeft notes as moved the recorded messages no longer in the mailbox
// (present: every UID a full pass found there). A process that died between
// a MOVE and noting it, or whose MOVE the server carried out after the
// client gave up waiting, left them unnoted, and no later pass sees them.
func (s *session) noteLeft(ctx context.Context, present []uint32) {
	w := s.w
	unmoved, err := w.store.UnmovedUIDs(ctx, w.cfg.Mailbox, s.uidValidity)
	if err != nil {
		w.log.WarnContext(ctx, "inbox: could not check for messages moved but not noted", "err", err)
		return
	}
	here := make(map[uint32]bool, len(present))
	for _, u := range present {
		here[u] = true
	}
	var left []uint32
	for _, u := range unmoved {
		if !here[u] {
			left = append(left, u)
		}
	}
	if len(left) == 0 {
		return
	}
	if err := w.store.MarkInboundMoved(ctx, w.cfg.Mailbox, s.uidValidity, left, nil, w.store.Now()); err != nil {
		w.log.WarnContext(ctx, "inbox: could not note messages moved earlier", "count", len(left), "err", err)
		return
	}
	w.log.InfoContext(ctx, "inbox: recorded messages had left the mailbox without the move being noted; noted now", "count", len(left))
}

// commitResult is a batch's commit, done in the background while the next
// batch is fetched.
type commitResult struct {
	b   *batch
	err error
	at  time.Time
}

// ingest fetches, parses and records uids in batches. A batch's commit runs
// in the background while the next batches are fetched; batches fetched
// while it runs are merged (see canMerge), so a backlog is committed in
// larger transactions exactly when commits are what it waits for. A batch's
// moves follow its commit, once the next commit has started, so they
// overlap it (one command at a time on the connection).
func (s *session) ingest(ctx context.Context, uids []uint32, sum *Summary) error {
	s.metas = nil
	defer func() { s.metas = nil }()
	var pending chan commitResult
	var ready *batch // fetched, waiting for the commit in flight
	wait := func() (commitResult, bool) {
		if pending == nil {
			return commitResult{}, false
		}
		res := <-pending
		pending = nil
		return res, true
	}
	busy := func() bool { return pending != nil && len(pending) == 0 }
	// handle counts a commit and queues its moves; on error the rest of the
	// pass is abandoned (the next pass fetches those messages again).
	handle := func(res commitResult) error {
		defer releaseBatch(res.b)
		if res.err != nil {
			return fmt.Errorf("record messages: %w", res.err)
		}
		return s.afterCommit(ctx, res, sum)
	}
	if len(uids) >= moverMin {
		s.startMover(ctx)
	}
	defer func() {
		releaseBatch(ready)
		if res, ok := wait(); ok {
			// Committed or not, it is finished before the session goes on.
			if err := handle(res); err != nil {
				s.w.log.ErrorContext(ctx, "inbox: batch not recorded", "err", err)
			}
		}
		// Whatever was committed is moved, even when the pass ends in an error.
		if err := s.flushMoves(ctx, sum); err != nil {
			s.w.log.WarnContext(ctx, "inbox: move after the pass failed; the next pass moves them", "err", err)
		}
		if err := s.stopMover(ctx, sum); err != nil {
			s.w.log.WarnContext(ctx, "inbox: move after the pass failed; the next pass moves them", "err", err)
		}
	}()
	for len(uids) > 0 || ready != nil {
		if len(uids) > 0 && (ready == nil || busy() && s.canMerge(ready)) {
			n := min(len(uids), s.w.cfg.Batch)
			b, err := s.fetchBatch(ctx, uids[:n], uids)
			uids = uids[n:]
			if err != nil {
				return err
			}
			sum.Fetched += len(b.items)
			ready = mergeBatches(ready, b)
			continue
		}
		res, done := wait()
		if done && res.err != nil {
			// Nothing after a batch not recorded is committed: the checkpoint
			// never passes a message not recorded.
			return handle(res)
		}
		if len(ready.items) > 0 {
			pending = s.commit(ctx, ready)
		} else {
			releaseBatch(ready)
		}
		ready = nil
		if done {
			if err := handle(res); err != nil {
				return err
			}
		}
	}
	if res, ok := wait(); ok {
		if err := handle(res); err != nil {
			return err
		}
	}
	if err := s.flushMoves(ctx, sum); err != nil {
		return err
	}
	return s.stopMover(ctx, sum)
}

// Merged batches are at most maxMergeBatches fetches, and stop growing past
// maxMergeBytes of messages held in memory: memory stays bounded (large
// messages are spooled to disk) whatever the backlog. Eight rather than four
// halved a backlog's commits: each pays fixed lookups, an acknowledgement
// count and a COMMIT, and the fetch waited less for them.
const (
	maxMergeBatches = 8
	maxMergeBytes   = 16 << 20
)

// moverMin is the backlog from which a pass moves on a second connection.
var moverMin = 2 * movesPerCommand

// dialMover connects the mover (tests make it fail).
var dialMover = func(ctx context.Context, w *Watcher) (*session, error) { return w.dialSession(ctx, true) }

// canMerge reports whether another fetched batch may join b.
func (s *session) canMerge(b *batch) bool {
	return len(b.items)+s.w.cfg.Batch <= maxMergeBatches*s.w.cfg.Batch && b.memBytes < maxMergeBytes
}

// mergeBatches appends b to a: one transaction records both, as two in a
// row would.
func mergeBatches(a, b *batch) *batch {
	if a == nil {
		return b
	}
	a.items = append(a.items, b.items...)
	a.lastUID = max(a.lastUID, b.lastUID)
	a.memBytes += b.memBytes
	return a
}

// commit starts recording b in the background.
func (s *session) commit(ctx context.Context, b *batch) chan commitResult {
	ch := make(chan commitResult, 1)
	go func() {
		var err error
		defer func() {
			if r := recover(); r != nil {
				err = s.w.recovered("commit", r)
			}
			ch <- commitResult{b: b, err: err, at: time.Now()}
		}()
		// A batch fetched is committed even if shutdown begins meanwhile:
		// its transaction is short, and stopping halfway would only make
		// the next start fetch it again.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.w.cfg.CommandTimeout)
		defer cancel()
		err = s.w.proc.commit(cctx, b)
	}()
	return ch
}

// movesPerCommand is how many committed messages are moved together. A
// backlog's moves are gathered over several batches: each MOVE costs the
// server a sync to disk, and a larger one costs about the same.
const movesPerCommand = 500

// flushMoves moves the committed messages not moved yet (hands them to the
// mover if there is one).
func (s *session) flushMoves(ctx context.Context, sum *Summary) error {
	if len(s.toMove) == 0 {
		return nil
	}
	uids, ids := s.toMove, s.toMoveDups
	s.toMove, s.toMoveDups = nil, nil
	if s.mover != nil {
		select {
		case s.mover.jobs <- moveJob{uids: uids, dupIDs: ids}:
			return nil
		default: // the mover is behind (or still connecting): move here
		}
	}
	return s.moveRecorded(ctx, uids, ids, sum)
}

// mover moves a backlog's committed messages on a second connection while
// the first fetches: a MOVE is the server's work (about a tenth of a
// backlog pass, flagging, copying and expunging), and on one connection
// the fetching waited for it. Jobs run in order, each after its batch's
// commit; what the mover could not move is moved on the first connection.
type mover struct {
	jobs chan moveJob
	done chan struct{}
	// Written by the mover's goroutine, read once done is closed.
	moved int
	retry []uint32  // moves the server refused: retried next pass
	left  []moveJob // not moved: no connection
}

type moveJob struct {
	uids   []uint32
	dupIDs []string
}

// startMover starts a mover, connecting in the background; jobs wait for it.
func (s *session) startMover(ctx context.Context) {
	m := &mover{jobs: make(chan moveJob, 64), done: make(chan struct{})}
	s.mover = m
	go func() {
		defer close(m.done)
		var ms *session
		var cur *moveJob // being moved
		var sum Summary
		defer func() {
			if r := recover(); r != nil {
				s.w.recovered("mover", r)
				if cur != nil {
					m.left = append(m.left, *cur)
				}
			}
			if ms != nil {
				m.moved, m.retry = sum.Moved, ms.retryMove
				ms.close()
			}
			for j := range m.jobs {
				m.left = append(m.left, j)
			}
		}()
		var err error
		ms, err = dialMover(ctx, s.w)
		if err != nil {
			s.w.log.WarnContext(ctx, "inbox: no second connection for moves; moving on the first", "err", err)
			return
		}
		if ms.uidValidity != s.uidValidity {
			return // renumbered meanwhile: the first connection moves them (and notices)
		}
		for j := range m.jobs {
			cur = &j
			if err := ms.moveRecorded(ctx, j.uids, j.dupIDs, &sum); err != nil {
				m.left = append(m.left, j)
				break // the connection is gone
			}
			cur = nil
		}
		if len(m.left) == 0 {
			ms.logout()
		}
	}()
}

// stopMover waits for the mover's jobs and closes its connection; what it
// did not move is moved here.
func (s *session) stopMover(ctx context.Context, sum *Summary) error {
	m := s.mover
	if m == nil {
		return nil
	}
	s.mover = nil
	close(m.jobs)
	<-m.done
	sum.Moved += m.moved
	s.retryMove = append(s.retryMove, m.retry...)
	for _, j := range m.left {
		if err := s.moveRecorded(ctx, j.uids, j.dupIDs, sum); err != nil {
			return err
		}
	}
	return nil
}

func releaseBatch(b *batch) {
	if b == nil {
		return
	}
	for _, it := range b.items {
		if it.sp != nil {
			it.sp.Close()
			it.sp = nil
		}
	}
}

// afterCommit counts a committed batch, advances the session's view and
// queues the batch to be moved.
func (s *session) afterCommit(ctx context.Context, res commitResult, sum *Summary) error {
	b := res.b
	var uids []uint32
	var dupIDs []string
	for _, it := range b.items {
		uids = append(uids, it.uid)
		if it.duplicate {
			sum.Duplicates++
			dupIDs = append(dupIDs, it.msg.MessageID)
		} else {
			sum.Recorded++
			sum.ByDecision[it.verdict.Decision]++
			if it.parseErr != nil {
				sum.Unparseable++
			}
		}
		s.w.log.InfoContext(ctx, "inbox: message recorded", "uid", it.uid, "sender", filing.MaskEmail(it.msg.From.Addr),
			"classification", it.verdict.Class, "decision", it.verdict.Decision, "linked_by", it.verdict.Link.Rule,
			"filing", filingRef(it.verdict), "duplicate", it.duplicate)
	}
	if b.lastUID > s.lastUID {
		s.lastUID = b.lastUID
	}
	s.w.counted(b, res.at)
	if s.w.afterCommit != nil {
		if err := s.w.afterCommit(uids); err != nil {
			return err
		}
	}
	s.toMove, s.toMoveDups = append(s.toMove, uids...), append(s.toMoveDups, dupIDs...)
	if len(s.toMove) >= movesPerCommand {
		return s.flushMoves(ctx, sum)
	}
	return nil
}

func filingRef(v Verdict) string {
	if v.Link.Filing != nil {
		return v.Link.Filing.Reference
	}
	return ""
}

// moveRecorded flags and moves recorded messages to the processed mailbox.
// A failed move is logged and retried on the next pass; the messages are
// recorded, so retrying never repeats their effects.
func (s *session) moveRecorded(ctx context.Context, uids []uint32, dupIDs []string, sum *Summary) error {
	if len(uids) == 0 {
		return nil
	}
	err := s.move(ctx, uids)
	if err != nil {
		s.w.mu.Lock()
		s.w.stats.MoveFailures++
		s.w.mu.Unlock()
		if s.c.State() == imap.ConnStateLogout || ctx.Err() != nil || errors.Is(err, errTimeout) {
			return err // the connection is gone: the next session moves them
		}
		s.w.log.ErrorContext(ctx, "inbox: could not move recorded messages; will retry", "count", len(uids), "err", err)
		s.retryMove = append(s.retryMove, uids...)
		return nil
	}
	sum.Moved += len(uids)
	s.w.mu.Lock()
	s.w.stats.Moved += int64(len(uids))
	s.w.mu.Unlock()
	if s.w.afterMove != nil {
		if err := s.w.afterMove(uids); err != nil {
			return err
		}
	}
	// Noted even if shutdown began meanwhile (a later connection's first
	// pass would otherwise have to: see noteLeft).
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.w.cfg.CommandTimeout)
	defer cancel()
	if err := s.w.store.MarkInboundMoved(nctx, s.w.cfg.Mailbox, s.uidValidity, uids, dupIDs, s.w.store.Now()); err != nil {
		s.w.log.WarnContext(ctx, "inbox: could not note the move", "err", err)
	}
	return nil
}

// move flags messages and moves them. Without MOVE it copies, flags the
// originals \Deleted and expunges exactly them with UID EXPUNGE — never a
// plain EXPUNGE, which would also remove what others marked deleted — and
// stops if the copy failed. go-imap's own fallback does neither (notes §1).
func (s *session) move(ctx context.Context, uids []uint32) error {
	cfg := s.w.cfg
	set := make(imap.UIDSet, 0, len(uids))
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	flags := []imap.Flag{imap.FlagSeen}
	if s.keywords {
		flags = append(flags, processedKeyword)
	}
	storeFlags := func(f []imap.Flag) error {
		return s.await(ctx, cfg.CommandTimeout, "store flags", func() error {
			return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: f}, nil).Close()
		})
	}
	if err := storeFlags(flags); err != nil {
		return err
	}
	caps := s.caps
	if caps.Has(imap.CapMove) {
		return s.await(ctx, cfg.CommandTimeout, "move to "+cfg.ProcessedMailbox, func() error {
			_, err := s.c.Move(set, cfg.ProcessedMailbox).Wait()
			return err
		})
	}
	if err := s.await(ctx, cfg.CommandTimeout, "copy to "+cfg.ProcessedMailbox, func() error {
		_, err := s.c.Copy(set, cfg.ProcessedMailbox).Wait()
		return err
	}); err != nil {
		return err
	}
	if err := storeFlags([]imap.Flag{imap.FlagDeleted}); err != nil {
		return err
	}
	if !caps.Has(imap.CapUIDPlus) {
		// The originals stay flagged \Deleted (searches skip them) until the
		// mailbox's owner expunges.
		return nil
	}
	return s.await(ctx, cfg.CommandTimeout, "expunge", func() error { return s.c.UIDExpunge(set).Close() })
}

// meta is what a first, cheap FETCH says about a message.
type meta struct {
	uid      uint32
	size     int64
	internal time.Time
}

// fetchBatch fetches and parses one batch: sizes first, then the bodies of
// messages within the size limit and the headers of the others. Messages
// are parsed in parallel while the rest of the batch is still arriving.
func (s *session) fetchBatch(ctx context.Context, uids, ahead []uint32) (*batch, error) {
	cfg := s.w.cfg
	b := &batch{mailbox: cfg.Mailbox, uidValidity: s.uidValidity}
	metas, err := s.metasFor(ctx, uids, ahead)
	if err != nil {
		return nil, err
	}
	var small, large []uint32
	byUID := map[uint32]*item{}
	for _, u := range uids {
		m, ok := metas[u]
		if !ok {
			continue // expunged meanwhile
		}
		it := &item{uid: u, size: m.size, internal: m.internal}
		if m.size > cfg.MaxMessageSize {
			it.oversize = true
			large = append(large, u)
		} else {
			small = append(small, u)
		}
		byUID[u] = it
		b.items = append(b.items, it)
		b.lastUID = max(b.lastUID, u)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.Parsers)
	dispatched := map[uint32]bool{} // touched by the fetching goroutine only
	parse := func(uid uint32, sp *mailparse.Spool) {
		it := byUID[uid]
		if it == nil || dispatched[uid] {
			// Not asked for, or sent twice: keep the first.
			sp.Close()
			return
		}
		dispatched[uid] = true
		it.sp = sp
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					it.parseErr = s.w.recovered("parse", r)
					if it.msg == nil {
						it.msg = &mailparse.Message{}
					}
				}
			}()
			s.parseItem(it)
		}()
	}
	fetchErr := s.fetchBodies(ctx, small, false, parse)
	if fetchErr == nil {
		fetchErr = s.fetchBodies(ctx, large, true, parse)
	}
	wg.Wait()
	if fetchErr != nil {
		releaseBatch(b)
		return nil, fetchErr
	}
	// Messages the server listed but did not send are left for the next pass.
	kept := b.items[:0]
	b.lastUID = 0
	for _, it := range b.items {
		if it.msg == nil {
			continue
		}
		kept = append(kept, it)
		b.lastUID = max(b.lastUID, it.uid)
	}
	if len(kept) < len(b.items) {
		// A gap: do not move the checkpoint past a message not recorded.
		b.lastUID = 0
		for _, u := range uids {
			if it := byUID[u]; it == nil || it.msg == nil {
				break
			}
			b.lastUID = u
		}
	}
	b.items = kept
	for _, it := range kept {
		if it.sp != nil {
			b.memBytes += int64(it.sp.MemBytes())
		}
	}
	return b, nil
}

func (s *session) parseItem(it *item) {
	r, err := it.sp.Reader()
	if err != nil {
		it.msg, it.parseErr = &mailparse.Message{}, err
		return
	}
	opts := s.w.cfg.Parse
	if it.oversize {
		it.msg, it.parseErr = mailparse.ParseHeader(r, opts)
		it.msg.Oversize = true
	} else {
		it.msg, it.parseErr = mailparse.Parse(r, opts)
		if it.sp.Truncated() {
			it.msg.Problems = append(it.msg.Problems, "the server sent more than the size limit; the rest was not read")
		}
	}
	maskPersonalData(it.msg)
	var pe *mailparse.PanicError
	if errors.As(it.parseErr, &pe) {
		s.w.recovered("parse", pe.Value)
	}
	if it.msg.MessageID == "" {
		hash := it.sp.Digest()
		if it.oversize {
			// Only the header was read: the size keeps two large messages with
			// the same header apart.
			hash = append(append([]byte(nil), hash...), []byte(fmt.Sprint(it.size))...)
		}
		it.msg.EnsureMessageID(hash)
	}
	it.msg.Size = it.size
	if it.parseErr == nil {
		// Here, in parallel with the fetch, rather than in the transaction.
		k := extractKeys(it.msg, s.w.cfg.Own)
		it.keys = &k
	}
}

// metaWindow is how many messages' sizes one FETCH asks for: a backlog's
// batches would otherwise each wait for a round trip before their bodies.
const metaWindow = 500

// metasFor returns what the first FETCH says about uids, asking for those
// of the messages ahead (uids first) too when it must ask. Sizes and
// arrival times never change; a message expunged meanwhile is simply not
// sent with the bodies (and left for the next pass).
func (s *session) metasFor(ctx context.Context, uids, ahead []uint32) (map[uint32]meta, error) {
	for _, u := range uids {
		if _, ok := s.metas[u]; !ok {
			window := ahead[:min(len(ahead), max(metaWindow, len(uids)))]
			m, err := s.fetchMeta(ctx, window)
			if err != nil {
				return nil, err
			}
			// Not found now, not found for this batch (expunged): asked once.
			for _, u := range window {
				if _, ok := m[u]; !ok {
					m[u] = meta{}
				}
			}
			s.metas = m
			break
		}
	}
	out := make(map[uint32]meta, len(uids))
	for _, u := range uids {
		if m := s.metas[u]; m.uid != 0 {
			out[u] = m
		}
	}
	return out, nil
}

func (s *session) fetchMeta(ctx context.Context, uids []uint32) (map[uint32]meta, error) {
	out := map[uint32]meta{}
	set := imap.UIDSetNum(toUIDs(uids)...)
	err := s.await(ctx, s.w.cfg.CommandTimeout, "fetch sizes", func() error {
		fc := s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true})
		defer fc.Close()
		for msg := fc.Next(); msg != nil; msg = fc.Next() {
			buf, err := msg.Collect()
			if err != nil {
				return err
			}
			if buf.UID == 0 {
				continue
			}
			out[uint32(buf.UID)] = meta{uid: uint32(buf.UID), size: buf.RFC822Size, internal: buf.InternalDate}
		}
		return fc.Close()
	})
	return out, err
}

// fetchBodies streams bodies (or, for oversize messages, headers) into
// spools and hands each to parse as soon as it has arrived.
func (s *session) fetchBodies(ctx context.Context, uids []uint32, headerOnly bool, parse func(uint32, *mailparse.Spool)) error {
	if len(uids) == 0 {
		return nil
	}
	cfg := s.w.cfg
	section := &imap.FetchItemBodySection{Peek: true}
	limit := cfg.MaxMessageSize
	if headerOnly {
		section.Specifier = imap.PartSpecifierHeader
		limit = 1 << 20
	}
	// No overall timeout: a batch of large messages takes what it takes.
	// go-imap closes the connection when a response stalls (30 s) or a
	// literal takes over 5 minutes, and ctx still ends it.
	return s.await(ctx, 0, "fetch", func() error {
		fc := s.c.Fetch(imap.UIDSetNum(toUIDs(uids)...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
		defer fc.Close()
		for msg := fc.Next(); msg != nil; msg = fc.Next() {
			var uid uint32
			var sp *mailparse.Spool
			for fi := msg.Next(); fi != nil; fi = msg.Next() {
				switch d := fi.(type) {
				case imapclient.FetchItemDataUID:
					uid = uint32(d.UID)
				case imapclient.FetchItemDataBodySection:
					if d.Literal == nil || sp != nil {
						continue
					}
					var err error
					if sp, err = mailparse.NewSpool(d.Literal, limit, cfg.SpoolDir); err != nil {
						return err
					}
				}
			}
			if sp != nil {
				parse(uid, sp)
			}
		}
		return fc.Close()
	})
}

func toUIDs(uids []uint32) []imap.UID {
	out := make([]imap.UID, len(uids))
	for i, u := range uids {
		out[i] = imap.UID(u)
	}
	return out
}

// idleLoop waits in IDLE for new mail and catches up when it comes. IDLE
// is re-issued every IdleRefresh with a NOOP in between, whose answer
// proves the connection alive: a half-open TCP connection would otherwise
// wait forever.
func (s *session) idleLoop(ctx context.Context) error {
	cfg := s.w.cfg
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
		// older Cyrus releases): after a pass that found mail, look once more
		// shortly, rather than at the next refresh.
		wait, recheck := cfg.IdleRefresh, false
		if s.foundMail && idleRecheck < wait {
			wait, recheck = idleRecheck, true
		}
		timer := time.NewTimer(wait)
		refresh := false
		select {
		case <-s.wake:
		case <-timer.C:
			refresh = !recheck // a recheck's SEARCH proves the connection
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
