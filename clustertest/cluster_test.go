//go:build cluster

package clustertest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// settings are what scripts/cluster-test hands the driver.
type settings struct {
	work, ogpBin, temporalBin, temporalConfig, dynamicConfig string
	pgAddr, pgUser, pgVersion                                string
	dbTemporal, dbVisibility, dbOGP                          string
}

func readSettings(t *testing.T) settings {
	get := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			t.Fatalf("%s is not set: run the cluster test with scripts/cluster-test (make test-cluster)", name)
		}
		return v
	}
	return settings{
		work: get("OGP_CLUSTER_WORK"), ogpBin: get("OGP_CLUSTER_OGP_BIN"), temporalBin: get("OGP_CLUSTER_TEMPORAL_BIN"),
		temporalConfig: get("OGP_CLUSTER_TEMPORAL_CONFIG"), dynamicConfig: get("OGP_CLUSTER_DYNAMIC_CONFIG"),
		pgAddr: get("OGP_CLUSTER_PG_ADDR"), pgUser: get("OGP_CLUSTER_PG_USER"), pgVersion: get("OGP_CLUSTER_PG_VERSION"),
		dbTemporal: get("OGP_CLUSTER_DB_TEMPORAL"), dbVisibility: get("OGP_CLUSTER_DB_VISIBILITY"), dbOGP: get("OGP_CLUSTER_DB_OGP"),
	}
}

// freePorts returns n distinct free TCP ports on 127.0.0.1, below 32768:
// Temporal stores its membership ports in a smallint column, so the
// kernel's ephemeral ports (32768 and up) will not do.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 1000 {
			return nil, fmt.Errorf("no %d free ports below 32768", n)
		}
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		out = append(out, port)
	}
	return out, nil
}

// fault is one injected fault and what it cost.
type fault struct {
	name      string
	from, to  time.Time // the window in which reminders may be late and coalesced
	recovery  time.Duration
	notes     []string
	strictOne bool // no worker ran in (from, to): each milestone gets at most one of the window's reminders
	// slots and coalesced count the milestones' reminder slots in the
	// window, and those not sent on their own (made up by a later one).
	slots, coalesced int
}

// driver holds the running cluster.
type driver struct {
	t        *testing.T
	s        settings
	ps       *procs
	temporal *proc
	server   *proc
	workers  [2]*proc
	api      *api
	db       *sql.DB
	tc       client.Client
	pgDown   bool
	// temporalAddress is the Temporal frontend's host:port.
	temporalAddress string
	pgMu            sync.Mutex
	faults          []*fault
}

const (
	namespace = "default"
	taskQueue = "ogp-action-plans"
)

