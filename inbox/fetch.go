package inbox

import (
	"context"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"example.com/icpdesk/mailparse"
)

// meta is what a first, cheap FETCH says about a message.
type meta struct {
	uid      uint32
	size     int64
	internal time.Time
}

// fetchBatch fetches and prepares one batch: sizes first, then the bodies
// of messages within the size limit and the headers of the others.
// Messages are parsed and prepared in parallel while the rest of the batch
// is still arriving.
func (s *session) fetchBatch(ctx context.Context, uids, ahead []uint32) (*batch, error) {
	cfg := s.w.cfg
	b := &batch{Batch: Batch{Mailbox: cfg.Mailbox, UIDValidity: s.uidValidity}}
	metas, err := s.metasFor(ctx, uids, ahead)
	if err != nil {
		return nil, err
	}
	var small, large []uint32
	byUID := map[uint32]*Fetched{}
	var listed []*Fetched
	for _, u := range uids {
		m, ok := metas[u]
		if !ok {
			continue // expunged meanwhile
		}
		f := &Fetched{UID: u, Size: m.size, Internal: m.internal}
		if m.size > cfg.MaxMessageSize {
			f.Oversize = true
			large = append(large, u)
		} else {
			small = append(small, u)
		}
		byUID[u] = f
		listed = append(listed, f)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.Parsers)
	dispatched := map[uint32]bool{} // touched by the fetching goroutine only
	prepare := func(uid uint32, sp *mailparse.Spool) {
		f := byUID[uid]
		if f == nil || dispatched[uid] {
			// Not asked for, or sent twice: keep the first.
			sp.Close()
			return
		}
		dispatched[uid] = true
		f.Spool = sp
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					f.Prepared = &Prepared{Msg: &mailparse.Message{}, ParseErr: s.w.recovered("parse", r)}
				}
			}()
			f.Prepared = s.w.proc.prepareFetched(ctx, f, cfg.Parse)
		}()
	}
	fetchErr := s.fetchBodies(ctx, small, false, prepare)
	if fetchErr == nil {
		fetchErr = s.fetchBodies(ctx, large, true, prepare)
	}
	wg.Wait()
	if fetchErr != nil {
		for _, f := range listed {
			if f.Spool != nil {
				f.Spool.Close()
			}
		}
		return nil, fetchErr
	}
	// Messages the server listed but did not send are left for the next pass.
	for _, f := range listed {
		if f.Prepared == nil {
			continue
		}
		b.Messages = append(b.Messages, f)
		b.LastUID = max(b.LastUID, f.UID)
		if f.Spool != nil {
			b.memBytes += f.Spool.MemBytes()
		}
	}
	if len(b.Messages) < len(listed) {
		// A gap: do not move the checkpoint past a message not recorded.
		b.LastUID = 0
		for _, u := range uids {
			if f := byUID[u]; f == nil || f.Prepared == nil {
				break
			}
			b.LastUID = u
		}
	}
	return b, nil
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
