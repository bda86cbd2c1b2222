// Command icpdesk runs the email side of an ICP filing desk: the staff
// command line, the daemon (serve) and a self-contained demo. This package
// only wires packages together; the rules live in filing and the SQL in store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"os/user"
	"slices"
	"strings"
	"syscall"

	"example.com/icpdesk/config"
	"example.com/icpdesk/daemon"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// command is one subcommand, e.g. "filing return".
type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
	// noSchemaCheck lets the command run on a database whose schema is not
	// current (migrate itself).
	noSchemaCheck bool
}

// commands is filled by each cmd_*.go file's init, so adding a command group
// touches one file.
var commands = map[string]*command{}

func register(cs ...*command) {
	for _, c := range cs {
		commands[c.name] = c
	}
}

// app is what a command runs with: I/O, global flags, and lazily loaded
// configuration and store.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// exit ends the process at once (a second signal during shutdown).
	exit func(code int)

	configPath string
	dbURL      string

	cfg   *config.Config
	store *store.Store
	// schemaChecked is false for commands that run on an outdated schema.
	skipSchemaCheck bool
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, exit: os.Exit}
	defer a.close()

	top := flag.NewFlagSet("icpdesk", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	a.globalFlags(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printUsage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "icpdesk: %v\n", err)
		a.printUsage(stderr)
		return exitUsage
	}
	rest := top.Args()
	if len(rest) == 0 || rest[0] == "help" {
		a.printUsage(stdout)
		if len(rest) == 0 {
			return exitUsage
		}
		return exitOK
	}
	var cmd *command
	if len(rest) >= 2 {
		cmd = commands[rest[0]+" "+rest[1]]
		if cmd != nil {
			rest = rest[2:]
		}
	}
	if cmd == nil {
		cmd = commands[rest[0]]
		if cmd == nil {
			fmt.Fprintf(stderr, "icpdesk: unknown command %q\n", strings.Join(rest[:min(2, len(rest))], " "))
			a.printUsage(stderr)
			return exitUsage
		}
		rest = rest[1:]
	}
	a.skipSchemaCheck = cmd.noSchemaCheck
	err := cmd.run(ctx, a, rest)
	var ue usageError
	var probs filing.Problems
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "icpdesk %s: %v\nusage: icpdesk %s %s\n", cmd.name, ue.msg, cmd.name, cmd.args)
		return exitUsage
	case errors.As(err, &probs):
		for _, p := range probs {
			fmt.Fprintf(stderr, "icpdesk %s: %s\n", cmd.name, p)
		}
		return exitRuntime
	default:
		// One line per error: a config error lists each problem on its own.
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "icpdesk %s: %s\n", cmd.name, line)
		}
		return exitRuntime
	}
}

func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.configPath, "config", a.configPath, "configuration file (TOML)")
	fs.StringVar(&a.dbURL, "db", a.dbURL, "database URL (postgres://… or sqlite:///path; also ICPDESK_DATABASE_URL)")
}

func (a *app) printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: icpdesk [--config FILE] [--db URL] COMMAND [ARGS]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		c := commands[n]
		fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace(n+" "+c.args), c.summary)
	}
	fmt.Fprintln(w, "\nRun `icpdesk COMMAND -h` for a command's flags.")
}

// flags returns a flag set for a command, with the global flags accepted too.
func (a *app) flags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	a.globalFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "usage: icpdesk %s %s\n  %s\n\nflags:\n", c.name, c.args, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse reads flags and positional arguments in any order and checks the
// number of positionals.
func (a *app) parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		fs.SetOutput(io.Discard)
		err := fs.Parse(args)
		fs.SetOutput(a.stderr)
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return nil, err
		}
		if err != nil {
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(pos) < minPos:
		return nil, usagef("missing argument")
	case maxPos >= 0 && len(pos) > maxPos:
		return nil, usagef("unexpected argument %q", pos[maxPos])
	}
	return pos, nil
}

// config loads the configuration once.
func (a *app) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.configPath
	if path == "" {
		path = a.getenv("ICPDESK_CONFIG")
	}
	cfg, err := config.Load(path, a.getenv)
	if err != nil {
		return nil, err
	}
	if a.dbURL != "" {
		cfg.Database.URL = a.dbURL
	}
	a.cfg = cfg
	return cfg, nil
}

// db opens the store once, checking that its schema is current.
func (a *app) db(ctx context.Context, opts ...store.Option) (*store.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, cfg.Database.URL, append(daemon.StoreOptions(cfg), opts...)...)
	if err != nil {
		return nil, err
	}
	if !a.skipSchemaCheck {
		if err := s.CheckSchema(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	a.store = s
	return s, nil
}

// logger builds the structured logger from [log] in the configuration,
// writing to stderr.
func (a *app) logger() (*slog.Logger, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	return newLogger(a.stderr, cfg.Log.Format, level), nil
}

// newLogger writes to w in log.format (json, else text).
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (a *app) close() {
	if a.store != nil {
		a.store.Close()
	}
}

// staffName is who the audit trail records for a command-line action.
func (a *app) staffName() string {
	if n := a.getenv("ICPDESK_STAFF"); n != "" {
		return n
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "staff"
}
