//go:build unix

// End-to-end tests of the built `ogp` binary. They exercise what no
// in-process test can: the real command line and environment, the real
// process lifecycle (SIGTERM, kill -9) and the README walk-through run by
// bash exactly as a newcomer would run it. Signals are Unix semantics,
// hence the build constraint.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ogplocal/ogp/devserver"
)

const (
	// readyTimeout bounds the wait for /readyz: the embedded Temporal server
	// usually answers within a second, but a loaded CI machine is slower.
	readyTimeout = 60 * time.Second
	// stopTimeout bounds a graceful stop: the stack gives HTTP 15 s and the
	// worker 10 s, so anything beyond this is a hang, not a slow stop.
	stopTimeout = 45 * time.Second
	// convergeTimeout bounds the wait for a reminder cut short by kill -9:
	// its activity is retried once its 10 s start-to-close timeout expires
	// (and a workflow task in flight once its own 10 s timeout does).
	convergeTimeout = 60 * time.Second
)

var (
	// ogpBin is the binary built once by TestMain; every test runs it.
	ogpBin string
	// buildErr is why it could not be built, reported by every test so a
	// broken build fails loudly instead of skipping silently.
	buildErr error
)

// TestMain builds the binary once for all tests: building it per test
// would dominate the runtime, and testing the built artefact (not `go run`)
// is the point of this package's tests.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "ogp-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating a temp dir for the ogp binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	ogpBin = filepath.Join(dir, "ogp")
	cmd := exec.Command(goCommand(), "build", "-o", ogpBin, ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		buildErr = fmt.Errorf("go build -o %s . failed: %w\n%s", ogpBin, err, out)
		fmt.Fprintln(os.Stderr, buildErr)
	}
	return m.Run()
}

// goCommand is the go tool of PATH, else the one of the toolchain that
// built this test, so the test also runs where PATH lacks go.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(build.Default.GOROOT, "bin", "go")
}

// requireBinary fails the test when TestMain could not build the binary.
func requireBinary(t *testing.T) {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("the ogp binary was not built, so this test cannot run:\n%v", buildErr)
	}
}

// syncBuffer collects the output of a running process; the test reads it
// while the process still writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// devConfig is what one `ogp dev` process is started with.
type devConfig struct {
	dataDir      string
	adminToken   string
	httpPort     int
	temporalPort int
}

// newDevConfig picks fresh ports, so tests can run in parallel with each
// other and with anything else on the machine.
func newDevConfig(t *testing.T, dataDir, adminToken string) devConfig {
	t.Helper()
	cfg := devConfig{dataDir: dataDir, adminToken: adminToken}
	cfg.pickPorts(t)
	return cfg
}

func (c *devConfig) pickPorts(t *testing.T) {
	t.Helper()
	var err error
	if c.httpPort, err = devserver.FreePort(); err != nil {
		t.Fatal(err)
	}
	if c.temporalPort, err = devserver.FreePort(); err != nil {
		t.Fatal(err)
	}
}

// devProcess is a running `ogp dev`.
type devProcess struct {
	cfg  devConfig
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // cmd.Wait's result, valid after done
}

// baseURL is the HTTP root of the process (without /api/v1).
func (p *devProcess) baseURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d", p.cfg.httpPort)
}

// exited reports whether the process has exited.
func (p *devProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// hermeticEnv is the test's environment without any OGP_ or TEMPORAL_
// variable: a developer's OGP_DATABASE_URL must never point a test at a
// real database.
func hermeticEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OGP_") || strings.HasPrefix(kv, "TEMPORAL_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// startDev starts `ogp dev` and waits until it is ready, failing the test
// (with the process output) if it is not.
func startDev(t *testing.T, cfg devConfig) *devProcess {
	t.Helper()
	p, err := tryStartDev(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tryStartDev starts `ogp dev` and waits until GET /readyz answers 200. If
// the process exits or is not ready in time, it is killed and the error
// carries its output. Whatever happens, the process does not outlive the
// test, and its output is logged if the test fails.
func tryStartDev(t *testing.T, cfg devConfig) (*devProcess, error) {
	t.Helper()
	p := &devProcess{cfg: cfg, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(ogpBin, "dev")
	p.cmd.Env = append(hermeticEnv(),
		"OGP_DATA_DIR="+cfg.dataDir,
		fmt.Sprintf("OGP_HTTP_ADDR=127.0.0.1:%d", cfg.httpPort),
		fmt.Sprintf("OGP_TEMPORAL_PORT=%d", cfg.temporalPort),
		"OGP_ADMIN_TOKEN="+cfg.adminToken,
		"OGP_LOG_LEVEL=warn",
	)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	// Do not hang in Wait on an output pipe held open by anything else.
	p.cmd.WaitDelay = 5 * time.Second
	started := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s dev: %w", ogpBin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of ogp dev (data dir %s, HTTP port %d, Temporal port %d):\n%s",
				cfg.dataDir, cfg.httpPort, cfg.temporalPort, p.out.String())
		}
	})

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get(p.baseURL() + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("ogp dev ready on port %d after %v", cfg.httpPort, time.Since(started).Round(time.Millisecond))
				return p, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("ogp dev exited before it was ready (%w); output:\n%s", p.err, p.out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
			return nil, fmt.Errorf("ogp dev not ready after %v; output:\n%s", readyTimeout, p.out.String())
		}
	}
}

