package filing

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var allActors = []Actor{ActorStaff, ActorApplicant, ActorScheduler}

type move struct {
	Action Action
	From   Stage
	By     Actor
}

// designMoves is the process of docs/architecture.md ("The filing process as states")
// and seed §一, written out by hand: every allowed (action, stage, actor) and
// the stage it leads to. The table in transitions.go must say the same.
var designMoves = map[move]Stage{
	{ActionSubmit, StageDraft, ActorStaff}:                  StageProviderReview,
	{ActionReturnProvider, StageProviderReview, ActorStaff}: StageDraft,
	{ActionToBureau, StageProviderReview, ActorStaff}:       StageBureauReview,
	{ActionReturnBureau, StageBureauReview, ActorStaff}:     StageReturned,
	{ActionApprove, StageBureauReview, ActorStaff}:          StageApproved,
	{ActionResubmit, StageReturned, ActorStaff}:             StageProviderReview,
	{ActionResubmit, StageReturned, ActorApplicant}:         StageProviderReview,
	{ActionResubmit, StageDraft, ActorStaff}:                StageProviderReview,
	{ActionResubmit, StageDraft, ActorApplicant}:            StageProviderReview,
	{ActionFlagOverdue, StageReturned, ActorScheduler}:      StageReturned,
	{ActionFlagOverdue, StageDraft, ActorScheduler}:         StageDraft,
	{ActionRemind, StageReturned, ActorScheduler}:           StageReturned,
	{ActionRemind, StageDraft, ActorScheduler}:              StageDraft,
	// Staff decisions off the happy path.
	{ActionExtend, StageReturned, ActorStaff}:                 StageReturned,
	{ActionExtend, StageDraft, ActorStaff}:                    StageDraft,
	{ActionWithdraw, StageDraft, ActorStaff}:                  StageClosed,
	{ActionWithdraw, StageProviderReview, ActorStaff}:         StageClosed,
	{ActionWithdraw, StageBureauReview, ActorStaff}:           StageClosed,
	{ActionWithdraw, StageReturned, ActorStaff}:               StageClosed,
	{ActionAcceptLate, StageProviderReview, ActorStaff}:       StageProviderReview,
	{ActionDeclineLate, StageProviderReview, ActorStaff}:      StageClosed,
	{ActionUndoResubmission, StageProviderReview, ActorStaff}: StageReturned,
}

func TestTransitionTableMatchesDesign(t *testing.T) {
	got := map[move]Stage{}
	for _, row := range Transitions {
		for _, by := range row.By {
			got[move{row.Action, row.From, by}] = row.To
		}
	}
	for m, to := range designMoves {
		if g, ok := got[m]; !ok {
			t.Errorf("table lacks %s %s by %s", m.Action, m.From, m.By)
		} else if g != to {
			t.Errorf("%s %s by %s leads to %s, want %s", m.Action, m.From, m.By, g, to)
		}
	}
	for m, to := range got {
		if _, ok := designMoves[m]; !ok {
			t.Errorf("table allows %s %s → %s by %s, which the design does not", m.Action, m.From, to, m.By)
		}
	}
}