// TestCluster is the cluster test of issue 8; see the package comment.
func TestCluster(t *testing.T) {
	began := time.Now()
	d := &driver{t: t, s: readSettings(t)}
	var err error
	if d.ps, err = newProcs(d.s.work); err != nil {
		t.Fatal(err)
	}
	defer d.ps.stopAll()
	defer d.ensurePostgres()
	defer func() {
		if t.Failed() {
			fmt.Println(d.ps.tails(40))
		}
	}()
	// Stopped from outside (the script's trap, Ctrl-C): stop every process
	// by its PID and bring PostgreSQL back before going.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			fmt.Fprintln(os.Stderr, "cluster test: signalled; stopping every process")
			d.ps.stopAll()
			d.ensurePostgres()
			os.Exit(1)
		}
	}()

	d.startTemporal()
	d.startOGP()
	pp, err := d.api.createPeople(d.adminToken())
	d.must(err)

	// The scenario: plans co-created to step 7 side by side.
	const nPlans = 4
	plans := make([]*scenarioPlan, nPlans)
	d.parallel(nPlans, func(i int) error {
		var err error
		plans[i], err = d.api.coCreate(pp, i+1)
		return err
	})
	t.Logf("%d plans co-created and approved to step 7 (%s)", nPlans, time.Since(began).Round(time.Second))

	// A short reminder policy: the upcoming milestones are reminded every
	// 10 s from shortly after step 8 is approved; the overdue ones every
	// minute.
	now := time.Now().UTC()
	sl := slots{first: now.Add(15 * time.Second).Truncate(time.Second), every: 10 * time.Second, count: 45,
		today: now.Truncate(24 * time.Hour)}
	sl.due = sl.today.AddDate(0, 0, 2)
	for _, p := range plans {
		d.must(d.api.do(pp.sofia, "PUT", fmt.Sprintf("/api/v1/action-plans/%d/settings", p.id),
			map[string]any{"reminder_policy": sl.policy()}, 200, nil))
	}

	progress := map[int64]int{} // milestone -> progress reports accepted
	var progressMu sync.Mutex
	report := func(p *scenarioPlan, c scenarioCommitment, percent int, key string, allow503 bool) (response, error) {
		path := fmt.Sprintf("/api/v1/action-plans/%d/commitments/%d/milestones/%d/progress", p.id, c.id, c.upcoming)
		body := map[string]any{"status": "in_progress", "percent": percent, "narrative": fmt.Sprintf("%d%% of the districts covered", percent),
			"evidence": []string{"https://athens.example/open"}}
		if allow503 {
			return d.api.expect503(pp.sofia, "POST", path, body, 30*time.Second, "Idempotency-Key", key)
		}
		err := d.api.do(pp.sofia, "POST", path, body, 200, nil, "Idempotency-Key", key)
		if err == nil {
			progressMu.Lock()
			progress[c.upcoming]++
			progressMu.Unlock()
		}
		return response{}, err
	}

	// Fault 1: step 8 approved for every plan at once (the commitments'
	// workflows start, and every overdue milestone is reminded at once),
	// progress reported, and one worker killed with -9 in the middle.
	f1 := d.newFault("1. kill -9 worker-a mid-burst")
	firstApproved := make(chan struct{})
	var once sync.Once
	burstDone := make(chan error, 1)
	go func() {
		burstDone <- d.parallelErr(nPlans, func(i int) error {
			p := plans[i]
			if err := d.api.approveStep(pp, p.id, 8); err != nil {
				return err
			}
			p.approved8 = time.Now()
			once.Do(func() { close(firstApproved) })
			for j, c := range p.commitments {
				if _, err := report(p, c, 20+j, fmt.Sprintf("burst-%d-%d", p.id, c.id), false); err != nil {
					return err
				}
			}
			return nil
		})
	}()
	select {
	case <-firstApproved:
	case err := <-burstDone:
		t.Fatalf("the burst ended before any step 8 approval: %v", err)
	}
	f1.from = time.Now()
	d.must(d.workers[0].kill9())
	t.Logf("worker-a (pid %d) killed with -9 after the first step 8 approval", d.workers[0].pid())
	d.must(<-burstDone)
	// The burst is answered; the other worker carries the commitments: each
	// overdue milestone's first reminder arrives, and the round opens.
	d.waitFor("every overdue milestone reminded after step 8", 90*time.Second, func() (bool, error) {
		n, err := d.count(`SELECT count(DISTINCT split_part(dedup_key, '/reminder/', 1)) FROM notifications WHERE dedup_key LIKE 'commitment-%/milestone/%'`)
		return n >= int64(nPlans*3), err
	})
	for _, p := range plans {
		d.must(d.api.do(pp.dimitra, "POST", fmt.Sprintf("/api/v1/action-plans/%d/assessment-rounds", p.id),
			map[string]any{"kind": "co_creation", "self_assessment_for": "20s"}, 201, nil))
	}
	f1.recovery = time.Since(f1.from)
	// A workflow task the killed worker held is retried once its timeout
	// (10 s) runs out, a local activity's likewise: reminders may coalesce
	// until then.
	f1.to = maxTime(f1.from.Add(30*time.Second), time.Now())
	f1.notes = append(f1.notes, fmt.Sprintf("%d approvals of step 8 and %d progress reports answered 200 across the kill", 2*nPlans, 3*nPlans))
	d.startWorker(d.workers[0])
	t.Logf("fault 1 recovered in %s; worker-a restarted", f1.recovery.Round(time.Millisecond))

	// Fault 2: the Temporal server stopped and restarted.
	f2 := d.newFault("2. Temporal server stopped and restarted")
	f2.from = time.Now()
	d.must(d.temporal.stop(30 * time.Second))
	d.must(d.expectReadyz503("temporal"))
	p0, c0 := plans[0], plans[0].commitments[0]
	p0.progressKey = "while-temporal-down"
	r, err := report(p0, c0, 40, p0.progressKey, true)
	d.must(err)
	f2.notes = append(f2.notes, fmt.Sprintf("progress report while down: 503 problem+json in %s", r.took.Round(time.Millisecond)))
	d.must(d.api.do("", "GET", fmt.Sprintf("/api/v1/action-plans/%d", p0.id), nil, 200, nil))
	time.Sleep(time.Until(f2.from.Add(20 * time.Second)))
	restart := time.Now()
	d.must(d.ps.start(d.temporal))
	d.waitReady(fmt.Sprintf("/readyz after Temporal's restart"), 120*time.Second)
	_, err = report(p0, c0, 40, p0.progressKey, false)
	d.must(err)
	f2.to = time.Now()
	f2.recovery = f2.to.Sub(restart)
	t.Logf("fault 2 recovered in %s after the restart", f2.recovery.Round(time.Millisecond))

	// Fault 3: PostgreSQL restarted (stopped, then started after a few
	// seconds, so that the outage can be observed).
	f3 := d.newFault("3. PostgreSQL restarted")
	f3.from = time.Now()
	d.must(d.pgctl("stop"))
	d.must(d.expectReadyz503("database"))
	_, err = d.api.expect503("", "GET", "/api/v1/action-plans", nil, 15*time.Second)
	d.must(err)
	_, err = report(p0, c0, 60, "while-postgres-down", true)
	d.must(err)
	f3.notes = append(f3.notes, "reads and writes answered 503 problem+json while down")
	time.Sleep(time.Until(f3.from.Add(12 * time.Second)))
	restart = time.Now()
	d.must(d.pgctl("start"))
	if !d.temporal.running() {
		f3.notes = append(f3.notes, fmt.Sprintf("the Temporal server exited while PostgreSQL was down (%v); restarted", d.temporal.exitErr()))
		d.must(d.ps.start(d.temporal))
	}
	d.waitReady("/readyz after PostgreSQL's restart", 120*time.Second)
	_, err = report(p0, c0, 60, "while-postgres-down", false)
	d.must(err)
	f3.to = time.Now()
	f3.recovery = f3.to.Sub(restart)
	for _, w := range append([]*proc{d.server, d.temporal}, d.workers[:]...) {
		if !w.running() {
			t.Fatalf("%s exited during the PostgreSQL restart: %v", w.name, w.exitErr())
		}
	}
	t.Logf("fault 3 recovered in %s after PostgreSQL started", f3.recovery.Round(time.Millisecond))

	// Fault 4: both workers stopped for longer than a reminder's due time.
	f4 := d.newFault("4. both workers stopped past reminders' due time")
	f4.strictOne = true
	for _, w := range d.workers {
		d.must(w.stop(30 * time.Second))
	}
	f4.from = time.Now()
	time.Sleep(25 * time.Second)
	f4.to = time.Now()
	for _, w := range d.workers {
		d.startWorker(w)
	}
	// Every upcoming milestone gets the latest reminder it missed, once.
	var missed int
	d.waitFor("the missed reminders after the workers' restart", 90*time.Second, func() (bool, error) {
		got, err := d.reminders()
		if err != nil {
			return false, err
		}
		missed = 0
		for _, p := range plans {
			for _, c := range p.commitments {
				want := sl.numbersIn(false, f4.from, f4.to)
				if len(want) == 0 {
					continue
				}
				missed++
				if maxNumber(got[c.upcoming]) < want[len(want)-1] {
					return false, nil
				}
			}
		}
		return true, nil
	})
	f4.recovery = time.Since(f4.to)
	f4.notes = append(f4.notes, fmt.Sprintf("%d milestones missed %d reminder slots each while no worker ran", missed, len(sl.numbersIn(false, f4.from, f4.to))))
	t.Logf("fault 4 recovered in %s after the workers started", f4.recovery.Round(time.Millisecond))

	// The workflows continue: one more progress report, and each plan's
	// first commitment completes its upcoming milestone (its reminders stop).
	completed := map[int64]time.Time{}
	for _, p := range plans {
		c := p.commitments[0]
		_, err := report(p, c, 90, fmt.Sprintf("after-faults-%d", p.id), false)
		d.must(err)
		d.must(d.api.do(pp.sofia, "POST", fmt.Sprintf("/api/v1/action-plans/%d/commitments/%d/milestones/%d/complete", p.id, c.id, c.upcoming),
			map[string]any{"narrative": "Delivered in every district", "evidence": []string{"https://athens.example/open"}}, 200, nil))
		completed[c.upcoming] = time.Now()
		progress[c.upcoming]++ // a completion is recorded as the milestone's last progress report
	}
	// A quiet spell with everything up: every reminder due in it must go
	// out on time.
	time.Sleep(25 * time.Second)
	end := time.Now()

	// Projections catch up: wait (a minute at most) until every reminder
	// notification older than a few seconds has its event in the
	// commitment's trail; the check below reports any that never does.
	settle := time.Now()
	for time.Since(settle) < time.Minute {
		n, err := d.count(orphanNotifications+` AND n.created_at < $1`, time.Now().Add(-orphanAge))
		if err == nil && n == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if waited := time.Since(settle); waited > time.Second {
		t.Logf("projections caught up with the notifications in %s", waited.Round(time.Millisecond))
	}
	d.check(plans, sl, progress, completed, end)
	d.summary(sl, time.Since(began))
}

