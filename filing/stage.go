package filing

import (
	"errors"
	"fmt"
	"strings"
)

// Stage is where a filing is in the process (docs/architecture.md, "The filing process as states").
type Stage string

const (
	StageDraft          Stage = "draft"
	StageProviderReview Stage = "provider_review"
	StageBureauReview   Stage = "bureau_review"
	StageReturned       Stage = "returned"
	StageApproved       Stage = "approved"
	// StageClosed ends a filing that will not be approved: withdrawn, or a
	// late resubmission the desk declined. CloseReason says which.
	StageClosed Stage = "closed"
)

// Stages lists every stage in process order.
var Stages = []Stage{StageDraft, StageProviderReview, StageBureauReview, StageReturned, StageApproved, StageClosed}

var stageLabels = map[Stage]Text{
	StageDraft:          {Zh: "未提交", En: "not submitted"},
	StageProviderReview: {Zh: "待接入商审核", En: "awaiting the provider's review"},
	StageBureauReview:   {Zh: "待管局审核", En: "awaiting the Communications Administration's review"},
	StageReturned:       {Zh: "退回主办者修改", En: "returned for correction"},
	StageApproved:       {Zh: "备案成功", En: "approved"},
	StageClosed:         {Zh: "已关闭", En: "closed"},
}

// Label is the stage as applicants see it in the filing system (seed §四).
func (s Stage) Label(lang Language) string {
	return stageLabels[s].In(lang)
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	_, ok := stageLabels[s]
	return ok
}

// ParseStage reads a stage name as the CLI accepts it.
func ParseStage(s string) (Stage, error) {
	st := Stage(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		names := make([]string, len(Stages))
		for i, x := range Stages {
			names[i] = string(x)
		}
		return "", fmt.Errorf("unknown stage %q (want one of %s)", s, strings.Join(names, ", "))
	}
	return st, nil
}

// Open reports whether a filing in this stage still needs the desk or the
// applicant: anything but approved or closed.
func (s Stage) Open() bool { return s != StageApproved && s != StageClosed }

// CloseReason says why a filing was closed.
type CloseReason string

const (
	ClosedWithdrawn CloseReason = "withdrawn" // the applicant gave up, or the desk withdrew it
	ClosedExpired   CloseReason = "expired"   // resubmitted after the deadline, and the desk declined it
)

var closeReasonLabels = map[CloseReason]Text{
	ClosedWithdrawn: {Zh: "已撤回", En: "withdrawn"},
	ClosedExpired:   {Zh: "逾期未受理", En: "expired: late resubmission declined"},
}

// Label is the reason as staff and applicants read it.
func (r CloseReason) Label(lang Language) string { return closeReasonLabels[r].In(lang) }

// ReturnSource says who returned a filing.
type ReturnSource string

const (
	ReturnedByProvider ReturnSource = "provider"
	ReturnedByBureau   ReturnSource = "bureau"
)

// ParseReturnSource reads --by provider|bureau.
func ParseReturnSource(s string) (ReturnSource, error) {
	switch ReturnSource(strings.ToLower(strings.TrimSpace(s))) {
	case ReturnedByProvider:
		return ReturnedByProvider, nil
	case ReturnedByBureau:
		return ReturnedByBureau, nil
	}
	return "", fmt.Errorf("unknown return source %q (want provider or bureau)", s)
}

// Actor is who causes a change.
type Actor string

const (
	ActorStaff     Actor = "staff"
	ActorApplicant Actor = "applicant" // by email to the desk mailbox
	ActorScheduler Actor = "scheduler"
)

// ErrTransition is returned when a filing cannot move from its current stage
// to the requested one; the filing is left unchanged.
var ErrTransition = errors.New("filing: transition not allowed")
