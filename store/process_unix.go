//go:build unix

package store

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// processRuns reports whether a process with this id exists (signal 0
// checks without sending anything; EPERM means it exists as another user).
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// initialPIDNamespace is the inode of Linux's initial PID namespace
// (PROC_PID_INIT_INO): the machine's own, outside any container.
const initialPIDNamespace = "4026531836"

// pidNamespace returns the inode of this process's PID namespace when it is
// not the machine's own (Linux only), else "".
func pidNamespace() string {
	link, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	ns := strings.TrimSuffix(strings.TrimPrefix(link, "pid:["), "]")
	if ns == initialPIDNamespace || ns == link {
		return ""
	}
	return ns
}
