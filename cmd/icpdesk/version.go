package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version describes the binary from its build information: the main
// module's version when it has one (go install …@v1.2.0), else "devel" with
// the commit it was built from, whether the tree had changes, and the commit
// time; then the Go version. For example
//
//	icpdesk v1.2.0 go1.26.8
//	icpdesk devel (revision 225ecd8c…, modified, 2026-12-01T10:00:00Z) go1.26.8
func version(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "icpdesk devel " + runtime.Version()
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return fmt.Sprintf("icpdesk %s %s", v, info.GoVersion)
	}
	var vcs []string
	for _, key := range []string{"vcs.revision", "vcs.modified", "vcs.time"} {
		for _, s := range info.Settings {
			switch {
			case s.Key != key || s.Value == "":
			case key == "vcs.revision":
				vcs = append(vcs, "revision "+s.Value)
			case key == "vcs.modified":
				if s.Value == "true" {
					vcs = append(vcs, "modified")
				}
			default:
				vcs = append(vcs, s.Value)
			}
		}
	}
	if len(vcs) == 0 {
		return "icpdesk devel " + info.GoVersion
	}
	return fmt.Sprintf("icpdesk devel (%s) %s", strings.Join(vcs, ", "), info.GoVersion)
}

func buildVersion() string { return version(debug.ReadBuildInfo()) }

// versionCommand is `icpdesk version`, the same as `icpdesk --version`.
func (a *app) versionCommand() *cobra.Command {
	return a.leaf("version", "print the version: module or VCS revision, and Go", func(context.Context, []string) error {
		_, err := fmt.Fprintln(a.stdout, buildVersion())
		return err
	})
}