// newFault records a fault.
func (d *driver) newFault(name string) *fault {
	f := &fault{name: name}
	d.faults = append(d.faults, f)
	d.t.Logf("fault %s", name)
	return f
}

func (d *driver) must(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

// parallel runs fn(0..n-1) side by side and fails on the first error.
func (d *driver) parallel(n int, fn func(i int) error) {
	d.t.Helper()
	d.must(d.parallelErr(n, fn))
}

func (d *driver) parallelErr(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// waitFor polls cond every 200 ms until it holds, failing after limit.
func (d *driver) waitFor(what string, limit time.Duration, cond func() (bool, error)) {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	d.t.Fatalf("%s: not reached within %s (last error: %v)", what, limit, last)
}

func (d *driver) adminToken() string { return "ogp_cluster_admin_" + filepath.Base(d.s.work) }

// ---- processes

func (d *driver) startTemporal() {
	t := d.t
	ports, err := freePorts(9)
	d.must(err)
	tmpl, err := template.ParseFiles(d.s.temporalConfig)
	d.must(err)
	dir := filepath.Join(d.s.work, "temporal-config")
	d.must(os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, "development.yaml"))
	d.must(err)
	d.must(tmpl.Execute(f, map[string]any{
		"DB": d.s.dbTemporal, "VisibilityDB": d.s.dbVisibility, "PGAddr": d.s.pgAddr, "PGUser": d.s.pgUser, "PGPassword": "",
		"FrontendPort": ports[0], "FrontendMembershipPort": ports[1], "FrontendHTTPPort": ports[2],
		"HistoryPort": ports[3], "HistoryMembershipPort": ports[4], "MatchingPort": ports[5], "MatchingMembershipPort": ports[6],
		"WorkerPort": ports[7], "WorkerMembershipPort": ports[8], "DynamicConfig": d.s.dynamicConfig,
	}))
	d.must(f.Close())
	d.temporal = d.ps.add("temporal-server", d.s.temporalBin, nil,
		"--config-file", f.Name(), "--allow-no-auth", "start")
	d.must(d.ps.start(d.temporal))
	address := fmt.Sprintf("127.0.0.1:%d", ports[0])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		d.tc, err = client.DialContext(ctx, client.Options{HostPort: address, Namespace: namespace})
		if err == nil {
			break
		}
		if ctx.Err() != nil || !d.temporal.running() {
			t.Fatalf("the Temporal server does not answer at %s: %v (exit: %v)", address, err, d.temporal.exitErr())
		}
		time.Sleep(500 * time.Millisecond)
	}
	nc, err := client.NewNamespaceClient(client.Options{HostPort: address})
	d.must(err)
	defer nc.Close()
	err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(72 * time.Hour)})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		t.Fatalf("register namespace %s: %v", namespace, err)
	}
	// The frontend knows a new namespace once its cache refreshes.
	d.waitFor("namespace "+namespace+" usable", 60*time.Second, func() (bool, error) {
		_, err := d.tc.DescribeWorkflowExecution(ctx, "cluster-test-probe", "")
		var nf *serviceerror.NotFound
		return errors.As(err, &nf), err
	})
	d.t.Logf("Temporal server (pid %d) on %s, namespace %s", d.temporal.pid(), address, namespace)
	d.temporalAddress = address
}

