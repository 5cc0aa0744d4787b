// Package devserver runs a complete Temporal server (frontend, history,
// matching and worker services) inside the current process, persisting to a
// single SQLite file. It backs the `ogp dev` command and integration tests,
// where needing a separately installed Temporal CLI or Docker would be a
// burden and where state has to survive restarts and crashes.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

const (
	defaultHost         = "127.0.0.1"
	defaultFrontendPort = 7233
	defaultNamespace    = "default"
	clusterName         = "active"
	// readyTimeout bounds how long Start waits for the frontend to answer
	// when the caller's context has no earlier deadline.
	readyTimeout = 30 * time.Second
)

// Config configures the embedded server.
type Config struct {
	// DatabaseFile is where all state lives, so a dev session or test can be
	// stopped, killed or restarted without losing workflows. It is created with
	// the schema if missing. Required.
	DatabaseFile string
	// Host is the IP the frontend binds to. It defaults to 127.0.0.1 so a dev
	// server is not reachable from the network unless asked for.
	Host string
	// FrontendPort is fixed (default 7233) because clients and workers are
	// configured with it; 0 means the default, never a random port. Tests
	// should pass FreePort().
	FrontendPort int
	// Namespace is created at start when missing, so clients can use it
	// immediately. Default "default".
	Namespace string
	// UIPort is reserved for a future embedded UI and currently ignored.
	UIPort int
	// Logger receives server logs. Nil discards them, because the server is
	// noisy and most callers only care about the client side.
	Logger *slog.Logger
	// LogLevel filters server logs before they reach Logger: "debug", "info",
	// "warn" or "error". Default "warn", as the server logs a lot at info.
	LogLevel string
	// Durability is what a committed write survives: DurabilityNormal (the
	// default) or DurabilityFull. See those constants.
	Durability string
	// DynamicConfig overrides server dynamic config settings by name (for
	// example "history.timerTaskBatchSize"), on top of the built-in values
	// tuned for ogp (see dynamicConfig). A nil value removes a built-in value,
	// giving the server's own default back; measurements use that to compare.
	// Names are not checked: a misspelt one is silently ignored by the server.
	DynamicConfig map[string]any
}

// Durability levels of the SQLite file. Both use write-ahead logging.
const (
	// DurabilityNormal is synchronous=NORMAL: a commit is written to the WAL
	// but only fsynced at checkpoints. Everything committed survives a crash
	// or kill of the process; an OS crash or power loss can lose the
	// transactions committed since the last checkpoint (never corrupt the
	// file). Fastest; right for a laptop or a test.
	DurabilityNormal = "normal"
	// DurabilityFull is synchronous=FULL: the WAL is fsynced on every commit,
	// so nothing committed is lost even on power loss, at the price of one
	// fsync per transaction.
	DurabilityFull = "full"
)

// Server is a running embedded Temporal server. Stop it to release its ports.
type Server struct {
	srv       temporal.Server
	sqlCfg    *config.SQL
	unlock    func()
	logger    slogLogger
	logLevel  slog.Level
	address   string
	namespace string

	stopOnce sync.Once
	stopErr  error
}

// Start prepares the database (schema and namespace, both idempotent so a file
// left behind by a crash is fine), starts all services and returns only once
// the frontend answers for the namespace, so callers can dial straight away.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	if cfg.Host == "" {
		cfg.Host = defaultHost
	}
	hostIP := net.ParseIP(cfg.Host)
	if hostIP == nil {
		return nil, fmt.Errorf("devserver: Host %q is not an IP address", cfg.Host)
	}
	if cfg.FrontendPort == 0 {
		cfg.FrontendPort = defaultFrontendPort
	}
	if cfg.FrontendPort < 0 || cfg.FrontendPort > 65535 {
		return nil, fmt.Errorf("devserver: FrontendPort %d out of range", cfg.FrontendPort)
	}
	if cfg.Namespace == "" {
		cfg.Namespace = defaultNamespace
	}
	level, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dbPath, err := databasePath(cfg.DatabaseFile)
	if err != nil {
		return nil, err
	}
	synchronous, err := SQLiteSynchronous(cfg.Durability)
	if err != nil {
		return nil, err
	}

	// The server turns a failed bind into a Fatal deep inside its startup;
	// checking first gives the common "another dev server is running" case a
	// plain error.
	frontendBind := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.FrontendPort))
	l, err := net.Listen("tcp", frontendBind)
	if err != nil {
		return nil, fmt.Errorf("devserver: frontend port not available: %w", err)
	}
	_ = l.Close()

	unlock, err := lockDatabase(dbPath)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()

	sqlCfg := sqliteConfig(dbPath, synchronous)
	if err := ensureSchema(sqlCfg); err != nil {
		return nil, err
	}
	if err := ensureNamespace(sqlCfg, clusterName, cfg.Namespace); err != nil {
		return nil, err
	}

	// Clients inside this process (the worker service, readiness check,
	// FrontendAddress users) cannot dial a wildcard address.
	dialHost := cfg.Host
	if hostIP.IsUnspecified() {
		dialHost = defaultHost
	}
	address := net.JoinHostPort(dialHost, strconv.Itoa(cfg.FrontendPort))

	tlog := newSlogLogger(logger, level)
	var srv temporal.Server
	// Another process can grab one of the internal ports between FreePort and
	// the bind; that only costs a retry with fresh ports.
	for attempt := 1; ; attempt++ {
		ports, err := internalPorts()
		if err != nil {
			return nil, err
		}
		srv, err = newTemporalServer(buildServerConfig(cfg, sqlCfg, address, ports), tlog, address, ports, dynamicConfig(cfg.DynamicConfig))
		if err == nil {
			break
		}
		if attempt == 3 || !isListenerFailure(err) {
			return nil, err
		}
	}
	s := &Server{srv: srv, sqlCfg: sqlCfg, unlock: unlock, logger: tlog, logLevel: level, address: address, namespace: cfg.Namespace}
	if err := startTemporalServer(srv); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if err := waitReady(ctx, address, cfg.Namespace); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// FrontendAddress is the host:port clients and workers should dial; with a
