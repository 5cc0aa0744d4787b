package devserver_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp/devserver"
)

const taskQueue = "devserver-test"

// SleepWorkflow waits on a durable server-side timer, so completing it proves
// the history service's timer queue works, not just the frontend.
func SleepWorkflow(ctx workflow.Context) (string, error) {
	if err := workflow.Sleep(ctx, 2*time.Second); err != nil {
		return "", err
	}
	return "slept", nil
}

// SignalWorkflow blocks until it is signalled, so it can be left mid-flight
// across a server restart or crash.
func SignalWorkflow(ctx workflow.Context) (string, error) {
	var v string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &v)
	return "got " + v, nil
}

// stderrLogger keeps warnings visible in `go test -v` output. It does not use
// t.Log because server goroutines may still log briefly after a test returns.
func stderrLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func startServer(t *testing.T, cfg devserver.Config) *devserver.Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = stderrLogger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	began := time.Now()
	s, err := devserver.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("server on %s ready in %v", s.FrontendAddress(), time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		began := time.Now()
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
		t.Logf("server on %s stopped in %v", s.FrontendAddress(), time.Since(began).Round(time.Millisecond))
	})
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := devserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dial returns a client plus a started worker for both test workflows; the
// returned func stops them in the right order.
func dial(t *testing.T, s *devserver.Server) (client.Client, func()) {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddress(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(stderrLogger()),
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(SleepWorkflow)
	w.RegisterWorkflow(SignalWorkflow)
	if err := w.Start(); err != nil {
		c.Close()
		t.Fatalf("worker: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			w.Stop()
			c.Close()
		})
	}
	t.Cleanup(stop)
	return c, stop
}

func runSleepWorkflow(ctx context.Context, c client.Client, id string) (string, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, SleepWorkflow)
	if err != nil {
		return "", err
	}
	var out string
	err = run.Get(ctx, &out)
	return out, err
}

func TestTimerWorkflow(t *testing.T) {
	t.Parallel()
	s := startServer(t, devserver.Config{
		DatabaseFile: filepath.Join(t.TempDir(), "dev.db"),
		FrontendPort: freePort(t),
	})
	if s.Namespace() != "default" {
		t.Errorf("Namespace() = %q, want default", s.Namespace())
	}
	if !strings.HasPrefix(s.FrontendAddress(), "127.0.0.1:") {
		t.Errorf("FrontendAddress() = %q", s.FrontendAddress())
	}
	c, _ := dial(t, s)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	out, err := runSleepWorkflow(ctx, c, "sleep-1")
	if err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if out != "slept" {
		t.Fatalf("result = %q, want slept", out)
	}
	if d := time.Since(began); d < 2*time.Second {
		t.Fatalf("workflow finished after %v, before its 2s timer", d)
	}
	t.Logf("timer workflow took %v", time.Since(began).Round(time.Millisecond))
}

