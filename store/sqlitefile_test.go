package store_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"example.com/icpdesk/store"
)

// TestSQLiteFilesArePrivate: the database and its -wal and -shm files are
// created 0600, in a new directory and in one that exists already (with
// mode 0755, as /var/lib/icpdesk might be); a file an earlier version
// created readable by everyone loses that.
func TestSQLiteFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	old := syscall.Umask(0o022) // the usual umask, whatever the test runner's
	t.Cleanup(func() { syscall.Umask(old) })
	base := t.TempDir()
	existing := filepath.Join(base, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(base, "new", "dir", "icpdesk.db"), filepath.Join(existing, "icpdesk.db")} {
		s, err := store.Open(ctx, "sqlite://"+path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// The -wal and -shm files exist while the database is open.
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			checkMode(t, p, 0o600)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		checkMode(t, path, 0o600)
	}
	if fi, err := os.Stat(existing); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("the existing directory's mode changed: %v %v", fi.Mode(), err)
	}

	legacy := filepath.Join(existing, "legacy.db")
	if err := os.WriteFile(legacy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(legacy, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, "sqlite://"+legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkMode(t, legacy, 0o640)
	checkMode(t, legacy+"-wal", 0o640)
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
	}
}
