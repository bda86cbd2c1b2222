package inboxtest

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// EnvDovecot names a Dovecot account for tests, as a URL:
// imap://USER:PASS@127.0.0.1:PORT (plaintext, loopback only). `.ci/run`
// starts a private Dovecot and sets it.
const EnvDovecot = "ICPDESK_TEST_DOVECOT"

// DovecotURL returns the Dovecot test account, skipping the test (or
// failing it when CI=true) when none is configured.
func DovecotURL(t testing.TB) *url.URL {
	t.Helper()
	raw := os.Getenv(EnvDovecot)
	if raw == "" {
		msg := EnvDovecot + " is not set: to run this test against Dovecot, install dovecot-imapd, start a private " +
			"instance (bash .ci/run does both) and set e.g. " + EnvDovecot + "=imap://desk:secret@127.0.0.1:11143"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "imap" || u.User == nil || u.Port() == "" {
		t.Fatalf("%s=%q: want imap://USER:PASS@HOST:PORT", EnvDovecot, raw)
	}
	return u
}

// MemOptions choose the in-memory server's capabilities.
type MemOptions struct {
	// Caps replaces the default (IMAP4rev1 with MOVE, UIDPLUS): e.g. IMAP4rev1
	// alone to test the MOVE fallback without UIDPLUS.
	Caps imap.CapSet
	// TLS, when set, offers STARTTLS with this server configuration; with
	// ImplicitTLS the listener speaks TLS from the first byte instead.
	TLS         *tls.Config
	ImplicitTLS bool
}

// Server is an IMAP account for one test, with two mailboxes of its own:
// the watched one and the processed one. Clients connect through a proxy
// that can drop them and refuse new connections, as a restarting server
// does.
type Server struct {
	Kind       string // "memory" or "dovecot"
	User, Pass string
	Mailbox    string
	Processed  string

	proxy   *proxy
	backend string // host:port of the real server

	// memory only
	memOpts MemOptions
	mem     *imapmemserver.Server
	user    *imapmemserver.User
	srv     *imapserver.Server
	mu      sync.Mutex
}

// Host and Port are what the watcher connects to.
func (s *Server) Host() string { return "127.0.0.1" }
func (s *Server) Port() int    { return s.proxy.port() }

// Each runs fn against the in-memory server ("memory") and Dovecot
// ("dovecot", skipped or failed per DovecotURL).
func Each(t *testing.T, fn func(t *testing.T, srv *Server)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { fn(t, NewMemory(t, MemOptions{})) })
	t.Run("dovecot", func(t *testing.T) { fn(t, NewDovecot(t)) })
}

// NewMemory starts go-imap's in-memory server for one test.
func NewMemory(t testing.TB, opts MemOptions) *Server {
	t.Helper()
	s := &Server{Kind: "memory", User: "desk", Pass: "secret-" + randHex(4), Mailbox: "INBOX", Processed: "Processed", memOpts: opts}
	s.mem = imapmemserver.New()
	s.user = imapmemserver.NewUser(s.User, s.Pass)
	for _, mb := range []string{s.Mailbox, s.Processed} {
		if err := s.user.Create(mb, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.mem.AddUser(s.user)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.backend = ln.Addr().String()
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, opts.TLS)
	}
	s.serve(ln)
	s.proxy = newProxy(t, s.backend)
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.srv != nil {
			s.srv.Close()
		}
	})
	return s
}

func (s *Server) serve(ln net.Listener) {
	caps := s.memOpts.Caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}}
	}
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: s.memOpts.TLS == nil, // plaintext on loopback only
		Logger:       log.New(io.Discard, "", 0),
	}
	if !s.memOpts.ImplicitTLS {
		opts.TLSConfig = s.memOpts.TLS
	}
	srv := imapserver.New(opts)
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(ln)
}

