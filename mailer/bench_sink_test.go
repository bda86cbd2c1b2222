package mailer

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"
)

// envBenchSink makes the test binary an SMTP sink instead of running tests:
// the mailer benchmark starts it as a process of its own, as production's
// relay is, so that the server does not compete with the client inside one
// Go runtime (issue 14).
const envBenchSink = "ICPDESK_BENCH_SMTP_SINK"

func TestMain(m *testing.M) {
	if os.Getenv(envBenchSink) == "1" {
		if err := runBenchSink(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "smtp sink:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runBenchSink serves SMTP on a loopback port it prints first, then answers
// each line read from in with the number of messages received so far, and
// stops when in closes.
func runBenchSink(in io.Reader, out io.Writer) error {
	be := &countingBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Fprintln(out, ln.Addr().(*net.TCPAddr).Port)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		fmt.Fprintln(out, be.n.Load())
	}
	return sc.Err()
}

// countingBackend is an SMTP sink that reads and counts messages, as cheap
// as a server can be, so the benchmark measures the client side.
type countingBackend struct{ n atomic.Int64 }

func (b *countingBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &countingSession{b: b}, nil
}

type countingSession struct{ b *countingBackend }

func (s *countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.b.n.Add(1)
	return nil
}
func (s *countingSession) Reset()        {}
func (s *countingSession) Logout() error { return nil }

// benchSink is the sink process as the benchmark sees it.
type benchSink struct {
	port int
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
}

// startBenchSink re-runs the test binary as a sink; it stops with the benchmark.
func startBenchSink(b *testing.B) *benchSink {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envBenchSink+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &benchSink{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	b.Cleanup(func() {
		s.in.Close()
		_ = s.cmd.Wait()
	})
	line, err := s.out.ReadString('\n')
	if err != nil {
		b.Fatalf("smtp sink: %v", err)
	}
	if s.port, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
		b.Fatalf("smtp sink said %q", line)
	}
	return s
}

// received asks the sink how many messages it has received.
func (s *benchSink) received(b *testing.B) int64 {
	if _, err := io.WriteString(s.in, "?\n"); err != nil {
		b.Fatal(err)
	}
	line, err := s.out.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		b.Fatalf("smtp sink said %q", line)
	}
	return n
}
