// Command chaos is icpdesk's crash test, run by `make chaos` (and, shorter,
// by .ci/run) through chaos/run.sh, which starts what it needs: a
// PostgreSQL database of its own, a private Dovecot, and an SMTP sink in a
// process of its own (internal/smtpsink).
//
// It runs `icpdesk serve` as real processes, queues emails and appends
// applicants' mail to the watched mailbox in waves, and kills serve with
// SIGKILL at random moments, restarting it each time: first one replica,
// then three. Then it waits for everything to settle and checks that every
// inbound message was recorded once, every transition happened once, every
// email was delivered, with at most one duplicate delivery per kill,
// nothing is left claimed or unread, all within two minutes of the last
// restart. It prints those counts, and exits 1 if a check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
)

// settleWithin is how long after the last restart everything must be done.
const settleWithin = 2 * time.Minute

type options struct {
	bin, db, imap, sink, sinkLog, dir string
	filings, strangers, kills         int
	replicas                          int
	seed                              uint64
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "the icpdesk binary")
	flag.StringVar(&o.db, "db", "", "PostgreSQL URL of a database for this test alone (it is filled)")
	flag.StringVar(&o.imap, "imap", os.Getenv("ICPDESK_TEST_DOVECOT"), "the Dovecot account, imap://USER:PASS@127.0.0.1:PORT")
	flag.StringVar(&o.sink, "sink", "", "the SMTP sink's host:port")
	flag.StringVar(&o.sinkLog, "sink-log", "", "the SMTP sink's delivery log")
	flag.StringVar(&o.dir, "dir", "", "a directory for the configuration and the replicas' logs")
	flag.IntVar(&o.filings, "filings", 200, "filings returned by the bureau, each answered by its applicant")
	flag.IntVar(&o.strangers, "strangers", 50, "messages from unknown senders")
	flag.IntVar(&o.kills, "kills", 10, "kills with one replica, and again with three")
	flag.IntVar(&o.replicas, "replicas", 3, "replicas in the second phase")
	flag.Uint64Var(&o.seed, "seed", uint64(time.Now().UnixNano()), "random seed (printed, to replay a run's timing)")
	flag.Parse()
	if o.bin == "" || o.db == "" || o.imap == "" || o.sink == "" || o.sinkLog == "" || o.dir == "" {
		fmt.Fprintln(os.Stderr, "chaos: -bin, -db, -imap, -sink, -sink-log and -dir are required (chaos/run.sh sets them)")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "chaos: FAIL:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(o.seed, 13))
	fmt.Printf("chaos: %d filings, %d strangers' messages, %d kills with one replica and %d with %d; seed %d\n",
		o.filings, o.strangers, o.kills, o.kills, o.replicas, o.seed)

	imapURL, err := url.Parse(o.imap)
	if err != nil || imapURL.User == nil {
		return fmt.Errorf("-imap %q: want imap://USER:PASS@HOST:PORT", o.imap)
	}
	mb := &mailbox{url: imapURL}
	if err := mb.prepare(); err != nil {
		return err
	}
	cfgPath := filepath.Join(o.dir, "icpdesk.toml")
	cfg, err := writeConfig(cfgPath, o, imapURL)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, o.db, daemon.StoreOptions(cfg)...)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	w := &world{st: st, mb: mb, fp: filingtest.Fingerprinter()}
	c := &cluster{bin: o.bin, cfg: cfgPath, dir: o.dir, env: []string{
		config.EnvDatabaseURL + "=" + o.db,
		config.EnvIMAPPassword + "=" + mailboxPassword(imapURL),
		config.EnvIDSecret + "=" + string(filingtest.Secret),
	}}
	defer c.stopAll()

	// Work arrives all along, as it would: filings returned (their emails
	// queued) and applicants' replies and strangers' messages appended, at
	// a pace that spreads them over the kills. Meanwhile serve is killed at
	// random moments and restarted at once.
	rounds := 2 * o.kills
	span := time.Duration(rounds) * 1450 * time.Millisecond // the kills' expected duration
	fed := make(chan error, 1)
	go func() { fed <- w.feed(ctx, o.filings, o.strangers, span*9/10) }()
	pause := func() { time.Sleep(time.Duration(200+rng.IntN(2300)) * time.Millisecond) }

	if err := c.start(0); err != nil {
		return err
	}
	for round := 0; round < o.kills; round++ {
		pause()
		if err := c.kill(0); err != nil {
			return err
		}
		if err := c.start(0); err != nil {
			return err
		}
	}
	for i := 1; i < o.replicas; i++ {
		if err := c.start(i); err != nil {
			return err
		}
	}
	for round := o.kills; round < rounds; round++ {
		pause()
		victim := rng.IntN(o.replicas)
		if err := c.kill(victim); err != nil {
			return err
		}
		if err := c.start(victim); err != nil {
			return err
		}
	}
	lastRestart := time.Now()
	if err := <-fed; err != nil {
		return err
	}
	fmt.Printf("chaos: %d kills done (%d with one replica, %d among %d); waiting for icpdesk to settle\n",
		c.kills, o.kills, c.kills-o.kills, o.replicas)

	res, err := settle(ctx, w, o, lastRestart)
	c.stopAll()
	res.kills = c.kills
	res.print()
	if err != nil {
		c.tails(20)
		return err
	}
	if problems := res.problems(); len(problems) > 0 {
		c.tails(20)
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	fmt.Println("chaos: PASS")
	return nil
}

// settle waits until the run is complete or the time is up, and returns
// the last counts.
func settle(ctx context.Context, w *world, o options, lastRestart time.Time) (*result, error) {
	deadline := lastRestart.Add(settleWithin)
	for {
		res, err := measure(ctx, w, o)
		if err != nil {
			return res, err
		}
		res.took = time.Since(lastRestart)
		if res.complete() {
			return res, nil
		}
		if time.Now().After(deadline) {
			res.timedOut = true
			return res, nil
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func writeConfig(path string, o options, imapURL *url.URL) (*config.Config, error) {
	sinkHost, sinkPort, _ := strings.Cut(o.sink, ":")
	body := fmt.Sprintf(`# Written by chaos/main.go for one run.
[desk]
name = "混沌测试备案中心"
address = %q
staff = [%q]

[smtp]
host = %q
port = %s
security = "none"
timeout = "10s"
retry_base = "1s"
retry_max = "5s"
bounce_address = "bounces+{token}@example.cn"

[imap]
host = %q
port = %s
security = "none"
username = %q
batch = 20
reconnect_max = "2s"
ack_limit_per_hour = 10

[jobs]
deadline_sweep = "*/2 * * * * *"
reminders = "*/3 * * * * *"
digest = "*/5 * * * * *"
outbox_janitor = "*/7 * * * * *"

[http]
listen = "127.0.0.1:0"

[log]
level = "info"
`, deskAddress, staffAddress, sinkHost, sinkPort, imapURL.Hostname(), imapURL.Port(), imapURL.User.Username())
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return nil, err
	}
	return config.Load(path, func(k string) string {
		if k == config.EnvIDSecret {
			return string(filingtest.Secret)
		}
		return ""
	})
}
