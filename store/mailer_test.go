package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

const mailPassword = "Pw-only-in-one-email-7f3a"

// owner is the claimant in tests that need only one.
const owner = "test:1:worker-1"

// enqueueMail adds n emails with a password in the payload, due at the
// store's now plus delay, and returns their ids in order.
func enqueueMail(t *testing.T, s *store.Store, prefix string, n int, delay time.Duration) []int64 {
	t.Helper()
	var ids []int64
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			notice := filing.Notice{Kind: filing.EmailFilingApproved, Language: filing.LangChinese,
				To: fmt.Sprintf("%s%d@example.cn", prefix, i), Reference: "BA-2026-000123", ICPNumber: "浙ICP备12345678号-1",
				Password: mailPassword, At: s.Now()}
			ok, err := tx.Enqueue(ctx, store.OutboxItem{Notice: notice, DedupKey: fmt.Sprintf("test:%s:%d", prefix, i), NotBefore: s.Now().Add(delay)})
			if err != nil || !ok {
				return fmt.Errorf("enqueue %d: %v %v", i, ok, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if strings.HasPrefix(r.DedupKey, "test:"+prefix+":") {
			ids = append(ids, r.ID)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func outboxRow(t *testing.T, s *store.Store, id int64) store.OutboxRow {
	t.Helper()
	r, err := s.OutboxByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestClaimMarkSentErasesPassword(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ids := enqueueMail(t, s, "a", 3, 0)
		later := enqueueMail(t, s, "later", 1, time.Hour)
		got, err := s.ClaimDue(ctx, owner, c.Now(), 2, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[1] {
			t.Fatalf("claimed %+v, want the two oldest of %v", got, ids)
		}
		m := got[0]
		if m.Attempts != 1 || m.Notice.Password != mailPassword || m.MessageID == "" || m.NoticeErr != nil ||
			!m.LeaseUntil.Equal(c.Now().Add(10*time.Minute)) || m.Recipient != "a0@example.cn" {
			t.Fatalf("claimed row %+v", m)
		}
		if r := outboxRow(t, s, m.ID); r.Status != store.OutboxSending || r.Attempts != 1 {
			t.Fatalf("after claim: %+v", r)
		}
		// Claimed rows are not claimed again; the future one is not due.
		rest, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute)
		if err != nil || len(rest) != 1 || rest[0].ID != ids[2] {
			t.Fatalf("second claim: %+v %v", rest, err)
		}

		sentAt := c.Now().Add(3 * time.Second)
		n, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[0], SentAt: sentAt}, {ID: ids[1], SentAt: sentAt.Add(time.Millisecond)}})
		if err != nil || n != 2 {
			t.Fatalf("mark sent: %d %v", n, err)
		}
		for i, id := range ids[:2] {
			r := outboxRow(t, s, id)
			if r.Status != store.OutboxSent || r.SentAt == nil || !r.SentAt.Equal(sentAt.Add(time.Duration(i)*time.Millisecond)) || r.MessageID != got[i].MessageID {
				t.Errorf("row %d after mark sent: %+v", id, r)
			}
			notice, err := s.OutboxNotice(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if notice.Password != "" || notice.ICPNumber != "浙ICP备12345678号-1" {
				t.Errorf("row %d: password %q kept or payload damaged (%q)", id, notice.Password, notice.ICPNumber)
			}
		}
		// Unsent rows keep their password until they are sent.
		if notice, _ := s.OutboxNotice(ctx, ids[2]); notice.Password != mailPassword {
			t.Errorf("an unsent row lost its password")
		}
		if notice, _ := s.OutboxNotice(ctx, later[0]); notice.Password != mailPassword {
			t.Errorf("a queued row lost its password")
		}
		// A row no longer leased to us is not marked.
		if n, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[0], SentAt: sentAt}}); err != nil || n != 0 {
			t.Errorf("marking a sent row again changed %d rows (%v)", n, err)
		}
		if n, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[2], SentAt: sentAt}}); err != nil || n != 1 {
			t.Fatalf("mark sent: %d %v", n, err)
		}
		dump := store.DumpForTest(ctx, t, s)
		if strings.Count(dump, mailPassword) != 1 { // only the row still queued
			t.Errorf("the password is stored %d times after sending, want 1 (the unsent row)", strings.Count(dump, mailPassword))
		}
	})
}

