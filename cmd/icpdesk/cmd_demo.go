package main

import (
	"context"

	"example.com/icpdesk/demo"
)

func init() {
	register(&command{name: "demo", args: "[--exit] [--verbose] [--imap-port N] [--smtp-port N] [--http-port N]",
		summary: "run the whole job on embedded defaults: in-process IMAP, SMTP and SQLite, a scripted story", run: runDemo})
}

func runDemo(ctx context.Context, a *app, args []string) error {
	fs := a.flags(commands["demo"])
	exit := fs.Bool("exit", false, "exit after the story instead of serving on")
	imapPort := fs.Int("imap-port", 1143, "IMAP port (a free one if taken)")
	smtpPort := fs.Int("smtp-port", 1025, "SMTP port (a free one if taken)")
	httpPort := fs.Int("http-port", 8080, "metrics and health port (a free one if taken)")
	verbose := fs.Bool("verbose", false, "write the daemon's log to stderr instead of a file")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	opts := demo.Options{Out: a.stdout, IMAPPort: *imapPort, SMTPPort: *smtpPort, HTTPPort: *httpPort}
	if *verbose {
		opts.Log = a.stderr
	}
	return demo.Run(ctx, opts, *exit)
}
