package desk_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/filing/filingtest"
	"example.com/icpdesk/store"
	"example.com/icpdesk/store/storetest"
)

var (
	ctx   = context.Background()
	staff = store.Actor{Name: "wangfang"}
)

func newService(t *testing.T, d store.Dialect, now time.Time) *desk.Service {
	t.Helper()
	st := storetest.Open(t, d, store.WithClock(func() time.Time { return now }))
	return desk.New(st, nil, func() (*filing.Fingerprinter, error) { return filingtest.Fingerprinter(), nil })
}

// TestActAndFilingView: the actions every front end sends arrive as the
// transition table's, the view says what staff may do next, and input
// that cannot be carried out is refused as ErrInput, changing nothing.
func TestActAndFilingView(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			svc := newService(t, d, now)
			if _, err := svc.AddAccount(ctx, desk.AccountInput{Email: "zhangsan@example.cn", Name: "张三", Customer: true}, staff); err != nil {
				t.Fatal(err)
			}
			if _, probs, err := svc.ImportFiling(ctx, filingtest.Enterprise("BA-2026-000123", "zhangsan@example.cn"), staff); err != nil || len(probs) > 0 {
				t.Fatalf("import: %v %v", err, probs)
			}
			for _, a := range []desk.ActionInput{{Action: "submit"}, {Action: "to_bureau"}} {
				if _, err := svc.Act(ctx, "BA-2026-000123", a, staff); err != nil {
					t.Fatalf("%s: %v", a.Action, err)
				}
			}
			v, err := svc.Filing(ctx, "BA-2026-000123")
			if err != nil {
				t.Fatal(err)
			}
			if v.Stage != "bureau_review" || !slices.Equal(v.Actions, []string{"return_bureau", "approve", "withdraw"}) {
				t.Errorf("stage %s, actions %v", v.Stage, v.Actions)
			}

			refused := []struct {
				in   desk.ActionInput
				want string
			}{
				{desk.ActionInput{Action: "return", ReturnBy: "someone", Reason: "x"}, "someone"},
				{desk.ActionInput{Action: "flag_overdue"}, "unknown action"},
				{desk.ActionInput{Action: "fly"}, "unknown action"},
				{desk.ActionInput{Action: "extend", Until: "2026-12-20", Days: 3}, "not both"},
				{desk.ActionInput{Action: "extend", Until: "20.12.2026"}, "want a date"},
				{desk.ActionInput{Action: "extend", Days: 400}, "1 to 365"},
			}
			for _, r := range refused {
				if _, err := svc.Act(ctx, "BA-2026-000123", r.in, staff); !errors.Is(err, desk.ErrInput) || !strings.Contains(err.Error(), r.want) {
					t.Errorf("%+v: err %v, want ErrInput saying %q", r.in, err, r.want)
				}
			}
			if _, err := svc.Act(ctx, "BA-2026-000123", desk.ActionInput{Action: "approve", ICPNumber: "not a number", Password: "pw"}, staff); !errors.Is(err, filing.ErrTransition) {
				t.Errorf("approve with a broken ICP number: %v", err)
			}
			if v, err := svc.Filing(ctx, "BA-2026-000123"); err != nil || v.Stage != "bureau_review" {
				t.Fatalf("a refused action changed the stage: %s %v", v.Stage, err)
			}

			// "return" with return_by bureau is the table's return_bureau.
			res, err := svc.Act(ctx, "BA-2026-000123", desk.ActionInput{Action: "Return", ReturnBy: "bureau", Reason: "网站名称与主体不符"}, staff)
			if err != nil || res.Filing.Stage != filing.StageReturned {
				t.Fatalf("return: %+v %v", res.Filing.Stage, err)
			}
			deadline := *res.Filing.Deadline
			res, err = svc.Act(ctx, "BA-2026-000123", desk.ActionInput{Action: "extend", Days: 3}, staff)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Filing.Deadline.Sub(deadline); got != 72*time.Hour {
				t.Errorf("extend by 3 days moved the deadline by %v", got)
			}
			v, err = svc.Filing(ctx, "BA-2026-000123")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v.Actions, []string{"resubmit", "extend", "withdraw"}) || v.Extensions != 1 {
				t.Errorf("returned: actions %v, extensions %d", v.Actions, v.Extensions)
			}
			var actions []string
			for _, e := range v.Events {
				if e.ActorName == "wangfang" {
					actions = append(actions, e.Action)
				}
			}
			if !slices.Contains(actions, "return_bureau") || !slices.Contains(actions, "extend") {
				t.Errorf("timeline by wangfang: %v", actions)
			}
			if len(v.Outbox) == 0 || len(v.Materials) == 0 || v.Inbound == nil || v.Items == nil {
				t.Errorf("view lacks emails (%d), checklist (%d), or has null lists", len(v.Outbox), len(v.Materials))
			}
			if _, err := svc.Filing(ctx, "BA-2026-999999"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown filing: %v", err)
			}
		})
	}
}