// stop sends SIGTERM, the way a service manager or Ctrl-C stops the
// process, and waits for it to exit, killing it if it hangs. It answers the
// exit code, which must be 0 for a requested stop.
func (p *devProcess) stop(t *testing.T) int {
	t.Helper()
	if p.exited() {
		t.Errorf("ogp dev had exited by itself before being stopped: %v", p.err)
		return p.cmd.ProcessState.ExitCode()
	}
	started := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.done:
		t.Logf("ogp dev exited %v after SIGTERM", time.Since(started).Round(time.Millisecond))
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
		t.Errorf("ogp dev did not exit within %v of SIGTERM; killed it", stopTimeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// kill9 kills the process the way a crash, an OOM kill or a power cut
// would: no shutdown code runs, so whatever is not in the data files is
// gone.
func (p *devProcess) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("ogp dev still running 10 s after SIGKILL")
	}
	// A process that had already exited by itself would make the crash
	// test meaningless.
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && (!ws.Signaled() || ws.Signal() != syscall.SIGKILL) {
		t.Fatalf("ogp dev was not killed by SIGKILL but ended with %v; output:\n%s", p.cmd.ProcessState, p.out.String())
	}
}

// api calls the HTTP API of a running process.
type api struct {
	t    *testing.T
	base string // http://host:port/api/v1
	http *http.Client
}

func newAPI(t *testing.T, p *devProcess) *api {
	return &api{t: t, base: p.baseURL() + "/api/v1", http: &http.Client{Timeout: 30 * time.Second}}
}

// do sends a request with an optional bearer token and JSON body, fails
// the test unless the answer has status want, and decodes it into out.
func (a *api) do(method, path, token string, body any, want int, out any) []byte {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: decoding %s: %v", method, path, raw, err)
		}
	}
	return raw
}

type user struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

func (a *api) createUser(adminToken, name, email string) user {
	a.t.Helper()
	var u user
	a.do("POST", "/users", adminToken, map[string]any{"name": name, "email": email}, http.StatusCreated, &u)
	if u.ID == 0 || u.Token == "" {
		a.t.Fatalf("user %s created without id or token: %+v", email, u)
	}
	return u
}

type planDetail struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	CurrentStep int    `json:"current_step"`
	Steps       []struct {
		Number    int     `json:"number"`
		Status    string  `json:"status"`
		DueOn     *string `json:"due_on"`
		Decisions []struct {
			Round      int    `json:"round"`
			ApproverID int64  `json:"approver_id"`
			Decision   string `json:"decision"`
		} `json:"decisions"`
	} `json:"steps"`
}

type event struct {
	Seq  int64  `json:"seq"`
	Kind string `json:"kind"`
	Step *int   `json:"step"`
}

// events reads a plan's whole audit trail, page by page.
func (a *api) events(planID int64, token string) []event {
	a.t.Helper()
	var all []event
	for page := 1; ; page++ {
		var pg struct {
			Items []event `json:"items"`
			Total int     `json:"total"`
		}
		a.do("GET", fmt.Sprintf("/action-plans/%d/events?per_page=200&page=%d", planID, page), token, nil, http.StatusOK, &pg)
		all = append(all, pg.Items...)
		if len(pg.Items) == 0 || len(all) >= pg.Total {
			return all
		}
	}
}