func TestTransitionTableWellFormed(t *testing.T) {
	type from struct {
		a Action
		s Stage
	}
	seen := map[from]bool{}
	for i, row := range Transitions {
		name := fmt.Sprintf("row %d (%s %s)", i, row.Action, row.From)
		if !row.From.Valid() || !row.To.Valid() {
			t.Errorf("%s: unknown stage", name)
		}
		if len(row.By) == 0 {
			t.Errorf("%s: nobody may do it", name)
		}
		for _, a := range row.By {
			if !slices.Contains(allActors, a) {
				t.Errorf("%s: unknown actor %q", name, a)
			}
		}
		if !row.Email.Valid() {
			t.Errorf("%s: email %q is not a known kind", name, row.Email)
		}
		if row.LateEmail != "" && !row.LateEmail.Valid() {
			t.Errorf("%s: late email %q is not a known kind", name, row.LateEmail)
		}
		if row.AlertStaffIfLate && row.LateEmail == "" {
			t.Errorf("%s: alerts staff when late but has no late email", name)
		}
		// Decide uses the first row for (action, from); a second one would be dead.
		if seen[from{row.Action, row.From}] {
			t.Errorf("%s: a second row for the same action and stage", name)
		}
		seen[from{row.Action, row.From}] = true
	}
	// Every stage but approved and closed can be left; those are final.
	for _, s := range Stages {
		leaves := false
		for _, row := range Transitions {
			if row.From == s && row.To != s {
				leaves = true
			}
		}
		if leaves == (s == StageApproved || s == StageClosed) {
			t.Errorf("stage %s: leaves=%v", s, leaves)
		}
	}
	for i, row := range Transitions {
		for _, k := range append([]WorkKind{row.Opens, row.OpensIfLate}, row.Closes...) {
			if k != "" && !k.Valid() {
				t.Errorf("row %d (%s %s): unknown work kind %q", i, row.Action, row.From, k)
			}
		}
	}
	want := []Action{ActionSubmit, ActionReturnProvider, ActionToBureau, ActionReturnBureau,
		ActionApprove, ActionResubmit, ActionFlagOverdue, ActionRemind,
		ActionExtend, ActionWithdraw, ActionAcceptLate, ActionDeclineLate, ActionUndoResubmission}
	if got := Actions(); !reflect.DeepEqual(got, want) {
		t.Errorf("Actions() = %v, want %v", got, want)
	}
}

// Fixtures for Decide.

var (
	tReturned = time.Date(2026, 12, 1, 15, 50, 0, 0, time.UTC)  // 23:50 CST, 1 December
	tDeadline = time.Date(2026, 12, 8, 15, 59, 59, 0, time.UTC) // 23:59:59 CST, 8 December
	tBefore   = time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	tAfter    = tDeadline.Add(time.Hour)
)

func approvedAccount() Account {
	return Account{ID: 7, Email: testAccount, Name: "示例科技", Language: LangChinese, Status: AccountApproved}
}

// filingAt is a valid enterprise filing in stage s. Returned filings (stage
// returned, or a draft when provider is set) carry a running deadline.
func filingAt(t testing.TB, s Stage, awaiting bool) Filing {
	t.Helper()
	f := mustFiling(t, enterpriseInput())
	f.ID, f.AccountID, f.Stage, f.Version = 11, 7, s, 3
	f.UpdatedAt = time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	if awaiting {
		ret, dl := tReturned, tDeadline
		f.ReturnedAt, f.Deadline = &ret, &dl
		f.ReturnReason = "网站名称不符合要求"
		f.ReturnSource = ReturnedByBureau
		if s == StageDraft {
			f.ReturnSource = ReturnedByProvider
		}
	}
	return f
}

// readyRequest builds a filing in stage from and a request for action whose
// guards hold, so whether Decide accepts it depends on the table alone.
func readyRequest(t testing.TB, action Action, from Stage, actor Actor) (Filing, Request) {
	needsDeadline := action == ActionResubmit || action == ActionFlagOverdue || action == ActionRemind || action == ActionExtend
	f := filingAt(t, from, needsDeadline)
	req := Request{Action: action, Actor: actor, At: tBefore}
	switch action {
	case ActionFlagOverdue:
		req.At = tAfter
	case ActionReturnProvider, ActionReturnBureau:
		req.Reason = "域名证书与主体名称不一致"
	case ActionApprove:
		req.ICPNumber, req.Password = "京ICP备2026012345号-1", "pw-8e1f"
	case ActionExtend:
		later := tDeadline.Add(72 * time.Hour)
		req.Deadline = &later
	case ActionWithdraw, ActionDeclineLate:
		req.Reason = "申请人放弃备案"
	}
	if action == ActionAcceptLate || action == ActionDeclineLate {
		f.Late = true
	}
	if action == ActionUndoResubmission {
		ret, last := tReturned, tDeadline
		f.ReturnedAt, f.LastDeadline, f.ReturnSource, f.ReturnReason = &ret, &last, ReturnedByBureau, "网站名称不符合要求"
	}
	return f, req
}

