package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

func (a *app) filingCommand() *cobra.Command {
	return a.group("filing", "filings through the process",
		a.filingImportCommand(),
		a.stageCommand(filing.ActionSubmit, "record the applicant's submission; emails the materials checklist"),
		a.stageCommand(filing.ActionToBureau, "record that the desk sent the filing to the bureau"),
		a.filingReturnCommand(),
		a.stageCommand(filing.ActionResubmit, "record a resubmission after a return (late ones are marked)"),
		a.filingApproveCommand(),
		a.filingUpdateCommand(),
		a.filingExtendCommand(),
		a.filingWithdrawCommand(),
		a.stageCommand(filing.ActionAcceptLate, "accept a resubmission made after the deadline: it is reviewed; the applicant is told"),
		a.filingDeclineLateCommand(),
		a.filingUndoCommand(),
		a.filingShowCommand(),
		a.filingListCommand(),
	)
}

func (a *app) filingImportCommand() *cobra.Command {
	return a.leaf("import FILE.json", "import a filing from the filing system (- reads stdin); every problem is reported and nothing is stored",
		func(ctx context.Context, args []string) error { return runFilingImport(ctx, a, args[0]) })
}

func runFilingImport(ctx context.Context, a *app, path string) error {
	in, err := readFilingInput(a, path)
	if err != nil {
		return err
	}
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	f, probs, err := d.ImportFiling(ctx, in, a.staff())
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return probs
	}
	fmt.Fprintf(a.stdout, "filing %s imported (%s, %s)\n", f.Reference, f.Stage, f.Website.Name)
	return nil
}

// stageFlags are the flags every stage command shares.
type stageFlags struct {
	at string
}

func (sf *stageFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&sf.at, "at", "", "when it happened: an RFC 3339 `TIME` such as 2026-12-01T15:04:05+08:00; default now")
}

func (sf *stageFlags) time(now time.Time) (time.Time, error) {
	if sf.at == "" {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339, sf.at)
	if err != nil {
		return time.Time{}, usagef("--at %q: want RFC 3339, e.g. 2026-12-01T15:04:05+08:00", sf.at)
	}
	if t.After(now.Add(5 * time.Minute)) {
		return time.Time{}, usagef("--at %s is in the future", sf.at)
	}
	return t, nil
}

// stageCommand is a command that applies one action to the filing REF with
// no other input.
func (a *app) stageCommand(action filing.Action, short string) *cobra.Command {
	var sf stageFlags
	name := strings.ReplaceAll(string(action), "_", "-")
	c := a.leaf(name+" REF", short, func(ctx context.Context, args []string) error {
		return applyChange(ctx, a, args[0], filing.Request{Action: action}, &sf)
	})
	sf.register(c.Flags())
	return c
}

// returnFlags are `filing return`'s flags.
type returnFlags struct {
	stageFlags
	reason, by string
}

func (a *app) filingReturnCommand() *cobra.Command {
	var rf returnFlags
	c := a.leaf("return REF --reason TEXT --by provider|bureau", "record a return; starts the resubmission deadline",
		func(ctx context.Context, args []string) error { return runFilingReturn(ctx, a, args[0], rf) })
	rf.register(c.Flags())
	c.Flags().StringVar(&rf.reason, "reason", "", "the reason `TEXT`, as the applicant will read it (required)")
	c.Flags().StringVar(&rf.by, "by", "", "who returned it: `provider|bureau` (the desk or the bureau; required)")
	completeWords(c, "by", "provider", "bureau")
	return c
}

func runFilingReturn(ctx context.Context, a *app, ref string, rf returnFlags) error {
	if strings.TrimSpace(rf.reason) == "" {
		return usagef("--reason is required: the applicant is told why")
	}
	src, err := filing.ParseReturnSource(rf.by)
	if err != nil {
		return usagef("--by: %v", err)
	}
	action := filing.ActionReturnBureau
	if src == filing.ReturnedByProvider {
		action = filing.ActionReturnProvider
	}
	return applyChange(ctx, a, ref, filing.Request{Action: action, Reason: rf.reason}, &rf.stageFlags)
}

