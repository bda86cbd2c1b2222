package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"example.com/icpdesk/daemon"
	"example.com/icpdesk/filing"
)

func init() {
	register(&command{name: "digest preview", args: "[--lang zh-CN|en] [--now RFC3339] [--html]",
		summary: "render the staff digest to stdout without sending it", run: runDigestPreview})
}

func runDigestPreview(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["digest preview"])
	lang := fs.String("lang", "", "language (default: desk.staff_language)")
	nowFlag := fs.String("now", "", "as of this time (RFC 3339); default now")
	asHTML := fs.Bool("html", false, "print the HTML part instead of the text part")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	l := cfg.StaffLanguage()
	if *lang != "" {
		if l, err = filing.ParseLanguage(*lang); err != nil {
			return usagef("--lang: %v", err)
		}
	}
	now := time.Now()
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return usagef("--now %q: want RFC 3339, e.g. 2026-12-09T09:00:00+08:00", *nowFlag)
		}
	}
	r, err := daemon.Templates(cfg)
	if err != nil {
		return err
	}
	s, err := a.db(ctx)
	if err != nil {
		return err
	}
	d, err := s.BuildDigest(ctx, now)
	if err != nil {
		return err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	to := cfg.Desk.Address
	if len(cfg.Desk.Staff) > 0 {
		to = cfg.Desk.Staff[0]
	}
	e, err := r.Render(filing.Notice{Kind: filing.EmailStaffDigest, Language: l, To: to, At: now.UTC(), Digest: body})
	if err != nil {
		return err
	}
	if *asHTML {
		_, err = fmt.Fprint(a.stdout, e.HTML)
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", e.Subject, e.Text)
	return err
}