// TestMarkSentManyRows: rows marked alone and in statements of many, each
// with its one email_sent event, and no password left.
func TestMarkSentManyRows(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ids := enqueueMail(t, s, "bulk", 650, 0) // more than one statement's chunk
		got, err := s.ClaimDue(ctx, owner, c.Now(), 1000, time.Minute)
		if err != nil || len(got) != len(ids) {
			t.Fatalf("claimed %d of %d: %v", len(got), len(ids), err)
		}
		marks := make([]store.SentMark, len(got))
		for i, m := range got {
			marks[i] = store.SentMark{ID: m.ID, SentAt: c.Now()}
		}
		// The first alone (the mailer's path), then all (the batch path):
		// the first is not marked twice.
		if n, err := s.MarkSent(ctx, marks[:1]); err != nil || n != 1 {
			t.Fatalf("mark one sent: %d %v", n, err)
		}
		if n, err := s.MarkSent(ctx, marks); err != nil || n != len(ids)-1 {
			t.Fatalf("mark sent: %d %v", n, err)
		}
		// Each email marked sent has exactly one email_sent event in the
		// feed, written by the statement that marked it.
		feed, err := s.FeedEvents(ctx, store.FeedCursor{}, 5000)
		if err != nil {
			t.Fatal(err)
		}
		events := map[int64]int{}
		for _, e := range feed {
			if e.Action != "email_sent" {
				continue
			}
			var d struct {
				OutboxID int64  `json:"outbox_id"`
				Kind     string `json:"kind"`
			}
			if err := json.Unmarshal([]byte(e.RawDetail), &d); err != nil || d.Kind != string(filing.EmailFilingApproved) || e.Seq == 0 {
				t.Fatalf("email_sent event %+v: %v", e, err)
			}
			events[d.OutboxID]++
		}
		for _, id := range ids {
			if events[id] != 1 {
				t.Fatalf("email %d has %d email_sent events, want 1", id, events[id])
			}
		}
		if len(events) != len(ids) {
			t.Fatalf("email_sent events for %d emails, want %d", len(events), len(ids))
		}
		rows, err := s.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxSent})
		if err != nil || len(rows) != len(ids) {
			t.Fatalf("%d rows sent, want %d (%v)", len(rows), len(ids), err)
		}
		if strings.Contains(store.DumpForTest(ctx, t, s), mailPassword) {
			t.Error("a password survived MarkSent")
		}
	})
}

func TestMarkRetryAndNextDue(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		if _, ok, err := s.NextDue(ctx); ok || err != nil {
			t.Fatalf("empty outbox has a next due row (%v)", err)
		}
		ids := enqueueMail(t, s, "r", 2, 0)
		got, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute)
		if err != nil || len(got) != 2 {
			t.Fatal(got, err)
		}
		next := c.Now().Add(45 * time.Second)
		n, err := s.MarkRetry(ctx, owner, []store.RetryMark{{ID: ids[0], NextAttemptAt: next, Error: "451 4.3.0 try later"},
			{ID: ids[1], NextAttemptAt: next.Add(time.Minute), Error: strings.Repeat("长", 2000)}})
		if err != nil || n != 2 {
			t.Fatalf("mark retry: %d %v", n, err)
		}
		r := outboxRow(t, s, ids[0])
		if r.Status != store.OutboxQueued || !r.NextAttemptAt.Equal(next) || r.LastError != "451 4.3.0 try later" || r.Attempts != 1 {
			t.Fatalf("after retry: %+v", r)
		}
		if long := outboxRow(t, s, ids[1]).LastError; len(long) > 1100 || !strings.HasSuffix(long, "…") {
			t.Errorf("a long error is stored whole (%d bytes)", len(long))
		}
		due, ok, err := s.NextDue(ctx)
		if err != nil || !ok || !due.Equal(next) {
			t.Fatalf("next due %v %v %v, want %v", due, ok, err, next)
		}
		if got, _ := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute); len(got) != 0 {
			t.Fatalf("claimed %d rows before they are due", len(got))
		}
		got, err = s.ClaimDue(ctx, owner, next, 10, time.Minute)
		if err != nil || len(got) != 1 || got[0].ID != ids[0] || got[0].Attempts != 2 {
			t.Fatalf("claim when due: %+v %v", got, err)
		}
	})
}

