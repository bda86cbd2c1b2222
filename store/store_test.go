package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

var (
	ctx      = context.Background()
	shanghai = mustZone("Asia/Shanghai")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newClock() *clock {
	return &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai)}
}

const staffAddr = "staff@example.cn"

// each gives every subtest its own clock.
func each(t *testing.T, fn func(t *testing.T, s *store.Store, c *clock)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			c := newClock()
			s := storetest.Open(t, d, store.WithClock(c.Now), store.WithStaff([]string{staffAddr}, filing.LangChinese))
			fn(t, s, c)
		})
	}
}

func approvedAccount(t *testing.T, s *store.Store, email string) filing.Account {
	t.Helper()
	a, err := filing.NewAccount(email, "张三", filing.LangChinese, false, s.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, a, "tester"); err != nil {
		t.Fatal(err)
	}
	a, err = s.DecideAccount(ctx, email, filing.AccountApprove, "", "tester")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func importEnterprise(t *testing.T, s *store.Store, ref, account string) filing.Filing {
	t.Helper()
	f, probs, err := s.ImportFiling(ctx, filingtest.Enterprise(ref, account), filingtest.Fingerprinter(), "tester")
	if err != nil || len(probs) > 0 {
		t.Fatalf("import %s: %v %v", ref, err, probs)
	}
	return f
}

func change(t *testing.T, s *store.Store, ref string, action filing.Action, at time.Time, mod ...func(*store.ChangeRequest)) store.ChangeResult {
	t.Helper()
	req := store.ChangeRequest{Ref: ref, Request: filing.Request{Action: action, Actor: filing.ActorStaff, At: at}, ActorName: "tester"}
	for _, m := range mod {
		m(&req)
	}
	res, err := s.ChangeStage(ctx, req)
	if err != nil {
		t.Fatalf("%s %s: %v", action, ref, err)
	}
	return res
}

func withReason(r string) func(*store.ChangeRequest) {
	return func(c *store.ChangeRequest) { c.Reason = r }
}

func outboxKinds(t *testing.T, s *store.Store, ref string) []string {
	t.Helper()
	rows, err := s.ListOutbox(ctx, store.OutboxFilter{FilingRef: ref})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i := len(rows) - 1; i >= 0; i-- { // oldest first
		kinds = append(kinds, rows[i].Kind+">"+rows[i].Recipient)
	}
	return kinds
}

func TestMigrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != store.LatestSchema(s.Dialect()) || v == 0 {
			t.Fatalf("schema version %d, want %d", v, store.LatestSchema(s.Dialect()))
		}
		res, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Applied) != 0 || res.From != v || res.To != v {
			t.Fatalf("second migrate did something: %+v", res)
		}
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema on a current schema: %v", err)
		}
		// A newer binary migrated this database: this one must refuse it.
		if err := store.ExecForTest(ctx, s, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', ?)`, v+1, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer than this binary") {
			t.Fatalf("migrate on a newer schema: %v", err)
		}
		if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("CheckSchema on a newer schema: %v", err)
		}
	})
}

func TestMigrateEmptyAndConcurrent(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			u := storetest.URL(t, d)
			var stores []*store.Store
			for i := 0; i < 3; i++ {
				s, err := store.Open(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				stores = append(stores, s)
			}
			if err := stores[0].CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "icpdesk migrate") {
				t.Fatalf("CheckSchema on an empty database should ask for migrate, got %v", err)
			}
			// Replicas starting together: each migration is applied once.
			var wg sync.WaitGroup
			errs := make([]error, len(stores))
			applied := make([]int, len(stores))
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := s.Migrate(ctx)
					errs[i], applied[i] = err, len(res.Applied)
				}()
			}
			wg.Wait()
			total := 0
			for i := range stores {
				if errs[i] != nil && d == store.Postgres {
					t.Fatalf("replica %d: %v", i, errs[i])
				}
				total += applied[i]
			}
			if total != store.LatestSchema(d) {
				t.Fatalf("migrations applied %d times in all, want %d", total, store.LatestSchema(d))
			}
		})
	}
}