type notification struct {
	ID      int64  `json:"id"`
	PlanID  *int64 `json:"plan_id"`
	Step    *int   `json:"step"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
}

func (a *api) inbox(token string) []notification {
	a.t.Helper()
	var pg struct {
		Items []notification `json:"items"`
		Total int            `json:"total"`
	}
	a.do("GET", "/notifications?per_page=200", token, nil, http.StatusOK, &pg)
	if pg.Total != len(pg.Items) {
		a.t.Fatalf("inbox: total %d but %d items on the first page", pg.Total, len(pg.Items))
	}
	return pg.Items
}

func countKind[T any](items []T, kind func(T) string, want string) int {
	n := 0
	for _, it := range items {
		if kind(it) == want {
			n++
		}
	}
	return n
}

func eventKind(e event) string               { return e.Kind }
func notificationKind(n notification) string { return n.Kind }

var (
	walkthroughBlock = regexp.MustCompile("(?s)\n<!-- walkthrough:begin -->\n(.*?)\n<!-- walkthrough:end -->\n")
	walkthroughDue   = regexp.MustCompile(`"due_on":"(\d{4}-\d{2}-\d{2})"`)
	walkthroughPlan  = regexp.MustCompile(`(?m)^plan (\d+) created$`)
)

// walkthroughScript extracts the README's walk-through: the bash block
// between the walkthrough markers, without its code fence.
func walkthroughScript(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := walkthroughBlock.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no block between <!-- walkthrough:begin --> and <!-- walkthrough:end --> lines")
	}
	var lines []string
	for _, l := range strings.Split(string(m[1]), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			continue // the ```bash fence and its closing line
		}
		lines = append(lines, l)
	}
	script := strings.Join(lines, "\n") + "\n"
	if !strings.Contains(script, "curl") {
		t.Fatalf("the walk-through block does not look like the curl script:\n%s", script)
	}
	return script
}

// TestREADMEWalkthrough runs the README's walk-through, as written, against
// a fresh `ogp dev`, so the documentation cannot drift from the product: a
// newcomer who pastes it gets a completed plan.
func TestREADMEWalkthrough(t *testing.T) {
	t.Parallel()
	requireBinary(t)
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README walk-through needs %s, which is not on PATH", tool)
		}
	}
	script := walkthroughScript(t)
	scriptFile := filepath.Join(t.TempDir(), "walkthrough.sh")
	if err := os.WriteFile(scriptFile, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}

	const adminToken = "dev-admin-token" // the token the README tells people to use
	p := startDev(t, newDevConfig(t, t.TempDir(), adminToken))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", scriptFile)
	cmd.Env = append(hermeticEnv(), "OGP="+p.baseURL()+"/api/v1", "ADMIN_TOKEN="+adminToken)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	started := time.Now()
	err := cmd.Run()
	t.Logf("walk-through ran in %v", time.Since(started).Round(time.Millisecond))
	output := out.String()
	if err != nil {
		t.Fatalf("the README walk-through failed (%v; context: %v); its output:\n%s", err, ctx.Err(), output)
	}

	lines := strings.Split(output, "\n")
	hasLine := func(pred func(string) bool) bool {
		for _, l := range lines {
			if pred(strings.TrimSpace(l)) {
				return true
			}
		}
		return false
	}
	for _, want := range []struct {
		what string
		pred func(string) bool
	}{
		{`the final plan with "status":"completed"`, func(l string) bool {
			return strings.HasPrefix(l, "{") && strings.Contains(l, `"status":"completed"`) && strings.Contains(l, `"steps":`)
		}},
		{`{"current_step":10,"status":"completed"}`, func(l string) bool { return l == `{"current_step":10,"status":"completed"}` }},
		{`the refusal with "code":"not_an_approver"`, func(l string) bool { return strings.Contains(l, `"code":"not_an_approver"`) }},
	} {
		if !hasLine(want.pred) {
			t.Errorf("the walk-through output has no line with %s; output:\n%s", want.what, output)
		}
	}

	// The walk-through gives step 2 a due date; once that date has passed,
	// step 2 starts overdue and the coordinator is reminded exactly once:
	// the step moves on before the next reminder interval.
	planID := int64(1)
	if m := walkthroughPlan.FindStringSubmatch(output); m != nil {
		planID, _ = strconv.ParseInt(m[1], 10, 64)
	}
	a := newAPI(t, p)
	reminders := countKind(a.events(planID, adminToken), eventKind, "reminder_sent")
	if walkthroughDue.FindStringSubmatch(script) == nil {
		t.Fatal("the walk-through sets no due date any more; update this test")
	}
	// Every step that was already overdue when it started (step 2's own
	// due date, the roadmap's for steps 3-10, depending on today's date)
	// reminds exactly once: it moves on within seconds, long before the
	// next reminder interval.
	var detail planDetail
	a.do("GET", fmt.Sprintf("/action-plans/%d", planID), "", nil, http.StatusOK, &detail)
	today := time.Now().UTC().Format(time.DateOnly)
	overdue := 0
	for _, st := range detail.Steps {
		if st.DueOn != nil && *st.DueOn < today {
			overdue++
		}
	}
	if reminders != overdue {
		t.Errorf("plan %d has %d reminder_sent events, want %d (one per step that started overdue)", planID, reminders, overdue)
	}

	if code := p.stop(t); code != 0 {
		t.Errorf("ogp dev exited %d on SIGTERM, want 0", code)
	}
}

