package inbox

import (
	"context"
	"errors"

	"github.com/emersion/go-imap/v2"
)

// movesPerCommand is how many committed messages are moved together. A
// backlog's moves are gathered over several batches: each MOVE costs the
// server a sync to disk, and a larger one costs about the same.
const movesPerCommand = 500

// flushMoves moves the committed messages not moved yet (hands them to the
// mover if there is one).
func (s *session) flushMoves(ctx context.Context, sum *Summary) error {
	if len(s.toMove.uids) == 0 {
		return nil
	}
	j := s.toMove
	s.toMove = moveJob{}
	if s.mover != nil {
		select {
		case s.mover.jobs <- j:
			return nil
		default: // the mover is behind (or still connecting): move here
		}
	}
	return s.moveRecorded(ctx, j, sum)
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

// moveJob is committed messages to move: their UIDs, the Message-IDs of
// the duplicates among them (noted as moved by Message-ID), and those that
// opened work for staff, which stay unread so they stand out in the
// processed mailbox too.
type moveJob struct {
	uids   []uint32
	dupIDs []string
	unread map[uint32]bool
}

func (j *moveJob) add(o moveJob) {
	j.uids = append(j.uids, o.uids...)
	j.dupIDs = append(j.dupIDs, o.dupIDs...)
	for u := range o.unread {
		if j.unread == nil {
			j.unread = map[uint32]bool{}
		}
		j.unread[u] = true
	}
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
			if err := ms.moveRecorded(ctx, j, &sum); err != nil {
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
		if err := s.moveRecorded(ctx, j, sum); err != nil {
			return err
		}
	}
	return nil
}

// moveRecorded flags and moves recorded messages to the processed mailbox.
// A failed move is logged and retried on the next pass; the messages are
// recorded, so retrying never repeats their effects.
func (s *session) moveRecorded(ctx context.Context, j moveJob, sum *Summary) error {
	uids, dupIDs := j.uids, j.dupIDs
	if len(uids) == 0 {
		return nil
	}
	err := s.move(ctx, uids, j.unread)
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
// stops if the copy failed. go-imap's own fallback does neither (docs/library-notes.md, go-imap).
func (s *session) move(ctx context.Context, uids []uint32, unread map[uint32]bool) error {
	cfg := s.w.cfg
	set := make(imap.UIDSet, 0, len(uids))
	var seen, unseen imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
		if unread[u] {
			unseen.AddNum(imap.UID(u))
		} else {
			seen.AddNum(imap.UID(u))
		}
	}
	storeFlags := func(set imap.UIDSet, f []imap.Flag) error {
		if len(set) == 0 || len(f) == 0 {
			return nil
		}
		return s.await(ctx, cfg.CommandTimeout, "store flags", func() error {
			return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: f}, nil).Close()
		})
	}
	// One STORE for the messages read and tagged (most of a backlog), one
	// for those left unread: each STORE costs the server an index update.
	readFlags := []imap.Flag{imap.FlagSeen}
	if s.keywords {
		readFlags = append(readFlags, processedKeyword)
		if err := storeFlags(unseen, []imap.Flag{processedKeyword}); err != nil {
			return err
		}
	}
	if err := storeFlags(seen, readFlags); err != nil {
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
	if err := storeFlags(set, []imap.Flag{imap.FlagDeleted}); err != nil {
		return err
	}
	if !caps.Has(imap.CapUIDPlus) {
		// The originals stay flagged \Deleted (searches skip them) until the
		// mailbox's owner expunges.
		return nil
	}
	return s.await(ctx, cfg.CommandTimeout, "expunge", func() error { return s.c.UIDExpunge(set).Close() })
}