// tableAllows derives from Transitions, independently of Decide, whether
// any row lets actor do action from stage, and to where.
func tableAllows(action Action, from Stage, actor Actor) (Transition, bool) {
	for _, row := range Transitions {
		if row.Action == action && row.From == from && slices.Contains(row.By, actor) {
			return row, true
		}
	}
	return Transition{}, false
}

// tableTarget is the stage a refused action would have led to.
func tableTarget(t *testing.T, action Action, from Stage) Stage {
	var to Stage
	selfOnly := true
	for _, row := range Transitions {
		if row.Action != action {
			continue
		}
		if row.From == from {
			return row.To
		}
		if row.From != row.To {
			selfOnly = false
			if to != "" && to != row.To {
				t.Fatalf("action %s leads to both %s and %s", action, to, row.To)
			}
			to = row.To
		}
	}
	if selfOnly {
		return from
	}
	return to
}

func TestDecideEveryCombination(t *testing.T) {
	pol := DefaultPolicy()
	n, allowed := 0, 0
	for _, action := range Actions() {
		for _, from := range Stages {
			for _, actor := range allActors {
				n++
				name := fmt.Sprintf("%s/%s/%s", action, from, actor)
				t.Run(name, func(t *testing.T) {
					f, req := readyRequest(t, action, from, actor)
					before := cloneFiling(f)
					out, err := Decide(f, approvedAccount(), req, pol)
					if !reflect.DeepEqual(f, before) {
						t.Fatalf("Decide changed its input filing:\nbefore %+v\nafter  %+v", before, f)
					}
					row, ok := tableAllows(action, from, actor)
					if ok {
						allowed++
						if err != nil {
							t.Fatalf("Decide refused a change the table allows: %v", err)
						}
						if out.Filing.Stage != row.To || out.From != from {
							t.Errorf("outcome %s → %s, want %s → %s", out.From, out.Filing.Stage, from, row.To)
						}
						if !reflect.DeepEqual(out.Transition, row) {
							t.Errorf("outcome row %+v, want %+v", out.Transition, row)
						}
						if out.Email != row.Email || out.AlertStaff != row.AlertStaff || out.Late {
							t.Errorf("outcome email %q alert %v late %v, want %q %v false", out.Email, out.AlertStaff, out.Late, row.Email, row.AlertStaff)
						}
						return
					}
					if err == nil {
						t.Fatalf("Decide allowed a change no row allows: %s → %s", from, out.Filing.Stage)
					}
					if !errors.Is(err, ErrTransition) {
						t.Errorf("error %v does not wrap ErrTransition", err)
					}
					to := tableTarget(t, action, from)
					msg := err.Error()
					if !strings.Contains(msg, string(from)) || !strings.Contains(msg, string(to)) {
						t.Errorf("error %q does not name both stages %s and %s", msg, from, to)
					}
					if !strings.Contains(msg, string(action)) {
						t.Errorf("error %q does not name the action", msg)
					}
					if !reflect.DeepEqual(out, Outcome{}) {
						t.Errorf("refused request returned an outcome: %+v", out)
					}
				})
			}
		}
	}
	if n != len(Actions())*len(Stages)*len(allActors) || allowed != len(designMoves) {
		t.Errorf("checked %d combinations, %d allowed; want %d allowed", n, allowed, len(designMoves))
	}
}

func TestDecideUnknownActionAndActor(t *testing.T) {
	pol := DefaultPolicy()
	f := filingAt(t, StageDraft, false)
	for _, req := range []Request{
		{Action: "archive", Actor: ActorStaff, At: tBefore},
		{Action: "", Actor: ActorStaff, At: tBefore},
		{Action: ActionSubmit, Actor: "robot", At: tBefore},
		{Action: ActionSubmit, Actor: "", At: tBefore},
	} {
		t.Run(string(req.Action)+"/"+string(req.Actor), func(t *testing.T) {
			before := cloneFiling(f)
			_, err := Decide(f, approvedAccount(), req, pol)
			if !errors.Is(err, ErrTransition) {
				t.Errorf("Decide(%+v) = %v, want ErrTransition", req, err)
			}
			if !reflect.DeepEqual(f, before) {
				t.Error("input filing changed")
			}
		})
	}
	t.Run("request without time", func(t *testing.T) {
		if _, err := Decide(f, approvedAccount(), Request{Action: ActionSubmit, Actor: ActorStaff}, pol); err == nil {
			t.Error("Decide accepted a request with a zero time")
		}
	})
}