func TestAccounts(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		a, err := filing.NewAccount("Zhang.San@Example.CN", "张三", "", false, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		a, err = s.CreateAccount(ctx, a, "tester")
		if err != nil {
			t.Fatal(err)
		}
		if a.Email != "zhang.san@example.cn" || a.Status != filing.AccountPending || a.ID == 0 {
			t.Fatalf("created %+v", a)
		}
		dup, _ := filing.NewAccount("ZHANG.SAN@example.cn", "另一个", "", false, c.Now())
		if _, err := s.CreateAccount(ctx, dup, "tester"); !errors.Is(err, store.ErrExists) {
			t.Fatalf("duplicate account (other case): %v", err)
		}
		if _, err := s.DecideAccount(ctx, "zhang.san@example.cn", filing.AccountReject, "", "tester"); err == nil {
			t.Fatal("reject without reason accepted")
		}
		got, err := s.DecideAccount(ctx, "ZHANG.SAN@EXAMPLE.CN", filing.AccountApprove, "", "tester")
		if err != nil || got.Status != filing.AccountApproved {
			t.Fatalf("approve: %+v %v", got, err)
		}
		if _, err := s.DecideAccount(ctx, "zhang.san@example.cn", filing.AccountReject, "重复注册", "tester"); !errors.Is(err, filing.ErrAccountTransition) {
			t.Fatalf("reject an approved account: %v", err)
		}
		cust, _ := filing.NewAccount("customer@example.com", "Customer Ltd", filing.LangEnglish, true, c.Now())
		cust, err = s.CreateAccount(ctx, cust, "tester")
		if err != nil || cust.Status != filing.AccountApproved {
			t.Fatalf("customer account: %+v %v", cust, err)
		}
		rows, err := s.ListOutbox(ctx, store.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Kind != string(filing.EmailAccountApproved) || rows[0].Recipient != "zhang.san@example.cn" || rows[0].Status != store.OutboxQueued {
			t.Fatalf("outbox after one approval and a customer account: %+v", rows)
		}
		list, err := s.ListAccounts(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("list accounts: %d %v", len(list), err)
		}
		if _, err := s.AccountByEmail(ctx, "nobody@example.cn"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing account: %v", err)
		}
	})
}

func TestImport(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		fp := filingtest.Fingerprinter()

		f := importEnterprise(t, s, "BA-2026-000123", "zhangsan@example.cn")
		if f.Stage != filing.StageDraft || f.ID == 0 {
			t.Fatalf("imported %+v", f)
		}
		d, err := s.FilingByRef(ctx, "ba-2026-000123")
		if err != nil {
			t.Fatal(err)
		}
		got := d.Filing
		if got.Subject.Name != "杭州示例科技有限公司" || got.Subject.LegalRepresentative == nil ||
			got.Subject.Responsible.IDMasked != filing.MaskIDNumber(filingtest.IDZhangSan) ||
			got.Website.Responsible.Name != "李四" || len(got.Website.Domains) != 2 ||
			got.Website.Domains[1] != (filing.Domain{Name: "示例.中国", ASCII: "xn--fsq092h.xn--fiqs8s", Registrant: "杭州示例科技有限公司"}) {
			t.Fatalf("reloaded filing differs: %+v", got)
		}
		if !got.NeedsAuthorization() {
			t.Fatal("reloaded enterprise filing lost its persons: no authorization letter needed")
		}
		if d.Account.Email != "zhangsan@example.cn" {
			t.Fatalf("account %+v", d.Account)
		}

		// Same reference again, an unknown account and a broken rule: all
		// reported at once, nothing stored.
		bad := filingtest.Enterprise("BA-2026-000123", "nobody@example.cn")
		bad.Website.Domains[0].Registrant = "别的公司"
		_, probs, err := s.ImportFiling(ctx, bad, fp, "tester")
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"duplicate_reference", "unknown_account", filing.RuleRegistrantMatchesSubject} {
			if !filing.Problems(probs).Has(code) {
				t.Errorf("problem %s not reported: %v", code, probs)
			}
		}
		// Generated references count up within the year of the desk's zone.
		var refs []string
		for i := 0; i < 2; i++ {
			in := filingtest.Enterprise("", "zhangsan@example.cn")
			g, probs, err := s.ImportFiling(ctx, in, fp, "tester")
			if err != nil || len(probs) > 0 {
				t.Fatal(err, probs)
			}
			refs = append(refs, g.Reference)
		}
		// They have their own prefix, so they never take a number the
		// filing system will use.
		if refs[0] != "ICPD-2026-000001" || refs[1] != "ICPD-2026-000002" {
			t.Fatalf("generated references %v", refs)
		}
		// A filing-system reference that shares the prefix but is not
		// numbered like ours does not break the numbering.
		odd := filingtest.Enterprise("ICPD-2026-000002-A", "zhangsan@example.cn")
		if _, probs, err := s.ImportFiling(ctx, odd, fp, "tester"); err != nil || len(probs) > 0 {
			t.Fatal(err, probs)
		}
		g, probs, err := s.ImportFiling(ctx, filingtest.Enterprise("", "zhangsan@example.cn"), fp, "tester")
		if err != nil || len(probs) > 0 || g.Reference != "ICPD-2026-000003" {
			t.Fatalf("after an odd reference: %q %v %v", g.Reference, err, probs)
		}
		list, err := s.ListFilings(ctx, store.FilingFilter{})
		if err != nil || len(list) != 5 {
			t.Fatalf("list: %d %v", len(list), err)
		}
	})
}