func (d *driver) ogpEnv(extra ...string) []string {
	return append([]string{
		"OGP_DATABASE_URL=" + d.dbURL(d.s.dbOGP),
		"TEMPORAL_ADDRESS=" + d.temporalAddress,
		"TEMPORAL_NAMESPACE=" + namespace,
		"OGP_TASK_QUEUE=" + taskQueue,
		"OGP_LOG_LEVEL=info",
	}, extra...)
}

func (d *driver) dbURL(db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", d.s.pgUser, d.s.pgAddr, db)
}

func (d *driver) startOGP() {
	t := d.t
	out, err := os.Create(filepath.Join(d.s.work, "ogp-migrate.log"))
	d.must(err)
	cmd := exec.Command(d.s.ogpBin, "migrate")
	cmd.Env = append(os.Environ(), d.ogpEnv()...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		t.Fatalf("ogp migrate: %v", err)
	}
	_ = out.Close()

	ports, err := freePorts(1)
	d.must(err)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	d.server = d.ps.add("ogp-server", d.s.ogpBin, d.ogpEnv("OGP_HTTP_ADDR="+httpAddr, "OGP_ADMIN_TOKEN="+d.adminToken(),
		"OGP_PUBLIC_URL=http://"+httpAddr), "server")
	d.must(d.ps.start(d.server))
	for i, name := range []string{"worker-a", "worker-b"} {
		d.workers[i] = d.ps.add("ogp-"+name, d.s.ogpBin, d.ogpEnv(), "worker")
		d.startWorker(d.workers[i])
	}
	d.api = newAPI("http://" + httpAddr)
	d.db, err = sql.Open("pgx", d.dbURL(d.s.dbOGP))
	d.must(err)
	d.waitReady("ogp server ready", 60*time.Second)
	d.t.Logf("ogp server (pid %d) on %s, workers (pids %d, %d)", d.server.pid(), httpAddr, d.workers[0].pid(), d.workers[1].pid())
}

