package main

import (
	"context"

	"github.com/spf13/cobra"

	"example.com/icpdesk/demo"
)

// demoFlags are `demo`'s flags.
type demoFlags struct {
	exit, verbose                bool
	imapPort, smtpPort, httpPort int
}

func (a *app) demoCommand() *cobra.Command {
	var df demoFlags
	c := a.leaf("demo", "run the whole job on embedded defaults: in-process IMAP, SMTP and SQLite, a scripted story",
		func(ctx context.Context, _ []string) error { return runDemo(ctx, a, df) })
	f := c.Flags()
	f.BoolVar(&df.exit, "exit", false, "exit after the story instead of serving on")
	f.IntVar(&df.imapPort, "imap-port", 1143, "IMAP `PORT` (a free one if taken)")
	f.IntVar(&df.smtpPort, "smtp-port", 1025, "SMTP `PORT` (a free one if taken)")
	f.IntVar(&df.httpPort, "http-port", 8080, "console, metrics and health `PORT` (a free one if taken)")
	f.BoolVar(&df.verbose, "verbose", false, "write the daemon's log to stderr instead of a file")
	return c
}

func runDemo(ctx context.Context, a *app, df demoFlags) error {
	opts := demo.Options{Out: a.stdout, IMAPPort: df.imapPort, SMTPPort: df.smtpPort, HTTPPort: df.httpPort}
	if df.verbose {
		opts.Log = a.stderr
	}
	return demo.Run(ctx, opts, df.exit)
}
