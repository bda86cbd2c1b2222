package mailparse

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	netmail "net/mail"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // sets message.CharsetReader
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding"
)

// ParseOptions bound what parsing one message may cost. Zero fields take the
// defaults; the input itself must already be capped by the caller.
type ParseOptions struct {
	MaxHeaderBytes int64 // the top-level header (default 1 MiB)
	MaxParts       int   // MIME parts looked at (default 500)
	MaxDepth       int   // multipart nesting (default 12)
	MaxText        int   // decoded text kept, in bytes (default 128 KiB)
	MaxHTML        int   // HTML read when reducing it to text (default 1 MiB)
	MaxAttachments int   // attachment names kept (default 50)
}

func (o ParseOptions) withDefaults() ParseOptions {
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 1 << 20
	}
	if o.MaxParts <= 0 {
		o.MaxParts = 500
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 12
	}
	if o.MaxText <= 0 {
		o.MaxText = 128 << 10
	}
	if o.MaxHTML <= 0 {
		o.MaxHTML = 1 << 20
	}
	if o.MaxAttachments <= 0 {
		o.MaxAttachments = 50
	}
	return o
}

// Address is a mailbox from a header: the display name and the address.
type Address struct {
	Name string `json:"name,omitempty"`
	Addr string `json:"addr"`
}

// Attachment is a non-text part, by name.
type Attachment struct {
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"` // decoded bytes
}

// DeliveryStatus is what a bounce (RFC 3464 delivery status notification,
// or a non-standard one) says about the message that failed.
type DeliveryStatus struct {
	// OriginalMessageIDs are the Message-IDs of the message that bounced,
	// from the returned message or headers, then any found in the text.
	OriginalMessageIDs []string
	Recipients         []DSNRecipient
}

// DSNRecipient is one recipient block of a delivery status notification.
type DSNRecipient struct {
	Recipient  string
	Action     string // failed, delayed, delivered, relayed, expanded
	Status     string // 5.1.1
	Diagnostic string
}

// Failed reports whether the notification reports a failure. A bounce with
// no machine-readable recipient block (old MTAs' plain text) counts as one.
func (d *DeliveryStatus) Failed() bool {
	if d == nil {
		return false
	}
	if len(d.Recipients) == 0 {
		return true
	}
	for _, r := range d.Recipients {
		if strings.EqualFold(r.Action, "failed") || strings.HasPrefix(r.Status, "5") {
			return true
		}
	}
	return false
}

// Reason summarises the failure for staff.
func (d *DeliveryStatus) Reason() string {
	if d == nil {
		return ""
	}
	var parts []string
	for _, r := range d.Recipients {
		s := strings.TrimSpace(r.Action + " " + r.Status + " " + r.Diagnostic)
		if s != "" {
			parts = append(parts, s)
		}
	}
	return oneLine(strings.Join(parts, "; "))
}

// Message is a parsed message: the decoded headers and text the inbox
// classifies and links. It never holds the message itself.
type Message struct {
	MessageID   string // without angle brackets; synthesised when missing
	SyntheticID bool
	InReplyTo   []string
	References  []string
	From        Address
	To, Cc      []string // addresses only, lower case, at most 20 each
	// DeliveredTo are the envelope recipients the delivering MTA recorded
	// (Delivered-To, X-Original-To), top first: where a bounce was sent.
	DeliveredTo []string
	ReplyTo     string
	Mailer      string // X-Mailer or User-Agent
	Subject     string
	Date        time.Time
	Text        string // from text/plain, else from HTML reduced to text
	TextIsHTML  bool

	ContentType string // top-level media type, lower case
	ReportType  string // report-type of a multipart/report

	ReturnPath    string
	HasReturnPath bool
	AutoSubmitted string
	Precedence    string
	XAutoreply    bool
	XAutorespond  bool
	ListID        string
	ListHeaders   bool // List-Id, List-Unsubscribe or List-Post present

	// AuthenticationResults are the Authentication-Results field values, top
	// (most recently added) first, unfolded.
	AuthenticationResults []string
	// DKIMSigned reports a DKIM-Signature field.
	DKIMSigned bool

	DSN         *DeliveryStatus
	Attachments []Attachment
	Parts       int
	// Problems are what could not be read; the rest of the message still was.
	Problems []string
	// Size is the message's size in bytes; Oversize when only its header was read.
	Size     int64
	Oversize bool
}

