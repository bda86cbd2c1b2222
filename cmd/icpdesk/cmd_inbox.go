package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/store"
)

func (a *app) inboxCommand() *cobra.Command {
	return a.group("inbox", "received mail",
		a.inboxInspectCommand(), a.inboxPollCommand(), a.inboxListCommand(), a.inboxShowCommand(),
		a.inboxReplyCommand(), a.inboxLinkCommand(), a.inboxDismissCommand(), a.inboxHandledCommand(),
		a.inboxReprocessCommand())
}

// inspectFlags are `inbox inspect`'s flags.
type inspectFlags struct {
	asJSON bool
	expect string
	world  string
}

func (a *app) inboxInspectCommand() *cobra.Command {
	var f inspectFlags
	c := &cobra.Command{
		Use:   "inspect PATH... [--expect FILE.tsv] [--json]",
		Short: "read, link and decide messages (files or directories of .eml) as the watcher would, changing nothing; --expect checks a corpus",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("missing argument PATH")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			a.ran = true
			return runInboxInspect(c.Context(), a, args, f)
		},
	}
	c.Flags().BoolVar(&f.asJSON, "json", false, "print JSON: an object for one message, an array for several")
	c.Flags().StringVar(&f.world, "world", "", "judge against the accounts, filings and sent emails of a world `FILE.json` instead of the database "+
		"(an expectations file may name its own with a `# world:` line)")
	c.Flags().StringVar(&f.expect, "expect", "", "expectations `FILE.tsv` (file, classification, decision[, needs_reply[, authenticated]]): "+
		"print what differs and `N/M decided as expected`; exit 1 if any differ")
	return c
}

func runInboxInspect(ctx context.Context, a *app, paths []string, f inspectFlags) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	var exp *inbox.Expectations
	if f.expect != "" {
		if exp, err = inbox.ReadExpectations(f.expect); err != nil {
			return err
		}
	}
	opts := inbox.InspectOptions{MaxSize: int64(cfg.IMAP.MaxMessageSize)}
	var proc *inbox.Processor
	world := f.world
	if world == "" && exp != nil {
		// The expectations are judged against their own world, if they name one.
		world = exp.World
	}
	if world != "" {
		w, err := inbox.LoadWorld(world)
		if err != nil {
			return err
		}
		r, err := a.templates()
		if err != nil {
			return err
		}
		var wopts inbox.InspectOptions
		if proc, wopts, err = w.Processor(r.SubjectPhrases(), cfg.IMAP.AckLimitPerHour); err != nil {
			return err
		}
		opts.Dir, opts.Now = wopts.Dir, wopts.Now
	} else if proc, err = a.processor(ctx); err != nil {
		return err
	}
	files, err := inboxFiles(a, paths)
	if err != nil {
		return err
	}
	skip := func(err error) { fmt.Fprintf(a.stderr, "icpdesk inbox inspect: %v\n", err) }
	if len(files) == 1 {
		skip = nil // one file that is not an email is the command's failure
	}
	results, err := proc.InspectAll(ctx, files, opts, skip)
	if err != nil {
		return err
	}
	if exp != nil {
		return reportCorpus(a, exp, results, f.asJSON)
	}
	if f.asJSON {
		if len(results) == 1 && len(paths) == 1 && !isDir(paths[0]) {
			return writeJSON(a.stdout, results[0])
		}
		return writeJSON(a.stdout, results)
	}
	for i, in := range results {
		if i > 0 {
			fmt.Fprintln(a.stdout, strings.Repeat("─", 60))
		}
		if err := printInspection(a.stdout, in, len(results) > 1); err != nil {
			return err
		}
	}
	return nil
}

