package filing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecideExtend(t *testing.T) {
	pol := DefaultPolicy()
	later := tDeadline.Add(5 * 24 * time.Hour)
	f := filingAt(t, StageReturned, true)
	f.Overdue = true
	out, err := Decide(f, approvedAccount(), Request{Action: ActionExtend, Actor: ActorStaff, At: tAfter, Deadline: &later}, pol)
	if err != nil {
		t.Fatal(err)
	}
	g := out.Filing
	if g.Deadline == nil || !g.Deadline.Equal(later) || g.Overdue || g.Extensions != 1 || g.Stage != StageReturned {
		t.Errorf("deadline %v overdue %v extensions %d stage %s", g.Deadline, g.Overdue, g.Extensions, g.Stage)
	}
	if out.PreviousDeadline == nil || !out.PreviousDeadline.Equal(tDeadline) || out.Email != EmailDeadlineExtended {
		t.Errorf("previous %v email %s", out.PreviousDeadline, out.Email)
	}
	earlier := tDeadline.Add(-time.Hour)
	for name, req := range map[string]Request{
		"no deadline":     {Action: ActionExtend, Actor: ActorStaff, At: tBefore},
		"earlier":         {Action: ActionExtend, Actor: ActorStaff, At: tBefore, Deadline: &earlier},
		"already passed":  {Action: ActionExtend, Actor: ActorStaff, At: later.Add(time.Hour), Deadline: &later},
		"by an applicant": {Action: ActionExtend, Actor: ActorApplicant, At: tBefore, Deadline: &later},
	} {
		if _, err := Decide(f, approvedAccount(), req, pol); !errors.Is(err, ErrTransition) {
			t.Errorf("%s: err %v, want a refusal", name, err)
		}
	}
	if _, err := Decide(filingAt(t, StageProviderReview, false), approvedAccount(),
		Request{Action: ActionExtend, Actor: ActorStaff, At: tBefore, Deadline: &later}, pol); !errors.Is(err, ErrTransition) {
		t.Errorf("extending a filing in review: err %v", err)
	}
}

func TestDecideWithdrawAndLateDecisions(t *testing.T) {
	pol := DefaultPolicy()
	f := filingAt(t, StageReturned, true)
	out, err := Decide(f, approvedAccount(), Request{Action: ActionWithdraw, Actor: ActorStaff, At: tBefore, Reason: " 申请人放弃 "}, pol)
	if err != nil {
		t.Fatal(err)
	}
	g := out.Filing
	if g.Stage != StageClosed || g.CloseReason != ClosedWithdrawn || g.CloseNote != "申请人放弃" || g.Deadline != nil || g.AwaitingResubmission() {
		t.Errorf("withdrawn: %+v", g)
	}
	if _, err := Decide(g, approvedAccount(), Request{Action: ActionWithdraw, Actor: ActorStaff, At: tBefore, Reason: "x"}, pol); !errors.Is(err, ErrTransition) {
		t.Errorf("withdrawing a closed filing: %v", err)
	}
	if _, err := Decide(f, approvedAccount(), Request{Action: ActionWithdraw, Actor: ActorStaff, At: tBefore}, pol); err == nil {
		t.Error("withdrawal without a reason accepted")
	}

	late := filingAt(t, StageProviderReview, false)
	late.Late = true
	acc, err := Decide(late, approvedAccount(), Request{Action: ActionAcceptLate, Actor: ActorStaff, At: tAfter}, pol)
	if err != nil || acc.Filing.Late || acc.Filing.Stage != StageProviderReview || acc.Email != EmailLateAccepted {
		t.Errorf("accept late: %+v %v", acc.Filing, err)
	}
	dec, err := Decide(late, approvedAccount(), Request{Action: ActionDeclineLate, Actor: ActorStaff, At: tAfter, Reason: "逾期"}, pol)
	if err != nil || dec.Filing.Stage != StageClosed || dec.Filing.CloseReason != ClosedExpired || dec.Email != EmailLateDeclined {
		t.Errorf("decline late: %+v %v", dec.Filing, err)
	}
	onTime := filingAt(t, StageProviderReview, false)
	for _, a := range []Action{ActionAcceptLate, ActionDeclineLate} {
		if _, err := Decide(onTime, approvedAccount(), Request{Action: a, Actor: ActorStaff, At: tAfter, Reason: "x"}, pol); !errors.Is(err, ErrNotLate) {
			t.Errorf("%s on an on-time filing: %v", a, err)
		}
	}
}

