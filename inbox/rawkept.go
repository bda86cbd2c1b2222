package inbox

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/mailparse"
)

// maxRawKept caps the raw bytes kept (compressed) of a message that could
// not be parsed or applied.
const maxRawKept = 2 << 20

// keptRaw is what is stored of a message that could not be parsed or
// applied: its first maxRawKept bytes, gzipped, so staff can reprocess it
// after a fix. ID numbers written plainly are masked even here (encoded
// ones cannot be found without the parsing that failed).
func keptRaw(sp *mailparse.Spool) ([]byte, error) {
	raw, err := sp.Head(maxRawKept)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := io.WriteString(zw, filing.MaskIDNumbersInText(string(raw))); err != nil {
		return nil, fmt.Errorf("compress raw message: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress raw message: %w", err)
	}
	return out.Bytes(), nil
}

// DecompressRaw returns the raw bytes stored with a message that could not
// be parsed or applied.
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

// maskPersonalData masks ID numbers in what is kept and shown of a message:
// applicants paste them into mail, and icpdesk never stores one raw.
func maskPersonalData(m *mailparse.Message) {
	m.Subject = filing.MaskIDNumbersInText(m.Subject)
	m.Text = filing.MaskIDNumbersInText(m.Text)
	for i := range m.Attachments {
		// Applicants name scans after the person: 身份证_110101199003077777.jpg.
		m.Attachments[i].Filename = filing.MaskIDNumbersInText(m.Attachments[i].Filename)
	}
}

// ReadMessage reads and parses a message as the watcher does (see
// mailparse.ReadMessage), with ID numbers masked.
func ReadMessage(r io.Reader, maxSize int64, opts mailparse.ParseOptions) (*mailparse.Message, error) {
	m, err := mailparse.ReadMessage(r, maxSize, opts)
	maskPersonalData(m)
	return m, err
}