// inboxFiles expands the paths; "-" reads one message from stdin (kept in
// a temporary file, as the watcher spools one).
func inboxFiles(a *app, paths []string) ([]string, error) {
	if len(paths) == 1 && paths[0] == "-" {
		tmp, err := os.CreateTemp("", "icpdesk-inspect-*.eml")
		if err != nil {
			return nil, err
		}
		defer tmp.Close()
		if _, err := io.Copy(tmp, a.stdin); err != nil {
			return nil, err
		}
		return []string{tmp.Name()}, nil
	}
	return inbox.MessageFiles(paths)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// corpusReport is `inbox inspect --expect --json`.
type corpusReport struct {
	Matched     int                `json:"matched"`
	Total       int                `json:"total"`
	Differences []inbox.Difference `json:"differences"`
	Missing     []string           `json:"missing,omitempty"`
	Unexpected  []string           `json:"unexpected,omitempty"`
}

func reportCorpus(a *app, exp *inbox.Expectations, results []inbox.Inspection, asJSON bool) error {
	r := exp.Compare(results)
	if asJSON {
		if err := writeJSON(a.stdout, corpusReport{Matched: r.Matched, Total: r.Total, Differences: r.Differences,
			Missing: r.Missing, Unexpected: r.Unexpected}); err != nil {
			return err
		}
	} else {
		if len(r.Differences) > 0 {
			var t table
			t.add("FILE", "FIELD", "EXPECTED", "GOT", "WHY")
			for _, d := range r.Differences {
				t.add(d.File, d.Field, d.Expected, d.Got, clip(d.Why, 120))
			}
			if err := t.write(a.stdout); err != nil {
				return err
			}
		}
		for _, m := range r.Missing {
			fmt.Fprintf(a.stdout, "missing: %s is expected but was not inspected\n", m)
		}
		for _, u := range r.Unexpected {
			fmt.Fprintf(a.stdout, "no expectation for %s\n", u)
		}
		fmt.Fprintf(a.stdout, "%d/%d decided as expected\n", r.Matched, r.Total+len(r.Missing))
	}
	if !r.OK() {
		return errSilent
	}
	return nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func printInspection(w io.Writer, in inbox.Inspection, withFile bool) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	v, m := in.Verdict, in.Message
	if withFile {
		p("File:            %s\n", in.File)
	}
	p("Message-ID:      <%s>", in.MessageID)
	if m.SyntheticID {
		p(" (none in the message: made from its bytes)")
	}
	p("\nFrom:            %s", in.From)
	if m.From.Name != "" {
		p(" (%s)", m.From.Name)
	}
	p("\nSubject:         %s\n", in.Subject)
	p("Received:        %s\n", in.Received.Format("2006-01-02 15:04:05 -0700"))
	p("Classification:  %s", in.Classification)
	if v.ClassReason != "" {
		p(" (%s)", v.ClassReason)
	}
	p("\nFiling:          %s", orDash(in.Filing))
	if in.LinkedBy != "" {
		p(" (linked by %s)", in.LinkedBy)
	}
	p("\nAuthenticated:   %s", in.Authenticated)
	if in.AuthWhy != "" {
		p(" (%s)", in.AuthWhy)
	}
	p("\nSender verified: %v\n", in.SenderVerified)
	p("Own words:       %s\n", orDash(clip(strings.Join(strings.Fields(in.OwnText), " "), 200)))
	p("Statements:      %s\n", orDash(in.Statements))
	p("Decision:        %s", in.Decision)
	if in.NeedsReply {
		p(" (needs a staff reply)")
	}
	p("\nWhy:             %s\n", in.Why)
	if in.ParseError != "" {
		p("Parse error:     %s\n", in.ParseError)
	}
	for _, att := range in.Attachments {
		p("Attachment:      %s (%s, %d bytes)\n", orDash(att.Filename), att.ContentType, att.Size)
	}
	for _, pr := range in.Problems {
		p("Problem:         %s\n", pr)
	}
	text := in.Text
	if lines := strings.Split(text, "\n"); len(lines) > 40 {
		text = strings.Join(lines[:40], "\n") + "\n…"
	}
	if m.TextIsHTML {
		p("\nText (from HTML):\n%s\n", text)
	} else {
		p("\nText:\n%s\n", text)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) inboxPollCommand() *cobra.Command {
	return a.leaf("poll", "record the desk mailbox's waiting mail once, then exit",
		func(ctx context.Context, _ []string) error { return runInboxPoll(ctx, a) })
}

func runInboxPoll(ctx context.Context, a *app) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	r, err := a.templates()
	if err != nil {
		return err
	}
	wcfg, err := inbox.FromConfig(cfg, r.SubjectPhrases())
	if err != nil {
		return err
	}
	log, err := a.logger()
	if err != nil {
		return err
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	w, err := inbox.NewWatcher(s, wcfg, inbox.WithLogger(log))
	if err != nil {
		return err
	}
	sum, err := w.PollOnce(ctx)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s: %d waiting, %d recorded, %d already recorded, %d moved to %s", wcfg.Mailbox,
		sum.Found, sum.Recorded, sum.Duplicates, sum.Moved, wcfg.ProcessedMailbox)
	if sum.Rescan {
		msg += " (UIDVALIDITY changed: the mailbox was rescanned)"
	}
	fmt.Fprintln(a.stdout, msg)
	for _, d := range inbox.Decisions {
		if n := sum.ByDecision[d]; n > 0 {
			fmt.Fprintf(a.stdout, "  %-18s %d\n", d, n)
		}
	}
	if sum.Unparseable > 0 {
		fmt.Fprintf(a.stdout, "  %d could not be parsed: kept with their raw bytes, see `icpdesk queue list --kind unparseable`\n", sum.Unparseable)
	}
	return nil
}

// inboxListFlags are `inbox list`'s flags.
type inboxListFlags struct {
	asJSON, unlinked, needsReply bool
	limit                        int
}

func (a *app) inboxListCommand() *cobra.Command {
	var lf inboxListFlags
	c := a.leaf("list", "list received messages and what was decided", func(ctx context.Context, _ []string) error { return runInboxList(ctx, a, lf) })
	c.Flags().BoolVar(&lf.asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&lf.unlinked, "unlinked", false, "only messages waiting for staff: no filing, or several")
	c.Flags().BoolVar(&lf.needsReply, "needs-reply", false, "only messages a staff member must answer (a question, more time, a misread acknowledgement) not yet handled")
	c.Flags().IntVar(&lf.limit, "limit", 200, "at most `N` messages, newest first (0: all)")
	return c
}

func runInboxList(ctx context.Context, a *app, lf inboxListFlags) error {
	if lf.limit < 0 {
		return usagef("--limit must not be negative")
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	rows, err := s.ListInbound(ctx, store.InboundFilter{Unlinked: lf.unlinked, NeedsReply: lf.needsReply, Limit: lf.limit})
	if err != nil {
		return err
	}
	if lf.asJSON {
		if rows == nil {
			rows = []store.InboundMessage{}
		}
		return writeJSON(a.stdout, rows)
	}
	loc := s.Policy().Location
	var t table
	t.add("ID", "RECEIVED", "FROM", "CLASS", "DECISION", "FILING", "LINKED BY", "FLAGS", "SUBJECT")
	for _, r := range rows {
		var flags []string
		if r.NeedsReply {
			flags = append(flags, "needs-reply")
		}
		if r.Error != "" {
			flags = append(flags, "error")
		}
		if r.Oversize {
			flags = append(flags, "oversize")
		}
		if r.Ack != "" {
			flags = append(flags, "ack:"+r.Ack)
		}
		if r.MovedAt == nil {
			flags = append(flags, "not-moved")
		}
		t.add(fmt.Sprint(r.ID), localTime(r.ReceivedAt, loc), r.Sender, r.Classification, r.Decision, r.FilingRef,
			r.LinkedBy, strings.Join(flags, ","), clip(r.Subject, 40))
	}
	return t.write(a.stdout)
}

// messageID reads a message argument: a row id, or a Message-ID with or
// without its angle brackets.
func messageID(ctx context.Context, s *store.Store, arg string) (int64, error) {
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil {
		return id, nil
	}
	return s.InboundIDByMessageID(ctx, strings.Trim(strings.TrimSpace(arg), "<>"))
}

func (a *app) inboxShowCommand() *cobra.Command {
	var asJSON bool
	c := a.leaf("show MESSAGE", "show a received message: headers, the applicant's own words, the full text, attachments, authentication, the decision and why, its work items and answers",
		func(ctx context.Context, args []string) error { return runInboxShow(ctx, a, args[0], asJSON) })
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func runInboxShow(ctx context.Context, a *app, arg string, asJSON bool) error {
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	id, err := messageID(ctx, d.Store(), arg)
	if err != nil {
		return err
	}
	m, err := d.Message(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, m)
	}
	loc := d.Store().Policy().Location
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("Message %d  <%s>\n", m.ID, m.MessageID)
	from := m.Sender
	if m.Headers.FromName != "" {
		from = m.Headers.FromName + " <" + m.Sender + ">"
	}
	p("From:           %s\n", from)
	if len(m.Headers.To) > 0 {
		p("To:             %s\n", strings.Join(m.Headers.To, ", "))
	}
	if len(m.Headers.Cc) > 0 {
		p("Cc:             %s\n", strings.Join(m.Headers.Cc, ", "))
	}
	if m.Headers.Date != "" {
		p("Date:           %s\n", m.Headers.Date)
	}
	p("Received:       %s\n", localTime(m.ReceivedAt, loc))
	p("Subject:        %s\n", m.Subject)
	if m.Headers.Mailer != "" {
		p("Mailer:         %s\n", m.Headers.Mailer)
	}
	p("Authenticated:  %s", orDash(m.Authenticated))
	if m.AuthNote != "" {
		p(" (%s)", m.AuthNote)
	}
	p("\nClassification: %s\n", m.Classification)
	p("Filing:         %s", orDash(m.FilingRef))
	if m.LinkedBy != "" {
		p(" (linked by %s)", m.LinkedBy)
	}
	p("\nDecision:       %s", m.Decision)
	if m.NeedsReply {
		p(" (needs a staff reply)")
	}
	p("\nWhy:            %s\n", m.Note)
	if len(m.Acts) > 0 {
		p("Statements:     %s\n", strings.Join(m.Acts, ", "))
	}
	if m.Error != "" {
		p("Error:          %s\n", m.Error)
	}
	for _, at := range m.AttachmentList {
		p("Attachment:     %s (%s, %d bytes)\n", orDash(at.Filename), orDash(at.ContentType), at.Size)
	}
	for _, w := range m.Items {
		state := "open"
		if !w.Open() {
			state = fmt.Sprintf("closed %s by %s: %s", localTime(*w.ClosedAt, loc), w.ClosedBy, w.Resolution)
			if w.Note != "" {
				state += " (" + w.Note + ")"
			}
		}
		p("Work item:      #%d %s, %s\n", w.ID, w.Kind, state)
	}
	for _, o := range m.Answers {
		p("Answer:         email %d %s to %s, %s\n", o.ID, o.Kind, o.Recipient, o.Status)
	}
	p("\nThe applicant's own words:\n%s\n", orDash(m.OwnText))
	p("\nFull text:\n%s\n", orDash(m.Text))
	_, err = io.WriteString(a.stdout, b.String())
	return err
}

func (a *app) inboxReplyCommand() *cobra.Command {
	var text, textFile string
	c := a.leaf("reply MESSAGE (--text TEXT | --text-file FILE|-)", "answer a received message: your text in the applicant's language, threaded to their mail; closes its reply_needed item",
		func(ctx context.Context, args []string) error { return runInboxReply(ctx, a, args[0], text, textFile) })
	c.Flags().StringVar(&text, "text", "", "the answer `TEXT`")
	c.Flags().StringVar(&textFile, "text-file", "", "read the answer from `FILE` (- reads stdin)")
	return c
}

func runInboxReply(ctx context.Context, a *app, arg, text, textFile string) error {
	switch {
	case text != "" && textFile != "":
		return usagef("give --text or --text-file, not both")
	case textFile == "-":
		b, err := io.ReadAll(io.LimitReader(a.stdin, 1<<20))
		if err != nil {
			return err
		}
		text = string(b)
	case textFile != "":
		b, err := os.ReadFile(textFile)
		if err != nil {
			return err
		}
		text = string(b)
	case text == "":
		return usagef("--text or --text-file is required")
	}
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	id, err := messageID(ctx, d.Store(), arg)
	if err != nil {
		return err
	}
	row, err := d.Reply(ctx, id, text, a.staff())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "reply to message %d queued as email %d to %s\n", id, row.ID, row.Recipient)
	return nil
}

func (a *app) inboxLinkCommand() *cobra.Command {
	return a.leaf("link MESSAGE FILING-REF", "link a received message (id or Message-ID) to a filing and apply what its words mean",
		func(ctx context.Context, args []string) error { return runInboxLink(ctx, a, args[0], args[1]) })
}

func runInboxLink(ctx context.Context, a *app, arg, filingRef string) error {
	ref, err := filing.NormalizeReference(filingRef)
	if err != nil {
		return usagef("%v", err)
	}
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	id, err := messageID(ctx, d.Store(), arg)
	if err != nil {
		return err
	}
	res, err := d.Link(ctx, id, ref, a.staff())
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, staffResult(fmt.Sprintf("message %d linked to %s", id, ref), res))
	return nil
}