// waitBlocked waits until the first workflow task has completed, i.e. the
// workflow is parked on its signal channel.
func waitBlocked(ctx context.Context, t *testing.T, c client.Client, id string) {
	t.Helper()
	for {
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				break
			}
			if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("workflow %s never completed its first task: %v", id, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func signalAndGet(ctx context.Context, t *testing.T, c client.Client, id, value string) {
	t.Helper()
	if err := c.SignalWorkflow(ctx, id, "", "go", value); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var out string
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, &out); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if want := "got " + value; out != want {
		t.Fatalf("result = %q, want %q", out, want)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	cfg := devserver.Config{
		DatabaseFile: filepath.Join(t.TempDir(), "nested", "dir", "dev.db"),
		FrontendPort: freePort(t),
		Namespace:    "ogp-test",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	first := startServer(t, cfg)
	clash := cfg
	clash.FrontendPort = freePort(t)
	if s, err := devserver.Start(ctx, clash); err == nil {
		_ = s.Stop()
		t.Fatal("a second server started on a database file that is in use")
	}
	c, stopClient := dial(t, first)
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wait-1", TaskQueue: taskQueue}, SignalWorkflow); err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	waitBlocked(ctx, t, c, "wait-1")
	stopClient()
	if err := first.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := first.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	// Same file and port: this also checks Stop released the frontend port.
	second := startServer(t, cfg)
	c2, _ := dial(t, second)
	signalAndGet(ctx, t, c2, "wait-1", "after restart")
}

func TestTwoServersSideBySide(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	servers := make([]*devserver.Server, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range servers {
		port := freePort(t)
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			servers[i], errs[i] = devserver.Start(ctx, devserver.Config{
				DatabaseFile: filepath.Join(dir, fmt.Sprintf("dev%d.db", i)),
				FrontendPort: port,
				Logger:       stderrLogger(),
			})
		})
	}
	wg.Wait()
	for i, s := range servers {
		if s != nil {
			t.Cleanup(func() { _ = s.Stop() })
		}
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]error, 2)
	for i, s := range servers {
		c, _ := dial(t, s)
		// The same workflow ID on both servers only works if their state is
		// really separate.
		wg.Go(func() {
			var out string
			out, results[i] = runSleepWorkflow(ctx, c, "same-id")
			if results[i] == nil && out != "slept" {
				results[i] = fmt.Errorf("result %q", out)
			}
		})
	}
	wg.Wait()
	for i, err := range results {
		if err != nil {
			t.Errorf("server %d: %v", i, err)
		}
	}
}

func TestFrontendPortInUse(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = devserver.Start(context.Background(), devserver.Config{
		DatabaseFile: filepath.Join(t.TempDir(), "dev.db"),
		FrontendPort: l.Addr().(*net.TCPAddr).Port,
	})
	if err == nil {
		t.Fatal("Start succeeded on a port that is already taken")
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]devserver.Config{
		"no file":   {},
		"bad host":  {DatabaseFile: filepath.Join(t.TempDir(), "a.db"), Host: "localhost"},
		"bad level": {DatabaseFile: filepath.Join(t.TempDir(), "b.db"), LogLevel: "loud"},
	} {
		if _, err := devserver.Start(context.Background(), cfg); err == nil {
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

// crashChildEnv makes the test binary act as a disposable dev server process
// for TestSurvivesKill.
const crashChildEnv = "DEVSERVER_TEST_CRASH_CHILD"

// TestCrashChild is not a test of its own: it is the process TestSurvivesKill
// starts and then kills with SIGKILL.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashChildEnv)
	if spec == "" {
		t.Skip("helper process for TestSurvivesKill")
	}
	dbFile, portStr, _ := strings.Cut(spec, "|")
	port, _ := strconv.Atoi(portStr)
	ctx := context.Background()
	s, err := devserver.Start(ctx, devserver.Config{DatabaseFile: dbFile, FrontendPort: port, Logger: stderrLogger()})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	c, err := client.Dial(client.Options{HostPort: s.FrontendAddress(), Namespace: s.Namespace(), Logger: sdklog.NewStructuredLogger(stderrLogger())})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "crash-1", TaskQueue: taskQueue}, SignalWorkflow); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("READY")
	select {} // wait for SIGKILL
}

func TestSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	t.Parallel()
	dbFile := filepath.Join(t.TempDir(), "dev.db")
	port := freePort(t)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	//nolint:gosec // G204: re-runs this very test binary
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", crashChildEnv, dbFile, port))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		line := sc.Text()
		if line == "READY" {
			ready = true
			break
		}
		if strings.HasPrefix(line, "ERROR") {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no checkpoint
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !ready {
		t.Fatal("child server never became ready")
	}

	s := startServer(t, devserver.Config{DatabaseFile: dbFile, FrontendPort: port})
	c, _ := dial(t, s)
	signalAndGet(ctx, t, c, "crash-1", "after kill -9")
}
