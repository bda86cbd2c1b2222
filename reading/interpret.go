package reading

// Interpretation is what the decision needs, derived from a Reading.
type Interpretation struct {
	Done          bool   // some clause says the work is done and nothing takes it back (no clause says it is not)
	ReviewRequest bool   // some clause asks for review and nothing takes it back
	Contradicted  bool   // a negated done, a question about whether/how to resubmit or modify (a question with Topic), a promise or condition about the work (with Topic; not a closing 如有问题请联系), an extension request (always), an instruction to someone else about the work, or a text too long to read whole
	AsksSomething bool   // a question, an extension request or a reported failure: a person must answer
	Trouble       string // the clause reporting that something failed (提交失败, 提交不了, an error), as written
	Misread       bool   // says it has NOT been done (negated_done, also a bare "not yet"/"还没") or that we misunderstood (correction): used when the mail answers our acknowledgement
	Understood    string // the clause(s) that made Done/ReviewRequest true, as written, to quote back to the applicant: "已经改好了，刚刚重新提交了"
	Why           string // one line for staff explaining the interpretation
}

// Interpret derives what the decision needs. A clause that says the work is
// not done takes back every clause that says it is: the reader does not
// guess which of two contradicting clauses is the later truth.
func (r Reading) Interpret() Interpretation {
	var in Interpretation
	all := r.acts()
	notDone := all&bitNegatedDone != 0
	in.Done = all&bitDone != 0 && !notDone
	in.ReviewRequest = all&bitReviewRequest != 0 && !notDone
	in.AsksSomething = all&(bitQuestion|bitExtensionRequest) != 0
	// "提交不了" asks nothing in words but is the applicant stuck: someone
	// must answer it, or they wait for a deadline they cannot meet.
	for i := range r.Statements {
		if st := &r.Statements[i]; in.Trouble == "" && st.Has(ActNegatedDone) && reportsFailure(st) {
			in.Trouble = st.Text
			in.AsksSomething = true
		}
	}
	in.Misread = notDone || all&bitCorrection != 0
	// What was not read may take anything back.
	in.Contradicted = r.Truncated
	for i := range r.Statements {
		if contradicts(&r.Statements[i]) {
			in.Contradicted = true
		}
	}
	if in.Done || in.ReviewRequest {
		in.Understood = r.quote(func(s *Statement) bool {
			return in.Done && s.acts()&bitDone != 0 || in.ReviewRequest && s.acts()&bitReviewRequest != 0
		}, maxUnderstood)
	}
	in.Why = r.why(in)
	return in
}

// reportsFailure reports whether a statement's not-done comes from a
// failure (提交失败, 提交不了, an error) rather than from not having tried.
func reportsFailure(s *Statement) bool {
	for _, r := range s.Rules {
		if r == "negated.after-verb" || r == "negated.failure" {
			return true
		}
	}
	return false
}

// contradicts reports whether a statement speaks against a resubmission.
func contradicts(s *Statement) bool {
	a := s.acts()
	return a&(bitNegatedDone|bitExtensionRequest|bitInstruction) != 0 ||
		s.Topic && !s.offer && a&(bitQuestion|bitPromise|bitCondition) != 0
}

// why explains an interpretation in one line: what counted, and each thing
// that speaks against it, with the clauses.
func (r Reading) why(in Interpretation) string {
	var l explanation
	l.init()
	all := r.acts()
	add := func(label string, keep func(a actSet, s *Statement) bool) {
		l.add(label, r, func(s *Statement) bool { return keep(s.acts(), s) })
	}
	switch {
	case in.Done:
		add("done", func(a actSet, _ *Statement) bool { return a&bitDone != 0 })
	case all&bitDone != 0:
		add("done, but taken back", func(a actSet, _ *Statement) bool { return a&bitDone != 0 })
	}
	if all&bitReviewRequest != 0 {
		label := "asks for review"
		if !in.ReviewRequest {
			label = "asks for review, but taken back"
		}
		add(label, func(a actSet, _ *Statement) bool { return a&bitReviewRequest != 0 })
	}
	add("not done", func(a actSet, s *Statement) bool { return a&bitNegatedDone != 0 && !reportsFailure(s) })
	add("reports a failure", func(a actSet, s *Statement) bool { return a&bitNegatedDone != 0 && reportsFailure(s) })
	add("question about the work", func(a actSet, s *Statement) bool { return s.Topic && !s.offer && a&bitQuestion != 0 })
	add("promise about the work", func(a actSet, s *Statement) bool { return s.Topic && !s.offer && a&bitPromise != 0 })
	add("condition about the work", func(a actSet, s *Statement) bool { return s.Topic && !s.offer && a&bitCondition != 0 })
	add("extension request", func(a actSet, _ *Statement) bool { return a&bitExtensionRequest != 0 })
	add("instruction to someone else", func(a actSet, _ *Statement) bool { return a&bitInstruction != 0 })
	add("asks", func(a actSet, s *Statement) bool { return (!s.Topic || s.offer) && a&bitQuestion != 0 })
	add("says we misunderstood", func(a actSet, _ *Statement) bool { return a&bitCorrection != 0 })
	if r.Truncated {
		if len(l.line) > 0 {
			l.line = append(l.line, "; "...)
		}
		l.line = append(l.line, "too long: only the start was read"...)
	}
	if len(l.line) == 0 {
		return "no statement about the filing"
	}
	return l.String()
}
