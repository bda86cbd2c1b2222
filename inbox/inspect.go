package inbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"example.com/icpdesk/mailparse"
)

// Inspection is what `inbox inspect` says of one message: how it was read,
// linked and decided, and why. The JSON keys are a contract.
type Inspection struct {
	File           string   `json:"file,omitempty"`
	MessageID      string   `json:"message_id"`
	From           string   `json:"from"`
	Subject        string   `json:"subject"`
	Text           string   `json:"text"`
	Classification string   `json:"classification"`
	Filing         string   `json:"filing"`
	LinkedBy       string   `json:"linked_by"`
	SenderVerified bool     `json:"sender_verified"`
	Authenticated  string   `json:"authenticated"`
	AuthWhy        string   `json:"auth_why,omitempty"`
	OwnText        string   `json:"own_text"`
	Acts           []string `json:"acts"`
	Statements     string   `json:"statements,omitempty"`
	NeedsReply     bool     `json:"needs_reply"`
	Decision       string   `json:"decision"`
	Why            string   `json:"why"`
	// Received is the arrival time the decision assumed.
	Received    time.Time              `json:"received"`
	ParseError  string                 `json:"parse_error,omitempty"`
	Problems    []string               `json:"problems,omitempty"`
	Attachments []mailparse.Attachment `json:"attachments,omitempty"`
	// Verdict is the whole decision, for the command line's text output.
	Verdict Verdict            `json:"-"`
	Message *mailparse.Message `json:"-"`
}

// InspectOptions say how to read message files as the watcher would.
type InspectOptions struct {
	// MaxSize is the watcher's max_message_size: larger messages are read
	// from their header only, as the watcher reads them.
	MaxSize int64
	// Now is when a message without a usable Date counts as received.
	Now time.Time
	// Dir answers the lookups; nil reads the database (read-only).
	Dir Directory
}

// ErrNotMail is returned for a file that is empty or holds no message header.
var ErrNotMail = errors.New("not an email")

// ReadMessageFile reads one message file as the watcher would read the
// message from IMAP: within the size limit, or its header only beyond it.
// An empty file, or one with no header fields, is refused.
func ReadMessageFile(path string, maxSize int64) (m *mailparse.Message, parseErr, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return readMessage(f, maxSize)
}

// readMessage returns the message, its parse error, and a refusal error.
func readMessage(r io.Reader, maxSize int64) (msg *mailparse.Message, parseErr, err error) {
	if maxSize <= 0 {
		maxSize = mailparse.DefaultMaxSize
	}
	sp, err := mailparse.NewSpool(r, maxSize, "")
	if err != nil {
		return nil, nil, err
	}
	defer sp.Close()
	if sp.Size() == 0 {
		return nil, nil, fmt.Errorf("the file is empty: %w", ErrNotMail)
	}
	head, err := sp.Head(64 << 10)
	if err != nil {
		return nil, nil, err
	}
	if !looksLikeMail(head) {
		return nil, nil, fmt.Errorf("no email header (From:, Subject:, Message-ID:…) at its start: %w", ErrNotMail)
	}
	src, err := sp.Reader()
	if err != nil {
		return nil, nil, err
	}
	var m *mailparse.Message
	var perr error
	if sp.Truncated() {
		// As the watcher: over the limit, only the header is read.
		m, perr = mailparse.ParseHeader(src, mailparse.ParseOptions{})
		m.Oversize = true
		m.Problems = append(m.Problems, fmt.Sprintf("larger than max_message_size (%d bytes): only its header was read, as the watcher does", maxSize))
	} else {
		m, perr = mailparse.Parse(src, mailparse.ParseOptions{})
	}
	if m.MessageID == "" {
		m.EnsureMessageID(sp.Digest())
	}
	m.Size = sp.Size()
	return m, perr, nil
}

