package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/ogplocal/ogp/devserver"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/server"
	"github.com/ogplocal/ogp/web"
	"github.com/ogplocal/ogp/worker"
)

// Migrate applies the database migrations.
func Migrate(ctx context.Context, cfg Config) error {
	cfg.Defaults()
	db, err := openDB(ctx, &cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := models.Migrate(ctx, db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, a := range applied {
		cfg.Log.Info("migration applied", "migration", a)
	}
	cfg.Log.Info("database is up to date", "applied_now", len(applied))
	return nil
}

func openDB(ctx context.Context, cfg *Config) (*models.DB, error) {
	url := cfg.appDatabaseURL()
	if cfg.DatabaseURL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
	}
	db, err := models.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := applyDurability(ctx, cfg, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// applyDurability gives the app's SQLite file the same synchronous setting
// as the embedded Temporal server's (models.Open sets NORMAL). The pool has
// exactly one connection that is never recycled, so the pragma holds for the
// life of the DB; it is read back to be sure. PostgreSQL is left alone.
func applyDurability(ctx context.Context, cfg *Config, db *models.DB) error {
	synchronous, err := devserver.SQLiteSynchronous(cfg.Durability)
	if err != nil {
		return fmt.Errorf("OGP_DEV_DURABILITY: %w", err)
	}
	if db.Dialect != models.DialectSQLite || synchronous == "normal" {
		return nil
	}
	g := db.Gorm.WithContext(ctx)
	if err := g.Exec("PRAGMA synchronous = " + synchronous).Error; err != nil {
		return fmt.Errorf("set synchronous=%s: %w", synchronous, err)
	}
	var got int
	if err := g.Raw("PRAGMA synchronous").Scan(&got).Error; err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if got != 2 { // 2 is FULL
		return fmt.Errorf("synchronous is %d after setting %s", got, synchronous)
	}
	return nil
}

// ensureAdmin creates the first administrator and prints its token once.
func ensureAdmin(ctx context.Context, cfg *Config, db *models.DB) error {
	created, token, err := db.EnsureAdmin(ctx, cfg.AdminToken)
	if err != nil {
		return fmt.Errorf("create the admin user: %w", err)
	}
	if created {
		if cfg.AdminToken != "" {
			fmt.Fprintln(cfg.Out, "Admin user created with the token from OGP_ADMIN_TOKEN.")
		} else {
			fmt.Fprintf(cfg.Out, "Admin user created. Its API token is shown only this once:\n\n    %s\n\n", token)
		}
		// The web workspace signs in with a password, which nobody has
		// chosen yet: print a one-time link to choose it, like the token.
		admin, err := db.UserByEmail(ctx, models.AdminEmail)
		if err != nil {
			return fmt.Errorf("find the admin user: %w", err)
		}
		link, err := db.CreateAccountLink(ctx, admin.ID, models.LinkInvitation, 7*24*time.Hour)
		if err != nil {
			return fmt.Errorf("create the admin's password link: %w", err)
		}
		fmt.Fprintf(cfg.Out, "To sign in on the web as %s, choose its password (the link works once, for 7 days):\n\n    %s/account/password?token=%s\n\n",
			models.AdminEmail, strings.TrimRight(cfg.PublicURL, "/"), link)
	}
	return nil
}

// Stack is a running set of components; Stop stops them in reverse order.
type Stack struct {
	// HTTPAddr is where the API listens (resolved, so ":0" shows its port).
	HTTPAddr string
	// TemporalAddress is the Temporal frontend in use.
	TemporalAddress string
	DB              *models.DB
	Client          client.Client

	temporal *devserver.Server
	worker   sdkworker.Worker
	http     *http.Server
	httpDone chan error
	cfg      Config
}

// StartDev starts the whole product in one process: the embedded Temporal
// server on SQLite files in the data dir, migrations, the worker and the
// HTTP API.
func StartDev(ctx context.Context, cfg Config) (_ *Stack, err error) {
	cfg.Defaults()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	st := &Stack{cfg: cfg}
	defer func() {
		if err != nil {
			st.Stop(context.Background())
		}
	}()
	// The embedded server's own system workers are SDK workers too, and
	// the first worker of the process fixes the shared workflow cache's
	// size: set it before the server starts, or the setting is ignored.
	sdkworker.SetStickyWorkflowCacheSize(cfg.workerCacheSize())
	st.temporal, err = devserver.Start(ctx, devserver.Config{
		DatabaseFile: filepath.Join(cfg.DataDir, "temporal.db"),
		FrontendPort: cfg.TemporalPort,
		Logger:       cfg.Log.With("component", "temporal-server"),
		Durability:   cfg.Durability,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal server: %w", err)
	}
	st.TemporalAddress = st.temporal.FrontendAddress()
	if st.DB, err = openDB(ctx, &cfg); err != nil {
		return nil, err
	}
	if _, err = models.Migrate(ctx, st.DB); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err = ensureAdmin(ctx, &cfg, st.DB); err != nil {
		return nil, err
	}
	if st.Client, err = dial(ctx, &cfg, st.TemporalAddress, true); err != nil {
		return nil, err
	}
	if err = st.startWorker(true); err != nil {
		return nil, err
	}
	if err = st.startHTTP(); err != nil {
		return nil, err
	}
	return st, nil
}

// StartServer starts the HTTP API alone, against external Temporal and
// database. The Temporal connection is lazy: the API starts (and /readyz
// says what is missing) while Temporal is still coming up.
func StartServer(ctx context.Context, cfg Config) (_ *Stack, err error) {
	cfg.Defaults()
	st := &Stack{cfg: cfg, TemporalAddress: cfg.TemporalAddress}
	defer func() {
		if err != nil {
			st.Stop(context.Background())
		}
	}()
	if st.DB, err = openDB(ctx, &cfg); err != nil {
		return nil, err
	}
	if err = ensureAdmin(ctx, &cfg, st.DB); err != nil {
		return nil, fmt.Errorf("%w (has `ogp migrate` run?)", err)
	}
	if st.Client, err = dial(ctx, &cfg, cfg.TemporalAddress, false); err != nil {
		return nil, err
	}
	if err = st.startHTTP(); err != nil {
		return nil, err
	}
	return st, nil
}

// StartWorker starts the Temporal worker alone.
func StartWorker(ctx context.Context, cfg Config) (_ *Stack, err error) {
	cfg.Defaults()
	st := &Stack{cfg: cfg, TemporalAddress: cfg.TemporalAddress}
	defer func() {
		if err != nil {
			st.Stop(context.Background())
		}
	}()
	if st.DB, err = openDB(ctx, &cfg); err != nil {
		return nil, err
	}
	if st.Client, err = dial(ctx, &cfg, cfg.TemporalAddress, true); err != nil {
		return nil, err
	}
	if err = st.startWorker(false); err != nil {
		return nil, err
	}
	return st, nil
}

// dial connects to Temporal. eager waits (retrying) until the frontend
// answers, as a worker needs it; otherwise the client connects lazily.
func dial(ctx context.Context, cfg *Config, address string, eager bool) (client.Client, error) {
	opts, err := cfg.clientOptions(address)
	if err != nil {
		return nil, err
	}
	opts.Logger = sdkLogger(cfg.Log)
	if !eager {
		return client.NewLazyClient(opts)
	}
	delay := 500 * time.Millisecond
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		cfg.Log.Warn("Temporal is not reachable yet; retrying", "address", address, "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to Temporal at %s: %w", address, err)
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}

// startWorker starts the worker; dev selects dev mode defaults.
func (st *Stack) startWorker(dev bool) error {
	opts, err := st.cfg.workerOptions(dev)
	if err != nil {
		return err
	}
	acts, err := st.cfg.activities(st.DB)
	if err != nil {
		return err
	}
	// Process-wide, and only read when the first worker of the process
	// creates the shared cache; later calls change nothing.
	sdkworker.SetStickyWorkflowCacheSize(st.cfg.workerCacheSize())
	st.worker = worker.New(st.Client, st.cfg.TaskQueue, acts, opts)
	if err := st.worker.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	st.cfg.Log.Info("worker started", "task_queue", st.cfg.TaskQueue, "temporal", st.TemporalAddress,
		"pollers", opts.MaxConcurrentWorkflowTaskPollers, "cache_size", st.cfg.workerCacheSize(),
		"activities", opts.MaxConcurrentActivityExecutionSize, "sticky_timeout", opts.StickyScheduleToStartTimeout)
	return nil
}

func (st *Stack) startHTTP() error {
	engine := &server.TemporalEngine{Client: st.Client, TaskQueue: st.cfg.TaskQueue, DigestInterval: st.cfg.DigestInterval}
	api := server.New(st.DB, engine, st.cfg.Log.With("component", "http"))
	api.SetAccountOptions(server.AccountOptions{PublicURL: st.cfg.PublicURL, EmailConfigured: st.cfg.SMTPHost != ""})
	site, err := web.New(web.Config{API: api, Store: st.DB, DB: st.DB, Log: st.cfg.Log.With("component", "web"),
		SecureCookies: strings.HasPrefix(st.cfg.PublicURL, "https://"), SessionTTL: st.cfg.SessionTTL})
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	site.Register(api.Echo())
	ln, err := net.Listen("tcp", st.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", st.cfg.HTTPAddr, err)
	}
	st.HTTPAddr = ln.Addr().String()
	st.http = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute}
	st.httpDone = make(chan error, 1)
	go func() {
		err := st.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		st.httpDone <- err
	}()
	st.cfg.Log.Info("HTTP API listening", "addr", st.HTTPAddr)
	return nil
}

// Done reports a fatal error of the HTTP server, if it stops by itself.
func (st *Stack) Done() <-chan error {
	if st.httpDone == nil {
		return nil
	}
	return st.httpDone
}

// Stop stops everything that was started, gracefully.
func (st *Stack) Stop(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if st.http != nil {
		if err := st.http.Shutdown(ctx); err != nil {
			st.cfg.Log.Warn("HTTP shutdown", "error", err)
		}
	}
	if st.worker != nil {
		st.worker.Stop()
	}
	if st.Client != nil {
		st.Client.Close()
	}
	if st.temporal != nil {
		if err := st.temporal.Stop(); err != nil {
			st.cfg.Log.Warn("Temporal server stop", "error", err)
		}
	}
	if st.DB != nil {
		_ = st.DB.Close()
	}
}

// minLevel drops records below a level: the Temporal SDK logs every poll
// at info, which would drown the product's own logs.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