func TestMarkFailedAlertsEachStaffAddressOnce(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := newClock()
			s := storetest.Open(t, d, store.WithClock(c.Now), store.WithStaff([]string{"staff1@example.cn", "Staff2@example.cn"}, filing.LangEnglish))
			ids := enqueueMail(t, s, "f", 1, 0)
			got, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute)
			if err != nil || len(got) != 1 {
				t.Fatal(got, err)
			}
			alert := &filing.Alert{Action: filing.AlertEmailFailed, EmailKind: filing.EmailFilingSubmitted}
			n, err := s.MarkFailed(ctx, store.OutboxFailure{Owner: owner, ID: ids[0], At: c.Now(), Error: "550 5.1.1 no such user", Alert: alert})
			if err != nil || n != 2 {
				t.Fatalf("mark failed: %d alerts, %v", n, err)
			}
			if r := outboxRow(t, s, ids[0]); r.Status != store.OutboxFailed || r.LastError != "550 5.1.1 no such user" {
				t.Fatalf("failed row: %+v", r)
			}
			// Failing it again is refused and enqueues nothing more.
			if _, err := s.MarkFailed(ctx, store.OutboxFailure{Owner: owner, ID: ids[0], At: c.Now(), Error: "again", Alert: alert}); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("second MarkFailed: %v", err)
			}
			alerts, err := s.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxQueued})
			if err != nil {
				t.Fatal(err)
			}
			var to []string
			for _, a := range alerts {
				if a.Kind != string(filing.EmailStaffAlert) || a.Language != "en" || a.Reference != "" ||
					!strings.HasPrefix(a.DedupKey, "staff_alert:email_failed:f0@example.cn:recipient_unknown:") {
					t.Errorf("alert row %+v", a)
				}
				to = append(to, a.Recipient)
				n, err := s.OutboxNotice(ctx, a.ID)
				if err != nil || n.Alert == nil || n.Alert.Recipient != "f***@example.cn" || n.Alert.Reason != filing.FailureRecipientUnknown ||
					n.Alert.Status != "550 5.1.1" || n.Alert.ItemID == 0 || n.Reference != "BA-2026-000123" || n.Password != "" {
					t.Errorf("alert payload %+v %v", n.Alert, err)
				}
			}
			sort.Strings(to)
			if strings.Join(to, ",") != "staff1@example.cn,staff2@example.cn" {
				t.Fatalf("alerts to %v", to)
			}
			// A staff alert that fails raises no alert of its own.
			claimed, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute)
			if err != nil || len(claimed) != 2 {
				t.Fatal(claimed, err)
			}
			if n, err := s.MarkFailed(ctx, store.OutboxFailure{Owner: owner, ID: claimed[0].ID, At: c.Now(), Error: "550", Alert: alert}); err != nil || n != 0 {
				t.Fatalf("failing a staff alert enqueued %d alerts (%v)", n, err)
			}
			var events int
			if err := store.GetForTest(ctx, s, &events, `SELECT COUNT(*) FROM events WHERE action = 'email_failed'`); err != nil || events != 2 {
				t.Fatalf("%d email_failed events (%v), want 2", events, err)
			}
		})
	}
}