func TestFullFlowAndDeadline(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, "BA-2026-000123", "zhangsan@example.cn")
		ref := "BA-2026-000123"

		change(t, s, ref, filing.ActionSubmit, c.Now())
		change(t, s, ref, filing.ActionToBureau, c.Now().Add(time.Hour))
		returnedAt := time.Date(2026, 12, 1, 23, 50, 0, 123456789, shanghai)
		res := change(t, s, ref, filing.ActionReturnBureau, returnedAt, withReason("网站名称与内容不符"))
		if res.Enqueued != 1 {
			t.Fatalf("return enqueued %d emails", res.Enqueued)
		}

		d, err := s.FilingByRef(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		f := d.Filing
		wantDeadline := time.Date(2026, 12, 8, 23, 59, 59, 0, shanghai)
		if f.Stage != filing.StageReturned || f.Deadline == nil || !f.Deadline.Equal(wantDeadline) ||
			f.ReturnSource != filing.ReturnedByBureau || f.ReturnReason != "网站名称与内容不符" || f.Version != 4 {
			t.Fatalf("after return: stage %s deadline %v source %s reason %q version %d", f.Stage, f.Deadline, f.ReturnSource, f.ReturnReason, f.Version)
		}
		if !f.ReturnedAt.Equal(returnedAt.Truncate(time.Microsecond)) {
			t.Fatalf("returned_at %v, want %v (µs)", f.ReturnedAt, returnedAt)
		}
		if f.Deadline.Location() != time.UTC {
			t.Fatalf("deadline read back in %v, want UTC", f.Deadline.Location())
		}
		want := []string{
			"filing_submitted>zhangsan@example.cn",
			"filing_sent_to_bureau>zhangsan@example.cn",
			"filing_returned>zhangsan@example.cn",
		}
		if got := outboxKinds(t, s, ref); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("outbox %v, want %v", got, want)
		}
		rows, _ := s.ListOutbox(ctx, store.OutboxFilter{FilingRef: ref})
		keys := map[string]bool{}
		for _, r := range rows {
			if r.DedupKey == "" || keys[r.DedupKey] {
				t.Fatalf("dedup key %q empty or repeated", r.DedupKey)
			}
			keys[r.DedupKey] = true
			// The Message-ID is fixed at enqueue so replies link back even
			// before the row is marked sent; it names nothing of the filing.
			if !strings.HasPrefix(r.MessageID, store.MessageIDPrefix) || !strings.HasSuffix(r.MessageID, "@icpdesk.invalid") ||
				keys[r.MessageID] || strings.Contains(r.MessageID, ref) {
				t.Fatalf("message id %q", r.MessageID)
			}
			keys[r.MessageID] = true
		}
		events, err := s.FilingEvents(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action+":"+e.From+">"+e.To)
		}
		if got := strings.Join(actions, ","); got != "import:>draft,submit:draft>provider_review,to_bureau:provider_review>bureau_review,return_bureau:bureau_review>returned" {
			t.Fatalf("events %s", got)
		}

		// The submission email carries the checklist with the authorization letter.
		n := payload(t, s, ref, filing.EmailFilingSubmitted)
		found := false
		for _, m := range n.Materials {
			found = found || m.Key == "authorization_letter"
		}
		if !found || len(n.Domains) != 2 {
			t.Fatalf("submission notice lacks the checklist: %+v", n)
		}
		rn := payload(t, s, ref, filing.EmailFilingReturned)
		if rn.Deadline == nil || !rn.Deadline.Equal(wantDeadline) || rn.ReturnReason != "网站名称与内容不符" {
			t.Fatalf("return notice %+v", rn)
		}
	})
}

