package inbox

// This file is one pass over the mailbox: search, fetch in batches, commit
// each batch in the background while the next is fetched, then move.

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
)

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
		// "n:*" always matches the highest UID, even one below n (docs/library-notes.md, go-imap).
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
			// again; those recorded are recognised by Message-ID.
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
	// duplicates by Message-ID (recorded under another UID): those are
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
		if err := s.moveRecorded(ctx, moveJob{uids: uids}, sum); err != nil {
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
	out []Outcome
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
			sum.Fetched += len(b.Messages)
			ready = mergeBatches(ready, b)
			continue
		}
		res, done := wait()
		if done && res.err != nil {
			// Nothing after a batch not recorded is committed: the checkpoint
			// never passes a message not recorded.
			return handle(res)
		}
		if len(ready.Messages) > 0 {
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
// once halved a backlog's commits; since a batch is recorded with COPY its
// commit costs less, and four kept the rate while the peak RSS of a pass
// over 20,000 messages of 20 KB fell from 151 to 101 MB (a merged batch is
// held twice: fetched, and committing). Issue 14.
const (
	maxMergeBatches = 4
	maxMergeBytes   = 16 << 20
)

// moverMin is the backlog from which a pass moves on a second connection.
var moverMin = 2 * movesPerCommand

// dialMover connects the mover (tests make it fail).
var dialMover = func(ctx context.Context, w *Watcher) (*session, error) { return w.dialSession(ctx, true) }

// canMerge reports whether another fetched batch may join b.
func (s *session) canMerge(b *batch) bool {
	return len(b.Messages)+s.w.cfg.Batch <= maxMergeBatches*s.w.cfg.Batch && b.memBytes < maxMergeBytes
}

// mergeBatches appends b to a: one transaction records both, as two in a
// row would.
func mergeBatches(a, b *batch) *batch {
	if a == nil {
		return b
	}
	a.Messages = append(a.Messages, b.Messages...)
	a.LastUID = max(a.LastUID, b.LastUID)
	a.memBytes += b.memBytes
	return a
}

// commit starts recording b in the background.
func (s *session) commit(ctx context.Context, b *batch) chan commitResult {
	ch := make(chan commitResult, 1)
	go func() {
		var err error
		var out []Outcome
		defer func() {
			if r := recover(); r != nil {
				err = s.w.recovered("commit", r)
			}
			ch <- commitResult{b: b, out: out, err: err, at: time.Now()}
		}()
		// A batch fetched is committed even if shutdown begins meanwhile:
		// its transaction is short, and stopping halfway would only make
		// the next start fetch it again.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.w.cfg.CommandTimeout)
		defer cancel()
		out, err = s.w.proc.Commit(cctx, &b.Batch)
	}()
	return ch
}

func releaseBatch(b *batch) {
	if b == nil {
		return
	}
	for _, f := range b.Messages {
		if f.Spool != nil {
			f.Spool.Close()
			f.Spool = nil
		}
	}
}

// afterCommit counts a committed batch, advances the session's view and
// queues the batch to be moved.
func (s *session) afterCommit(ctx context.Context, res commitResult, sum *Summary) error {
	b := res.b
	var uids []uint32
	job := moveJob{unread: map[uint32]bool{}}
	for _, o := range res.out {
		uids = append(uids, o.UID)
		if o.Duplicate {
			sum.Duplicates++
			job.dupIDs = append(job.dupIDs, o.MessageID)
		} else {
			sum.Recorded++
			sum.ByDecision[o.Verdict.Decision]++
			if o.Unparseable {
				sum.Unparseable++
			}
		}
		if o.ForStaff {
			job.unread[o.UID] = true
		}
		s.w.log.InfoContext(ctx, "inbox: message recorded", "uid", o.UID,
			"classification", o.Verdict.Class, "decision", o.Verdict.Decision, "linked_by", o.Verdict.Link.Rule,
			"filing", filingRef(o.Verdict), "needs_reply", o.Verdict.NeedsReply, "duplicate", o.Duplicate)
	}
	if b.LastUID > s.lastUID {
		s.lastUID = b.LastUID
	}
	s.w.counted(b, res.out, res.at)
	if s.w.afterCommit != nil {
		if err := s.w.afterCommit(uids); err != nil {
			return err
		}
	}
	job.uids = uids
	s.toMove.add(job)
	if len(s.toMove.uids) >= movesPerCommand {
		return s.flushMoves(ctx, sum)
	}
	return nil
}

// batch is a fetched Batch on its way to its commit, with the memory its
// messages hold (merged batches stop growing past maxMergeBytes).
type batch struct {
	Batch
	memBytes int64
}
