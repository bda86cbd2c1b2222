// Package monitor exposes icpdesk's health and metrics over HTTP: /healthz
// (the process is alive), /readyz (the database answers, the IMAP session
// and the last SMTP result are good; on a standby replica, the session of
// the replica holding the mailbox) and /metrics (Prometheus).
package monitor

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the daemon's Prometheus metrics.
type Metrics struct {
	Registry *prometheus.Registry

	InboundMessages *prometheus.CounterVec // by classification and decision
	IngestLatency   prometheus.Histogram   // from the server's arrival to commit
	JobRuns         *prometheus.CounterVec // by job and status
	JobDuration     *prometheus.HistogramVec
	IMAPReconnects  prometheus.Counter
	// NeedsReply counts messages that asked staff for an answer.
	NeedsReply prometheus.Counter
}

// OutboxStats reports the outbox's queue for the depth and age gauges.
type OutboxStats func(ctx context.Context) (depth int, oldest time.Time, err error)

// NewMetrics registers the metrics. outbox is called on every scrape.
func NewMetrics(outbox OutboxStats) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		InboundMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icpdesk_inbound_messages_total", Help: "Inbound messages recorded, by classification and decision.",
		}, []string{"classification", "decision"}),
		IngestLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "icpdesk_ingest_latency_seconds",
			Help:    "Time from a message's arrival in the mailbox to its commit.",
			Buckets: []float64{.05, .1, .25, .5, .75, 1, 2, 5, 10, 30, 60, 300},
		}),
		JobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icpdesk_job_runs_total", Help: "Scheduled job runs by job and status (ok, failed, skipped).",
		}, []string{"job", "status"}),
		JobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "icpdesk_job_duration_seconds", Help: "Duration of scheduled job runs.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10),
		}, []string{"job"}),
		IMAPReconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "icpdesk_imap_reconnects_total", Help: "IMAP sessions re-established after a session failed or could not be opened.",
		}),
		NeedsReply: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "icpdesk_inbound_needs_reply_total",
			Help: "Inbound messages that asked staff for an answer (a question, more time, a misread acknowledgement).",
		}),
	}
	reg.MustRegister(m.InboundMessages, m.IngestLatency, m.JobRuns, m.JobDuration, m.IMAPReconnects, m.NeedsReply,
		buildInfo(),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if outbox != nil {
		reg.MustRegister(&outboxCollector{stats: outbox})
	}
	return m
}

// buildInfo is icpdesk_build_info: 1, labelled with the version and the Go
// release that built it.
func buildInfo() prometheus.Collector {
	version, goVersion := "devel", runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "icpdesk_build_info", Help: "icpdesk's version and Go release; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": goVersion}})
	g.Set(1)
	return g
}

// ObserveJob records one job run; it fits scheduler.Config.OnRun.
func (m *Metrics) ObserveJob(job, status string, took time.Duration) {
	m.JobRuns.WithLabelValues(job, status).Inc()
	m.JobDuration.WithLabelValues(job).Observe(took.Seconds())
}

// SendCounts reports the mailer's running totals.
type SendCounts func() (sent, retried, failed int64)

// WatchSends exports the mailer's totals as icpdesk_outbox_send_results_total.
func (m *Metrics) WatchSends(counts SendCounts) {
	m.Registry.MustRegister(&sendCollector{counts: counts})
}

var sendDesc = prometheus.NewDesc("icpdesk_outbox_send_results_total",
	"Outbound emails by result: sent, retried (a temporary failure, rescheduled) or failed (given up).", []string{"result"}, nil)

type sendCollector struct{ counts SendCounts }

func (c *sendCollector) Describe(ch chan<- *prometheus.Desc) { ch <- sendDesc }

func (c *sendCollector) Collect(ch chan<- prometheus.Metric) {
	sent, retried, failed := c.counts()
	ch <- prometheus.MustNewConstMetric(sendDesc, prometheus.CounterValue, float64(sent), "sent")
	ch <- prometheus.MustNewConstMetric(sendDesc, prometheus.CounterValue, float64(retried), "retried")
	ch <- prometheus.MustNewConstMetric(sendDesc, prometheus.CounterValue, float64(failed), "failed")
}

var (
	depthDesc = prometheus.NewDesc("icpdesk_outbox_depth", "Emails queued and not yet sent.", nil, nil)
	ageDesc   = prometheus.NewDesc("icpdesk_outbox_oldest_age_seconds", "Age of the oldest queued email (0 when none).", nil, nil)
)

// outboxCollector reads the queue at scrape time, with a short timeout so a
// slow database cannot hang the scrape.
type outboxCollector struct{ stats OutboxStats }

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc; ch <- ageDesc }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	depth, oldest, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(depthDesc, err)
		return
	}
	age := 0.0
	if depth > 0 && !oldest.IsZero() {
		age = time.Since(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, age)
}

// Check is one readiness check. Fn returns what it found worth saying
// (shown as the check's detail; may be empty) and nil when ready, or why
// not.
type Check struct {
	Name string
	Fn   func(ctx context.Context) (detail string, err error)
}

// Ready adapts a check that only says whether it is ready.
func Ready(fn func(context.Context) error) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) { return "", fn(ctx) }
}

// Handler serves /healthz, /readyz and /metrics.
func Handler(m *Metrics, checks []Check, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		type result struct {
			Name   string `json:"name"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail,omitempty"`
			Error  string `json:"error,omitempty"`
		}
		results := make([]result, len(checks))
		var wg sync.WaitGroup
		for i, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						results[i] = result{Name: c.Name, Error: "check panicked"}
						log.Error("readiness check panicked", "check", c.Name, "panic", p)
					}
				}()
				detail, err := c.Fn(ctx)
				results[i] = result{Name: c.Name, OK: err == nil, Detail: detail}
				if err != nil {
					results[i].Error = err.Error()
				}
			}()
		}
		wg.Wait()
		status := http.StatusOK
		for _, r := range results {
			if !r.OK {
				status = http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"ready": status == http.StatusOK, "checks": results})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorLog: slogPrinter{log}, ErrorHandling: promhttp.ContinueOnError}))
	return mux
}

type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Warn("metrics", "detail", v) }
