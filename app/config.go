// Package app wires the product together: configuration, the database,
// the Temporal client, the worker and the HTTP API, in the shapes the
// `ogp` command runs (dev, server, worker, migrate).
package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/ogplocal/ogp"
)

// Config is everything the ogp command can be told, from flags or the
// environment (the README's configuration table lists each).
type Config struct {
	DataDir           string // OGP_DATA_DIR: dev mode's SQLite files
	DatabaseURL       string // OGP_DATABASE_URL: PostgreSQL, or empty for SQLite in DataDir (dev)
	HTTPAddr          string // OGP_HTTP_ADDR
	TemporalAddress   string // TEMPORAL_ADDRESS (server, worker)
	TemporalNamespace string // TEMPORAL_NAMESPACE
	TemporalPort      int    // OGP_TEMPORAL_PORT (dev: the embedded frontend)
	TLSCert           string // TEMPORAL_TLS_CERT
	TLSKey            string // TEMPORAL_TLS_KEY
	TLSCA             string // TEMPORAL_TLS_CA
	TLSServerName     string // TEMPORAL_TLS_SERVER_NAME
	TaskQueue         string // OGP_TASK_QUEUE
	AdminToken        string // OGP_ADMIN_TOKEN
	LogLevel          string // OGP_LOG_LEVEL
	LogFormat         string // OGP_LOG_FORMAT: text or json
	SMTPHost          string // OGP_SMTP_HOST: empty disables the e-mail channel
	SMTPPort          int    // OGP_SMTP_PORT: 0 picks 25, 587 or 465 by SMTPTLS
	SMTPUsername      string // OGP_SMTP_USERNAME
	SMTPPassword      string // OGP_SMTP_PASSWORD
	SMTPFrom          string // OGP_SMTP_FROM: required with SMTPHost
	SMTPTLS           string // OGP_SMTP_TLS: none, starttls (default) or tls
	PublicURL         string // OGP_PUBLIC_URL: base of links in messages
	// DigestInterval is the time between two digests of a user
	// (OGP_DIGEST_INTERVAL): 0 means daily at the user's hour; shorter
	// values are for tests and demonstrations.
	DigestInterval time.Duration
	// SessionTTL is how long a web session lasts unused
	// (OGP_SESSION_TTL; 0 means web.DefaultSessionTTL).
	SessionTTL time.Duration
	// Durability of the dev mode SQLite files, Temporal's and the app's
	// (OGP_DEV_DURABILITY): "normal" (default) or "full"; see
	// devserver.DurabilityNormal and devserver.DurabilityFull.
	Durability string
	// WorkerPollers is how many workflow task pollers and how many activity
	// task pollers the worker runs (OGP_WORKER_POLLERS; 0 means
	// DefaultWorkerPollers). It cannot be 1: the SDK needs one poller for
	// the sticky queue and one for the normal queue.
	WorkerPollers int
	// WorkerCacheSize is the number of workflows kept in memory between
	// tasks (OGP_WORKER_CACHE_SIZE; 0 means DefaultWorkerCacheSize). The
	// cache is process-wide: the first worker started in a process fixes it.
	WorkerCacheSize int
	// WorkerActivities is the most activities the worker runs at once
	// (OGP_WORKER_ACTIVITIES; 0 means DefaultWorkerActivities).
	WorkerActivities int
	// WorkerStickyTimeout is how long a workflow task waits for the worker
	// that has the workflow cached before any worker may take it
	// (OGP_WORKER_STICKY_TIMEOUT; 0 means DefaultDevStickyTimeout in dev
	// mode, where the one worker is the only candidate anyway, and the
	// SDK's 5 s for `ogp worker`).
	WorkerStickyTimeout time.Duration
	// MemoryLimit is the Go runtime's soft memory limit (OGP_MEMORY_LIMIT,
	// e.g. "800MiB", or "off"); empty means none. GOMEMLIMIT wins when
	// set. See ApplyMemoryLimit.
	MemoryLimit string
	// Out receives what is printed for people (the admin token, the
	// addresses); Log is the structured log.
	Out io.Writer
	Log *slog.Logger
}