// PanicError reports a panic inside the MIME parser, recovered. It is a bug
// (here or in go-message); the message is recorded as unparseable.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("internal error while parsing: %v", e.Value) }

// Parse reads a message from r (already capped by the caller) and decodes
// what the inbox needs. Only an unreadable top-level header is fatal: the
// error is returned with whatever was decoded. Everything else (bad base64,
// unknown charsets, truncated multiparts, too many parts) is noted in
// Problems, and the text read so far is kept.
func Parse(r io.Reader, opts ParseOptions) (m *Message, err error) {
	m = &Message{}
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	p := &parser{opts: opts.withDefaults(), m: m}
	e, err := message.ReadWithOptions(r, &message.ReadOptions{MaxHeaderBytes: p.opts.MaxHeaderBytes})
	if err != nil && e == nil {
		return m, fmt.Errorf("read message header: %w", err)
	}
	if err != nil {
		p.problem("top level: %v", err)
	}
	mt, params, _ := e.Header.ContentType()
	m.ContentType = strings.ToLower(mt)
	m.ReportType = strings.ToLower(params["report-type"])
	p.declared = params["charset"]
	p.walk(e, 0)
	p.decodeHeader(mail.Header{Header: e.Header})
	p.finish()
	return m, nil
}

// ParseHeader decodes only a message's header: for messages over the size
// limit, of which only the header was fetched.
func ParseHeader(r io.Reader, opts ParseOptions) (*Message, error) {
	opts = opts.withDefaults()
	br := bufio.NewReader(io.LimitReader(r, opts.MaxHeaderBytes))
	h, err := textproto.ReadHeader(br)
	if err != nil && h.Len() == 0 {
		return &Message{}, fmt.Errorf("read message header: %w", err)
	}
	m := &Message{}
	p := &parser{opts: opts, m: m}
	if err != nil {
		p.problem("header: %v", err)
	}
	mh := mail.Header{Header: message.Header{Header: h}}
	mt, params, _ := mh.ContentType()
	m.ContentType, m.ReportType, p.declared = strings.ToLower(mt), strings.ToLower(params["report-type"]), params["charset"]
	p.decodeHeader(mh)
	return m, nil
}

type parser struct {
	opts     ParseOptions
	m        *Message
	declared string // a charset declared by the message, for 8-bit headers
	text     textParts
	html     textParts
	htmlRead int
	partsCut bool
}

func (p *parser) problem(format string, args ...any) {
	if len(p.m.Problems) < 20 {
		p.m.Problems = append(p.m.Problems, oneLine(fmt.Sprintf(format, args...)))
	}
}

// walk visits e and its parts depth first, within the part and depth caps.
// go-message's mail.Reader caps neither (docs/library-notes.md, go-message), so the walk
// is done here on message.Entity.
func (p *parser) walk(e *message.Entity, depth int) {
	if p.m.Parts >= p.opts.MaxParts {
		if !p.partsCut {
			p.partsCut = true
			p.problem("more than %d MIME parts: the rest were not read", p.opts.MaxParts)
		}
		return
	}
	p.m.Parts++
	if mr := e.MultipartReader(); mr != nil {
		if depth >= p.opts.MaxDepth {
			p.problem("multipart nested deeper than %d: not read", p.opts.MaxDepth)
			return
		}
		for p.m.Parts < p.opts.MaxParts {
			part, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if part == nil {
				if err != nil {
					p.problem("multipart: %v", err)
				}
				return
			}
			if err != nil {
				p.problem("part %d: %v", p.m.Parts+1, err)
			}
			p.walk(part, depth+1)
		}
		if p.m.Parts >= p.opts.MaxParts && !p.partsCut {
			// Is there another part? Peek without reading its body.
			if next, err := mr.NextPart(); next != nil || (err != nil && err != io.EOF) {
				p.partsCut = true
				p.problem("more than %d MIME parts: the rest were not read", p.opts.MaxParts)
			}
		}
		return
	}
	p.leaf(e)
}

