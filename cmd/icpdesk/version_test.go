package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFlagAndCommand(t *testing.T) {
	flag := icpdesk(t, "--version")
	cmd := icpdesk(t, "version")
	if flag.code != 0 || cmd.code != 0 || flag.stderr != "" || flag.stdout != cmd.stdout {
		t.Fatalf("--version %+v, version %+v", flag, cmd)
	}
	if !strings.HasPrefix(flag.stdout, "icpdesk ") || !strings.HasSuffix(flag.stdout, " "+runtime.Version()+"\n") ||
		strings.Count(flag.stdout, "\n") != 1 {
		t.Fatalf("--version printed %q", flag.stdout)
	}
}

func TestVersionFromBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "-buildmode", Value: "exe"},
		{Key: "vcs", Value: "git"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.revision", Value: "225ecd8c4f2e1d0a9b8c7d6e5f4a3b2c1d0e9f8a"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"tagged", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}, Settings: vcs}, true,
			"icpdesk v1.2.0 go1.26.8"},
		{"devel with VCS", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs}, true,
			"icpdesk devel (revision 225ecd8c4f2e1d0a9b8c7d6e5f4a3b2c1d0e9f8a, modified, 2026-12-01T10:00:00Z) go1.26.8"},
		{"devel, clean tree", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "225ecd8"}, {Key: "vcs.modified", Value: "false"}}}, true,
			"icpdesk devel (revision 225ecd8) go1.26.8"},
		{"devel without VCS", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true,
			"icpdesk devel go1.26.8"},
		{"no build info", nil, false, "icpdesk devel " + runtime.Version()},
	} {
		if got := version(tc.info, tc.ok); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