// NewDovecot uses the Dovecot account of EnvDovecot, with two fresh
// mailboxes deleted when the test ends.
func NewDovecot(t testing.TB) *Server {
	t.Helper()
	u := DovecotURL(t)
	pass, _ := u.User.Password()
	name := "icpdesk-test-" + randHex(6)
	s := &Server{Kind: "dovecot", User: u.User.Username(), Pass: pass, Mailbox: name, Processed: name + "-done", backend: u.Host}
	s.admin(t, func(c *imapclient.Client) error {
		for _, mb := range []string{s.Mailbox, s.Processed} {
			if err := c.Create(mb, nil).Wait(); err != nil {
				return fmt.Errorf("create %s: %w", mb, err)
			}
		}
		return nil
	})
	t.Cleanup(func() {
		s.adminErr(func(c *imapclient.Client) error {
			for _, mb := range []string{s.Mailbox, s.Processed} {
				_ = c.Delete(mb).Wait()
			}
			return nil
		})
	})
	s.proxy = newProxy(t, s.backend)
	return s
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// admin runs fn on a fresh client connected straight to the server.
func (s *Server) admin(t testing.TB, fn func(*imapclient.Client) error) {
	t.Helper()
	if err := s.adminErr(fn); err != nil {
		t.Fatalf("%s: %v", s.Kind, err)
	}
}

func (s *Server) adminErr(fn func(*imapclient.Client) error) error {
	c, err := imapclient.DialInsecure(s.backend, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(s.User, s.Pass).Wait(); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.Logout().Wait()
}

// Append delivers a message to the watched mailbox, received at at (zero: now).
func (s *Server) Append(t testing.TB, raw []byte, at time.Time) {
	t.Helper()
	s.AppendTo(t, s.Mailbox, raw, at, nil)
}

// AppendTo delivers a message to any mailbox of the account, with flags.
func (s *Server) AppendTo(t testing.TB, mailbox string, raw []byte, at time.Time, flags []imap.Flag) {
	t.Helper()
	if at.IsZero() {
		at = time.Now()
	}
	opts := &imap.AppendOptions{Time: at, Flags: flags}
	if s.Kind == "memory" {
		// Straight into the store: works while the server is down, and the
		// mailbox tracker tells IDLE clients like a delivery would.
		if _, err := s.user.Append(mailbox, literal{bytes.NewReader(raw)}, opts); err != nil {
			t.Fatalf("append: %v", err)
		}
		return
	}
	s.admin(t, func(c *imapclient.Client) error {
		cmd := c.Append(mailbox, int64(len(raw)), opts)
		if _, err := cmd.Write(raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		_, err := cmd.Wait()
		return err
	})
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

// Message is a message as the test sees it in a mailbox.
type Message struct {
	UID   uint32
	Flags []imap.Flag
	Raw   []byte
}

// Deleted reports whether the message is flagged \Deleted.
func (m Message) Deleted() bool { return m.Has(imap.FlagDeleted) }

// Has reports whether the message has flag (case-insensitively: servers
// lower-case keywords).
func (m Message) Has(flag imap.Flag) bool {
	for _, f := range m.Flags {
		if equalFold(string(f), string(flag)) {
			return true
		}
	}
	return false
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// Messages lists a mailbox's messages with their flags and bodies.
func (s *Server) Messages(t testing.TB, mailbox string) []Message {
	t.Helper()
	var out []Message
	s.admin(t, func(c *imapclient.Client) error {
		sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return err
		}
		if sel.NumMessages == 0 {
			return nil
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			var raw []byte
			for _, b := range m.BodySection {
				raw = b.Bytes
			}
			out = append(out, Message{UID: uint32(m.UID), Flags: m.Flags, Raw: raw})
		}
		return nil
	})
	return out
}

// Count is the number of messages in a mailbox, \Deleted ones included.
func (s *Server) Count(t testing.TB, mailbox string) int {
	t.Helper()
	return len(s.Messages(t, mailbox))
}

// UIDValidity returns a mailbox's UIDVALIDITY.
func (s *Server) UIDValidity(t testing.TB, mailbox string) uint32 {
	t.Helper()
	var v uint32
	s.admin(t, func(c *imapclient.Client) error {
		st, err := c.Status(mailbox, &imap.StatusOptions{UIDValidity: true}).Wait()
		if err != nil {
			return err
		}
		v = st.UIDValidity
		return nil
	})
	return v
}

// Recreate deletes and re-creates the watched mailbox, which gives it a new
// UIDVALIDITY (as a server that rebuilt its index does), and puts the
// messages raws back in it.
func (s *Server) Recreate(t testing.TB, raws ...[]byte) {
	t.Helper()
	before := s.UIDValidity(t, s.Mailbox)
	for attempt := 0; ; attempt++ {
		s.admin(t, func(c *imapclient.Client) error {
			if err := c.Delete(s.Mailbox).Wait(); err != nil {
				return fmt.Errorf("delete: %w", err)
			}
			return c.Create(s.Mailbox, nil).Wait()
		})
		if s.UIDValidity(t, s.Mailbox) != before {
			break
		}
		if attempt == 3 {
			t.Fatal("UIDVALIDITY did not change on re-creating the mailbox")
		}
		time.Sleep(1100 * time.Millisecond) // time-based UIDVALIDITY: wait for the next second
	}
	for _, raw := range raws {
		s.Append(t, raw, time.Time{})
	}
}

// Outage takes the server away from its clients while during runs:
// connections are dropped and new ones refused. The in-memory server is
// really stopped and started again on the same port; Dovecot, shared by
// the tests, is cut off at the proxy.
func (s *Server) Outage(t testing.TB, during func()) {
	t.Helper()
	s.proxy.setRefuse(true)
	s.proxy.dropAll()
	if s.Kind == "memory" {
		s.mu.Lock()
		s.srv.Close()
		s.mu.Unlock()
	}
	during()
	if s.Kind == "memory" {
		var ln net.Listener
		var err error
		for i := 0; i < 50; i++ {
			if ln, err = net.Listen("tcp", s.backend); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("restart: %v", err)
		}
		s.serve(ln)
	}
	s.proxy.setRefuse(false)
}

// Connections counts the client connections accepted so far.
func (s *Server) Connections() int { return s.proxy.accepted() }

// proxy forwards TCP connections to the server and can cut them.
type proxy struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	conns   map[net.Conn]bool
	refuse  bool
	count   int
	wg      sync.WaitGroup

	muteExists atomic.Bool
}

func newProxy(t testing.TB, backend string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, backend: backend, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.dropAll()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) port() int {
	_, port, _ := net.SplitHostPort(p.ln.Addr().String())
	n, _ := strconv.Atoi(port)
	return n
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		if !refuse {
			p.count++
		}
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		b, err := net.Dial("tcp", p.backend)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[b] = true, true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, b, true)
		go p.pipe(b, c, false)
	}
}

func (p *proxy) pipe(dst, src net.Conn, fromServer bool) {
	defer p.wg.Done()
	if fromServer {
		_ = p.copyFiltered(dst, src)
	} else {
		_, _ = io.Copy(dst, src) // ends when either side closes
	}
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// existsLine is an untagged EXISTS response: the server telling a client,
// in IDLE or after a command, that the mailbox holds new mail.
var existsLine = regexp.MustCompile(`^\* [0-9]+ EXISTS\r?\n$`)

// copyFiltered copies the server's responses, leaving out EXISTS responses
// while MuteExists is on. Unmuted, bytes pass as they arrive (TLS records
// hold no line ends); muted, whole lines do, the rest waiting for its end.
func (p *proxy) copyFiltered(dst io.Writer, src io.Reader) error {
	buf := make([]byte, 64<<10)
	var held []byte   // the start of a line not yet ended (muted only)
	lineStart := true // the next byte starts a line
	write := func(b []byte) error {
		if len(b) == 0 {
			return nil
		}
		lineStart = b[len(b)-1] == '\n'
		_, err := dst.Write(b)
		return err
	}
	for {
		n, err := src.Read(buf)
		data := append(held, buf[:n]...)
		held = nil
		if !p.muteExists.Load() {
			if werr := write(data); werr != nil {
				return werr
			}
		} else {
			for {
				i := bytes.IndexByte(data, '\n')
				if i < 0 {
					break
				}
				line := data[:i+1]
				data = data[i+1:]
				if lineStart && existsLine.Match(line) {
					continue
				}
				if werr := write(line); werr != nil {
					return werr
				}
			}
			held = append([]byte(nil), data...)
		}
		if err != nil {
			_ = write(held)
			return err
		}
	}
}

// MuteExists makes the server's connections stop (or resume) telling
// clients about new mail, as a server that misses a notification does: a
// message appended just before IDLE begins, say.
func (s *Server) MuteExists(on bool) { s.proxy.muteExists.Store(on) }

func (p *proxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *proxy) setRefuse(v bool) {
	p.mu.Lock()
	p.refuse = v
	p.mu.Unlock()
}

func (p *proxy) accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// BackendHost and BackendPort are the server itself, bypassing the proxy
// (benchmarks measure the server, not the proxy).
func (s *Server) BackendHost() string {
	h, _, _ := net.SplitHostPort(s.backend)
	return h
}

func (s *Server) BackendPort() int {
	_, p, _ := net.SplitHostPort(s.backend)
	n, _ := strconv.Atoi(p)
	return n
}

// Dial opens a client logged in to the server itself.
func (s *Server) Dial(t testing.TB, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.backend, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(s.User, s.Pass).Wait(); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

// AppendMany delivers messages to mailbox over one connection, pipelining
// the APPENDs (LITERAL+ where the server has it).
func (s *Server) AppendMany(t testing.TB, mailbox string, raws [][]byte) {
	t.Helper()
	if s.Kind == "memory" {
		for _, raw := range raws {
			s.AppendTo(t, mailbox, raw, time.Time{}, nil)
		}
		return
	}
	c := s.Dial(t, nil)
	defer c.Close()
	c.Caps()
	for len(raws) > 0 {
		n := min(len(raws), 100)
		var cmds []*imapclient.AppendCommand
		for _, raw := range raws[:n] {
			cmd := c.Append(mailbox, int64(len(raw)), nil)
			if _, err := cmd.Write(raw); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Close(); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, cmd)
		}
		for _, cmd := range cmds {
			if _, err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
		}
		raws = raws[n:]
	}
}