func TestDecideUndoResubmission(t *testing.T) {
	pol := DefaultPolicy()
	for _, source := range []ReturnSource{ReturnedByBureau, ReturnedByProvider} {
		t.Run(string(source), func(t *testing.T) {
			stage := StageReturned
			if source == ReturnedByProvider {
				stage = StageDraft
			}
			f := filingAt(t, stage, true)
			f.ReturnSource = source
			res, err := Decide(f, approvedAccount(), Request{Action: ActionResubmit, Actor: ActorApplicant, At: tBefore}, pol)
			if err != nil {
				t.Fatal(err)
			}
			undo, err := Decide(res.Filing, approvedAccount(), Request{Action: ActionUndoResubmission, Actor: ActorStaff, At: tBefore.Add(time.Hour), Reason: "误读"}, pol)
			if err != nil {
				t.Fatal(err)
			}
			g := undo.Filing
			if g.Stage != stage || g.Deadline == nil || !g.Deadline.Equal(tDeadline) || !g.AwaitingResubmission() || g.LastDeadline != nil {
				t.Errorf("undone: stage %s deadline %v awaiting %v", g.Stage, g.Deadline, g.AwaitingResubmission())
			}
			if undo.Email != EmailResubmissionUndone {
				t.Errorf("email %s, want the undo notice and no new return", undo.Email)
			}
			// Past the original deadline a new one is needed.
			_, err = Decide(res.Filing, approvedAccount(), Request{Action: ActionUndoResubmission, Actor: ActorStaff, At: tAfter}, pol)
			if !errors.Is(err, ErrDeadlineRequired) || !strings.Contains(err.Error(), "has passed") {
				t.Errorf("undo past the deadline: %v", err)
			}
			later := tAfter.Add(48 * time.Hour)
			again, err := Decide(res.Filing, approvedAccount(), Request{Action: ActionUndoResubmission, Actor: ActorStaff, At: tAfter, Deadline: &later}, pol)
			if err != nil || !again.Filing.Deadline.Equal(later) {
				t.Errorf("undo with a new deadline: %v %v", again.Filing.Deadline, err)
			}
		})
	}
	if _, err := Decide(filingAt(t, StageProviderReview, false), approvedAccount(),
		Request{Action: ActionUndoResubmission, Actor: ActorStaff, At: tBefore}, pol); !errors.Is(err, ErrNoResubmission) {
		t.Errorf("undo of a first submission: %v", err)
	}
}

// StaffActions offers exactly the staff actions Decide would take on the
// filing as it is, given a request carrying everything an action may need.
func TestStaffActionsMatchDecide(t *testing.T) {
	pol := DefaultPolicy()
	newDeadline := tDeadline.Add(10 * 24 * time.Hour)
	full := func(a Action) Request {
		return Request{Action: a, Actor: ActorStaff, At: tBefore, Reason: "网站名称不符合要求",
			ICPNumber: "京ICP备2026012345号-1", Password: "pw-8e1f", Deadline: &newDeadline}
	}
	for _, stage := range []Stage{StageDraft, StageProviderReview, StageBureauReview, StageReturned, StageApproved, StageClosed} {
		for _, awaiting := range []bool{false, true} {
			for _, late := range []bool{false, true} {
				f := filingAt(t, stage, awaiting)
				f.Late = late
				if awaiting && stage == StageProviderReview {
					// A resubmission was recorded: the deadline it answered is kept.
					f.LastDeadline, f.Deadline = f.Deadline, nil
				}
				offered := map[Action]bool{}
				for _, a := range StaffActions(f) {
					offered[a] = true
				}
				for _, a := range Actions() {
					if a == ActionFlagOverdue || a == ActionRemind {
						if offered[a] {
							t.Errorf("%s: the scheduler's %s offered to staff", stage, a)
						}
						continue
					}
					_, err := Decide(f, approvedAccount(), full(a), pol)
					if offered[a] != (err == nil) {
						t.Errorf("stage %s awaiting %v late %v: %s offered %v, Decide err %v", stage, awaiting, late, a, offered[a], err)
					}
				}
			}
		}
	}
}
