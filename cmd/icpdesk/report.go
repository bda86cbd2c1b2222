package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"example.com/icpdesk/filing"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errUsageShown ends a command that has printed its help instead of running:
// exit code 2, nothing more to say.
var errUsageShown = errors.New("usage shown")

// errSilent ends a command that has said what went wrong on stdout (a
// corpus that did not pass): exit code 1, nothing more to say.
var errSilent = errors.New("failed")

// report prints what went wrong in cmd and returns the exit code. A mistake
// in the command line is one line and a hint, never the whole usage; a
// failure is one line per problem.
func (a *app) report(cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	path := "icpdesk"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	var ue usageError
	var probs filing.Problems
	switch {
	case errors.Is(err, errUsageShown):
		return exitUsage
	case errors.Is(err, errSilent):
		return exitRuntime
	case errors.As(err, &ue) || !a.ran:
		// Before the command's own code ran, an error is cobra's: an unknown
		// flag or command, a missing value.
		fmt.Fprintf(a.stderr, "%s: %v\nRun '%s --help' for usage.\n", path, err, path)
		return exitUsage
	case errors.As(err, &probs):
		for _, p := range probs {
			fmt.Fprintf(a.stderr, "%s: %s\n", path, p)
		}
		return exitRuntime
	default:
		// One line per error: a config error lists each problem on its own.
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(a.stderr, "%s: %s\n", path, line)
		}
		return exitRuntime
	}
}