// TestKill9KeepsPlansDecisionsAndReminders kills `ogp dev` with SIGKILL
// right after an acknowledged approval that starts an overdue step, so the
// reminder that approval triggers is in flight when the process dies. The
// README promises that plans, approvals and pending reminders survive even
// kill -9: after a restart on the same data dir, no acknowledged decision
// is lost or doubled, the reminder reaches the coordinator exactly once, the
// audit trail has no gap or duplicate, and the plan carries on.
func TestKill9KeepsPlansDecisionsAndReminders(t *testing.T) {
	t.Parallel()
	requireBinary(t)
	const adminToken = "kill9-admin-token"
	cfg := newDevConfig(t, t.TempDir(), adminToken)
	p := startDev(t, cfg)
	a := newAPI(t, p)

	now := time.Now().UTC()
	startsOn := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	endsOn := now.AddDate(1, 0, 0).Format(time.DateOnly)
	yesterday := now.AddDate(0, 0, -1).Format(time.DateOnly)

	coord := a.createUser(adminToken, "Ana Coordinator", "ana@city.example")
	gov := a.createUser(adminToken, "Gil Government", "gil@city.example")
	cso := a.createUser(adminToken, "Cai Civil", "cai@ngo.example")

	var plan planDetail
	a.do("POST", "/action-plans", coord.Token, map[string]any{
		"title": "Kill -9 plan", "member": "City of Testing", "starts_on": startsOn, "ends_on": endsOn,
	}, http.StatusCreated, &plan)
	if plan.ID == 0 {
		t.Fatalf("plan created without an id: %+v", plan)
	}
	base := fmt.Sprintf("/action-plans/%d", plan.ID)
	a.do("PUT", fmt.Sprintf("%s/members/%d", base, gov.ID), coord.Token,
		map[string]any{"roles": []string{"approver"}, "sector": "government"}, http.StatusOK, nil)
	a.do("PUT", fmt.Sprintf("%s/members/%d", base, cso.ID), coord.Token,
		map[string]any{"roles": []string{"approver"}, "sector": "civil_society"}, http.StatusOK, nil)
	fillStep1(t, a, adminToken, base, coord, cso)
	a.do("POST", base+"/steps/1/submit", coord.Token, map[string]any{"summary": "Team, forum and monitoring body"}, http.StatusOK, nil)
	a.do("POST", base+"/steps/1/decisions", gov.Token, map[string]any{"decision": "approve"}, http.StatusOK, nil)
	// A due date in the past for a step that has not started yet: step 2
	// will be overdue the moment it starts.
	a.do("PUT", base+"/steps/2/due-date", coord.Token, map[string]any{"due_on": yesterday}, http.StatusOK, nil)

	// The burst: the last approval starts step 2, whose reminder fires at
	// once; the process dies as soon as the approval is acknowledged,
	// without giving the reminder time to be delivered and recorded.
	var acked planDetail
	raw := a.do("POST", base+"/steps/1/decisions", cso.Token, map[string]any{"decision": "approve"}, http.StatusOK, nil)
	p.kill9(t)
	if err := json.Unmarshal(raw, &acked); err != nil {
		t.Fatalf("decoding the acknowledged approval %s: %v", raw, err)
	}
	if acked.CurrentStep != 2 {
		t.Fatalf("the acknowledged approval answered current_step %d, want 2: %s", acked.CurrentStep, raw)
	}

	// Restart on the same data dir. The state is in the files, not the
	// ports: if a port cannot be bound again yet, fresh ones are as good.
	p2, err := tryStartDev(t, cfg)
	if err != nil && strings.Contains(err.Error(), "address already in use") {
		t.Logf("restart on the same ports failed, retrying on fresh ones: %v", err)
		cfg.pickPorts(t)
		p2, err = tryStartDev(t, cfg)
	}
	if err != nil {
		t.Fatalf("restart after kill -9: %v", err)
	}
	a = newAPI(t, p2)

	// Converge: the reminder in flight is delivered once its activity is
	// retried; it is recorded in the audit trail only after the delivery
	// completed, so once reminder_sent is there no retry can follow.
	var (
		detail planDetail
		evs    []event
		inbox  []notification
	)
	deadline := time.Now().Add(convergeTimeout)
	for {
		a.do("GET", base, "", nil, http.StatusOK, &detail)
		evs = a.events(plan.ID, adminToken)
		inbox = a.inbox(coord.Token)
		if countKind(evs, eventKind, "reminder_sent") >= 1 && countKind(inbox, notificationKind, "step_reminder") >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the reminder has not converged: %d reminder_sent events, inbox %+v, events %+v",
				convergeTimeout, countKind(evs, eventKind, "reminder_sent"), inbox, evs)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("reminder delivered and recorded %v after the restart was ready", time.Since(deadline.Add(-convergeTimeout)).Round(time.Millisecond))

	// No decision lost, none doubled.
	if detail.CurrentStep != 2 || len(detail.Steps) != 10 || detail.Steps[0].Status != "approved" || detail.Steps[1].Status != "in_progress" {
		t.Fatalf("after kill -9 and restart the plan is %+v, want step 1 approved and step 2 in progress", detail)
	}
	deciders := map[int64]int{}
	for _, d := range detail.Steps[0].Decisions {
		if d.Decision != "approve" {
			t.Errorf("step 1 has a %q decision by %d, want only approvals", d.Decision, d.ApproverID)
		}
		deciders[d.ApproverID]++
	}
	if len(detail.Steps[0].Decisions) != 2 || deciders[gov.ID] != 1 || deciders[cso.ID] != 1 {
		t.Errorf("step 1 decisions after kill -9: %+v, want exactly one approval by %d and one by %d",
			detail.Steps[0].Decisions, gov.ID, cso.ID)
	}

	// The audit trail: seq 1..N without gap or duplicate, one reminder,
	// two decisions on step 1.
	checkAuditTrail := func(evs []event, wantReminders int) {
		t.Helper()
		for i, e := range evs {
			if e.Seq != int64(i+1) {
				t.Errorf("audit trail: entry %d has seq %d, want %d (gap or duplicate); trail %+v", i, e.Seq, i+1, evs)
				break
			}
		}
		if n := countKind(evs, eventKind, "reminder_sent"); n != wantReminders {
			t.Errorf("audit trail has %d reminder_sent events, want %d: %+v", n, wantReminders, evs)
		}
		decided := 0
		for _, e := range evs {
			if e.Kind == "step_decided" && e.Step != nil && *e.Step == 1 {
				decided++
			}
		}
		if decided != 2 {
			t.Errorf("audit trail has %d step_decided events for step 1, want 2: %+v", decided, evs)
		}
	}
	checkAuditTrail(evs, 1)

	// Exactly one reminder, and it stays one: a duplicate would come from a
	// retried delivery, so watch for a few more seconds. The other messages
	// (step 1 approved, to the coordinator; step 1 waiting for a decision,
	// to each approver) likewise arrive exactly once.
	ofKind := func(inbox []notification, kind string) []notification {
		var out []notification
		for _, n := range inbox {
			if n.Kind == kind {
				out = append(out, n)
			}
		}
		return out
	}
	checkInbox := func(inbox []notification) bool {
		t.Helper()
		rem := ofKind(inbox, "step_reminder")
		if len(rem) != 1 || rem[0].Step == nil || *rem[0].Step != 2 || rem[0].PlanID == nil || *rem[0].PlanID != plan.ID {
			t.Errorf("coordinator inbox %+v, want exactly one step_reminder for step 2 of plan %d", inbox, plan.ID)
			return false
		}
		if approved := ofKind(inbox, "step_approved"); len(approved) < 1 || *approved[len(approved)-1].Step != 1 {
			t.Errorf("coordinator inbox %+v, want one step_approved for step 1", inbox)
			return false
		}
		return true
	}
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if !checkInbox(a.inbox(coord.Token)) {
			break
		}
	}
	if n := len(ofKind(a.inbox(coord.Token), "step_approved")); n != 1 {
		t.Errorf("coordinator has %d step_approved notifications, want 1", n)
	}
	for _, approver := range []user{gov, cso} {
		inbox := a.inbox(approver.Token)
		if len(ofKind(inbox, "step_reminder")) != 0 || len(ofKind(inbox, "decision_needed")) != 1 || len(inbox) != 1 {
			t.Errorf("approver %d got %+v; want only the one decision_needed for step 1 (the overdue step was with the coordinator)", approver.ID, inbox)
		}
	}

	// The plan carries on: the roadmap is recorded and step 2 approved.
	fillRoadmap(t, a, base, coord, now, endsOn)
	a.do("POST", base+"/steps/2/submit", coord.Token, map[string]any{"summary": "Roadmap agreed with the forum"}, http.StatusOK, nil)
	a.do("POST", base+"/steps/2/decisions", gov.Token, map[string]any{"decision": "approve"}, http.StatusOK, nil)
	var after planDetail
	a.do("POST", base+"/steps/2/decisions", cso.Token, map[string]any{"decision": "approve"}, http.StatusOK, &after)
	if after.CurrentStep != 3 {
		t.Errorf("after approving step 2 the plan answers current_step %d, want 3", after.CurrentStep)
	}
	checkAuditTrail(a.events(plan.ID, adminToken), 1)
	checkInbox(a.inbox(coord.Token))

	if code := p2.stop(t); code != 0 {
		t.Errorf("ogp dev exited %d on SIGTERM, want 0", code)
	}
}