func payload(t *testing.T, s *store.Store, ref string, kind filing.EmailKind) filing.Notice {
	t.Helper()
	var raw string
	if err := store.GetForTest(ctx, s, &raw, `SELECT o.payload FROM outbox o JOIN filings f ON f.id = o.filing_id WHERE f.reference = ? AND o.kind = ? ORDER BY o.id DESC LIMIT 1`, ref, string(kind)); err != nil {
		t.Fatalf("payload of %s: %v", kind, err)
	}
	var n filing.Notice
	if err := json.Unmarshal([]byte(raw), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIllegalTransitionChangesNothing(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, "BA-2026-000123", "zhangsan@example.cn")
		before, _ := s.FilingByRef(ctx, "BA-2026-000123")
		outBefore := outboxKinds(t, s, "BA-2026-000123")
		evBefore, _ := s.FilingEvents(ctx, before.Filing.ID)

		_, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: "BA-2026-000123",
			Request: filing.Request{Action: filing.ActionApprove, Actor: filing.ActorStaff, At: c.Now(), ICPNumber: "浙ICP备12345678号-1"}})
		if !errors.Is(err, filing.ErrTransition) || !strings.Contains(err.Error(), "draft") || !strings.Contains(err.Error(), "approved") {
			t.Fatalf("approve a draft: %v", err)
		}
		after, _ := s.FilingByRef(ctx, "BA-2026-000123")
		evAfter, _ := s.FilingEvents(ctx, before.Filing.ID)
		if !reflect.DeepEqual(before.Filing, after.Filing) || len(evAfter) != len(evBefore) ||
			strings.Join(outboxKinds(t, s, "BA-2026-000123"), ",") != strings.Join(outBefore, ",") {
			t.Fatal("a refused transition changed something")
		}
		if _, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: "BA-2099-999999",
			Request: filing.Request{Action: filing.ActionSubmit, Actor: filing.ActorStaff, At: c.Now()}}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown filing: %v", err)
		}
	})
}

// returned brings the fixture filing to "returned by the bureau" at returnedAt.
func returned(t *testing.T, s *store.Store, c *clock, ref string, returnedAt time.Time) {
	t.Helper()
	approvedAccount(t, s, "zhangsan@example.cn")
	importEnterprise(t, s, ref, "zhangsan@example.cn")
	change(t, s, ref, filing.ActionSubmit, returnedAt.Add(-48*time.Hour))
	change(t, s, ref, filing.ActionToBureau, returnedAt.Add(-24*time.Hour))
	change(t, s, ref, filing.ActionReturnBureau, returnedAt, withReason("主办者名称有误"))
}

