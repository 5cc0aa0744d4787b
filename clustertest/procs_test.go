//go:build cluster

package clustertest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one process of the cluster (the Temporal server, the API server,
// a worker), started and stopped by its PID. Its output goes to
// <work>/<name>.log, appended to across restarts.
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// procs starts processes and remembers every PID in <work>/pids, so that
// scripts/cluster-test can stop any the driver could not (a driver killed
// by a timeout).
type procs struct {
	work string
	mu   sync.Mutex
	all  []*proc
	pids *os.File
}

func newProcs(work string) (*procs, error) {
	f, err := os.OpenFile(filepath.Join(work, "pids"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return &procs{work: work, pids: f}, nil
}

// add declares a process without starting it.
func (ps *procs) add(name, bin string, env []string, args ...string) *proc {
	p := &proc{name: name, bin: bin, args: args, env: env, log: filepath.Join(ps.work, name+".log")}
	ps.mu.Lock()
	ps.all = append(ps.all, p)
	ps.mu.Unlock()
	return p
}

// start starts p (again, after a stop).
func (ps *procs) start(p *proc) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !p.exited() {
		return fmt.Errorf("%s is already running (pid %d)", p.name, p.cmd.Process.Pid)
	}
	out, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n===== %s start %s\n", time.Now().UTC().Format(time.RFC3339Nano), p.name)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = out, out
	// Killed with the driver if the driver dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	ps.mu.Lock()
	fmt.Fprintf(ps.pids, "%d %s\n", cmd.Process.Pid, p.name)
	ps.mu.Unlock()
	p.cmd, p.done, p.err = cmd, make(chan struct{}), nil
	go func(done chan struct{}) {
		err := cmd.Wait()
		_ = out.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}(p.done)
	return nil
}

// exited says whether the last start has ended; p.mu is held.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// running says whether p runs now.
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !p.exited()
}

// pid is the PID of the last start.
func (p *proc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// wait waits for p to end, at most d; it says whether it ended.
func (p *proc) wait(d time.Duration) bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// exitErr is how the last run ended (nil while running or on exit 0).
func (p *proc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// kill9 kills p with SIGKILL, by its PID, and waits for it.
func (p *proc) kill9() error {
	pid := p.pid()
	if pid == 0 || !p.running() {
		return fmt.Errorf("%s is not running", p.name)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %s (pid %d): %w", p.name, pid, err)
	}
	if !p.wait(10 * time.Second) {
		return fmt.Errorf("%s (pid %d) survived kill -9", p.name, pid)
	}
	return nil
}

// stop asks p to stop (SIGTERM) and waits up to grace, then kills it.
func (p *proc) stop(grace time.Duration) error {
	pid := p.pid()
	if pid == 0 || !p.running() {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s (pid %d): %w", p.name, pid, err)
	}
	if p.wait(grace) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if !p.wait(10 * time.Second) {
		return fmt.Errorf("%s (pid %d) does not stop", p.name, pid)
	}
	return fmt.Errorf("%s (pid %d) did not stop within %s of SIGTERM: killed", p.name, pid, grace)
}

// stopAll stops every process, the last started first.
func (ps *procs) stopAll() {
	ps.mu.Lock()
	all := append([]*proc(nil), ps.all...)
	ps.mu.Unlock()
	for i := len(all) - 1; i >= 0; i-- {
		_ = all[i].stop(15 * time.Second)
	}
	_ = ps.pids.Close()
}

// tails returns the last n lines of each process's log.
func (ps *procs) tails(n int) string {
	ps.mu.Lock()
	all := append([]*proc(nil), ps.all...)
	ps.mu.Unlock()
	var b strings.Builder
	for _, p := range all {
		f, err := os.Open(p.log)
		if err != nil {
			continue
		}
		var lines []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if len(line) > 500 {
				line = line[:500] + " …"
			}
			lines = append(lines, line)
			if len(lines) > n {
				lines = lines[1:]
			}
		}
		_ = f.Close()
		fmt.Fprintf(&b, "----- last %d lines of %s\n%s\n", n, p.log, strings.Join(lines, "\n"))
	}
	return b.String()
}