// fillStep1 records a step 1 that passes its gate: the coordinator
// (government) and a civil-society member on the team, a forum with a
// government and a non-government member, and an independent monitoring
// body whose member is a new user on the roster but not on the team.
func fillStep1(t *testing.T, a *api, adminToken, base string, coord, cso user) {
	t.Helper()
	a.do("PUT", fmt.Sprintf("%s/team/%d", base, coord.ID), coord.Token, map[string]any{"title": "Coordinator", "organisation": "City of Testing"}, http.StatusOK, nil)
	a.do("PUT", fmt.Sprintf("%s/team/%d", base, cso.ID), coord.Token, map[string]any{"title": "NGO partner", "organisation": "Testing NGO"}, http.StatusOK, nil)
	a.do("PUT", base+"/forum", coord.Token, map[string]any{"name": "Testing Forum", "is_new": true, "purpose": "Co-create the plan", "meeting_cadence": "monthly"}, http.StatusOK, nil)
	a.do("POST", base+"/forum/members", coord.Token, map[string]any{"name": "An official", "sector": "government"}, http.StatusCreated, nil)
	a.do("POST", base+"/forum/members", coord.Token, map[string]any{"name": "An activist", "sector": "non_government"}, http.StatusCreated, nil)
	monitor := a.createUser(adminToken, "Mona Monitor", fmt.Sprintf("mona-%d@watch.example", time.Now().UnixNano()))
	a.do("PUT", fmt.Sprintf("%s/members/%d", base, monitor.ID), coord.Token, map[string]any{"roles": []string{"monitoring_body"}, "sector": "civil_society"}, http.StatusOK, nil)
	a.do("PUT", base+"/monitoring-body", coord.Token, map[string]any{"name": "Testing Watch", "kind": "organisation",
		"independence_statement": "Funded by nobody on the team."}, http.StatusOK, nil)
}

