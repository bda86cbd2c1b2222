package monitor

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StoreStats read, at scrape time, what operators alert on from the
// database: the work queue, the filings by stage, each job's last success.
type StoreStats struct {
	// Work is, per work item kind, the open items and the oldest one's
	// opening time.
	Work func(ctx context.Context) (map[string]KindStat, error)
	// Stages counts filings per stage.
	Stages func(ctx context.Context) (map[string]int, error)
	// JobSuccess is when each job last finished well.
	JobSuccess func(ctx context.Context) (map[string]time.Time, error)
	// Kinds are every work item kind, so a kind with none open reads 0
	// rather than vanishing.
	Kinds []string
}

// KindStat is the open items of one kind.
type KindStat struct {
	Open   int
	Oldest time.Time
}

var (
	workOpenDesc = prometheus.NewDesc("icpdesk_work_items_open", "Work items waiting for staff, by kind.", []string{"kind"}, nil)
	workAgeDesc  = prometheus.NewDesc("icpdesk_work_items_oldest_age_seconds",
		"Age of the oldest open work item of a kind (0 when none).", []string{"kind"}, nil)
	stageDesc      = prometheus.NewDesc("icpdesk_filings", "Filings by stage.", []string{"stage"}, nil)
	jobSuccessDesc = prometheus.NewDesc("icpdesk_job_last_success_timestamp_seconds",
		"When each scheduled job last finished without error (Unix time); absent until it has.", []string{"job"}, nil)
)

// WatchStore exports the store's gauges.
func (m *Metrics) WatchStore(st StoreStats) {
	m.Registry.MustRegister(&storeCollector{st: st})
}

type storeCollector struct{ st StoreStats }

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- workOpenDesc
	ch <- workAgeDesc
	ch <- stageDesc
	ch <- jobSuccessDesc
}

// Collect reads with a short timeout, so a slow database cannot hang a
// scrape; what cannot be read is reported as an invalid metric.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	now := time.Now()
	if c.st.Work != nil {
		work, err := c.st.Work(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(workOpenDesc, err)
		} else {
			seen := map[string]bool{}
			emit := func(kind string, k KindStat) {
				seen[kind] = true
				age := 0.0
				if k.Open > 0 && !k.Oldest.IsZero() {
					age = now.Sub(k.Oldest).Seconds()
				}
				ch <- prometheus.MustNewConstMetric(workOpenDesc, prometheus.GaugeValue, float64(k.Open), kind)
				ch <- prometheus.MustNewConstMetric(workAgeDesc, prometheus.GaugeValue, age, kind)
			}
			for _, kind := range c.st.Kinds {
				emit(kind, work[kind])
			}
			for kind, k := range work {
				if !seen[kind] {
					emit(kind, k)
				}
			}
		}
	}
	if c.st.Stages != nil {
		stages, err := c.st.Stages(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(stageDesc, err)
		} else {
			for stage, n := range stages {
				ch <- prometheus.MustNewConstMetric(stageDesc, prometheus.GaugeValue, float64(n), stage)
			}
		}
	}
	if c.st.JobSuccess != nil {
		last, err := c.st.JobSuccess(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(jobSuccessDesc, err)
		} else {
			for job, at := range last {
				ch <- prometheus.MustNewConstMetric(jobSuccessDesc, prometheus.GaugeValue, float64(at.UnixNano())/1e9, job)
			}
		}
	}
}

// InboxState reports this replica's IMAP session and whether it holds the
// mailbox (a standby does not).
type InboxState func() (connected, leaseHeld bool)

var (
	imapConnectedDesc = prometheus.NewDesc("icpdesk_imap_connected",
		"1 while this replica has an IMAP session with the watched mailbox.", nil, nil)
	leaseHeldDesc = prometheus.NewDesc("icpdesk_inbox_lease_held",
		"1 while this replica holds the mailbox (one replica watches it; the others stand by).", nil, nil)
)

// WatchInbox exports the inbox's session state.
func (m *Metrics) WatchInbox(state InboxState) {
	m.Registry.MustRegister(&inboxCollector{state: state})
}

type inboxCollector struct{ state InboxState }

func (c *inboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- imapConnectedDesc
	ch <- leaseHeldDesc
}

func (c *inboxCollector) Collect(ch chan<- prometheus.Metric) {
	connected, held := c.state()
	ch <- prometheus.MustNewConstMetric(imapConnectedDesc, prometheus.GaugeValue, b2f(connected))
	ch <- prometheus.MustNewConstMetric(leaseHeldDesc, prometheus.GaugeValue, b2f(held))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