// looksLikeMail reports whether data starts with RFC 5322 header fields,
// one of them a field every message has.
func looksLikeMail(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	known := false
	for n := 0; sc.Scan() && n < 200; n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // a folded line
		}
		name, _, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return false
		}
		switch strings.ToLower(name) {
		case "from", "subject", "message-id", "date", "to", "received", "return-path":
			known = true
		}
	}
	return known
}

// Inspect reads and decides one message file, changing nothing.
func (p *Processor) InspectFile(ctx context.Context, path string, o InspectOptions) (Inspection, error) {
	m, perr, err := ReadMessageFile(path, o.MaxSize)
	if err != nil {
		return Inspection{File: path}, fmt.Errorf("%s: %w", path, err)
	}
	var pe *mailparse.PanicError
	if errors.As(perr, &pe) {
		return Inspection{File: path}, fmt.Errorf("%s: %w", path, perr)
	}
	var raw io.Reader
	if p.cfg.Auth.VerifyDKIM && !m.Oversize {
		f, err := os.Open(path)
		if err != nil {
			return Inspection{File: path}, err
		}
		defer f.Close()
		raw = f
	}
	pr := p.Prepare(ctx, m, perr, raw)
	at := o.Now
	if at.IsZero() {
		at = time.Now()
		if p.store != nil {
			at = p.store.Now()
		}
	}
	// A file has no arrival time: its Date stands in, unless it is in the future.
	if !m.Date.IsZero() && !m.Date.After(at) {
		at = m.Date
	}
	v, err := p.Inspect(ctx, pr, at, o.Dir)
	if err != nil {
		return Inspection{File: path}, fmt.Errorf("%s: %w", path, err)
	}
	return inspection(path, pr, v), nil
}

func inspection(path string, pr *Prepared, v Verdict) Inspection {
	m := pr.Msg
	in := Inspection{File: path, MessageID: m.MessageID, From: strings.ToLower(m.From.Addr), Subject: m.Subject, Text: m.Text,
		Classification: string(v.Class), LinkedBy: string(v.Link.Rule), SenderVerified: v.SenderVerified,
		Authenticated: string(pr.Auth.Result), AuthWhy: pr.Auth.Why, OwnText: pr.OwnText, Acts: actNames(v.Acts),
		Statements: pr.Reading.Explain(), NeedsReply: v.NeedsReply, Decision: string(v.Decision), Why: v.Why(),
		Received: v.At, Problems: m.Problems, Attachments: m.Attachments, Verdict: v, Message: m}
	if in.Acts == nil {
		in.Acts = []string{}
	}
	if in.Authenticated == "" {
		in.Authenticated = string(senderauthNone)
	}
	if v.Link.Filing != nil {
		in.Filing = v.Link.Filing.Reference
	}
	if pr.ParseErr != nil {
		in.ParseError = pr.ParseErr.Error()
	}
	return in
}

// MessageFiles expands paths (files and directories, recursively) into the
// message files to inspect, in name order: *.eml files in directories,
// any file named directly.
func MessageFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".eml") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Expectation is what one message must be decided as; empty fields are not
// checked.
type Expectation struct {
	File           string
	Classification string
	Decision       string
	NeedsReply     string // yes, no or empty
	Authenticated  string // pass, fail, none or empty
	Line           int
}

// Expectations is an expectations file: one line per message, `file TAB
// classification TAB decision [TAB needs_reply [TAB authenticated]]`, `-`
// for a column not checked, `#` comments. A `# world: FILE` line names the
// world the messages are judged against, relative to the file.
type Expectations struct {
	Path  string
	World string // absolute, or empty: the database
	Lines []Expectation
}

// ReadExpectations reads an expectations file.
func ReadExpectations(path string) (*Expectations, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	e := &Expectations{Path: path}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimRight(line, "\r")
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") {
			if w, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(t, "#")), "world:"); ok {
				e.World = filepath.Join(filepath.Dir(path), strings.TrimSpace(w))
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 3 || len(cols) > 5 {
			return nil, fmt.Errorf("%s:%d: want file, classification, decision [, needs_reply [, authenticated]] separated by tabs", path, n)
		}
		for len(cols) < 5 {
			cols = append(cols, "-")
		}
		get := func(i int) string {
			v := strings.TrimSpace(cols[i])
			if v == "-" {
				return ""
			}
			return v
		}
		x := Expectation{File: strings.TrimSpace(cols[0]), Classification: get(1), Decision: get(2), NeedsReply: get(3),
			Authenticated: get(4), Line: n}
		if err := x.check(); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		e.Lines = append(e.Lines, x)
	}
	return e, nil
}