func TestRemindersAndOverdueOnce(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ref := "BA-2026-000123"
		returnedAt := time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)
		returned(t, s, c, ref, returnedAt)
		deadline := time.Date(2026, 12, 8, 23, 59, 59, 0, shanghai)
		remind := func(at time.Time, offset time.Duration) (store.ChangeResult, error) {
			return s.ChangeStage(ctx, store.ChangeRequest{Ref: ref, ReminderOffset: offset, ActorName: "reminders",
				Request: filing.Request{Action: filing.ActionRemind, Actor: filing.ActorScheduler, At: at}})
		}
		r1, err := remind(deadline.Add(-72*time.Hour), 72*time.Hour)
		if err != nil || r1.Duplicate || r1.Enqueued != 1 {
			t.Fatalf("first reminder: %+v %v", r1, err)
		}
		r2, err := remind(deadline.Add(-71*time.Hour), 72*time.Hour)
		if err != nil || !r2.Duplicate || r2.Enqueued != 0 {
			t.Fatalf("second run of the same reminder: %+v %v", r2, err)
		}
		if _, err := remind(deadline.Add(-24*time.Hour), 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := remind(deadline.Add(time.Second), 24*time.Hour); !errors.Is(err, filing.ErrTransition) {
			t.Fatalf("reminder after the deadline: %v", err)
		}
		// Staff may not flag a filing overdue; only the scheduler does.
		if _, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: ref, Request: filing.Request{Action: filing.ActionFlagOverdue, Actor: filing.ActorStaff, At: deadline.Add(time.Hour)}}); !errors.Is(err, filing.ErrTransition) {
			t.Fatalf("staff flagging overdue: %v", err)
		}
		flag := func(at time.Time) (store.ChangeResult, error) {
			return s.ChangeStage(ctx, store.ChangeRequest{Ref: ref, ActorName: "deadline-sweep",
				Request: filing.Request{Action: filing.ActionFlagOverdue, Actor: filing.ActorScheduler, At: at}})
		}
		if _, err := flag(deadline); !errors.Is(err, filing.ErrNotDue) {
			t.Fatalf("flag at the deadline itself: %v", err)
		}
		res, err := flag(deadline.Add(time.Second))
		if err != nil || res.Enqueued != 2 || !res.Filing.Overdue {
			t.Fatalf("flag overdue: %+v %v", res, err)
		}
		if _, err := flag(deadline.Add(time.Hour)); !errors.Is(err, filing.ErrAlreadyOverdue) {
			t.Fatalf("second flag: %v", err)
		}
		want := "filing_submitted>zhangsan@example.cn,filing_sent_to_bureau>zhangsan@example.cn,filing_returned>zhangsan@example.cn," +
			"deadline_reminder>zhangsan@example.cn,deadline_reminder>zhangsan@example.cn,deadline_passed>zhangsan@example.cn,staff_alert>staff@example.cn"
		if got := strings.Join(outboxKinds(t, s, ref), ","); got != want {
			t.Fatalf("outbox\n got %s\nwant %s", got, want)
		}
		list, _ := s.ListFilings(ctx, store.FilingFilter{Overdue: true})
		if len(list) != 1 || list[0].Reference != ref {
			t.Fatalf("overdue list %+v", list)
		}

		// Late resubmission by email: recorded, marked late, staff told.
		res, err = s.ChangeStage(ctx, store.ChangeRequest{Ref: ref, ActorName: "zhangsan@example.cn",
			Request: filing.Request{Action: filing.ActionResubmit, Actor: filing.ActorApplicant, At: deadline.Add(2 * time.Hour)}})
		if err != nil || !res.Outcome.Late || res.Outcome.Email != filing.EmailResubmissionLate || res.Enqueued != 2 {
			t.Fatalf("late resubmission: %+v %v", res, err)
		}
		d, _ := s.FilingByRef(ctx, ref)
		if d.Filing.Stage != filing.StageProviderReview || !d.Filing.Late || d.Filing.Deadline != nil || d.Filing.Overdue {
			t.Fatalf("after late resubmission: %+v", d.Filing)
		}

		// A second return on the same day starts a new deadline with new reminders.
		change(t, s, ref, filing.ActionToBureau, deadline.Add(3*time.Hour))
		second := deadline.Add(4 * time.Hour)
		change(t, s, ref, filing.ActionReturnBureau, second, withReason("网站负责人照片不清晰"))
		deadline2 := filing.Deadline(second, 7, shanghai)
		r3, err := remind(deadline2.Add(-72*time.Hour), 72*time.Hour)
		if err != nil || r3.Duplicate || r3.Enqueued != 1 {
			t.Fatalf("reminder for the second return: %+v %v", r3, err)
		}
	})
}

func TestApprovePasswordOnlyInPayload(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ref := "BA-2026-000123"
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, ref, "zhangsan@example.cn")
		change(t, s, ref, filing.ActionSubmit, c.Now())
		change(t, s, ref, filing.ActionToBureau, c.Now())
		const pw = "Pw-7f3k9q"
		res := change(t, s, ref, filing.ActionApprove, c.Now(), func(r *store.ChangeRequest) {
			r.ICPNumber, r.Password = "浙ICP备１２３４５６７８号－1", pw
		})
		if res.Filing.ICPNumber != "浙ICP备12345678号-1" {
			t.Fatalf("icp number %q", res.Filing.ICPNumber)
		}
		if n := payload(t, s, ref, filing.EmailFilingApproved); n.Password != pw || n.ICPNumber != "浙ICP备12345678号-1" {
			t.Fatalf("approval notice: %+v", n)
		}
		dump := store.DumpForTest(ctx, t, s)
		if strings.Count(dump, pw) != 1 {
			t.Fatalf("the password appears %d times in the database, want once (the outbox payload)", strings.Count(dump, pw))
		}
	})
}