// startWorker starts an ogp worker and waits until Temporal sees it poll
// the task queue (its identity starts with its PID): a worker whose start
// is cut short by a fault exits, as its orchestrator would then restart
// it, so the next fault waits for this one to be in place.
func (d *driver) startWorker(w *proc) {
	d.t.Helper()
	d.must(d.ps.start(w))
	prefix := fmt.Sprintf("%d@", w.pid())
	d.waitFor(w.name+" polling", 60*time.Second, func() (bool, error) {
		if !w.running() {
			d.t.Fatalf("%s exited at its start: %v", w.name, w.exitErr())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, typ := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := d.tc.DescribeTaskQueue(ctx, taskQueue, typ)
			if err != nil {
				return false, err
			}
			found := false
			for _, p := range resp.GetPollers() {
				found = found || strings.HasPrefix(p.GetIdentity(), prefix)
			}
			if !found {
				return false, nil
			}
		}
		return true, nil
	})
}

// waitReady waits for /readyz to answer 200.
func (d *driver) waitReady(what string, limit time.Duration) {
	d.t.Helper()
	d.waitFor(what, limit, func() (bool, error) {
		r, err := d.api.send("", "GET", "/readyz", nil, true)
		if err != nil {
			return false, err
		}
		return r.status == 200, fmt.Errorf("readyz %d: %s", r.status, r.body)
	})
}

// expectReadyz503 checks that /readyz reports the component down.
func (d *driver) expectReadyz503(component string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := d.api.expect503("", "GET", "/readyz", nil, 5*time.Second)
		if err == nil && strings.Contains(string(r.body), component) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz does not report %s down: %v %s", component, err, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pgctl stops or starts the machine's PostgreSQL cluster.
func (d *driver) pgctl(action string) error {
	d.pgMu.Lock()
	defer d.pgMu.Unlock()
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", d.s.pgVersion, "main", action).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctlcluster %s: %v: %s", action, err, out)
	}
	d.pgDown = action == "stop"
	return nil
}

// ensurePostgres starts PostgreSQL again if the driver left it stopped.
func (d *driver) ensurePostgres() {
	d.pgMu.Lock()
	down := d.pgDown
	d.pgMu.Unlock()
	if down {
		_ = d.pgctl("start")
	}
}

// ---- checks

func (d *driver) count(query string, args ...any) (int64, error) {
	var n int64
	err := d.db.QueryRow(query, args...).Scan(&n)
	return n, err
}

// orphanNotifications counts the reminder notifications whose event is
// not in the commitment's trail; orphanAge is how old one must be to count
// (a reminder's event is projected a moment after its notification).
const (
	orphanNotifications = `SELECT count(*) FROM notifications n WHERE n.dedup_key LIKE 'commitment-%/milestone/%' AND NOT EXISTS
		(SELECT 1 FROM commitment_events e WHERE e.kind = 'milestone_reminder_sent' AND e.payload::json->>'dedup_key' = n.dedup_key)`
	orphanAge = 15 * time.Second
)

// sentReminder is one milestone reminder in the coordinator's inbox.
type sentReminder struct {
	number int
	at     time.Time
}

var reminderKey = regexp.MustCompile(`^commitment-\d+/milestone/(\d+)/due/\d+/reminder/(\d+)$`)