func (p *parser) leaf(e *message.Entity) {
	mt, params, _ := e.Header.ContentType()
	mt = strings.ToLower(mt)
	if mt == "" {
		mt = "text/plain"
	}
	disp, _, _ := e.Header.ContentDisposition()
	attachment := strings.EqualFold(disp, "attachment")
	if p.declared == "" && params["charset"] != "" {
		p.declared = params["charset"]
	}
	switch {
	case mt == "text/plain" && !attachment:
		p.readText(e, params["charset"])
	case mt == "text/html" && !attachment:
		p.readHTML(e, params["charset"])
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		p.readDeliveryStatus(e)
	case mt == "message/rfc822" || mt == "message/global" || mt == "text/rfc822-headers" || mt == "message/global-headers":
		p.readReturnedHeader(e)
	default:
		if len(p.m.Attachments) < p.opts.MaxAttachments {
			// Decoded and counted, not kept: staff see how large it is.
			n, err := io.Copy(io.Discard, e.Body)
			if err != nil {
				p.problem("attachment: %v", err)
			}
			p.m.Attachments = append(p.m.Attachments, Attachment{
				Filename: partFilename(e.Header, fallbackFor(p.declared)), ContentType: mt, Size: n})
		}
	}
}

func (p *parser) readText(e *message.Entity, cs string) {
	room := p.opts.MaxText - p.text.Len()
	if room <= 0 {
		return
	}
	buf, err := readPart(e.Body, int64(room)+4)
	defer releasePart(buf)
	if err != nil {
		p.problem("text part: %v", err)
	}
	b := buf.Bytes()
	var s string
	if utf8.Valid(b) {
		s = cleanValidBody(string(b), room) // what toUTF8 would return, not validated twice
	} else {
		s = cleanBody(toUTF8(b, fallbackFor(firstNonEmpty(cs, p.declared))), room)
	}
	if strings.TrimSpace(s) == "" {
		return
	}
	p.text.add(s)
}

func (p *parser) readHTML(e *message.Entity, cs string) {
	room := p.opts.MaxHTML - p.htmlRead
	if room <= 0 || p.html.Len() >= p.opts.MaxText {
		return
	}
	buf, err := readPart(e.Body, int64(room))
	defer releasePart(buf)
	b := buf.Bytes()
	p.htmlRead += len(b)
	if err != nil {
		p.problem("html part: %v", err)
	}
	s := htmlToText(toUTF8(b, fallbackFor(firstNonEmpty(cs, p.declared))), p.opts.MaxText-p.html.Len())
	if s == "" {
		return
	}
	p.html.add(s)
}

// textParts is the text read so far: parts joined by newlines when done,
// so the usual single part is never copied.
type textParts struct {
	parts []string
	n     int
}

func (t *textParts) Len() int { return t.n }

func (t *textParts) add(s string) {
	if t.n > 0 {
		t.n++ // the newline before it
	}
	t.parts = append(t.parts, s)
	t.n += len(s)
}

func (t *textParts) String() string { return strings.Join(t.parts, "\n") }

// partBufs are read buffers for text parts: read whole and copied out at
// once, they are garbage at once too.
var partBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readPart reads at most limit bytes of r into a buffer from partBufs:
// what io.ReadAll returns, without growing a new slice a dozen times.
func readPart(r io.Reader, limit int64) (*bytes.Buffer, error) {
	buf := partBufs.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(io.LimitReader(r, limit))
	return buf, err
}

func releasePart(buf *bytes.Buffer) {
	if buf.Cap() <= 256<<10 { // a rare huge part is not kept
		partBufs.Put(buf)
	}
}

func (p *parser) dsn() *DeliveryStatus {
	if p.m.DSN == nil {
		p.m.DSN = &DeliveryStatus{}
	}
	return p.m.DSN
}