func staffResult(prefix string, res inbox.StaffResult) string {
	msg := fmt.Sprintf("%s: %s", prefix, res.Verdict.Decision)
	switch res.Verdict.Decision {
	case inbox.DecisionResubmission, inbox.DecisionLateResubmission:
		msg += "; the filing is back in provider review"
	case inbox.DecisionUnverified:
		msg += "; the sender is not verified for that filing"
	}
	if res.Verdict.NeedsReply {
		msg += "; it needs a staff reply"
	}
	switch res.Ack {
	case store.AckQueued:
		msg += "; 1 email queued"
	case store.AckRateLimited:
		msg += "; no email (the sender's limit is reached)"
	}
	return msg + " — " + res.Verdict.Why()
}

func (a *app) inboxDismissCommand() *cobra.Command {
	var note string
	c := a.leaf("dismiss MESSAGE --note TEXT", "close a received message's open work items: it needs nothing (spam, thanks, a duplicate)",
		func(ctx context.Context, args []string) error {
			return closeMessage(ctx, a, args[0], note, func(ctx context.Context, d deskService, id int64) ([]store.ClosedWorkItem, error) {
				return d.Dismiss(ctx, id, note, a.staff())
			})
		})
	c.Flags().StringVar(&note, "note", "", "why it needs nothing, `TEXT` (required)")
	return c
}