func TestDecideApproveDraft(t *testing.T) {
	f := filingAt(t, StageDraft, false)
	_, err := Decide(f, approvedAccount(), Request{Action: ActionApprove, Actor: ActorStaff, At: tBefore,
		ICPNumber: "京ICP备2026012345号-1"}, DefaultPolicy())
	if !errors.Is(err, ErrTransition) {
		t.Fatalf("approve a draft: %v, want ErrTransition", err)
	}
	for _, s := range []string{"draft", "approved", f.Reference} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func TestDecideSubmit(t *testing.T) {
	pol := DefaultPolicy()
	at := time.Date(2026, 11, 30, 18, 0, 0, 0, cst(t)) // a zoned time: stored in UTC
	req := Request{Action: ActionSubmit, Actor: ActorStaff, At: at}

	t.Run("approved account", func(t *testing.T) {
		f := filingAt(t, StageDraft, false)
		out, err := Decide(f, approvedAccount(), req, pol)
		if err != nil {
			t.Fatal(err)
		}
		g := out.Filing
		if g.Stage != StageProviderReview || out.Email != EmailFilingSubmitted || out.AlertStaff || out.Deadline != nil {
			t.Errorf("outcome %+v", out)
		}
		if g.SubmittedAt == nil || !g.SubmittedAt.Equal(at) || g.SubmittedAt.Location() != time.UTC {
			t.Errorf("SubmittedAt = %v, want %v in UTC", g.SubmittedAt, at)
		}
		if g.Version != f.Version+1 || !g.UpdatedAt.Equal(at) || g.UpdatedAt.Location() != time.UTC {
			t.Errorf("version %d updated %v, want %d and %v UTC", g.Version, g.UpdatedAt, f.Version+1, at)
		}
	})
	for _, st := range []AccountStatus{AccountPending, AccountRejected, ""} {
		t.Run("account "+string(st), func(t *testing.T) {
			acct := approvedAccount()
			acct.Status = st
			_, err := Decide(filingAt(t, StageDraft, false), acct, req, pol)
			if !errors.Is(err, ErrAccountNotApproved) || !errors.Is(err, ErrTransition) {
				t.Errorf("submit with a %q account: %v, want ErrAccountNotApproved and ErrTransition", st, err)
			}
		})
	}
	t.Run("provider-returned draft", func(t *testing.T) {
		f := filingAt(t, StageDraft, true)
		_, err := Decide(f, approvedAccount(), req, pol)
		if !errors.Is(err, ErrTransition) {
			t.Fatalf("submit a returned draft: %v, want ErrTransition", err)
		}
		if !strings.Contains(err.Error(), "resubmit") || !strings.Contains(err.Error(), "2026-12-01") {
			t.Errorf("error %q should tell to use resubmit and give the return date (2026-12-01 in CST)", err)
		}
	})
}

func TestDecideReturn(t *testing.T) {
	pol := DefaultPolicy()
	loc := cst(t)
	for _, tc := range []struct {
		action Action
		from   Stage
		to     Stage
		source ReturnSource
		email  EmailKind
	}{
		{ActionReturnProvider, StageProviderReview, StageDraft, ReturnedByProvider, EmailFilingReturnedProvider},
		{ActionReturnBureau, StageBureauReview, StageReturned, ReturnedByBureau, EmailFilingReturned},
	} {
		t.Run(string(tc.action), func(t *testing.T) {
			f := filingAt(t, tc.from, false)
			f.Overdue, f.Late = true, true // left from an earlier round
			at := time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC)
			out, err := Decide(f, approvedAccount(), Request{Action: tc.action, Actor: ActorStaff, At: at,
				Reason: "  网站负责人\r\n身份证复印件不清晰  "}, pol)
			if err != nil {
				t.Fatal(err)
			}
			g := out.Filing
			if g.Stage != tc.to || out.Email != tc.email || g.ReturnSource != tc.source {
				t.Errorf("stage %s email %s source %s, want %s %s %s", g.Stage, out.Email, g.ReturnSource, tc.to, tc.email, tc.source)
			}
			if g.ReturnReason != "网站负责人 身份证复印件不清晰" {
				t.Errorf("ReturnReason = %q (control characters must not survive)", g.ReturnReason)
			}
			if g.ReturnedAt == nil || !g.ReturnedAt.Equal(at) {
				t.Errorf("ReturnedAt = %v, want %v", g.ReturnedAt, at)
			}
			// 16:30 UTC on 1 December is 00:30 on 2 December in Shanghai.
			wantDL := time.Date(2026, 12, 9, 23, 59, 59, 0, loc)
			if g.Deadline == nil || !g.Deadline.Equal(wantDL) {
				t.Errorf("Deadline = %v, want %v", g.Deadline, wantDL)
			}
			if out.Deadline == nil || g.Deadline == nil || !out.Deadline.Equal(*g.Deadline) {
				t.Errorf("outcome deadline %v, filing deadline %v", out.Deadline, g.Deadline)
			}
			if !g.AwaitingResubmission() {
				t.Error("returned filing is not awaiting resubmission")
			}
			if g.Overdue || g.Late {
				t.Errorf("Overdue=%v Late=%v, want both reset", g.Overdue, g.Late)
			}
			if g.Version != f.Version+1 {
				t.Errorf("Version = %d, want %d", g.Version, f.Version+1)
			}
		})
		t.Run(string(tc.action)+" without reason", func(t *testing.T) {
			for _, reason := range []string{"", "   ", "\r\n\t"} {
				_, err := Decide(filingAt(t, tc.from, false), approvedAccount(),
					Request{Action: tc.action, Actor: ActorStaff, At: tBefore, Reason: reason}, pol)
				if !errors.Is(err, ErrReasonRequired) || !errors.Is(err, ErrTransition) {
					t.Errorf("reason %q: %v, want ErrReasonRequired and ErrTransition", reason, err)
				}
			}
		})
	}
	t.Run("policy days", func(t *testing.T) {
		p := DefaultPolicy()
		p.ResubmitDays = 3
		out, err := Decide(filingAt(t, StageBureauReview, false), approvedAccount(),
			Request{Action: ActionReturnBureau, Actor: ActorStaff, At: tReturned, Reason: "x"}, p)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 12, 4, 23, 59, 59, 0, loc); !out.Filing.Deadline.Equal(want) {
			t.Errorf("deadline %v, want %v", out.Filing.Deadline, want)
		}
	})
}

