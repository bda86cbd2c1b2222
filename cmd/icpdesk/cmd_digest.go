package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"example.com/icpdesk/daemon"
	"example.com/icpdesk/filing"
)

func (a *app) digestCommand() *cobra.Command {
	return a.group("digest", "the staff digest", a.digestPreviewCommand())
}

// digestFlags are `digest preview`'s flags.
type digestFlags struct {
	lang, now string
	html      bool
}

func (a *app) digestPreviewCommand() *cobra.Command {
	var df digestFlags
	c := a.leaf("preview", "render the staff digest to stdout without sending it",
		func(ctx context.Context, _ []string) error { return runDigestPreview(ctx, a, df) })
	c.Flags().StringVar(&df.lang, "lang", "", "language: `zh-CN|en` (default: desk.staff_language)")
	c.Flags().StringVar(&df.now, "now", "", "as of this RFC 3339 `TIME`; default now")
	c.Flags().BoolVar(&df.html, "html", false, "print the HTML part instead of the text part")
	completeWords(c, "lang", "zh-CN", "en")
	return c
}

func runDigestPreview(ctx context.Context, a *app, df digestFlags) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	l := cfg.StaffLanguage()
	if df.lang != "" {
		if l, err = filing.ParseLanguage(df.lang); err != nil {
			return usagef("--lang: %v", err)
		}
	}
	now := time.Now()
	if df.now != "" {
		if now, err = time.Parse(time.RFC3339, df.now); err != nil {
			return usagef("--now %q: want RFC 3339, e.g. 2026-12-09T09:00:00+08:00", df.now)
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
	if df.html {
		_, err = fmt.Fprint(a.stdout, e.HTML)
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", e.Subject, e.Text)
	return err
}
