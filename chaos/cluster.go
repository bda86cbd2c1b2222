package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// cluster is the `icpdesk serve` processes, one per replica slot.
type cluster struct {
	bin, cfg, dir string
	env           []string
	procs         map[int]*exec.Cmd
	kills         int
}

func (c *cluster) logPath(i int) string {
	return filepath.Join(c.dir, fmt.Sprintf("replica-%d.log", i))
}

// start starts replica i; its output is appended to its log.
func (c *cluster) start(i int) error {
	if c.procs == nil {
		c.procs = map[int]*exec.Cmd{}
	}
	out, err := os.OpenFile(c.logPath(i), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "=== chaos: start at %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(c.bin, "--config", c.cfg, "serve")
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start replica %d: %w", i, err)
	}
	out.Close() // the child has its own descriptor
	c.procs[i] = cmd
	return nil
}

// kill ends replica i with SIGKILL: no shutdown, nothing flushed.
func (c *cluster) kill(i int) error {
	cmd := c.procs[i]
	if cmd == nil {
		return fmt.Errorf("replica %d is not running", i)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill replica %d: %w", i, err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		return fmt.Errorf("replica %d had exited before it was killed (%v): see %s", i, err, c.logPath(i))
	}
	delete(c.procs, i)
	c.kills++
	if f, err := os.OpenFile(c.logPath(i), os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		fmt.Fprintf(f, "=== chaos: SIGKILL at %s\n", time.Now().Format(time.RFC3339Nano))
		f.Close()
	}
	return nil
}

// stopAll stops the replicas as an operator would (SIGTERM), then kills
// what is left after the grace period.
func (c *cluster) stopAll() {
	for _, cmd := range c.procs {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	for i, cmd := range c.procs {
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		delete(c.procs, i)
	}
}

// tails prints the last lines of every replica's log.
func (c *cluster) tails(n int) {
	logs, _ := filepath.Glob(filepath.Join(c.dir, "replica-*.log"))
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(string(bytes.TrimSpace(b)), "\n")
		fmt.Fprintf(os.Stderr, "--- the last lines of %s:\n%s\n", p, strings.Join(lines[max(0, len(lines)-n):], "\n"))
	}
}