// approveFlags are `filing approve`'s flags.
type approveFlags struct {
	stageFlags
	icpNumber     string
	passwordStdin bool
}

func (a *app) filingApproveCommand() *cobra.Command {
	var af approveFlags
	c := a.leaf("approve REF --icp-number N", "record the bureau's approval; emails the ICP number",
		func(ctx context.Context, args []string) error { return runFilingApprove(ctx, a, args[0], af) })
	af.register(c.Flags())
	c.Flags().StringVar(&af.icpNumber, "icp-number", "", "the ICP number the bureau issued, `N`, e.g. 浙ICP备12345678号-1 (required)")
	c.Flags().BoolVar(&af.passwordStdin, "password-stdin", false, "read the filing password from the first line of stdin (never from a flag: it would show in ps)")
	return c
}

func runFilingApprove(ctx context.Context, a *app, ref string, af approveFlags) error {
	if af.icpNumber == "" {
		return usagef("--icp-number is required")
	}
	req := filing.Request{Action: filing.ActionApprove, ICPNumber: af.icpNumber}
	if af.passwordStdin {
		line, err := bufio.NewReader(io.LimitReader(a.stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		req.Password = strings.TrimRight(line, "\r\n")
		if req.Password == "" {
			return usagef("--password-stdin: stdin is empty")
		}
	}
	return applyChange(ctx, a, ref, req, &af.stageFlags)
}

func applyChange(ctx context.Context, a *app, ref string, req filing.Request, sf *stageFlags) error {
	return act(ctx, a, ref, desk.ActionInput{Action: string(req.Action), Reason: req.Reason, ICPNumber: req.ICPNumber,
		Password: req.Password}, sf)
}

// act carries out a staff action on a filing and says what it did.
func act(ctx context.Context, a *app, ref string, in desk.ActionInput, sf *stageFlags) error {
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	s := d.Store()
	if in.At, err = sf.time(s.Now()); err != nil {
		return err
	}
	res, err := d.Act(ctx, ref, in, a.staff())
	if errors.Is(err, desk.ErrInput) {
		return usagef("%s", strings.TrimPrefix(err.Error(), desk.ErrInput.Error()+": "))
	}
	if err != nil {
		return err
	}
	f := res.Filing
	msg := fmt.Sprintf("filing %s: %s → %s", f.Reference, res.Outcome.From, f.Stage)
	if res.Outcome.From == f.Stage {
		msg = fmt.Sprintf("filing %s (%s): %s", f.Reference, f.Stage, res.Outcome.Transition.Action)
	}
	if f.Deadline != nil {
		msg += fmt.Sprintf("; resubmission deadline %s", localTime(*f.Deadline, s.Policy().Location))
	}
	if res.Outcome.Late {
		msg += "; resubmitted after the deadline (marked late)"
	}
	if res.Enqueued > 0 {
		msg += fmt.Sprintf("; %d email(s) queued", res.Enqueued)
	}
	fmt.Fprintln(a.stdout, msg)
	return nil
}

// deadlineFlags set a new deadline.
type deadlineFlags struct {
	stageFlags
	until  string
	days   int
	reason string
}

func (df *deadlineFlags) register(c *cobra.Command, what string) {
	df.stageFlags.register(c.Flags())
	c.Flags().StringVar(&df.until, "until", "", "the new deadline: the end of this `DATE` (YYYY-MM-DD) in the desk's zone")
	c.Flags().IntVar(&df.days, "days", 0, "the new deadline: `N` days "+what)
	c.Flags().StringVar(&df.reason, "reason", "", "why, `TEXT`, as the applicant will read it")
}

func (a *app) filingExtendCommand() *cobra.Command {
	var df deadlineFlags
	c := a.leaf("extend REF (--until DATE | --days N) [--reason TEXT]", "give a returned filing a later resubmission deadline; reminders restart, the applicant is told",
		func(ctx context.Context, args []string) error {
			if df.until == "" && df.days == 0 {
				return usagef("--until DATE or --days N is required")
			}
			return act(ctx, a, args[0], desk.ActionInput{Action: string(filing.ActionExtend), Until: df.until, Days: df.days, Reason: df.reason}, &df.stageFlags)
		})
	df.register(c, "after the current deadline")
	return c
}

func (a *app) filingWithdrawCommand() *cobra.Command {
	var sf stageFlags
	var reason string
	c := a.leaf("withdraw REF --reason TEXT", "close a filing that will not go on (abandoned, withdrawn): deadlines and reminders stop, the applicant is told",
		func(ctx context.Context, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required: the applicant is told why")
			}
			return act(ctx, a, args[0], desk.ActionInput{Action: string(filing.ActionWithdraw), Reason: reason}, &sf)
		})
	sf.register(c.Flags())
	c.Flags().StringVar(&reason, "reason", "", "why, `TEXT`, as the applicant will read it (required)")
	return c
}

func (a *app) filingDeclineLateCommand() *cobra.Command {
	var sf stageFlags
	var reason string
	c := a.leaf("decline-late REF --reason TEXT", "refuse a resubmission made after the deadline: the filing is closed as expired, the applicant told why and what to do next",
		func(ctx context.Context, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required: the applicant is told why")
			}
			return act(ctx, a, args[0], desk.ActionInput{Action: string(filing.ActionDeclineLate), Reason: reason}, &sf)
		})
	sf.register(c.Flags())
	c.Flags().StringVar(&reason, "reason", "", "why, `TEXT`, as the applicant will read it (required)")
	return c
}