// wildcard Host it names the loopback address.
func (s *Server) FrontendAddress() string { return s.address }

// Namespace is the namespace Start made sure exists.
func (s *Server) Namespace() string { return s.namespace }

// Stop shuts the services down and releases every port, so a server on the
// same port and file can be started again in the same process. Calling it
// more than once is harmless.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.logLevel >= slog.LevelWarn {
			// Anyone who asked for debug or info wants the shutdown chatter.
			s.logger.raise(levelStopping)
		}
		s.stopErr = stopTemporalServer(s.srv)
		s.logger.raise(levelStopped)
		checkpoint(s.sqlCfg)
		s.unlock()
	})
	return s.stopErr
}

// servicePorts are the gRPC ports of the services other than the frontend.
// They are picked fresh on every start so several servers can run side by side.
type servicePorts struct {
	history, matching, worker int
}

func internalPorts() (servicePorts, error) {
	var p servicePorts
	for _, dst := range []*int{&p.history, &p.matching, &p.worker} {
		port, err := FreePort()
		if err != nil {
			return p, err
		}
		*dst = port
	}
	return p, nil
}

func buildServerConfig(cfg Config, sqlCfg *config.SQL, address string, ports servicePorts) *config.Config {
	internal := func(port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: defaultHost}}
	}

	c := &config.Config{}
	// Membership is static (see newTemporalServer), so no ringpop ports are
	// opened; these values only matter if that ever changes.
	c.Global.Membership = config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: defaultHost}
	// Global.Metrics stays nil, which gives a no-op metrics handler and no
	// Prometheus listener. PProf port 0 means pprof is not started.
	c.Global.PProf.Port = 0

	c.Persistence = config.Persistence{
		DefaultStore:     sqlCfg.PluginName,
		VisibilityStore:  sqlCfg.PluginName,
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{sqlCfg.PluginName: {SQL: sqlCfg}},
	}
	c.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             address,
			},
		},
	}
	c.DCRedirectionPolicy.Policy = "noop"
	c.Services = map[string]config.Service{
		// HTTPPort stays 0, which keeps the frontend's HTTP API off.
		string(primitives.FrontendService): {RPC: config.RPC{GRPCPort: cfg.FrontendPort, BindOnIP: cfg.Host}},
		string(primitives.HistoryService):  internal(ports.history),
		string(primitives.MatchingService): internal(ports.matching),
		string(primitives.WorkerService):   internal(ports.worker),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service dials the frontend through this address.
	c.PublicClient.HostPort = address
	return c
}

// dynamicConfig holds the dev-friendly overrides. Keys come from the typed
// settings rather than strings so a key that disappears in a server upgrade
// fails to compile instead of being silently ignored (the static client never
// complains about unknown keys).
//
// overrides (Config.DynamicConfig) are applied on top by name; a nil value
// deletes the key so the server's default applies.
func dynamicConfig(overrides map[string]any) dynamicconfig.StaticClient {
	dc := builtinDynamicConfig()
	for name, v := range overrides {
		key := dynamicconfig.MakeKey(name)
		if v == nil {
			delete(dc, key)
			continue
		}
		dc[key] = v
	}
	return dc
}

func builtinDynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// Already true by default in this server version; pinned so workflow
		// updates keep working for ogp if a future default changes.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key():              true,
		dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key(): true,
		// Newly added search attributes are visible immediately instead of
		// after the cache refresh interval; fine at dev scale.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		// Timer herds (issue 7): see devserver/timers_bench_test.go for the
		// measurement of each value.
		//
		// An idle long poll returns after 5 s instead of a minute. The SDK
		// sends every poller to the sticky queue while it reports a backlog;
		// when a herd of workflow tasks outlives its sticky schedule-to-start
		// timeout (5 s) they move to the normal queue, while the pollers sit
		// on the now-empty sticky queue until their poll expires. With the
		// default that is the one-minute tail; likewise a poller parked on
		// the normal queue when a sticky herd arrives stays out of it for a
		// minute. Empty polls are cheap (no database work).
		dynamicconfig.MatchingLongPollExpirationInterval.Key(): 5 * time.Second,
		// Once a namespace has this many tasks pending in a history queue,
		// the excess is moved to a lower-priority reader at the next
		// checkpoint; the default of 500 is easily reached by reminders due
		// at the same instant.
		dynamicconfig.QueueMoveGroupTaskCountBase.Key(): 5000,
		// Each history queue reader polls its shard at most this often. New
		// tasks wake the reader, but past the limit a task waits for the rate
		// limiter: with the default of 20 a poll every 50 ms, so an approval,
		// which dispatches four tasks (workflow task, projection activity,
		// workflow task, visibility), took 200 ms where the bare update took
		// 4 ms. There is one shard here, so this is the whole server's rate;
		// the limiter only caps polls the server has a reason to make, so an
		// idle server does not poll more. Measured with ogp bench (approval
		// round trip, plan creation) and devserver/timers_bench_test.go.
		dynamicconfig.TransferProcessorMaxPollRPS.Key():   1000,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():      1000,
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key(): 1000,
		// The default of 10 visibility requests per second is easily hit by
		// tests and UIs polling list/count APIs.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,

		// The worker service starts SDK workers for the scanners and the
		// parent-close-policy processor but never stops them (server v1.30.8).
		// They would outlive Stop, keep polling the frontend port and attach to
		// the next server started on it in this process. Scanners only garbage
		// collect at production scale, and without the processor history applies
		// parent close policies itself, for any number of children.
		dynamicconfig.TaskQueueScannerEnabled.Key():       false,
		dynamicconfig.HistoryScannerEnabled.Key():         false,
		dynamicconfig.EnableParentClosePolicyWorker.Key(): false,

		// Nexus needs the frontend HTTP API, which is not opened; saying so
		// explicitly also silences the startup warning about it.
		dynamicconfig.EnableNexus.Key(): false,
	}
}

func newTemporalServer(serverCfg *config.Config, logger slogLogger, address string, ports servicePorts, dc dynamicconfig.StaticClient) (srv temporal.Server, err error) {
	defer recoverFatal(&err)

	authorizer, err := authorization.GetAuthorizerFromConfig(&serverCfg.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("devserver: authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&serverCfg.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("devserver: claim mapper: %w", err)
	}
	local := func(port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(defaultHost, strconv.Itoa(port)))
	}
	srv, err = temporal.NewServer(
		temporal.WithConfig(serverCfg),
		temporal.ForServices(temporal.DefaultServices),
		// Static membership: every service lives in this process, so ringpop
		// gossip (its own ports and join delay) buys nothing.
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(address),
			primitives.HistoryService:  local(ports.history),
			primitives.MatchingService: local(ports.matching),
			primitives.WorkerService:   local(ports.worker),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dc),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: creating server: %w", err)
	}
	return srv, nil
}

func startTemporalServer(srv temporal.Server) (err error) {
	defer recoverFatal(&err)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("devserver: starting server: %w", err)
	}
	return nil
}

func stopTemporalServer(srv temporal.Server) (err error) {
	defer recoverFatal(&err)
	if err := srv.Stop(); err != nil {
		return fmt.Errorf("devserver: stopping server: %w", err)
	}
	return nil
}

// recoverFatal converts the logger's Fatal panic into an error; any other
// panic is a real bug and keeps propagating.
func recoverFatal(err *error) {
	r := recover()
	if r == nil {
		return
	}
	var fp fatalPanic
	if e, ok := r.(error); ok && errors.As(e, &fp) {
		*err = fmt.Errorf("devserver: %w", fp)
		return
	}
	panic(r)
}

func isListenerFailure(err error) bool {
	var fp fatalPanic
	return errors.As(err, &fp) && fp.msg == "Failed to start gRPC listener"
}

// waitReady polls until the frontend accepts a health check and knows the
// namespace, i.e. until a freshly dialed client can start workflows.
func waitReady(ctx context.Context, address, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()

	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	var lastErr error
	for {
		lastErr = probe(ctx, address, namespace, quiet)
		if lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: frontend at %s not ready: %w (last error: %w)", address, ctx.Err(), lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func probe(ctx context.Context, address, namespace string, logger sdklog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: address, Namespace: namespace, Logger: logger})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	return err
}
