package mailparse

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// Spool holds one message: small ones in memory, larger ones in an
// unlinked temporary file, so memory stays flat in message size. The IMAP
// literal is read at network speed into the spool and parsed from it, which
// keeps go-imap's 5-minute literal deadline away from a slow parse.
type Spool struct {
	mem       []byte
	file      *os.File
	size      int64  // bytes kept
	truncated bool   // the source had more than the limit; the rest was discarded
	sum       []byte // SHA-256 of the bytes kept; of one in memory, made when asked (digest)
}

// memSpoolMax is the size up to which a message stays in memory.
const memSpoolMax = 256 << 10

// NewSpool reads r to its end, keeping at most limit bytes; bytes beyond
// the limit are read and discarded so the stream stays usable.
func NewSpool(r io.Reader, limit int64, dir string) (*Spool, error) {
	s := &Spool{}
	var buf bytes.Buffer
	if l, ok := r.(interface{ Size() int64 }); ok && l.Size() > 0 {
		// An IMAP literal says its size: one allocation, not a dozen
		// (ReadFrom wants MinRead bytes free before each read, EOF included).
		buf.Grow(int(min(l.Size(), limit, memSpoolMax+1)) + bytes.MinRead)
	}
	n, err := io.Copy(&buf, io.LimitReader(r, min(limit, memSpoolMax+1)))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	if n <= memSpoolMax || limit <= memSpoolMax {
		s.mem, s.size = buf.Bytes(), n
		if err := s.discardRest(r, nil); err != nil {
			return nil, err
		}
		// The digest is needed only for a message without a Message-ID.
		return s, nil
	}
	h := sha256.New()
	f, err := os.CreateTemp(dir, "icpdesk-inbox-*.eml")
	if err != nil {
		return nil, fmt.Errorf("spool message: %w", err)
	}
	// Unlinked at once: nothing is left behind by a crash.
	_ = os.Remove(f.Name())
	s.file = f
	w := io.MultiWriter(f, h)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.Close()
		return nil, fmt.Errorf("spool message: %w", err)
	}
	m, err := io.Copy(w, io.LimitReader(r, limit-n))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("spool message: %w", err)
	}
	s.size = n + m
	if err := s.discardRest(r, nil); err != nil {
		s.Close()
		return nil, err
	}
	s.sum = h.Sum(nil)
	return s, nil
}

func (s *Spool) discardRest(r io.Reader, _ hash.Hash) error {
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	if extra > 0 {
		s.truncated = true
	}
	return nil
}

// Digest returns the SHA-256 of the bytes kept.
func (s *Spool) Digest() []byte {
	if s.sum == nil {
		sum := sha256.Sum256(s.mem)
		s.sum = sum[:]
	}
	return s.sum
}

// Reader reads the kept bytes from the start.
func (s *Spool) Reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.mem), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind spool: %w", err)
	}
	return io.LimitReader(s.file, s.size), nil
}

// Head returns the first max bytes kept: what is stored of a message that
// could not be parsed, so it can be reprocessed after a fix.
func (s *Spool) Head(max int64) ([]byte, error) {
	r, err := s.Reader()
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, max))
	if err != nil {
		return nil, fmt.Errorf("read spooled message: %w", err)
	}
	return raw, nil
}

// Size is the number of bytes kept.
func (s *Spool) Size() int64 { return s.size }

// Truncated reports whether the source had more than the limit; the rest
// was read and discarded.
func (s *Spool) Truncated() bool { return s.truncated }

// MemBytes is how much of the message is held in memory.
func (s *Spool) MemBytes() int64 { return int64(len(s.mem)) }

// Close releases the spool.
func (s *Spool) Close() error {
	s.mem = nil
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