// TestNoRawIDNumberStored dumps every table after a full flow: the raw ID
// numbers must appear nowhere (docs/architecture.md, "Personal data").
func TestNoRawIDNumberStored(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		ref := "BA-2026-000123"
		returned(t, s, c, ref, c.Now())
		a, _ := filing.NewAccount("wangwu@example.com", "王五", filing.LangEnglish, true, c.Now())
		if _, err := s.CreateAccount(ctx, a, "tester"); err != nil {
			t.Fatal(err)
		}
		if _, probs, err := s.ImportFiling(ctx, filingtest.Individual("BA-2026-000124", "wangwu@example.com"), filingtest.Fingerprinter(), "tester"); err != nil || len(probs) > 0 {
			t.Fatal(err, probs)
		}
		change(t, s, "BA-2026-000124", filing.ActionSubmit, c.Now())
		change(t, s, ref, filing.ActionResubmit, c.Now().Add(time.Hour))
		dump := store.DumpForTest(ctx, t, s)
		if !strings.Contains(dump, "杭州示例科技有限公司") || !strings.Contains(dump, filing.MaskIDNumber(filingtest.IDZhangSan)) {
			t.Fatal("the dump is missing data it must hold: the dump itself is broken")
		}
		for _, id := range filingtest.AllIDs {
			for _, form := range []string{id, strings.ToLower(id), id[:17]} {
				if strings.Contains(dump, form) {
					t.Errorf("raw ID number %s… found in the database", id[:4])
				}
			}
		}
	})
}

func TestSavepointKeepsOthers(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, "BA-2026-000123", "zhangsan@example.cn")
		importEnterprise(t, s, "BA-2026-000124", "zhangsan@example.cn")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Savepoint(ctx, func(tx *store.Tx) error {
				_, err := tx.ChangeStage(ctx, store.ChangeRequest{Ref: "BA-2026-000123", Request: filing.Request{Action: filing.ActionSubmit, Actor: filing.ActorStaff, At: c.Now()}})
				if err != nil {
					return err
				}
				return errors.New("later step failed")
			}); err == nil {
				t.Fatal("savepoint swallowed the error")
			}
			return tx.Savepoint(ctx, func(tx *store.Tx) error {
				_, err := tx.ChangeStage(ctx, store.ChangeRequest{Ref: "BA-2026-000124", Request: filing.Request{Action: filing.ActionSubmit, Actor: filing.ActorStaff, At: c.Now()}})
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := s.FilingByRef(ctx, "BA-2026-000123")
		b, _ := s.FilingByRef(ctx, "BA-2026-000124")
		if a.Filing.Stage != filing.StageDraft || b.Filing.Stage != filing.StageProviderReview {
			t.Fatalf("stages %s and %s, want draft and provider_review", a.Filing.Stage, b.Filing.Stage)
		}
		if got := outboxKinds(t, s, "BA-2026-000123"); len(got) != 0 {
			t.Fatalf("rolled-back savepoint left outbox rows %v", got)
		}
	})
}