// readDeliveryStatus reads the RFC 3464 fields: a per-message block, then
// one block per recipient, separated by blank lines.
func (p *parser) readDeliveryStatus(e *message.Entity) {
	b, err := io.ReadAll(io.LimitReader(e.Body, 64<<10))
	if err != nil {
		p.problem("delivery status: %v", err)
	}
	d := p.dsn()
	text := strings.ReplaceAll(toUTF8(b, nil), "\r\n", "\n")
	for i, block := range strings.Split(text, "\n\n") {
		if i == 0 || len(d.Recipients) >= 50 {
			continue // per-message fields: nothing the inbox needs
		}
		fields := dsnFields(block)
		r := DSNRecipient{
			Recipient:  oneLine(dsnAddress(firstNonEmpty(fields["final-recipient"], fields["original-recipient"]))),
			Action:     strings.ToLower(oneLine(fields["action"])),
			Status:     oneLine(fields["status"]),
			Diagnostic: TruncateUTF8(oneLine(fields["diagnostic-code"]), 300),
		}
		if r != (DSNRecipient{}) {
			d.Recipients = append(d.Recipients, r)
		}
	}
}

func dsnFields(block string) map[string]string {
	out := map[string]string{}
	var key string
	for _, line := range strings.Split(block, "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			out[key] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(k))
		out[key] = strings.TrimSpace(v)
	}
	return out
}

// dsnAddress drops the address type: "rfc822; a@example.cn" → a@example.cn.
func dsnAddress(v string) string {
	if _, addr, ok := strings.Cut(v, ";"); ok {
		return strings.TrimSpace(addr)
	}
	return v
}

// readReturnedHeader reads the header of a returned message (message/rfc822
// or text/rfc822-headers in a bounce) for its Message-ID.
func (p *parser) readReturnedHeader(e *message.Entity) {
	br := bufio.NewReader(io.LimitReader(e.Body, 256<<10))
	h, err := textproto.ReadHeader(br)
	if err != nil && h.Len() == 0 {
		p.problem("returned message header: %v", err)
		return
	}
	d := p.dsn()
	for _, id := range parseMsgIDs(h.Get("Message-Id"), 1) {
		d.OriginalMessageIDs = appendUnique(d.OriginalMessageIDs, id)
	}
}

// decodeHeader decodes the top-level header fields the inbox uses.
func (p *parser) decodeHeader(h mail.Header) {
	m := p.m
	fb := fallbackFor(p.declared)
	m.Subject = decodeHeaderText(h.Get("Subject"), fb)
	m.From = firstAddress(h.Get("From"), fb)
	m.To = addressList(h.Get("To"), fb, 20)
	m.Cc = addressList(h.Get("Cc"), fb, 20)
	for _, name := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range h.Values(name) {
			if len(m.DeliveredTo) < 10 {
				if a := firstAddress(v, fb).Addr; a != "" {
					m.DeliveredTo = append(m.DeliveredTo, strings.ToLower(a))
				}
			}
		}
	}
	m.ReplyTo = firstAddress(h.Get("Reply-To"), fb).Addr
	m.Mailer = TruncateUTF8(oneLine(firstNonEmpty(h.Get("X-Mailer"), h.Get("User-Agent"))), 200)
	if ids := parseMsgIDs(h.Get("Message-Id"), 1); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = parseMsgIDs(h.Get("In-Reply-To"), 10)
	m.References = parseMsgIDs(h.Get("References"), 50)
	if d, err := parseDate(h.Get("Date")); err == nil {
		m.Date = d
	}
	if h.Has("Return-Path") {
		m.HasReturnPath = true
		m.ReturnPath = oneLine(h.Get("Return-Path"))
	}
	m.AutoSubmitted = strings.ToLower(oneLine(h.Get("Auto-Submitted")))
	m.Precedence = strings.ToLower(oneLine(h.Get("Precedence")))
	m.XAutoreply = h.Has("X-Autoreply")
	m.XAutorespond = h.Has("X-Autorespond")
	m.ListID = oneLine(h.Get("List-Id"))
	m.ListHeaders = h.Has("List-Id") || h.Has("List-Unsubscribe") || h.Has("List-Post")
	// Top first: each MTA prepends its own (RFC 8601 §5); which to trust is
	// the reader's decision.
	for _, v := range h.Values("Authentication-Results") {
		if len(m.AuthenticationResults) == maxAuthResults {
			break
		}
		m.AuthenticationResults = append(m.AuthenticationResults, oneLine(v))
	}
	m.DKIMSigned = h.Has("DKIM-Signature")
}

// maxAuthResults caps the Authentication-Results fields kept.
const maxAuthResults = 20