func (a *app) inboxHandledCommand() *cobra.Command {
	var note string
	c := a.leaf("handled MESSAGE [--note TEXT]", "close a received message's open work items: you dealt with it outside icpdesk (phone, in person)",
		func(ctx context.Context, args []string) error {
			return closeMessage(ctx, a, args[0], note, func(ctx context.Context, d deskService, id int64) ([]store.ClosedWorkItem, error) {
				return d.Handled(ctx, id, note, a.staff())
			})
		})
	c.Flags().StringVar(&note, "note", "", "what was done, `TEXT`")
	return c
}

func closeMessage(ctx context.Context, a *app, arg, note string, fn func(context.Context, deskService, int64) ([]store.ClosedWorkItem, error)) error {
	d, err := a.desk(ctx)
	if err != nil {
		return err
	}
	id, err := messageID(ctx, d.Store(), arg)
	if err != nil {
		return err
	}
	closed, err := fn(ctx, d, id)
	if err != nil {
		return err
	}
	var kinds []string
	for _, c := range closed {
		kinds = append(kinds, fmt.Sprintf("#%d %s", c.ID, c.Kind))
	}
	fmt.Fprintf(a.stdout, "message %d: closed %s\n", id, strings.Join(kinds, ", "))
	return nil
}

func (a *app) inboxReprocessCommand() *cobra.Command {
	return a.leaf("reprocess MESSAGE", "decide a received message again with today's rules and data (after a fix, a new account or filing)",
		func(ctx context.Context, args []string) error {
			d, err := a.desk(ctx)
			if err != nil {
				return err
			}
			id, err := messageID(ctx, d.Store(), args[0])
			if err != nil {
				return err
			}
			res, err := d.Reprocess(ctx, id, a.staff())
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, staffResult(fmt.Sprintf("message %d reprocessed (was %s)", id, res.Previous), res))
			return nil
		})
}
