// Command icpdesk runs the email side of an ICP filing desk: the staff
// command line, the daemon (serve) and a self-contained demo. This package
// only wires packages together; the rules live in filing and the SQL in store.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func init() {
	// Help lists commands in the order they are added: the filing process's.
	cobra.EnableCommandSorting = false
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, exit: os.Exit}
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd, err := root.ExecuteContextC(ctx)
	return a.report(cmd, err)
}

// rootCommand builds the command tree: a fresh one for each run, since cobra
// keeps parsed flag values in it.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "icpdesk",
		Short:         "icpdesk runs the email side of an ICP filing desk: the staff command line, the daemon and a demo.",
		Version:       buildVersion(),
		SilenceErrors: true, // report prints them
		SilenceUsage:  true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetUsageFunc(usage)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	root.Flags().Bool("version", false, "print the version and exit")
	a.globalFlags(root.PersistentFlags())
	_ = root.MarkPersistentFlagFilename("config", "toml")

	root.AddCommand(
		a.migrateCommand(),
		a.accountCommand(),
		a.filingCommand(),
		a.inboxCommand(),
		a.queueCommand(),
		a.outboxCommand(),
		a.tokenCommand(),
		a.mailCommand(),
		a.jobsCommand(),
		a.digestCommand(),
		a.staffCommand(),
		a.serveCommand(),
		a.demoCommand(),
		a.versionCommand(),
	)
	a.groupOnly(root)
	a.builtinCommands(root)
	return root
}

// builtinCommands adds cobra's help and completion commands now rather than
// when it runs, to make them behave like the others: `icpdesk help nosuch`,
// `icpdesk completion` alone or with an unknown shell are usage errors.
func (a *app) builtinCommands(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Short = "show a command's help"
			show := c.Run
			c.RunE = func(c *cobra.Command, args []string) error {
				// cobra would show the nearest command's help for a word
				// that names none.
				if _, rest, err := c.Root().Find(args); err != nil || len(rest) > 0 {
					return usagef("unknown command %q", strings.Join(args, " "))
				}
				show(c, args)
				return nil
			}
		case "completion":
			c.Short = "print a shell completion script: bash, zsh, fish, powershell"
			a.groupOnly(c)
		}
	}
}