// TestDeferredEventsFollowSavepoints: the inbox's events, written at the
// end of the transaction already stamped, are dropped with a savepoint
// rolled back and written, stamped, for one that holds.
func TestDeferredEventsFollowSavepoints(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, "BA-2026-000123", "zhangsan@example.cn")
		d, err := s.FilingByRef(ctx, "BA-2026-000123")
		if err != nil {
			t.Fatal(err)
		}
		fid := d.Filing.ID
		plan := func(n int) []store.InboundPlan {
			return []store.InboundPlan{{
				Message: store.InboundMessage{Mailbox: "INBOX", UIDValidity: 1, UID: int64(n), MessageID: fmt.Sprintf("q%d@example.cn", n),
					Sender: "zhangsan@example.cn", ReceivedAt: c.Now(), Classification: "human", Decision: "correspondence", FilingID: &fid},
				Events: []store.InboundEvent{{FilingID: fid, AccountID: d.Filing.AccountID, Actor: filing.ActorApplicant, Action: "email_received",
					Details: map[string]any{"n": n}, At: c.Now()}},
				Items: []store.NewWorkItem{{Kind: filing.WorkReplyNeeded, FilingID: fid, AccountID: d.Filing.AccountID, At: c.Now(), Actor: filing.ActorApplicant}},
			}}
		}
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Savepoint(ctx, func(tx *store.Tx) error {
				if _, err := tx.ApplyInbound(ctx, plan(1)); err != nil {
					return err
				}
				return errors.New("later step failed")
			}); err == nil {
				t.Fatal("savepoint swallowed the error")
			}
			return tx.Savepoint(ctx, func(tx *store.Tx) error {
				_, err := tx.ApplyInbound(ctx, plan(2))
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		end, err := s.FeedEnd(ctx)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.FeedEvents(ctx, store.FeedCursor{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			if e.Filing == "BA-2026-000123" && (e.Action == "email_received" || e.Action == "work_item_opened") {
				got = append(got, e.Action+" "+string(e.Details))
				if e.Seq != end.Seq {
					t.Errorf("%s stamped %d, not with its commit's number %d", e.Action, e.Seq, end.Seq)
				}
			}
		}
		if len(got) != 2 || !strings.Contains(got[0], `"n": 2`) && !strings.Contains(got[0], `"n":2`) {
			t.Errorf("events of the transaction: %q, want message 2's received and its item opened", got)
		}
	})
}

func TestOutboxWatchWakesAfterCommit(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		w := s.OutboxWatch()
		approvedAccount(t, s, "zhangsan@example.cn")
		select {
		case <-w:
		default:
			t.Fatal("no wake-up after an approval email was enqueued")
		}
		// A refused change enqueues nothing and wakes nobody.
		_, _ = s.DecideAccount(ctx, "zhangsan@example.cn", filing.AccountReject, "x", "tester")
		select {
		case <-w:
			t.Fatal("woken without an enqueue")
		default:
		}
	})
}

func TestConcurrentChangesOneWins(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		importEnterprise(t, s, "BA-2026-000123", "zhangsan@example.cn")
		const n = 6
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.ChangeStage(ctx, store.ChangeRequest{Ref: "BA-2026-000123", Request: filing.Request{Action: filing.ActionSubmit, Actor: filing.ActorStaff, At: c.Now()}})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, filing.ErrTransition):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent submits succeeded, want 1", ok)
		}
		if got := outboxKinds(t, s, "BA-2026-000123"); len(got) != 1 {
			t.Fatalf("outbox %v, want one submission email", got)
		}
	})
}

func TestChangeStagesBatch(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		for _, ref := range []string{"BA-2026-000001", "BA-2026-000002"} {
			importEnterprise(t, s, ref, "zhangsan@example.cn")
		}
		staff := func(ref string, a filing.Action) store.ChangeRequest {
			return store.ChangeRequest{Ref: ref, Request: filing.Request{Action: a, Actor: filing.ActorStaff, At: c.Now(), ICPNumber: "浙ICP备12345678号-1"}}
		}
		var results []store.ChangeResult
		err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			results, err = tx.ChangeStages(ctx, []store.ChangeRequest{
				staff("BA-2026-000001", filing.ActionSubmit),
				staff("BA-2099-999999", filing.ActionSubmit),   // no such filing
				staff("BA-2026-000002", filing.ActionApprove),  // a draft: refused
				staff("ba-2026-000001", filing.ActionToBureau), // same filing: applies after the submit
				staff("BA-2026-000002", filing.ActionSubmit),
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if results[0].Err != nil || results[3].Err != nil || results[4].Err != nil {
			t.Fatalf("accepted requests failed: %v / %v / %v", results[0].Err, results[3].Err, results[4].Err)
		}
		if !errors.Is(results[1].Err, store.ErrNotFound) || !errors.Is(results[2].Err, filing.ErrTransition) {
			t.Fatalf("refusals: %v / %v", results[1].Err, results[2].Err)
		}
		if results[3].Filing.Stage != filing.StageBureauReview || results[3].Filing.Version != 3 {
			t.Fatalf("second change of one filing: %+v", results[3].Filing)
		}
		ids := map[int64]bool{}
		for _, i := range []int{0, 3, 4} {
			if results[i].EventID == 0 || ids[results[i].EventID] || results[i].Enqueued != 1 {
				t.Fatalf("result %d: event %d, enqueued %d", i, results[i].EventID, results[i].Enqueued)
			}
			ids[results[i].EventID] = true
		}
		a, _ := s.FilingByRef(ctx, "BA-2026-000001")
		b, _ := s.FilingByRef(ctx, "BA-2026-000002")
		if a.Filing.Stage != filing.StageBureauReview || a.Filing.Version != 3 || b.Filing.Stage != filing.StageProviderReview {
			t.Fatalf("stored: %s v%d, %s", a.Filing.Stage, a.Filing.Version, b.Filing.Stage)
		}
		if got := strings.Join(outboxKinds(t, s, "BA-2026-000001"), ","); got != "filing_submitted>zhangsan@example.cn,filing_sent_to_bureau>zhangsan@example.cn" {
			t.Fatalf("outbox %s", got)
		}
	})
}

