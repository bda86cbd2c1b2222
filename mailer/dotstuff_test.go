package mailer

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"
)

// dotWriterOutput is what net/textproto's DotWriter, which go-mail sends
// DATA through, writes for the chunks, without the final ".\r\n".
func dotWriterOutput(t testing.TB, chunks [][]byte) []byte {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	w := textproto.NewWriter(bw).DotWriter()
	for _, c := range chunks {
		if _, err := w.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if !bytes.HasSuffix(b, []byte(".\r\n")) {
		t.Fatalf("DotWriter ended with %q", b)
	}
	return b[:len(b)-3]
}

func stuffedOutput(chunks [][]byte) []byte {
	var out bytes.Buffer
	d := &dotStuffer{dst: &out}
	for _, c := range chunks {
		d.Write(c)
	}
	d.end()
	return out.Bytes()
}

// TestDotStufferWritesWhatDotWriterWrites compares the two on the cases that
// matter (leading dots, bare LF, CR split from its LF across writes, no
// final line end, nothing at all) and on random text cut at random places.
// Two CRs in a row, where the two differ, are tested apart.
func TestDotStufferWritesWhatDotWriterWrites(t *testing.T) {
	cases := [][][]byte{
		nil,
		{[]byte("")},
		{[]byte(".")},
		{[]byte(".\r\n")},
		{[]byte("a\r\n.b\r\n..c\r\n")},
		{[]byte("bare\nlf\n.dot\n")},
		{[]byte("cr at end\r"), []byte("\n.next\r\n")},
		{[]byte("line\r\n"), []byte(".starts the next write\r\n")},
		{[]byte("lone\rcr.\r\n\r.x")},
		{[]byte("no final line end")},
		{[]byte("ends in cr\r")},
		{[]byte("\n\n.\n")},
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab.\r\n\n.中")
	for range 5000 {
		text := make([]byte, r.IntN(60))
		for i := range text {
			text[i] = alphabet[r.IntN(len(alphabet))]
			for i > 0 && text[i] == '\r' && text[i-1] == '\r' {
				text[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		var chunks [][]byte
		for len(text) > 0 {
			n := 1 + r.IntN(len(text))
			chunks = append(chunks, text[:n])
			text = text[n:]
		}
		cases = append(cases, chunks)
	}
	for _, chunks := range cases {
		want, got := dotWriterOutput(t, chunks), stuffedOutput(chunks)
		if !bytes.Equal(got, want) {
			t.Fatalf("chunks %q: stuffed %q, DotWriter %q", chunks, got, want)
		}
	}
}

// TestDotStufferEndsLineAtCRLFAfterCR: "\r\r\n" is one line ending in a CR
// and a CRLF, not a CR and a bare LF to be completed.
func TestDotStufferEndsLineAtCRLFAfterCR(t *testing.T) {
	got := stuffedOutput([][]byte{[]byte("a\r\r\n.b")})
	if want := "a\r\r\n..b\r\n"; string(got) != want {
		t.Fatalf("stuffed %q, want %q", got, want)
	}
}

// capturingSession keeps the DATA of each message, as the server un-stuffed it.
type capturingSession struct{ got chan<- []byte }

func (s *capturingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *capturingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *capturingSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.got <- b
	return nil
}
func (s *capturingSession) Reset()        {}
func (s *capturingSession) Logout() error { return nil }

// TestStuffedMessageArrivesAsWritten sends, over a real SMTP session, two
// messages whose lines start with dots (one a lone dot, which unstuffed
// would end the DATA early) and checks that the server reads exactly what
// go-mail wrote, and that the session goes on after each.
func TestStuffedMessageArrivesAsWritten(t *testing.T) {
	got := make(chan []byte, 2)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &capturingSession{got: got}, nil
	}))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })

	c := testConn(t, ln.Addr().(*net.TCPAddr).Port)
	bodies := []string{
		".starts with a dot\n.\n..two dots\nmiddle . dot\n.",
		"第二封：\r\n.点开头\r\n" + strings.Repeat("多行，大于一次写的缓冲区。\n", 1000) + "\n.",
	}
	for i, body := range bodies {
		m, id := testMessage(t, c, body, mail.WithPartEncoding(mail.NoEncoding))
		var want bytes.Buffer
		if _, err := m.WriteTo(&want); err != nil {
			t.Fatal(err)
		}
		o := encode(m, c.set.FromAddress, []string{"applicant@example.cn"}, id)
		if err := c.sendEncoded(o, ending{}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		o.free()
		select {
		case b := <-got:
			gh, gb := splitMessage(b)
			wh, wb := splitMessage(want.Bytes())
			// go-mail writes the address fields in map order, so the
			// headers are compared as sets; the body exactly, with the
			// bare LFs go-mail left made CRLF, as SMTP requires.
			wb = bytes.ReplaceAll(bytes.ReplaceAll(wb, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
			if !bytes.HasSuffix(wb, []byte("\r\n")) {
				wb = append(wb, "\r\n"...)
			}
			if !slices.Equal(gh, wh) || !bytes.Equal(gb, wb) {
				t.Fatalf("message %d: the server read\n%q\n%q\ngo-mail wrote\n%q\n%q", i, gh, gb, wh, wb)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("message %d never arrived", i)
		}
	}
}

// splitMessage returns a message's header lines, sorted, and its body.
func splitMessage(b []byte) ([]string, []byte) {
	head, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	slices.Sort(lines)
	return lines, body
}
