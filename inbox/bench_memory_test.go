package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/config"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/internal/benchrun"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

// envIngestChild makes the test binary run one backlog pass instead of the
// tests: BenchmarkIngestMemory starts it as a process of its own, so that
// its peak RSS is the watcher's and not the benchmark's (which holds the
// whole backlog to append it).
const envIngestChild = "ICPDESK_BENCH_INGEST_CHILD"

// ingestChild is what the child is told.
type ingestChild struct {
	StoreURL  string
	Host      string
	Port      int
	User      string
	Pass      string
	Mailbox   string
	Processed string
	Batch     int
}

// ingestChildResult is what the child reports on its standard output.
type ingestChildResult struct {
	Recorded int
	Moved    int
	Elapsed  time.Duration
	PeakRSS  int64 // bytes; 0: unknown
	Err      string
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(envIngestChild); spec != "" {
		res := runIngestChild(spec)
		_ = json.NewEncoder(os.Stdout).Encode(res)
		if res.Err != "" {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runIngestChild runs one PollOnce as the daemon would, on the store and
// mailbox the parent prepared.
func runIngestChild(spec string) (res ingestChildResult) {
	var c ingestChild
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		return ingestChildResult{Err: err.Error()}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, c.StoreURL, store.WithStaff([]string{staffAddr}, filing.LangChinese), store.WithMessageIDDomain("example.cn"))
	if err != nil {
		return ingestChildResult{Err: err.Error()}
	}
	defer st.Close()
	cfg := Config{Host: c.Host, Port: c.Port, Security: "none", Username: c.User, Password: config.Secret(c.Pass),
		Mailbox: c.Mailbox, ProcessedMailbox: c.Processed, AckLimitPerHour: 3, Batch: c.Batch,
		Own: Own{Addresses: []string{"icp@example.cn", staffAddr}, MessageIDDomain: "example.cn"}}
	w, err := NewWatcher(st, cfg)
	if err != nil {
		return ingestChildResult{Err: err.Error()}
	}
	start := time.Now()
	sum, err := w.PollOnce(ctx)
	res = ingestChildResult{Recorded: sum.Recorded, Moved: sum.Moved, Elapsed: time.Since(start), PeakRSS: peakRSS()}
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

// peakRSS is this process's peak resident set (VmHWM), or 0 where there
// is no /proc. The parent cannot take it from wait4's rusage: Go starts a
// child with vfork, and Linux charges the child with the parent's peak
// from before the exec (the parent holds the whole backlog).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// BenchmarkIngestMemory prints the peak RSS of a process that ingests a
// backlog of 2,000 and of 20,000 messages of about 20 KB (issue 14 target:
// at most 128 MB, the same for both). Peak RSS is not shaken by the
// machine's load as times are: one pass per size.
func BenchmarkIngestMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		fmt.Println(benchrun.Header("inbox backlog ingest, peak RSS of the ingesting process"))
		var peaks []int64
		for _, n := range []int{2000, 20000} {
			srv := benchServer(b)
			url := storetest.URL(b, storeDialect())
			st, err := store.Open(context.Background(), url, store.WithStaff([]string{staffAddr}, filing.LangChinese), store.WithMessageIDDomain("example.cn"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			msgs := backlog(b, st, n)
			st.Close()
			srv.AppendMany(b, srv.Mailbox, msgs)
			msgs = nil
			spec, _ := json.Marshal(ingestChild{StoreURL: url, Host: srv.BackendHost(), Port: srv.BackendPort(), User: srv.User, Pass: srv.Pass,
				Mailbox: srv.Mailbox, Processed: srv.Processed, Batch: benchBatch()})
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envIngestChild+"="+string(spec))
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			var res ingestChildResult
			if jerr := json.Unmarshal(out, &res); jerr != nil {
				b.Fatalf("ingest child: %v, %v: %s", err, jerr, out)
			}
			if err != nil || res.Err != "" || res.Recorded != n || res.Moved != n {
				b.Fatalf("ingest child: %v %+v, want %d recorded and moved", err, res, n)
			}
			peak := res.PeakRSS
			if peak == 0 {
				b.Skip("no peak RSS on this platform (/proc/self/status)")
			}
			peaks = append(peaks, peak)
			fmt.Printf("  %6d messages: peak RSS %.0f MB (target ≤ 128 MB): %s; %s msgs/s in that pass\n",
				n, float64(peak)/(1<<20), benchrun.Verdict(peak <= 128<<20), benchrun.Thousands(float64(n)/res.Elapsed.Seconds()))
			b.ReportMetric(float64(peak)/(1<<20), fmt.Sprintf("MB-peak-RSS-%d", n))
		}
		if len(peaks) == 2 {
			fmt.Printf("  20,000 against 2,000: %.2f× the peak RSS (flat: about 1×)\n", float64(peaks[1])/float64(peaks[0]))
		}
	}
}
