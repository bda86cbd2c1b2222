package store

import (
	"os"
	"strconv"
	"strings"
	"sync"
)

// ProcessName names this process among replicas, for outbox claims and the
// mailbox holder's status: "host:pid", where host is the host name and, in
// a PID namespace other than the machine's own (a container), its inode
// too ("web1~ns4026532448:1"). Two processes never share a name while both
// run, and a process that shares its host part with ours is one whose
// process id can be checked here (ProcessGone).
func ProcessName() string {
	processOnce.Do(func() {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "localhost"
		}
		// ':' separates the parts; a host name never has one, but be sure.
		host = strings.ReplaceAll(host, ":", "_")
		if ns := pidNamespace(); ns != "" {
			host += "~ns" + ns
		}
		processHost = host
		processName = host + ":" + strconv.Itoa(os.Getpid())
	})
	return processName
}

var (
	processOnce              sync.Once
	processHost, processName string
)

// ProcessGone reports whether name (a ProcessName, possibly followed by
// ":worker-n") is a process of this machine, in this PID namespace, that no
// longer runs: a predecessor killed before it could give back what it held.
// It is false whenever that cannot be known for sure: another host, another
// namespace, an unparseable name, this very process, or a process id that is
// in use (perhaps by another program since: then its claims run out instead).
func ProcessGone(name string) bool {
	ProcessName()
	host, rest, ok := strings.Cut(name, ":")
	if !ok || host != processHost {
		return false
	}
	pidText, _, _ := strings.Cut(rest, ":")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processRuns(pid)
}
