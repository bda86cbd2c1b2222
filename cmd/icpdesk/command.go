package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// leaf returns a command that does something. use is its name, then its
// positional arguments in capitals, then the flags it requires, e.g.
// "return REF --reason TEXT --by provider|bureau"; the positional arguments
// named there are exactly the ones it takes. Flags and arguments may come in
// any order.
func (a *app) leaf(use, short string, run func(ctx context.Context, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  positional(strings.Fields(use)[1:]),
		RunE: func(c *cobra.Command, args []string) error {
			a.ran = true
			return run(c.Context(), args)
		},
	}
}

// positional checks the number of arguments against the names in a leaf's
// use line: the words before the first flag or optional part.
func positional(words []string) cobra.PositionalArgs {
	var names []string
	for _, w := range words {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") || strings.HasPrefix(w, "(") {
			break
		}
		names = append(names, w)
	}
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			missing := names[len(args):]
			if len(missing) == 1 {
				return usagef("missing argument %s", missing[0])
			}
			return usagef("missing arguments %s", strings.Join(missing, " "))
		case len(args) > len(names):
			return usagef("unexpected argument %q", args[len(names)])
		}
		return nil
	}
}

// group returns a command that holds subcommands, summarised as about and
// the subcommands' names.
func (a *app) group(name, about string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{Use: name}
	g.AddCommand(subs...)
	names := make([]string, len(subs))
	for i, sub := range subs {
		names[i] = sub.Name()
	}
	g.Short = about + ": " + strings.Join(names, ", ")
	a.groupOnly(g)
	return g
}

// groupOnly makes c a command that only holds subcommands. Alone, it prints
// its help to stderr and exits 2, as `go mod` does; a word that is not one of
// its subcommands is a usage error, not a reason to print the help.
func (a *app) groupOnly(c *cobra.Command) {
	c.Args = subcommand
	c.RunE = func(c *cobra.Command, _ []string) error {
		c.SetOut(a.stderr)
		if err := c.Help(); err != nil {
			return err
		}
		return errUsageShown
	}
}

func subcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		return usagef("unknown command %q; did you mean %q?", args[0], s[0])
	}
	return usagef("unknown command %q", args[0])
}

// usage prints how to call a command: its use line or its subcommands with
// their summaries, then its flags and the global ones.
func usage(c *cobra.Command) error {
	var b strings.Builder
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "Usage:\n  %s COMMAND [flags]\n\nCommands:\n", c.CommandPath())
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(&b, "  %-*s %s\n", sub.NamePadding(), sub.Name(), sub.Short)
			}
		}
	} else {
		fmt.Fprintf(&b, "Usage:\n  %s\n", c.UseLine())
	}
	if c.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\nFlags:\n%s", c.LocalFlags().FlagUsages())
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(&b, "\nGlobal flags:\n%s", c.InheritedFlags().FlagUsages())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\nRun '%s COMMAND --help' for a command's arguments and flags.\n", c.CommandPath())
	}
	_, err := io.WriteString(c.OutOrStderr(), b.String())
	return err
}

// completeWords offers fixed values for a flag in shell completion.
func completeWords(c *cobra.Command, flag string, words ...string) {
	// The flag is defined by the caller, so this cannot fail.
	_ = c.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(words, cobra.ShellCompDirectiveNoFileComp))
}