func TestDecideApprove(t *testing.T) {
	pol := DefaultPolicy()
	const password = "Pw-9f3kQ-备案密码"
	for _, tc := range []struct {
		name, icp, password string
		want                string // normalised ICP number; "" means refused
	}{
		{"plain", "京ICP备2026012345号-1", password, "京ICP备2026012345号-1"},
		{"subject number", "浙ICP备12345678号", password, "浙ICP备12345678号"},
		{"full-width and lower case", " 浙icp备１２３４５６７８号－２ ", password, "浙ICP备12345678号-2"},
		{"no password issued", "浙ICP备12345678号-1", "", "浙ICP备12345678号-1"},
		{"64-byte password", "浙ICP备12345678号-1", strings.Repeat("p", 64), "浙ICP备12345678号-1"},
		{"missing number", "", password, ""},
		{"invalid number", "浙ICP备12345号", password, ""},
		{"not a number", "approved", password, ""},
		{"65-byte password", "浙ICP备12345678号-1", strings.Repeat("p", 65), ""},
		{"password with CRLF", "浙ICP备12345678号-1", "pw\r\nBcc: x@example.com", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filingAt(t, StageBureauReview, false)
			out, err := Decide(f, approvedAccount(), Request{Action: ActionApprove, Actor: ActorStaff, At: tBefore,
				ICPNumber: tc.icp, Password: tc.password}, pol)
			if tc.want == "" {
				if !errors.Is(err, ErrTransition) {
					t.Fatalf("approve with %q/%q: %v, want ErrTransition", tc.icp, tc.password, err)
				}
				if tc.icp != "" && strings.Contains(tc.name, "number") && !errors.Is(err, ErrICPNumber) {
					t.Errorf("error %v does not wrap ErrICPNumber", err)
				}
				if tc.password != "" && strings.Contains(err.Error(), tc.password) {
					t.Errorf("error %q contains the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := out.Filing
			if g.Stage != StageApproved || g.ICPNumber != tc.want || out.Email != EmailFilingApproved {
				t.Errorf("stage %s ICP %q email %s, want approved %q filing_approved", g.Stage, g.ICPNumber, out.Email, tc.want)
			}
			if g.ApprovedAt == nil || !g.ApprovedAt.Equal(tBefore) {
				t.Errorf("ApprovedAt = %v", g.ApprovedAt)
			}
			if tc.password != "" {
				assertNoSecret(t, "outcome", out, tc.password)
			}
		})
	}
}

func TestDecideResubmit(t *testing.T) {
	pol := DefaultPolicy()
	for _, tc := range []struct {
		name    string
		from    Stage
		overdue bool
		actor   Actor
		at      time.Time
		late    bool
	}{
		{"bureau return, by email, before deadline", StageReturned, false, ActorApplicant, tBefore, false},
		{"bureau return, by staff, before deadline", StageReturned, false, ActorStaff, tBefore, false},
		{"exactly at the deadline", StageReturned, false, ActorApplicant, tDeadline, false},
		{"one second after the deadline", StageReturned, false, ActorApplicant, tDeadline.Add(time.Second), true},
		{"after being flagged overdue", StageReturned, true, ActorApplicant, tAfter, true},
		{"provider return, by staff, before deadline", StageDraft, false, ActorStaff, tBefore, false},
		{"provider return, by staff, late", StageDraft, true, ActorStaff, tAfter, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filingAt(t, tc.from, true)
			f.Overdue = tc.overdue
			out, err := Decide(f, approvedAccount(), Request{Action: ActionResubmit, Actor: tc.actor, At: tc.at}, pol)
			if err != nil {
				t.Fatal(err)
			}
			g := out.Filing
			if g.Stage != StageProviderReview {
				t.Errorf("stage %s, want provider_review", g.Stage)
			}
			wantEmail, wantAlert := EmailResubmissionReceived, false
			if tc.late {
				wantEmail, wantAlert = EmailResubmissionLate, true
			}
			if out.Email != wantEmail || out.AlertStaff != wantAlert || out.Late != tc.late || g.Late != tc.late {
				t.Errorf("email %s alert %v late %v/%v, want %s %v %v", out.Email, out.AlertStaff, out.Late, g.Late, wantEmail, wantAlert, tc.late)
			}
			if g.Deadline != nil || g.AwaitingResubmission() || g.Overdue {
				t.Errorf("deadline %v overdue %v: want the deadline cleared", g.Deadline, g.Overdue)
			}
			if out.Deadline == nil || !out.Deadline.Equal(tDeadline) {
				t.Errorf("outcome deadline %v, want the one that was running (%v)", out.Deadline, tDeadline)
			}
			if g.SubmittedAt == nil || !g.SubmittedAt.Equal(tc.at) || g.Version != f.Version+1 {
				t.Errorf("SubmittedAt %v version %d", g.SubmittedAt, g.Version)
			}
			if g.ReturnedAt == nil || g.ReturnReason == "" {
				t.Error("the return's history (ReturnedAt, ReturnReason) was dropped")
			}
		})
	}
	t.Run("applicant resubmits a provider-returned draft by email", func(t *testing.T) {
		out, err := Decide(filingAt(t, StageDraft, true), approvedAccount(),
			Request{Action: ActionResubmit, Actor: ActorApplicant, At: tBefore}, pol)
		if err != nil || out.Filing.Stage != StageProviderReview || out.Email != EmailResubmissionReceived {
			t.Errorf("outcome %+v, err %v: want provider review, acknowledged", out.Filing.Stage, err)
		}
		if out.Filing.LastDeadline == nil || !out.Filing.LastDeadline.Equal(tDeadline) {
			t.Errorf("last deadline %v, want %v kept for an undo", out.Filing.LastDeadline, tDeadline)
		}
	})
	t.Run("draft never returned", func(t *testing.T) {
		_, err := Decide(filingAt(t, StageDraft, false), approvedAccount(),
			Request{Action: ActionResubmit, Actor: ActorStaff, At: tBefore}, pol)
		if !errors.Is(err, ErrNotAwaiting) || !errors.Is(err, ErrTransition) {
			t.Errorf("err = %v, want ErrNotAwaiting", err)
		}
	})
}

func TestDecideFlagOverdue(t *testing.T) {
	pol := DefaultPolicy()
	sched := func(at time.Time) Request { return Request{Action: ActionFlagOverdue, Actor: ActorScheduler, At: at} }
	for _, from := range []Stage{StageReturned, StageDraft} {
		t.Run(string(from), func(t *testing.T) {
			f := filingAt(t, from, true)
			for _, at := range []time.Time{tBefore, tDeadline} {
				if _, err := Decide(f, approvedAccount(), sched(at), pol); !errors.Is(err, ErrNotDue) || !errors.Is(err, ErrTransition) {
					t.Errorf("flag at %v: %v, want ErrNotDue", at, err)
				}
			}
			at := tDeadline.Add(time.Second)
			out, err := Decide(f, approvedAccount(), sched(at), pol)
			if err != nil {
				t.Fatal(err)
			}
			g := out.Filing
			if !g.Overdue || g.Stage != from || out.Email != EmailDeadlinePassed || !out.AlertStaff {
				t.Errorf("overdue %v stage %s email %s alert %v", g.Overdue, g.Stage, out.Email, out.AlertStaff)
			}
			if g.Deadline == nil || !g.Deadline.Equal(tDeadline) || out.Deadline == nil || !out.Deadline.Equal(tDeadline) {
				t.Errorf("deadline %v / %v, want kept %v", g.Deadline, out.Deadline, tDeadline)
			}
			if g.Version != f.Version+1 || !g.UpdatedAt.Equal(at) {
				t.Errorf("version %d updated %v", g.Version, g.UpdatedAt)
			}
			if g.Late {
				t.Error("flagging overdue marked the filing late")
			}
			if _, err := Decide(g, approvedAccount(), sched(at.Add(24*time.Hour)), pol); !errors.Is(err, ErrAlreadyOverdue) || !errors.Is(err, ErrTransition) {
				t.Errorf("second flag: %v, want ErrAlreadyOverdue", err)
			}
			if _, err := Decide(f, approvedAccount(), Request{Action: ActionFlagOverdue, Actor: ActorStaff, At: at}, pol); !errors.Is(err, ErrTransition) {
				t.Errorf("staff flag: %v, want ErrTransition", err)
			}
		})
	}
	t.Run("not returned", func(t *testing.T) {
		_, err := Decide(filingAt(t, StageDraft, false), approvedAccount(), sched(tAfter), pol)
		if !errors.Is(err, ErrNotAwaiting) {
			t.Errorf("err = %v, want ErrNotAwaiting", err)
		}
	})
}

func TestDecideRemind(t *testing.T) {
	pol := DefaultPolicy()
	remind := func(at time.Time) Request { return Request{Action: ActionRemind, Actor: ActorScheduler, At: at} }
	for _, from := range []Stage{StageReturned, StageDraft} {
		t.Run(string(from), func(t *testing.T) {
			f := filingAt(t, from, true)
			for _, at := range []time.Time{tBefore, tDeadline.Add(-24 * time.Hour), tDeadline} {
				out, err := Decide(f, approvedAccount(), remind(at), pol)
				if err != nil {
					t.Fatalf("remind at %v: %v", at, err)
				}
				g := out.Filing
				if out.Email != EmailDeadlineReminder || out.AlertStaff || g.Stage != from {
					t.Errorf("email %s alert %v stage %s", out.Email, out.AlertStaff, g.Stage)
				}
				if !reflect.DeepEqual(g, f) {
					t.Errorf("a reminder changed the filing:\nbefore %+v\nafter  %+v", f, g)
				}
				if out.Deadline == nil || !out.Deadline.Equal(tDeadline) {
					t.Errorf("outcome deadline %v", out.Deadline)
				}
			}
			if _, err := Decide(f, approvedAccount(), remind(tDeadline.Add(time.Second)), pol); !errors.Is(err, ErrDeadlinePassed) || !errors.Is(err, ErrTransition) {
				t.Errorf("remind after the deadline: %v, want ErrDeadlinePassed", err)
			}
			over := f
			over.Overdue = true
			if _, err := Decide(over, approvedAccount(), remind(tBefore), pol); !errors.Is(err, ErrDeadlinePassed) {
				t.Errorf("remind an overdue filing: %v, want ErrDeadlinePassed", err)
			}
		})
	}
	t.Run("not returned", func(t *testing.T) {
		_, err := Decide(filingAt(t, StageDraft, false), approvedAccount(), remind(tBefore), pol)
		if !errors.Is(err, ErrNotAwaiting) {
			t.Errorf("err = %v, want ErrNotAwaiting", err)
		}
	})
}

// TestDecideWholeProcess walks one filing through every step of seed §一,
// with a provider return, a late bureau return and the approval.
func TestDecideWholeProcess(t *testing.T) {
	pol := DefaultPolicy()
	f := mustFiling(t, enterpriseInput())
	at := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
	steps := []struct {
		req   Request
		stage Stage
		email EmailKind
		late  bool
	}{
		{Request{Action: ActionSubmit, Actor: ActorStaff}, StageProviderReview, EmailFilingSubmitted, false},
		{Request{Action: ActionReturnProvider, Actor: ActorStaff, Reason: "缺少授权书"}, StageDraft, EmailFilingReturnedProvider, false},
		{Request{Action: ActionRemind, Actor: ActorScheduler}, StageDraft, EmailDeadlineReminder, false},
		{Request{Action: ActionResubmit, Actor: ActorStaff}, StageProviderReview, EmailResubmissionReceived, false},
		{Request{Action: ActionToBureau, Actor: ActorStaff}, StageBureauReview, EmailFilingSentToBureau, false},
		{Request{Action: ActionReturnBureau, Actor: ActorStaff, Reason: "网站名称含敏感词"}, StageReturned, EmailFilingReturned, false},
		{Request{Action: ActionFlagOverdue, Actor: ActorScheduler}, StageReturned, EmailDeadlinePassed, false},
		{Request{Action: ActionResubmit, Actor: ActorApplicant}, StageProviderReview, EmailResubmissionLate, true},
		{Request{Action: ActionToBureau, Actor: ActorStaff}, StageBureauReview, EmailFilingSentToBureau, false},
		{Request{Action: ActionApprove, Actor: ActorStaff, ICPNumber: "京ICP备2026012345号-1", Password: "s3cret"}, StageApproved, EmailFilingApproved, false},
	}
	for i, st := range steps {
		// One day per step, except that the overdue flag comes 9 days after the return.
		at = at.Add(24 * time.Hour)
		if st.req.Action == ActionFlagOverdue {
			at = at.Add(8 * 24 * time.Hour)
		}
		st.req.At = at
		out, err := Decide(f, approvedAccount(), st.req, pol)
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, st.req.Action, err)
		}
		if out.Filing.Stage != st.stage || out.Email != st.email || out.Late != st.late {
			t.Fatalf("step %d (%s): stage %s email %s late %v, want %s %s %v", i, st.req.Action,
				out.Filing.Stage, out.Email, out.Late, st.stage, st.email, st.late)
		}
		f = out.Filing
	}
	if f.ICPNumber != "京ICP备2026012345号-1" || f.Stage.Open() {
		t.Errorf("final filing %+v", f)
	}
	// Ten steps, one of them a reminder that does not count as a change.
	if f.Version != 1+len(steps)-1 {
		t.Errorf("final version %d, want %d", f.Version, len(steps))
	}
	if !f.Late {
		t.Error("the late resubmission is no longer visible on the approved filing")
	}
}