// Env reads a variable with a default.
func Env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// Defaults fills what was not set.
func (c *Config) Defaults() {
	if c.DataDir == "" {
		c.DataDir = ".ogp"
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
	}
	if c.TemporalAddress == "" {
		c.TemporalAddress = "127.0.0.1:7233"
	}
	if c.TemporalNamespace == "" {
		c.TemporalNamespace = "default"
	}
	if c.TemporalPort == 0 {
		c.TemporalPort = 7233
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://localhost:8080"
	}
	if c.TaskQueue == "" {
		c.TaskQueue = ogp.DefaultTaskQueue
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
	if c.Log == nil {
		c.Log = NewLogger(os.Stderr, c.LogLevel, c.LogFormat)
	}
}

// Worker defaults (see the README's "Tuning the dev server").
const (
	// DefaultWorkerPollers: measured against the SDK's 2 with 1,000 timers
	// firing at once (devserver/timers_bench_test.go).
	DefaultWorkerPollers = 8
	// DefaultWorkerCacheSize: each cached workflow keeps its coroutines
	// (goroutines and their stacks) and state in memory. With the SDK's
	// 10,000, the dev stack holding 1,000 plans in implementation (6,000
	// workflows, all waiting on timers) was 1.1-1.2 GB resident; with
	// 1,000 it is 670 MB, its live heap halved, seeding got faster and read
	// latency steadier (ogp bench; BENCHMARKS.md). A workflow evicted from
	// the cache replays its history on its next task: a few milliseconds
	// for a plan, once.
	DefaultWorkerCacheSize = 1000
	// DefaultWorkerActivities is the SDK's own default.
	DefaultWorkerActivities = 1000
	// DefaultDevStickyTimeout: with the SDK's 5 s, a herd of workflow tasks
	// larger than the worker drains in 5 s times out of the sticky queue and
	// is processed a second time from the normal queue.
	DefaultDevStickyTimeout = 30 * time.Second
)

// workerOptions turns the worker settings into SDK options; dev selects
// the dev mode default of the sticky timeout.
func (c *Config) workerOptions(dev bool) (sdkworker.Options, error) {
	pollers := c.WorkerPollers
	switch {
	case pollers == 0:
		pollers = DefaultWorkerPollers
	case pollers < 2:
		return sdkworker.Options{}, fmt.Errorf("OGP_WORKER_POLLERS=%d: must be at least 2", pollers)
	}
	activities := c.WorkerActivities
	switch {
	case activities == 0:
		activities = DefaultWorkerActivities
	case activities < 0:
		return sdkworker.Options{}, fmt.Errorf("OGP_WORKER_ACTIVITIES=%d: must be positive", activities)
	}
	if c.WorkerCacheSize < 0 {
		return sdkworker.Options{}, fmt.Errorf("OGP_WORKER_CACHE_SIZE=%d: must be positive", c.WorkerCacheSize)
	}
	sticky := c.WorkerStickyTimeout
	switch {
	case sticky < 0:
		return sdkworker.Options{}, fmt.Errorf("OGP_WORKER_STICKY_TIMEOUT=%s: must be positive", sticky)
	case sticky == 0 && dev:
		sticky = DefaultDevStickyTimeout
	}
	return sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers:   pollers,
		MaxConcurrentActivityTaskPollers:   pollers,
		MaxConcurrentActivityExecutionSize: activities,
		StickyScheduleToStartTimeout:       sticky, // 0: the SDK's default
		// A graceful stop lets running activities finish their database
		// write rather than cancelling it and waiting out its timeout after
		// restart.
		WorkerStopTimeout: 10 * time.Second,
	}, nil
}

// workerCacheSize is the sticky workflow cache size to set before the
// first worker starts.
func (c *Config) workerCacheSize() int {
	if c.WorkerCacheSize == 0 {
		return DefaultWorkerCacheSize
	}
	return c.WorkerCacheSize
}

// NewLogger builds the structured logger.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn", "warning":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if strings.ToLower(format) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// appDatabaseURL is the PostgreSQL URL when given, else the dev SQLite
// file in the data directory.
func (c *Config) appDatabaseURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "ogp.db")
}

// clientOptions builds Temporal client options, with mTLS when a
// certificate is configured.
func (c *Config) clientOptions(address string) (client.Options, error) {
	opts := client.Options{
		HostPort:  address,
		Namespace: c.TemporalNamespace,
	}
	if c.TLSCert == "" && c.TLSKey == "" && c.TLSCA == "" {
		return opts, nil
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSServerName}
	if c.TLSCert != "" || c.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return opts, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return opts, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return opts, fmt.Errorf("TEMPORAL_TLS_CA: no certificate found in %s", c.TLSCA)
		}
		tlsCfg.RootCAs = pool
	}
	opts.ConnectionOptions.TLS = tlsCfg
	return opts, nil
}

// sdkLogger is the Temporal SDK's logger: warnings and errors only.
func sdkLogger(l *slog.Logger) sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(minLevel{l.Handler(), slog.LevelWarn}).With("component", "temporal-sdk"))
}