func TestReleaseAndRequeueExpiredLeases(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ids := enqueueMail(t, s, "l", 2, 0)
		if _, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseClaims(ctx, owner, ids[:1]); err != nil {
			t.Fatal(err)
		}
		if r := outboxRow(t, s, ids[0]); r.Status != store.OutboxQueued || r.Attempts != 0 {
			t.Fatalf("released row: %+v", r)
		}
		if n, err := s.RequeueExpiredLeases(ctx, c.Now().Add(59*time.Second)); err != nil || n != 0 {
			t.Fatalf("requeued %d rows whose lease runs (%v)", n, err)
		}
		later := c.Now().Add(61 * time.Second)
		if n, err := s.RequeueExpiredLeases(ctx, later); err != nil || n != 1 {
			t.Fatalf("requeued %d expired rows (%v), want 1", n, err)
		}
		r := outboxRow(t, s, ids[1])
		if r.Status != store.OutboxQueued || r.Attempts != 1 || !r.NextAttemptAt.Equal(later) {
			t.Fatalf("requeued row: %+v", r)
		}
	})
}

func TestEraseOldSecrets(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		old := enqueueMail(t, s, "old", 2, 0)
		c.Set(c.Now().Add(48 * time.Hour))
		recent := enqueueMail(t, s, "new", 1, 0)
		got, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute)
		if err != nil || len(got) != 3 {
			t.Fatal(got, err)
		}
		for _, id := range []int64{old[0], recent[0]} {
			if _, err := s.MarkFailed(ctx, store.OutboxFailure{Owner: owner, ID: id, At: c.Now(), Error: "550"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ReleaseClaims(ctx, owner, old[1:]); err != nil {
			t.Fatal(err)
		}
		n, err := s.EraseOldSecrets(ctx, c.Now().Add(-24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("erased %d (%v), want 1: the old failed row", n, err)
		}
		for id, want := range map[int64]string{old[0]: "", old[1]: mailPassword, recent[0]: mailPassword} {
			if n, _ := s.OutboxNotice(ctx, id); n.Password != want || n.ICPNumber == "" {
				t.Errorf("row %d: password %q, want %q", id, n.Password, want)
			}
		}
	})
}

func TestRetryRow(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ids := enqueueMail(t, s, "rt", 2, 0)
		if _, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RetryRow(ctx, ids[0], "tester"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("retrying a row being sent: %v", err)
		}
		if _, err := s.MarkFailed(ctx, store.OutboxFailure{Owner: owner, ID: ids[0], At: c.Now(), Error: "550 no"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[1], SentAt: c.Now()}}); err != nil {
			t.Fatal(err)
		}
		c.Set(c.Now().Add(5 * 24 * time.Hour))
		w := s.OutboxWatch()
		r, err := s.RetryRow(ctx, ids[0], "tester")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != store.OutboxQueued || r.Attempts != 0 || !r.NextAttemptAt.Equal(c.Now()) || !r.CreatedAt.Equal(c.Now()) {
			t.Fatalf("retried row: %+v", r)
		}
		select {
		case <-w:
		default:
			t.Error("RetryRow did not wake the mailer")
		}
		var raw string
		if err := store.GetForTest(ctx, s, &raw, `SELECT details FROM events WHERE action = 'email_retried'`); err != nil {
			t.Fatal(err)
		}
		var details map[string]any
		if err := json.Unmarshal([]byte(raw), &details); err != nil || details["previous_status"] != "failed" ||
			details["previous_error"] != "550 no" || details["outbox_id"] != float64(ids[0]) {
			t.Fatalf("retry event %s (%v)", raw, err)
		}
		if _, err := s.RetryRow(ctx, ids[1], "tester"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("retrying a sent row: %v", err)
		}
		if _, err := s.RetryRow(ctx, 999999, "tester"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("retrying a missing row: %v", err)
		}
	})
}