// TestSweepIsolatesABrokenFiling: when one filing's write fails in the
// database, the batch is redone one filing at a time: the others are flagged
// and the broken one is reported, not retried forever in one transaction.
func TestSweepIsolatesABrokenFiling(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		approvedAccount(t, s, "zhangsan@example.cn")
		for i := 1; i <= 3; i++ {
			returnAt(t, s, fmt.Sprintf("BA-2026-%06d", i), at(2026, 11, 1, 10, i, 0, 0))
		}
		broken, _ := s.FilingByRef(ctx, "BA-2026-000002")
		trigger := fmt.Sprintf(`CREATE TRIGGER refuse_event BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.filing_id = %d) BEGIN SELECT RAISE(ABORT, 'refused by test'); END`, broken.Filing.ID)
		if s.Dialect() == store.Postgres {
			if err := store.ExecForTest(ctx, s, fmt.Sprintf(`CREATE FUNCTION refuse_event() RETURNS trigger AS $$ BEGIN
				IF NEW.filing_id = %d THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`, broken.Filing.ID)); err != nil {
				t.Fatal(err)
			}
			trigger = `CREATE TRIGGER refuse_event BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_event()`
		}
		if err := store.ExecForTest(ctx, s, trigger); err != nil {
			t.Fatal(err)
		}
		res, err := s.SweepDeadlines(ctx, at(2026, 11, 20, 10, 0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if res.Flagged != 2 || res.Failed != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "BA-2026-000002") {
			t.Fatalf("sweep with a broken filing: %+v", res)
		}
		if n := countKind(t, s, filing.EmailDeadlinePassed); n != 2 {
			t.Fatalf("%d notices, want 2 (none for the broken filing)", n)
		}
	})
}

func TestOutboxQueue(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *clock) {
		if n, oldest, err := s.OutboxQueue(ctx); err != nil || n != 0 || !oldest.IsZero() {
			t.Fatalf("empty outbox: %d %v %v", n, oldest, err)
		}
		approvedAccount(t, s, "zhangsan@example.cn")
		c.Set(c.Now().Add(time.Hour))
		approvedAccount(t, s, "lisi@example.cn")
		n, oldest, err := s.OutboxQueue(ctx)
		if err != nil || n != 2 || !oldest.Equal(newClock().Now()) {
			t.Fatalf("outbox queue: %d %v %v", n, oldest, err)
		}
	})
}

// TestReadsDoNotBlockWritesOnSQLite: a long read (a digest, an inspect from
// another process) must not hold SQLite's write lock.
func TestReadsDoNotBlockWritesOnSQLite(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	inside, written := make(chan struct{}), make(chan error, 1)
	go func() {
		<-inside
		a, _ := filing.NewAccount("lisi@example.cn", "李四", "", false, time.Now())
		_, err := s.CreateAccount(ctx, a, "tester")
		written <- err
	}()
	err := s.InboundReadTx(ctx, func(*store.Tx) error {
		close(inside)
		select {
		case err := <-written:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("the write waited for the read to end")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}