// reminders reads the milestone reminders recorded, by milestone.
func (d *driver) reminders() (map[int64][]sentReminder, error) {
	rows, err := d.db.Query(`SELECT dedup_key, created_at FROM notifications WHERE dedup_key LIKE 'commitment-%/milestone/%' ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]sentReminder{}
	for rows.Next() {
		var key string
		var at time.Time
		if err := rows.Scan(&key, &at); err != nil {
			return nil, err
		}
		m := reminderKey.FindStringSubmatch(key)
		if m == nil {
			return nil, fmt.Errorf("unexpected reminder key %q", key)
		}
		mid, _ := strconv.ParseInt(m[1], 10, 64)
		n, _ := strconv.Atoi(m[2])
		out[mid] = append(out[mid], sentReminder{number: n, at: at})
	}
	return out, rows.Err()
}

func maxNumber(rs []sentReminder) int {
	best := 0
	for _, r := range rs {
		best = max(best, r.number)
	}
	return best
}

// result is what the summary prints.
type result struct {
	decisionsSent, decisionsRecorded     int64
	remindersExpected, remindersSent     int64
	notificationsSent, outboxNotInApp    int64
	duplicates                           int
	progressSent, progressRecorded       int64
	milestones, requiredSlots, coalesced int
	maxLateness                          time.Duration
}

var res result

// check verifies, once the scenario is over, that nothing was lost or
// recorded twice.
func (d *driver) check(plans []*scenarioPlan, sl slots, progress map[int64]int, completed map[int64]time.Time, end time.Time) {
	t := d.t
	ids := make([]string, 0, len(plans))
	for _, p := range plans {
		ids = append(ids, strconv.FormatInt(p.id, 10))
	}
	in := "(" + strings.Join(ids, ",") + ")"

	// Decisions: every one answered 200 is recorded once, in the
	// projection and in the audit trail, whose sequence has no gap.
	_, _, _, sent := d.api.stats()
	res.decisionsSent = int64(sent)
	var err error
	res.decisionsRecorded, err = d.count(`SELECT count(*) FROM decisions WHERE plan_id IN ` + in)
	d.must(err)
	audit, err := d.count(`SELECT count(*) FROM audit_events WHERE kind = 'step_decided' AND plan_id IN ` + in)
	d.must(err)
	if res.decisionsRecorded != res.decisionsSent || audit != res.decisionsSent {
		t.Errorf("decisions: %d answered 200, %d in the decisions table, %d step_decided events", res.decisionsSent, res.decisionsRecorded, audit)
	}
	gaps, err := d.count(`SELECT count(*) FROM (SELECT plan_id, count(*) AS n, count(DISTINCT seq) AS d, max(seq) AS m
		FROM audit_events WHERE plan_id IN ` + in + ` GROUP BY plan_id) x WHERE n <> d OR n <> m`)
	d.must(err)
	if gaps != 0 {
		t.Errorf("%d plans' audit trails have a gap or a duplicate sequence number", gaps)
	}
	for _, p := range plans {
		var detail struct {
			CurrentStep int `json:"current_step"`
		}
		d.must(d.api.do("", "GET", fmt.Sprintf("/api/v1/action-plans/%d", p.id), nil, 200, &detail))
		if detail.CurrentStep != 9 {
			t.Errorf("plan %d is at step %d, want 9 (implementation)", p.id, detail.CurrentStep)
		}
	}

	// Progress reports: each accepted once (a retry with the same
	// Idempotency-Key after a 503 adds nothing).
	for mid, n := range progress {
		res.progressSent += int64(n)
		got, err := d.count(`SELECT count(*) FROM progress_reports WHERE milestone_id = $1`, mid)
		d.must(err)
		res.progressRecorded += got
		if got != int64(n) {
			t.Errorf("milestone %d: %d progress reports accepted, %d recorded", mid, n, got)
		}
	}

	// Reminders: every notification has its event in the commitment's
	// trail and every event its notification (one recipient, the
	// coordinator), no reminder event twice, one delivered in-app outbox
	// row each. Reminders keep coming while this runs, and a reminder's
	// notification is written a moment before its event: what happened in
	// the last seconds (after cutoff) is left out.
	cutoff := time.Now().Add(-orphanAge)
	res.remindersExpected, err = d.count(`SELECT count(*) FROM commitment_events WHERE kind = 'milestone_reminder_sent' AND occurred_at < $1 AND plan_id IN `+in, cutoff)
	d.must(err)
	res.remindersSent, err = d.count(`SELECT count(*) FROM notifications n WHERE n.dedup_key IN (SELECT e.payload::json->>'dedup_key'
		FROM commitment_events e WHERE e.kind = 'milestone_reminder_sent' AND e.occurred_at < $1 AND e.plan_id IN `+in+`)`, cutoff)
	d.must(err)
	dupEvents, err := d.count(`SELECT count(*) - count(DISTINCT payload::json->>'dedup_key') FROM commitment_events WHERE kind = 'milestone_reminder_sent' AND plan_id IN ` + in)
	d.must(err)
	orphanNotes, err := d.count(orphanNotifications+` AND n.created_at < $1`, cutoff)
	d.must(err)
	orphanEvents, err := d.count(`SELECT count(*) FROM commitment_events e WHERE e.kind = 'milestone_reminder_sent' AND e.occurred_at < $1
		AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.dedup_key = e.payload::json->>'dedup_key')`, cutoff)
	d.must(err)
	res.duplicates += int(dupEvents)
	if dupEvents != 0 || orphanNotes != 0 || orphanEvents != 0 {
		t.Errorf("reminders: %d events recorded twice, %d notifications without their event, %d events without their notification\n%s",
			dupEvents, orphanNotes, orphanEvents, d.reminderDiagnosis(in))
	}
	res.notificationsSent, err = d.count(`SELECT count(*) FROM notifications WHERE plan_id IN ` + in)
	d.must(err)
	res.outboxNotInApp, err = d.count(`SELECT count(*) FROM notification_outbox WHERE status <> 'delivered' AND channel = 'in_app' AND created_at < $1`, cutoff)
	d.must(err)
	if res.outboxNotInApp != 0 {
		t.Errorf("%d in-app outbox rows are not delivered", res.outboxNotInApp)
	}
	failed, err := d.count(`SELECT count(*) FROM notification_outbox WHERE status = 'failed'`)
	d.must(err)
	if failed != 0 {
		t.Errorf("%d outbox rows failed", failed)
	}

	// Per milestone: numbers rise with time (nothing twice, nothing out of
	// order); every slot that passed while nothing was broken is there;
	// a fault's missed slots are made up by their latest one; after a
	// completion, silence.
	got, err := d.reminders()
	d.must(err)
	for _, p := range plans {
		for _, c := range p.commitments {
			for _, m := range []struct {
				id      int64
				overdue bool
			}{{c.overdue, true}, {c.upcoming, false}} {
				res.milestones++
				rs := got[m.id]
				for i := 1; i < len(rs); i++ {
					if rs[i].number <= rs[i-1].number {
						res.duplicates++
						t.Errorf("milestone %d: reminder %d recorded after %d", m.id, rs[i].number, rs[i-1].number)
					}
				}
				sentNumbers := map[int]time.Time{}
				for _, r := range rs {
					sentNumbers[r.number] = r.at
				}
				stop := end.Add(-3 * time.Second)
				if at, ok := completed[m.id]; ok {
					stop = at
					for _, r := range rs {
						if r.at.After(at.Add(2 * time.Second)) {
							t.Errorf("milestone %d: reminder %d at %s, after its completion at %s", m.id, r.number, r.at, at)
						}
					}
				}
				from := p.approved8.Add(3 * time.Second)
				for _, n := range sl.numbersIn(m.overdue, from, stop) {
					at := sl.slotTime(m.overdue, n)
					if f := d.faultAt(at); f != nil {
						continue
					}
					res.requiredSlots++
					sentAt, ok := sentNumbers[n]
					if !ok {
						t.Errorf("milestone %d: reminder %d due at %s (no fault then) was never sent", m.id, n, at.Format(time.TimeOnly))
						continue
					}
					res.maxLateness = max(res.maxLateness, sentAt.Sub(at))
				}
				for _, f := range d.faults {
					window := sl.numbersIn(m.overdue, maxTime(f.from, from), minTime(f.to, stop))
					if len(window) == 0 {
						continue
					}
					last := window[len(window)-1]
					if maxNumber(rs) < last {
						t.Errorf("milestone %d: the reminders missed during fault %q (up to %d) were not made up", m.id, f.name, last)
					}
					inWindow := 0
					for _, n := range window {
						if _, ok := sentNumbers[n]; ok {
							inWindow++
						}
					}
					res.coalesced += len(window) - inWindow
					f.slots += len(window)
					f.coalesced += len(window) - inWindow
					if f.strictOne && inWindow > 1 {
						res.duplicates++
						t.Errorf("milestone %d: %d of the reminders missed while no worker ran were sent, want the latest one once", m.id, inWindow)
					}
				}
				if latest := sl.numbersIn(m.overdue, from, stop); len(latest) > 0 && maxNumber(rs) < latest[len(latest)-1] {
					t.Errorf("milestone %d: last reminder sent is %d, want %d by %s", m.id, maxNumber(rs), latest[len(latest)-1], stop.Format(time.TimeOnly))
				}
			}
		}
	}
	_, _, unexpected, _ := d.api.stats()
	for _, u := range unexpected {
		t.Errorf("unexpected 5xx: %s", u)
	}
}

// reminderDiagnosis lists the reminder events recorded more than once and
// the reminder notifications without an event.
func (d *driver) reminderDiagnosis(in string) string {
	var b strings.Builder
	for _, q := range []string{
		`SELECT payload::json->>'dedup_key' || ': ' || string_agg(event_key || ' seq ' || seq || ' at ' || occurred_at::text || ' ' || payload, ' | ')
		FROM commitment_events WHERE kind = 'milestone_reminder_sent' AND plan_id IN ` + in + ` GROUP BY payload::json->>'dedup_key' HAVING count(*) > 1`,
		`SELECT 'no event: ' || n.dedup_key || ' at ' || n.created_at::text FROM notifications n WHERE n.dedup_key LIKE 'commitment-%/milestone/%'
		AND n.plan_id IN ` + in + ` AND NOT EXISTS (SELECT 1 FROM commitment_events e WHERE e.kind = 'milestone_reminder_sent'
		AND e.payload::json->>'dedup_key' = n.dedup_key)`,
		// The trails of the commitments with such a notification, event by event.
		`SELECT '  ' || e.event_key || ' ' || e.kind || ' ' || coalesce(e.payload::json->>'number', '') || ' at ' || e.occurred_at::text
		FROM commitment_events e WHERE e.commitment_id IN (SELECT DISTINCT split_part(split_part(n.dedup_key, '/', 1), '-', 2)::bigint
		FROM notifications n WHERE n.dedup_key LIKE 'commitment-%/milestone/%' AND NOT EXISTS (SELECT 1 FROM commitment_events e2
		WHERE e2.kind = 'milestone_reminder_sent' AND e2.payload::json->>'dedup_key' = n.dedup_key)) ORDER BY e.commitment_id, e.seq`,
	} {
		rows, err := d.db.Query(q)
		if err != nil {
			fmt.Fprintf(&b, "diagnosis: %v\n", err)
			continue
		}
		for rows.Next() {
			var line string
			if rows.Scan(&line) == nil {
				b.WriteString(line + "\n")
			}
		}
		_ = rows.Close()
	}
	return b.String()
}

// faultAt is the fault whose window holds at (padded by a second on each side).
func (d *driver) faultAt(at time.Time) *fault {
	for _, f := range d.faults {
		if !at.Before(f.from.Add(-time.Second)) && !at.After(f.to.Add(time.Second)) {
			return f
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// summary prints what the run did and proved.
func (d *driver) summary(sl slots, took time.Duration) {
	sent, byStatus, unexpected, _ := d.api.stats()
	codes := make([]int, 0, len(byStatus))
	for c := range byStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var st []string
	for _, c := range codes {
		st = append(st, fmt.Sprintf("%d×%d", byStatus[c], c))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n===== cluster test summary (%s)\n", took.Round(time.Second))
	fmt.Fprintf(&b, "topology: Temporal server %s on PostgreSQL %s, ogp server ×1, ogp worker ×2\n", "v1.30.8", d.s.pgVersion)
	fmt.Fprintf(&b, "operations sent:          %d HTTP requests (%s)\n", sent, strings.Join(st, ", "))
	fmt.Fprintf(&b, "unexpected 5xx:           %d (503s are only those asked for while a dependency was down)\n", len(unexpected))
	fmt.Fprintf(&b, "decisions:                %d answered 200, %d recorded\n", res.decisionsSent, res.decisionsRecorded)
	fmt.Fprintf(&b, "progress reports:         %d accepted, %d recorded\n", res.progressSent, res.progressRecorded)
	fmt.Fprintf(&b, "reminders:                %d expected (reminder events), %d sent (notifications), %d milestones, slot every %s / overdue every %s\n",
		res.remindersExpected, res.remindersSent, res.milestones, sl.every, overdueEvery)
	fmt.Fprintf(&b, "                          (each reminder event matched to its notification and back; the last %s left out)\n", orphanAge)
	fmt.Fprintf(&b, "reminder slots checked:   %d outside faults all sent (latest %s after its time); %d inside fault windows coalesced by design\n",
		res.requiredSlots, res.maxLateness.Round(time.Millisecond), res.coalesced)
	fmt.Fprintf(&b, "notifications:            %d in the inboxes of the scenario's plans; in-app outbox rows not delivered: %d\n", res.notificationsSent, res.outboxNotInApp)
	fmt.Fprintf(&b, "duplicates:               %d\n", res.duplicates)
	for _, f := range d.faults {
		fmt.Fprintf(&b, "fault %-55s recovery %8s; reminder slots in its window %3d, made up by a later one %3d",
			f.name+":", f.recovery.Round(time.Millisecond), f.slots, f.coalesced)
		if len(f.notes) > 0 {
			fmt.Fprintf(&b, "  (%s)", strings.Join(f.notes, "; "))
		}
		b.WriteString("\n")
	}
	fmt.Print(b.String())
}