// TestConcurrentClaimsNeverOverlap: replicas claiming at once on PostgreSQL
// get disjoint rows (SKIP LOCKED), and together all of them.
func TestConcurrentClaimsNeverOverlap(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	c := newClock()
	var stores []*store.Store
	for i := 0; i < 4; i++ {
		s, err := store.Open(ctx, url, store.WithClock(c.Now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		stores = append(stores, s)
	}
	ids := enqueueMail(t, stores[0], "c", 400, 0)
	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		wg      sync.WaitGroup
		errs    = make(chan error, len(stores))
	)
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimDue(ctx, owner, c.Now(), 7, time.Minute)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					claimed[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(claimed) != len(ids) {
		t.Fatalf("claimed %d distinct rows of %d", len(claimed), len(ids))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
}

// TestListenOutbox: an enqueue wakes a listener in this process and, on
// PostgreSQL, in another replica.
func TestListenOutbox(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := storetest.URL(t, d)
			a, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			writer := a
			if d == store.Postgres {
				// Another replica: its in-process wake-up cannot reach a.
				if writer, err = store.Open(ctx, url); err != nil {
					t.Fatal(err)
				}
				defer writer.Close()
			}
			lctx, cancel := context.WithCancel(ctx)
			defer cancel()
			wake, err := a.ListenOutbox(lctx, func(err error) { t.Logf("listener: %v", err) })
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-wake:
				t.Fatal("woken before anything was enqueued")
			default:
			}
			enqueueMail(t, writer, "w", 1, 0)
			select {
			case <-wake:
			case <-time.After(30 * time.Second): // a liveness bound, not a timing goal
				t.Fatal("the listener was not woken by an enqueue")
			}
		})
	}
}

// TestMarkSentRecordsAMissingMessageID: a row queued without a Message-ID
// keeps the one it was sent with; rows that had one keep theirs.
func TestMarkSentRecordsAMissingMessageID(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ids := enqueueMail(t, s, "mid", 2, 0)
		if err := store.ExecForTest(ctx, s, `UPDATE outbox SET message_id = '' WHERE id = ?`, ids[0]); err != nil {
			t.Fatal(err)
		}
		before := outboxRow(t, s, ids[1]).MessageID
		if _, err := s.ClaimDue(ctx, owner, c.Now(), 10, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[0], SentAt: c.Now(), MessageID: "icpdesk.late@example.cn"},
			{ID: ids[1], SentAt: c.Now(), MessageID: "icpdesk.other@example.cn"}}); err != nil {
			t.Fatal(err)
		}
		if got := outboxRow(t, s, ids[0]).MessageID; got != "icpdesk.late@example.cn" {
			t.Errorf("missing Message-ID not recorded: %q", got)
		}
		if got := outboxRow(t, s, ids[1]).MessageID; got != before {
			t.Errorf("an existing Message-ID was replaced: %q, want %q", got, before)
		}
	})
}