func (p *parser) finish() {
	m := p.m
	if p.text.Len() > 0 {
		m.Text = p.text.String()
	} else if p.html.Len() > 0 {
		m.Text, m.TextIsHTML = p.html.String(), true
	}
	if m.DSN != nil {
		// Bounces without a returned header often quote it in their text.
		for _, id := range messageIDsInText(m.Text, 10) {
			m.DSN.OriginalMessageIDs = appendUnique(m.DSN.OriginalMessageIDs, id)
		}
	}
}

// quotedWords decodes encoded-words inside a quoted display name. RFC 2047
// forbids them there, but QQ Mail, Foxmail, WeCom and Alimail write
// From: "=?UTF-8?B?5byg5LiJ?=" <…>, and the name should read 张三.
func quotedWords(name string) string {
	if !strings.Contains(name, "=?") {
		return name
	}
	if d, err := WordDecoder.DecodeHeader(name); err == nil {
		return d
	}
	return name
}

// addressList returns the addresses of an address header, at most max.
func addressList(raw string, fb encoding.Encoding, max int) []string {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var out []string
	if list, err := mail.ParseAddressList(normalizeHeader(raw, fb)); err == nil {
		for _, a := range list {
			if len(out) == max {
				break
			}
			out = append(out, strings.ToLower(cleanAddr(a.Address)))
		}
		return out
	}
	// Broken lists: each comma-separated piece that holds an address.
	for _, piece := range strings.Split(raw, ",") {
		if len(out) == max {
			break
		}
		if a := firstAddress(piece, fb).Addr; a != "" {
			out = append(out, strings.ToLower(a))
		}
	}
	return out
}

// firstAddress parses the first mailbox of an address header. Mailers in the
// wild break RFC 5322 in many ways; when the parser refuses, the first
// thing that looks like an address is taken.
func firstAddress(raw string, fb encoding.Encoding) Address {
	if strings.TrimSpace(raw) == "" {
		return Address{}
	}
	norm := normalizeHeader(raw, fb)
	if list, err := mail.ParseAddressList(norm); err == nil && len(list) > 0 {
		return Address{Name: oneLine(quotedWords(list[0].Name)), Addr: cleanAddr(list[0].Address)}
	}
	if m := angleAddrRE.FindStringSubmatch(norm); m != nil {
		name := strings.Trim(strings.TrimSpace(norm[:strings.Index(norm, m[0])]), `"`)
		if d, err := WordDecoder.DecodeHeader(name); err == nil {
			name = d
		}
		return Address{Name: oneLine(name), Addr: cleanAddr(m[1])}
	}
	if m := bareAddrRE.FindString(norm); m != "" {
		return Address{Addr: cleanAddr(m)}
	}
	return Address{}
}

var (
	angleAddrRE = regexp.MustCompile(`<\s*([^<>\s@]+@[^<>\s@]+)\s*>`)
	bareAddrRE  = regexp.MustCompile(`[^<>\s@",;:]+@[^<>\s@",;:]+`)
)

func cleanAddr(a string) string {
	a = strings.TrimSpace(oneLine(a))
	if len(a) > 320 {
		return ""
	}
	return a
}

// bracketedIDs returns the usable <id>s in v, in order, each once.
func bracketedIDs(v string) []string {
	var out []string
	for rest := v; ; {
		id, after, ok := nextBracketedID(rest)
		if !ok {
			return out
		}
		if id = cleanMsgID(id); id != "" {
			out = appendUnique(out, id)
		}
		rest = after
	}
}

// nextBracketedID finds the next <id> in s as the regular expression
// `<\s*([^<>\s]{1,250})\s*>` would (leftmost, not overlapping), and what
// follows it. A regular expression cost a parse worker more than the rest of
// the header (issue 14); fast_test.go holds this to it.
func nextBracketedID(s string) (id, rest string, ok bool) {
	for {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			return "", "", false
		}
		i := lt + 1
		for i < len(s) && isREspace(s[i]) {
			i++
		}
		start := i
		for i < len(s) && s[i] != '<' && s[i] != '>' && !isREspace(s[i]) {
			i++
		}
		end := i
		for i < len(s) && isREspace(s[i]) {
			i++
		}
		// The expression counts 250 characters, not bytes; an identifier
		// over 250 bytes is dropped either way (cleanMsgID), and the scan
		// goes on after it either way (no '<' inside).
		if n := end - start; n >= 1 && n <= 250 && i < len(s) && s[i] == '>' {
			return s[start:end], s[i+1:], true
		}
		s = s[lt+1:]
	}
}