func (x Expectation) check() error {
	if x.File == "" {
		return errors.New("no file")
	}
	if c := x.Classification; c != "" && !oneOf(c, string(ClassHuman), string(ClassAutoReply), string(ClassBounce), string(ClassOwn)) {
		return fmt.Errorf("unknown classification %q", c)
	}
	if d := x.Decision; d != "" {
		known := false
		for _, k := range Decisions {
			known = known || d == string(k)
		}
		if !known {
			return fmt.Errorf("unknown decision %q", d)
		}
	}
	if r := x.NeedsReply; r != "" && r != "yes" && r != "no" {
		return fmt.Errorf("needs_reply %q: want yes, no or -", r)
	}
	if a := x.Authenticated; a != "" && !oneOf(a, "pass", "fail", "none") {
		return fmt.Errorf("authenticated %q: want pass, fail, none or -", a)
	}
	return nil
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// Difference is one message decided otherwise than expected.
type Difference struct {
	File     string
	Field    string
	Expected string
	Got      string
	Why      string
}

// CorpusReport compares inspections with their expectations.
type CorpusReport struct {
	Total, Matched int
	Differences    []Difference
	// Missing are expected files not inspected; Unexpected, inspected files
	// without an expectation.
	Missing, Unexpected []string
}

// Compare checks every inspection against its expectation, by file name
// relative to the expectations file (or base name).
func (e *Expectations) Compare(ins []Inspection) CorpusReport {
	var r CorpusReport
	byFile := map[string]Inspection{}
	for _, in := range ins {
		byFile[filepath.Base(in.File)] = in
		if rel, err := filepath.Rel(filepath.Dir(e.Path), in.File); err == nil {
			byFile[filepath.ToSlash(rel)] = in
		}
	}
	seen := map[string]bool{}
	for _, x := range e.Lines {
		in, ok := byFile[x.File]
		if !ok {
			in, ok = byFile[filepath.Base(x.File)]
		}
		if !ok {
			r.Missing = append(r.Missing, x.File)
			continue
		}
		seen[in.File] = true
		r.Total++
		before := len(r.Differences)
		diff := func(field, want, got string) {
			if want != "" && want != got {
				r.Differences = append(r.Differences, Difference{File: x.File, Field: field, Expected: want, Got: got, Why: in.Why})
			}
		}
		diff("classification", x.Classification, in.Classification)
		diff("decision", x.Decision, in.Decision)
		diff("needs_reply", x.NeedsReply, yesNo(in.NeedsReply))
		diff("authenticated", x.Authenticated, in.Authenticated)
		if len(r.Differences) == before {
			r.Matched++
		}
	}
	for _, in := range ins {
		if !seen[in.File] {
			r.Unexpected = append(r.Unexpected, in.File)
		}
	}
	return r
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// OK reports whether every message was decided as expected and every
// expected message was there.
func (r CorpusReport) OK() bool { return len(r.Differences) == 0 && len(r.Missing) == 0 }

// senderauthNone is what inspect reports for a message never authenticated
// (not a person's, or unreadable).
const senderauthNone = "none"

// InspectAll inspects message files in order. A file that is not an email
// is reported through skip and left out; any other error stops.
func (p *Processor) InspectAll(ctx context.Context, files []string, o InspectOptions, skip func(error)) ([]Inspection, error) {
	var out []Inspection
	for _, file := range files {
		in, err := p.InspectFile(ctx, file, o)
		if errors.Is(err, ErrNotMail) && skip != nil {
			skip(err)
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, in)
	}
	return out, nil
}