// fillRoadmap records the eight roadmap entries of steps 3-10, all in
// the future, so approving step 2 sets due dates that have not passed.
func fillRoadmap(t *testing.T, a *api, base string, coord user, now time.Time, endsOn string) {
	t.Helper()
	end, err := time.Parse(time.DateOnly, endsOn)
	if err != nil {
		t.Fatal(err)
	}
	span := end.Sub(now) / 9
	for n := 3; n <= 10; n++ {
		from := now.Add(time.Duration(n-2) * span).Format(time.DateOnly)
		to := now.Add(time.Duration(n-1) * span).Format(time.DateOnly)
		a.do("PUT", fmt.Sprintf("%s/roadmap/%d", base, n), coord.Token, map[string]any{"starts_on": from, "ends_on": to,
			"responsible": "Ana Coordinator", "stakeholders": "The forum"}, http.StatusOK, nil)
	}
}

// TestKill9MilestoneReminderDuringDowntime: a plan validated at step 8
// with a short reminder policy runs its commitment as a workflow whose one
// milestone reminder falls due while `ogp dev` is down (kill -9). After
// the restart the reminder is delivered to the responsible person exactly
// once. Milestone due dates are days (due at 00:00 UTC), so the policy's
// single reminder is a Before offset computed to fall a few seconds after
// the kill: deterministic whatever the time of day.
func TestKill9MilestoneReminderDuringDowntime(t *testing.T) {
	t.Parallel()
	requireBinary(t)
	const adminToken = "kill9-milestone-admin-token"
	cfg := newDevConfig(t, t.TempDir(), adminToken)
	p := startDev(t, cfg)
	a := newAPI(t, p)

	now := time.Now().UTC()
	today := now.Format(time.DateOnly)
	startsOn := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	endsOn := now.AddDate(1, 0, 0).Format(time.DateOnly)
	dueOn := now.AddDate(0, 0, 30).Format(time.DateOnly)

	coord := a.createUser(adminToken, "Ana Coordinator", "ana@city.example")
	gov := a.createUser(adminToken, "Gil Government", "gil@city.example")
	cso := a.createUser(adminToken, "Cai Civil", "cai@ngo.example")
	rita := a.createUser(adminToken, "Rita Responsible", "rita@city.example")

	var plan planDetail
	a.do("POST", "/action-plans", coord.Token, map[string]any{
		"title": "Milestone kill -9 plan", "member": "City of Testing", "starts_on": startsOn, "ends_on": endsOn,
	}, http.StatusCreated, &plan)
	base := fmt.Sprintf("/action-plans/%d", plan.ID)
	member := func(u user, role, sector string) {
		a.do("PUT", fmt.Sprintf("%s/members/%d", base, u.ID), coord.Token, map[string]any{"roles": []string{role}, "sector": sector}, http.StatusOK, nil)
	}
	member(gov, "approver", "government")
	member(cso, "approver", "civil_society")
	member(rita, "contributor", "government")
	approve := func(n int) {
		t.Helper()
		a.do("POST", fmt.Sprintf("%s/steps/%d/submit", base, n), coord.Token, map[string]any{"summary": fmt.Sprintf("Step %d done", n)}, http.StatusOK, nil)
		a.do("POST", fmt.Sprintf("%s/steps/%d/decisions", base, n), gov.Token, map[string]any{"decision": "approve"}, http.StatusOK, nil)
		var st planDetail
		a.do("POST", fmt.Sprintf("%s/steps/%d/decisions", base, n), cso.Token, map[string]any{"decision": "approve"}, http.StatusOK, &st)
		if st.CurrentStep != n+1 {
			t.Fatalf("after approving step %d the plan is at step %d", n, st.CurrentStep)
		}
	}
	fillStep1(t, a, adminToken, base, coord, cso)
	approve(1)
	fillRoadmap(t, a, base, coord, now, endsOn)
	approve(2)
	a.do("POST", base+"/awareness", coord.Token, map[string]any{"kind": "event", "held_on": now.AddDate(0, 0, -1).Format(time.DateOnly),
		"audience": "Residents", "description": "Open day at City Hall", "reach": 50, "evidence_url": "https://city.example/open-day"}, http.StatusCreated, nil)
	approve(3)
	var problem struct {
		ID int64 `json:"id"`
	}
	a.do("POST", base+"/problems", coord.Token, map[string]any{"title": "Spending is not published", "description": "Once a year, as a scanned PDF",
		"policy_area": "fiscal openness", "source": "team"}, http.StatusCreated, &problem)
	a.do("POST", fmt.Sprintf("%s/problems/%d/selection", base, problem.ID), coord.Token, map[string]any{"selected": true}, http.StatusOK, nil)
	approve(4)
	var commitment struct {
		ID int64 `json:"id"`
	}
	a.do("POST", base+"/commitments", coord.Token, map[string]any{"problem_id": problem.ID, "title": "Open budget", "starts_on": today, "ends_on": endsOn,
		"lead_agency": "Finance Directorate", "problem_statement": "Residents cannot follow spending.", "status_quo": "A yearly PDF.",
		"objective": "Publish spending monthly as open data.", "how_it_solves": "Residents can follow and question spending.",
		"values": []map[string]any{{"value": "transparency", "justification": "Spending becomes public."}}}, http.StatusCreated, &commitment)
	var milestone struct {
		ID int64 `json:"id"`
	}
	cbase := fmt.Sprintf("%s/commitments/%d", base, commitment.ID)
	a.do("POST", cbase+"/milestones", coord.Token, map[string]any{"title": "Monthly spending online", "deliverable": "Monthly open data",
		"indicator": "Months published", "target": "12 months", "starts_on": today, "due_on": dueOn, "responsible": "Rita Responsible",
		"responsible_user_id": rita.ID}, http.StatusCreated, &milestone)
	approve(5)
	a.do("POST", cbase+"/network", coord.Token, map[string]any{"name": "Finance team", "organisation": "City of Testing", "sector": "government", "role": "lead"}, http.StatusCreated, nil)
	a.do("POST", cbase+"/network", coord.Token, map[string]any{"name": "Open data NGO", "organisation": "Testing NGO", "sector": "civil_society", "role": "supporter"}, http.StatusCreated, nil)
	approve(6)
	a.do("PUT", base+"/vision", coord.Token, map[string]any{"text": "Every resident can see how the city spends."}, http.StatusOK, nil)
	approve(7)

	// The policy: one reminder, remindAt, expressed as an offset before
	// the milestone's due time (00:00 UTC of dueOn); no reminder on the
	// due date, none while overdue.
	dueAt, _ := time.Parse(time.DateOnly, dueOn)
	remindAt := time.Now().Add(20 * time.Second).Truncate(time.Second)
	before := dueAt.Sub(remindAt)
	a.do("PUT", base+"/settings", coord.Token, map[string]any{"reminder_policy": map[string]any{"before": []string{before.String()}, "on_due": false, "overdue_every": "0s", "spread": "0s"}}, http.StatusOK, nil)
	approve(8)

	// Wait until the commitment's workflow runs (its reminder is a timer),
	// then crash well before the reminder is due.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var impl struct {
			Items []struct {
				Status string `json:"status"`
			} `json:"items"`
		}
		a.do("GET", base+"/implementation", "", nil, http.StatusOK, &impl)
		if len(impl.Items) == 1 && impl.Items[0].Status == "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the commitment's workflow is not running: %+v", impl)
		}
	}
	if time.Until(remindAt) < 2*time.Second {
		t.Fatalf("setting up took too long: the reminder is due in %v, before the crash could happen", time.Until(remindAt))
	}
	if n := countKind(a.inbox(rita.Token), notificationKind, "milestone_reminder"); n != 0 {
		t.Fatalf("Rita has %d milestone reminders before the reminder time", n)
	}
	p.kill9(t)
	t.Logf("killed %v before the reminder time", time.Until(remindAt).Round(time.Millisecond))
	time.Sleep(time.Until(remindAt) + 2*time.Second)

	p2, err := tryStartDev(t, cfg)
	if err != nil && strings.Contains(err.Error(), "address already in use") {
		cfg.pickPorts(t)
		p2, err = tryStartDev(t, cfg)
	}
	if err != nil {
		t.Fatalf("restart after kill -9: %v", err)
	}
	a = newAPI(t, p2)
	restarted := time.Now()
	var got []notification
	for deadline := time.Now().Add(convergeTimeout); ; time.Sleep(250 * time.Millisecond) {
		got = a.inbox(rita.Token)
		if countKind(got, notificationKind, "milestone_reminder") >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no milestone reminder %v after the restart; Rita's inbox: %+v", convergeTimeout, got)
		}
	}
	t.Logf("the reminder was delivered %v after the restart", time.Since(restarted).Round(time.Millisecond))
	// Exactly once, and it stays once.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		got = a.inbox(rita.Token)
		var rem []notification
		for _, n := range got {
			if n.Kind == "milestone_reminder" {
				rem = append(rem, n)
			}
		}
		if len(rem) != 1 || rem[0].PlanID == nil || *rem[0].PlanID != plan.ID || rem[0].Step == nil || *rem[0].Step != 9 {
			t.Fatalf("Rita's inbox %+v, want exactly one milestone_reminder for step 9 of plan %d", got, plan.ID)
		}
	}
	// Nobody else was reminded: no escalation in this policy.
	for _, u := range []user{coord, gov, cso} {
		if n := countKind(a.inbox(u.Token), notificationKind, "milestone_reminder"); n != 0 {
			t.Errorf("user %d got %d milestone reminders, want none", u.ID, n)
		}
	}
	if code := p2.stop(t); code != 0 {
		t.Errorf("ogp dev exited %d on SIGTERM, want 0", code)
	}
}