func (a *app) filingUndoCommand() *cobra.Command {
	var df deadlineFlags
	c := a.leaf("undo-resubmission REF --reason TEXT [--until DATE | --days N]", "put back a resubmission recorded by mistake: the filing awaits it again with its original deadline (or a new one); the applicant is told it was our mistake",
		func(ctx context.Context, args []string) error {
			if strings.TrimSpace(df.reason) == "" {
				return usagef("--reason is required: the applicant is told why")
			}
			return act(ctx, a, args[0], desk.ActionInput{Action: string(filing.ActionUndoResubmission), Reason: df.reason,
				Until: df.until, Days: df.days}, &df.stageFlags)
		})
	df.register(c, "from now (needed when the original deadline has passed)")
	return c
}

func (a *app) filingUpdateCommand() *cobra.Command {
	var notify bool
	c := a.leaf("update FILE.json [--notify]", "store corrected data for an imported filing (same format as import; - reads stdin): prints what changed, checks the rules again",
		func(ctx context.Context, args []string) error { return runFilingUpdate(ctx, a, args[0], notify) })
	c.Flags().BoolVar(&notify, "notify", false, "email the applicant the corrected materials checklist when the materials changed")
	return c
}

func runFilingUpdate(ctx context.Context, a *app, path string, notify bool) error {
	in, err := readFilingInput(a, path)
	if err != nil {
		return err
	}
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	up, probs, err := d.UpdateFiling(ctx, in, notify, a.staff())
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return probs
	}
	if len(up.Changes) == 0 {
		fmt.Fprintf(a.stdout, "filing %s: nothing changed\n", up.Filing.Reference)
		return nil
	}
	fmt.Fprintf(a.stdout, "filing %s updated:\n", up.Filing.Reference)
	for _, c := range up.Changes {
		fmt.Fprintf(a.stdout, "  %s: %s → %s\n", c.Field, orDash(c.Old), orDash(c.New))
	}
	switch {
	case up.Notified:
		fmt.Fprintln(a.stdout, "the applicant is sent the corrected materials checklist")
	case notify:
		fmt.Fprintln(a.stdout, "the materials did not change: no email")
	}
	return nil
}

// readFilingInput reads an import document from a file or stdin.
func readFilingInput(a *app, path string) (filing.FilingInput, error) {
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return filing.FilingInput{}, err
		}
		defer f.Close()
		r = f
	}
	return filing.DecodeFilingInput(r)
}