// parseDate is what mail.Header.Date returns, the usual form tried first:
// net/mail tries its layouts in turn and reaches that one after a dozen
// failed parses, each allocating an error (issue 14).
func parseDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(rfc5322Date, v); err == nil {
		return t, nil
	}
	return netmail.ParseDate(v)
}

const rfc5322Date = "Mon, 2 Jan 2006 15:04:05 -0700"

// isREspace is \s of Go's regular expressions.
func isREspace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// parseMsgIDs returns the message identifiers in a Message-ID, In-Reply-To
// or References value, without angle brackets, keeping the last max (the
// nearest ancestors in References). A bracketless value, which some mailers
// write, is taken whole.
func parseMsgIDs(v string, max int) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	out := bracketedIDs(v)
	if len(out) == 0 && !strings.ContainsAny(v, " \t<>") {
		if id := cleanMsgID(v); id != "" {
			out = []string{id}
		}
	}
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

func cleanMsgID(id string) string {
	id = oneLine(id)
	if id == "" || len(id) > 250 || strings.ContainsAny(id, " <>") {
		return ""
	}
	return id
}

var textMsgIDRE = regexp.MustCompile(`(?i)message-id:\s*<([^<>\s]{1,250})>`)

// messageIDsInText finds "Message-ID: <…>" lines quoted in a bounce's text.
func messageIDsInText(text string, max int) []string {
	var out []string
	for _, m := range textMsgIDRE.FindAllStringSubmatch(text, max) {
		if id := cleanMsgID(m[1]); id != "" {
			out = appendUnique(out, id)
		}
	}
	return out
}

// SynthesizeMessageID gives a message without a Message-ID a stable one from
// a hash of its raw bytes, so a redelivery of the same bytes is still
// recognised.
func SynthesizeMessageID(rawHash []byte) string {
	return "sha256-" + hex.EncodeToString(rawHash[:min(len(rawHash), 16)]) + "@synthesized.icpdesk.invalid"
}

// EnsureMessageID fills in a synthesised Message-ID when there is none.
func (m *Message) EnsureMessageID(rawHash []byte) {
	if m.MessageID == "" {
		m.MessageID, m.SyntheticID = SynthesizeMessageID(rawHash), true
	}
}

// ParseBytes parses a message held in memory and gives it a Message-ID.
func ParseBytes(raw []byte, opts ParseOptions) (*Message, error) {
	m, err := Parse(bytes.NewReader(raw), opts)
	sum := sha256.Sum256(raw)
	m.EnsureMessageID(sum[:])
	m.Size = int64(len(raw))
	return m, err
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// ReadMessage reads a whole message from r, keeping at most maxSize bytes
// (larger ones are parsed from what was kept, with a problem noted), parses
// it and gives it a Message-ID. The error is the parse error: the message
// is returned even then. For `inbox inspect` and tests; the watcher streams
// from IMAP the same way.
func ReadMessage(r io.Reader, maxSize int64, opts ParseOptions) (*Message, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	sp, err := NewSpool(r, maxSize, "")
	if err != nil {
		return &Message{}, err
	}
	defer sp.Close()
	src, err := sp.Reader()
	if err != nil {
		return &Message{}, err
	}
	m, perr := Parse(src, opts)
	if sp.Truncated() {
		m.Problems = append(m.Problems, fmt.Sprintf("larger than %d bytes: the rest was not read", maxSize))
	}
	if m.MessageID == "" {
		m.EnsureMessageID(sp.Digest())
	}
	m.Size = sp.Size()
	return m, perr
}

// DefaultMaxSize is the size up to which ReadMessage keeps a message when
// no limit is given.
const DefaultMaxSize = 25 << 20

// ParseAddress reads the first mailbox of an address list as mailers write
// it, forgiving what RFC 5322 does not allow.
func ParseAddress(raw string) Address { return firstAddress(raw, nil) }
