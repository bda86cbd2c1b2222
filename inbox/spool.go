package inbox

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"example.com/icpdesk/filing"
)

// spool holds one fetched message: small ones in memory, larger ones in an
// unlinked temporary file, so memory stays flat in message size. The IMAP
// literal is read at network speed into the spool and parsed from it, which
// keeps go-imap's 5-minute literal deadline away from a slow parse.
type spool struct {
	mem       []byte
	file      *os.File
	size      int64  // bytes kept
	truncated bool   // the source had more than the limit; the rest was discarded
	sum       []byte // SHA-256 of the bytes kept; of one in memory, made when asked (digest)
}

// memSpoolMax is the size up to which a message stays in memory.
const memSpoolMax = 256 << 10

// spoolFrom reads r to its end, keeping at most limit bytes; bytes beyond
// the limit are read and discarded so the stream stays usable.
func spoolFrom(r io.Reader, limit int64, dir string) (*spool, error) {
	s := &spool{}
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

func (s *spool) discardRest(r io.Reader, _ hash.Hash) error {
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	if extra > 0 {
		s.truncated = true
	}
	return nil
}

// digest returns the SHA-256 of the bytes kept.
func (s *spool) digest() []byte {
	if s.sum == nil {
		sum := sha256.Sum256(s.mem)
		s.sum = sum[:]
	}
	return s.sum
}

// reader reads the kept bytes from the start.
func (s *spool) reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.mem), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind spool: %w", err)
	}
	return io.LimitReader(s.file, s.size), nil
}

// compressed returns the first max kept bytes, gzipped: what is stored of a
// message that could not be parsed, so it can be reprocessed after a fix.
func (s *spool) compressed(max int64) ([]byte, error) {
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, max))
	if err != nil {
		return nil, fmt.Errorf("compress raw message: %w", err)
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	// ID numbers written plainly are masked even here (encoded ones cannot
	// be found without the parsing that failed).
	if _, err := io.WriteString(zw, filing.MaskIDNumbersInText(string(raw))); err != nil {
		return nil, fmt.Errorf("compress raw message: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress raw message: %w", err)
	}
	return out.Bytes(), nil
}

// Close releases the spool.
func (s *spool) Close() error {
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

// DecompressRaw returns the raw bytes stored with an unparseable message.
func DecompressRaw(stored []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(stored))
	if err != nil {
		return nil, fmt.Errorf("stored raw message: %w", err)
	}
	defer zr.Close()
	b, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("stored raw message: %w", err)
	}
	return b, nil
}