// TestMarkSentTakesNoFilingLock: on PostgreSQL, marking an email sent
// writes its email_sent event without locking the filing it names (schema
// 12 dropped the events' foreign keys, whose checks took that lock). The
// mailer records each delivery before the next message ends, so a staff
// action holding the filing must not hold up the sending.
func TestMarkSentTakesNoFilingLock(t *testing.T) {
	c := newClock()
	s := storetest.Open(t, store.Postgres, store.WithClock(c.Now), store.WithStaff([]string{staffAddr}, filing.LangChinese))
	approvedAccount(t, s, "zhangsan@example.cn")
	f := importEnterprise(t, s, "BA-2026-000123", "zhangsan@example.cn")
	change(t, s, "BA-2026-000123", filing.ActionSubmit, c.Now())
	got, err := s.ClaimDue(ctx, owner, c.Now(), 10, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var marks []store.SentMark // the account's approval and the filing's submission
	for _, m := range got {
		marks = append(marks, store.SentMark{ID: m.ID, SentAt: c.Now()})
	}
	if len(got) != 2 || got[1].FilingID != f.ID {
		t.Fatalf("claimed %d emails, the second of filing %d; want 2, of filing %d", len(got), got[len(got)-1].FilingID, f.ID)
	}

	release := holdLocks(t, s, `SELECT id FROM filings WHERE id = ? FOR UPDATE`, f.ID)
	n, err := s.MarkSent(ctx, marks[1:])
	if err == nil && n == 1 {
		n, err = s.MarkSent(ctx, marks) // the batch path; the second is already sent
	}
	release()
	if err != nil || n != 1 {
		t.Fatalf("mark sent while the filing is locked: %d %v", n, err)
	}
	if r := outboxRow(t, s, got[0].ID); r.Status != store.OutboxSent {
		t.Fatalf("the account's email is %s", r.Status)
	}
	events, err := s.FilingEvents(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Action != "email_sent" {
		t.Fatalf("the filing's last event is %q, want email_sent", last.Action)
	}
}

// TestMarkSentBoundedByLockTimeout: on PostgreSQL a single mark runs
// without its context's cancellation (see markOneSent), so its wait for a
// lock is bounded by a lock_timeout instead: held past it, the mark fails,
// changes nothing, and succeeds once the lock is free.
func TestMarkSentBoundedByLockTimeout(t *testing.T) {
	defer store.SetMarkLockTimeoutForTest("300ms")()
	c := newClock()
	s := storetest.Open(t, store.Postgres, store.WithClock(c.Now), store.WithStaff([]string{staffAddr}, filing.LangChinese))
	ids := enqueueMail(t, s, "lock", 1, 0)
	if got, err := s.ClaimDue(ctx, owner, c.Now(), 10, 10*time.Minute); err != nil || len(got) != 1 {
		t.Fatalf("claim: %+v %v", got, err)
	}
	// Whoever writes events holds the clock until it commits. Without the
	// bound the mark would wait until holdLocks lets go after 10 s.
	release := holdLocks(t, s, `UPDATE event_clock SET seq = seq WHERE id = 1`)
	n, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[0], SentAt: c.Now()}})
	release()
	if err == nil || !strings.Contains(err.Error(), "lock timeout") || n != 0 {
		t.Fatalf("mark sent while the clock was held: %d %v", n, err)
	}
	if r := outboxRow(t, s, ids[0]); r.Status != store.OutboxSending {
		t.Fatalf("after the failed mark the row is %s", r.Status)
	}
	if n, err := s.MarkSent(ctx, []store.SentMark{{ID: ids[0], SentAt: c.Now()}}); err != nil || n != 1 {
		t.Fatalf("mark sent once the clock is free: %d %v", n, err)
	}
}

// holdLocks runs q in a transaction of its own and keeps that transaction,
// and the locks q took, open until the returned function is called. After
// 10 s it lets go by itself and the test fails: code under test waited on
// those locks, and fails its test rather than hanging it.
func holdLocks(t *testing.T, s *store.Store, q string, args ...any) (release func()) {
	t.Helper()
	locked, let, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- s.InTx(ctx, func(tx *store.Tx) error {
			if err := store.TxExecForTest(ctx, tx, q, args...); err != nil {
				return err
			}
			close(locked)
			<-let
			return nil
		})
	}()
	select {
	case <-locked:
	case err := <-held:
		t.Fatalf("take the locks of %q: %v", q, err)
	}
	var once sync.Once
	letGo := func() { once.Do(func() { close(let) }) }
	watchdog := time.AfterFunc(10*time.Second, letGo)
	return func() {
		t.Helper()
		if !watchdog.Stop() {
			t.Errorf("the locks of %q were held 10 s: what the test ran waited on them", q)
		}
		letGo()
		if err := <-held; err != nil {
			t.Fatal(err)
		}
	}
}