func (a *app) filingShowCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("show REF", "show a filing: stage, deadline, checklist, rule checks, events, emails",
		func(ctx context.Context, args []string) error { return runFilingShow(ctx, a, args[0], asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func runFilingShow(ctx context.Context, a *app, ref string, asJSON bool) error {
	svc, err := a.desk(ctx)
	if err != nil {
		return err
	}
	v, err := svc.Filing(ctx, ref)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, v)
	}
	return printFiling(a.stdout, v, svc.Store().Policy().Location, svc.Store().Now())
}

func printFiling(w io.Writer, v desk.FilingView, loc *time.Location, now time.Time) error {
	f := v.Filing
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	person := func(label string, pv desk.PersonView) {
		p("  %-26s %s  (ID %s, mobile %s", label, pv.Name, pv.IDMasked, pv.Phone)
		if pv.Email != "" {
			p(", %s", pv.Email)
		}
		p(")\n")
	}
	p("Filing %s   %s\n", v.Reference, v.Tag)
	p("Stage:       %s (%s)\n", v.Stage, v.StageLabel)
	p("Account:     %s (%s, %s, %s)\n", v.Account.Email, v.Account.Name, v.Account.Status, v.Account.Language)
	p("Subject:     %s — %s\n", f.Subject.Type.Label(filing.LangEnglish), v.Subject.Name)
	if v.Subject.LegalRepresentative != nil {
		person("legal representative", *v.Subject.LegalRepresentative)
	}
	person("subject responsible", v.Subject.Responsible)
	p("Website:     %s\n", v.Website.Name)
	person("website responsible", v.Website.Responsible)
	for _, d := range v.Website.Domains {
		if d.Name != d.ASCII {
			p("  domain %s (%s), registrant %s\n", d.Name, d.ASCII, d.Registrant)
		} else {
			p("  domain %s, registrant %s\n", d.Name, d.Registrant)
		}
	}
	if f.ReturnedAt != nil {
		p("Returned:    %s by %s: %s\n", localTime(*f.ReturnedAt, loc), v.ReturnSource, v.ReturnReason)
	}
	if f.Deadline != nil {
		state := until(*f.Deadline, now)
		if f.Overdue {
			state = "OVERDUE, " + state
		}
		p("Deadline:    %s (%s)\n", v.DeadlineLocal, state)
	}
	if f.Late {
		p("Late:        resubmitted after the deadline; staff decide\n")
	}
	if v.ICPNumber != "" {
		p("ICP number:  %s\n", v.ICPNumber)
	}
	if f.ClosedAt != nil {
		p("Closed:      %s, %s: %s\n", localTime(*f.ClosedAt, loc), f.CloseReason, f.CloseNote)
	}
	for _, w := range v.Items {
		if w.Open() {
			p("Waiting:     work item #%d %s, opened %s\n", w.ID, w.Kind, localTime(w.OpenedAt, loc))
		}
	}
	p("\nMaterials checklist:\n")
	for i, m := range v.Materials {
		p("  %d. %s\n", i+1, m.Zh)
	}
	if len(v.RuleProblems) == 0 {
		p("\nRule checks (seed §三): all pass\n")
	} else {
		p("\nRule checks (seed §三):\n")
		for _, pr := range v.RuleProblems {
			p("  ✗ %s\n", pr)
		}
	}
	p("\nEvents:\n")
	for _, e := range v.Events {
		stages := ""
		if e.From != e.To {
			stages = fmt.Sprintf("  %s → %s", e.From, e.To)
			if e.From == "" {
				stages = "  → " + e.To
			}
		}
		who := e.Actor
		if e.ActorName != "" {
			who += "(" + e.ActorName + ")"
		}
		p("  %s  %-22s %-16s%s  %s\n", localTime(e.At, loc), who, e.Action, stages, compactDetails(e.Details))
	}
	if len(v.Inbound) > 0 {
		p("\nReceived:\n")
		for i := len(v.Inbound) - 1; i >= 0; i-- {
			m := v.Inbound[i]
			p("  #%d %s  %-14s from %s: %s\n", m.ID, localTime(m.ReceivedAt, loc), m.Decision, filing.MaskEmail(m.Sender), clip(m.Subject, 60))
		}
	}
	if len(v.Actions) > 0 {
		p("\nActions now: %s\n", strings.Join(v.Actions, ", "))
	}
	if len(v.Outbox) > 0 {
		p("\nEmails:\n")
		for i := len(v.Outbox) - 1; i >= 0; i-- {
			o := v.Outbox[i]
			p("  #%d %-26s %-8s to %s\n", o.ID, o.Kind, o.Status, filing.MaskEmail(o.Recipient))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func compactDetails(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return ""
	}
	out, _ := json.Marshal(m)
	return string(out)
}

// listFlags are `filing list`'s flags.
type listFlags struct {
	asJSON, overdue bool
	stage           string
	filter          store.FilingFilter
}

func (a *app) filingListCommand() *cobra.Command {
	var lf listFlags
	c := a.leaf("list", "list filings, most recently changed first", func(ctx context.Context, _ []string) error { return runFilingList(ctx, a, lf) })
	c.Flags().BoolVar(&lf.asJSON, "json", false, "print JSON: {\"filings\": [...], \"next\": CURSOR}")
	c.Flags().StringVar(&lf.stage, "stage", "", "only filings in this `STAGE`: draft, provider_review, bureau_review, returned, approved, closed")
	c.Flags().BoolVar(&lf.overdue, "overdue", false, "only filings past their resubmission deadline")
	c.Flags().StringVar(&lf.filter.Account, "account", "", "only this account's filings (`EMAIL`)")
	c.Flags().StringVar(&lf.filter.Domain, "domain", "", "only filings for this `DOMAIN`")
	c.Flags().StringVar(&lf.filter.Text, "search", "", "only filings whose reference, names, account or domain contain `TEXT`")
	c.Flags().IntVar(&lf.filter.Limit, "limit", 100, "at most `N` filings (1 to 500)")
	c.Flags().StringVar(&lf.filter.After, "after", "", "continue after the `CURSOR` a previous --json list printed as next")
	completeWords(c, "stage", "draft", "provider_review", "bureau_review", "returned", "approved", "closed")
	return c
}

func runFilingList(ctx context.Context, a *app, lf listFlags) error {
	filter := lf.filter
	if lf.stage != "" {
		st, err := filing.ParseStage(lf.stage)
		if err != nil {
			return usagef("--stage: %v", err)
		}
		filter.Stage = st
	}
	if filter.Limit < 1 || filter.Limit > desk.MaxPage {
		return usagef("--limit %d: want 1 to %d", filter.Limit, desk.MaxPage)
	}
	filter.Overdue = lf.overdue
	svc, err := a.desk(ctx)
	if err != nil {
		return err
	}
	page, err := svc.Filings(ctx, filter)
	if errors.Is(err, store.ErrBadCursor) {
		return usagef("--after: %v", err)
	}
	if err != nil {
		return err
	}
	if lf.asJSON {
		return writeJSON(a.stdout, page)
	}
	loc := svc.Store().Policy().Location
	var t table
	t.add("REFERENCE", "STAGE", "ACCOUNT", "DOMAIN", "DEADLINE", "FLAGS")
	for _, f := range page.Filings {
		var flags []string
		if f.Overdue {
			flags = append(flags, "overdue")
		}
		if f.Late {
			flags = append(flags, "late")
		}
		if f.ICPNumber != "" {
			flags = append(flags, f.ICPNumber)
		}
		t.add(f.Reference, f.Stage, f.Account, f.Domain, localTimePtr(f.Deadline, loc), strings.Join(flags, ","))
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	if page.Next != "" {
		_, err = fmt.Fprintf(a.stdout, "more: icpdesk filing list --after %s (with the same filters)\n", page.Next)
	}
	return err
}
