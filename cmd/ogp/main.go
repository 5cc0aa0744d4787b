// Command ogp runs the OGP Local action-plan engine: `ogp dev` for a
// laptop (everything in one process), `ogp server` and `ogp worker` for
// production against a Temporal cluster and PostgreSQL, `ogp migrate` to
// apply database migrations.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ogplocal/ogp/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ogp:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return newRoot().ExecuteContext(ctx)
}

func newRoot() *cobra.Command {
	var cfg app.Config
	root := &cobra.Command{
		Use:           "ogp",
		Short:         "The workflow engine that runs OGP Local action plans",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVar(&cfg.DatabaseURL, "database-url", app.Env("OGP_DATABASE_URL", ""), "PostgreSQL URL (env OGP_DATABASE_URL); dev uses SQLite in the data dir when empty")
	f.StringVar(&cfg.DataDir, "data-dir", app.Env("OGP_DATA_DIR", ".ogp"), "dev mode data directory (env OGP_DATA_DIR)")
	f.StringVar(&cfg.HTTPAddr, "http-addr", app.Env("OGP_HTTP_ADDR", ":8080"), "HTTP API listen address (env OGP_HTTP_ADDR)")
	f.StringVar(&cfg.TemporalAddress, "temporal-address", app.Env("TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
	f.StringVar(&cfg.TemporalNamespace, "temporal-namespace", app.Env("TEMPORAL_NAMESPACE", "default"), "Temporal namespace (env TEMPORAL_NAMESPACE)")
	f.IntVar(&cfg.TemporalPort, "temporal-port", envInt("OGP_TEMPORAL_PORT", 7233), "dev mode: embedded Temporal frontend port (env OGP_TEMPORAL_PORT)")
	f.StringVar(&cfg.TLSCert, "temporal-tls-cert", app.Env("TEMPORAL_TLS_CERT", ""), "client certificate for mTLS (env TEMPORAL_TLS_CERT)")
	f.StringVar(&cfg.TLSKey, "temporal-tls-key", app.Env("TEMPORAL_TLS_KEY", ""), "client key for mTLS (env TEMPORAL_TLS_KEY)")
	f.StringVar(&cfg.TLSCA, "temporal-tls-ca", app.Env("TEMPORAL_TLS_CA", ""), "CA bundle for the server certificate (env TEMPORAL_TLS_CA)")
	f.StringVar(&cfg.TLSServerName, "temporal-tls-server-name", app.Env("TEMPORAL_TLS_SERVER_NAME", ""), "server name to verify (env TEMPORAL_TLS_SERVER_NAME)")
	f.StringVar(&cfg.TaskQueue, "task-queue", app.Env("OGP_TASK_QUEUE", "ogp-action-plans"), "Temporal task queue (env OGP_TASK_QUEUE)")
	f.StringVar(&cfg.AdminToken, "admin-token", app.Env("OGP_ADMIN_TOKEN", ""), "token of the first admin user (env OGP_ADMIN_TOKEN); random and printed once when empty")
	f.StringVar(&cfg.LogLevel, "log-level", app.Env("OGP_LOG_LEVEL", "info"), "debug, info, warn or error (env OGP_LOG_LEVEL)")
	f.StringVar(&cfg.LogFormat, "log-format", app.Env("OGP_LOG_FORMAT", "text"), "text or json (env OGP_LOG_FORMAT)")
	f.StringVar(&cfg.SMTPHost, "smtp-host", app.Env("OGP_SMTP_HOST", ""), "SMTP server for e-mail notifications (env OGP_SMTP_HOST); e-mail is off when empty")
	f.IntVar(&cfg.SMTPPort, "smtp-port", envInt("OGP_SMTP_PORT", 0), "SMTP port (env OGP_SMTP_PORT); 0: 25, 587 or 465 by --smtp-tls")
	f.StringVar(&cfg.SMTPUsername, "smtp-username", app.Env("OGP_SMTP_USERNAME", ""), "SMTP user (env OGP_SMTP_USERNAME); no authentication when empty")
	f.StringVar(&cfg.SMTPPassword, "smtp-password", app.Env("OGP_SMTP_PASSWORD", ""), "SMTP password (env OGP_SMTP_PASSWORD)")
	f.StringVar(&cfg.SMTPFrom, "smtp-from", app.Env("OGP_SMTP_FROM", ""), "sender address of e-mail, e.g. 'OGP Local <noreply@city.example>' (env OGP_SMTP_FROM)")
	f.StringVar(&cfg.SMTPTLS, "smtp-tls", app.Env("OGP_SMTP_TLS", "starttls"), "none, starttls or tls (env OGP_SMTP_TLS)")
	f.StringVar(&cfg.PublicURL, "public-url", app.Env("OGP_PUBLIC_URL", "http://localhost:8080"), "base URL of links in messages (env OGP_PUBLIC_URL)")
	f.DurationVar(&cfg.SessionTTL, "session-ttl", envDuration("OGP_SESSION_TTL", 12*time.Hour), "how long a web session lasts without use (env OGP_SESSION_TTL)")
	f.StringVar(&cfg.Durability, "dev-durability", app.Env("OGP_DEV_DURABILITY", "normal"), "dev mode SQLite durability (env OGP_DEV_DURABILITY): normal (a crash of the machine can lose the last commits) or full (fsync on every commit)")
	f.IntVar(&cfg.WorkerPollers, "worker-pollers", envInt("OGP_WORKER_POLLERS", app.DefaultWorkerPollers), "workflow task pollers and activity task pollers of the worker, at least 2 (env OGP_WORKER_POLLERS)")
	f.IntVar(&cfg.WorkerCacheSize, "worker-cache-size", envInt("OGP_WORKER_CACHE_SIZE", app.DefaultWorkerCacheSize), "workflows the worker keeps in memory between tasks (env OGP_WORKER_CACHE_SIZE)")
	f.IntVar(&cfg.WorkerActivities, "worker-activities", envInt("OGP_WORKER_ACTIVITIES", app.DefaultWorkerActivities), "most activities the worker runs at once (env OGP_WORKER_ACTIVITIES)")
	f.DurationVar(&cfg.WorkerStickyTimeout, "worker-sticky-timeout", envDuration("OGP_WORKER_STICKY_TIMEOUT", 0), "how long a workflow task waits for the worker that has the workflow cached (env OGP_WORKER_STICKY_TIMEOUT); 0: 30s in dev mode, the SDK's 5s otherwise")
	f.DurationVar(&cfg.DigestInterval, "digest-interval", envDuration("OGP_DIGEST_INTERVAL", 24*time.Hour), "time between two digest e-mails of a user (env OGP_DIGEST_INTERVAL); shorter than 24h only for tests")

	f.StringVar(&cfg.MemoryLimit, "memory-limit", app.Env("OGP_MEMORY_LIMIT", ""), "soft memory limit of the Go runtime, e.g. 800MiB (env OGP_MEMORY_LIMIT); empty: none; GOMEMLIMIT wins")

	runStack := func(start func(context.Context, app.Config) (*app.Stack, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			if _, err := app.ApplyMemoryLimit(cfg.MemoryLimit); err != nil {
				return err
			}
			cfg.Out = cmd.OutOrStdout()
			cfg.Defaults()
			st, err := start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if st.HTTPAddr != "" {
				fmt.Fprintf(cfg.Out, "OGP Local API on http://%s/api/v1 (Temporal at %s)\n", st.HTTPAddr, st.TemporalAddress)
			}
			select {
			case <-cmd.Context().Done():
			case err = <-st.Done():
			}
			cfg.Log.Info("shutting down")
			st.Stop(context.Background())
			return err
		}
	}
	root.AddCommand(
		&cobra.Command{Use: "dev", Short: "Run everything in one process: embedded Temporal, worker and API", Args: cobra.NoArgs, RunE: runStack(app.StartDev)},
		&cobra.Command{Use: "server", Short: "Run the HTTP API against Temporal and PostgreSQL", Args: cobra.NoArgs, RunE: runStack(app.StartServer)},
		&cobra.Command{Use: "worker", Short: "Run the Temporal worker against Temporal and PostgreSQL", Args: cobra.NoArgs, RunE: runStack(app.StartWorker)},
		newBenchCmd(&cfg),
		&cobra.Command{Use: "migrate", Short: "Apply database migrations and exit", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Out = cmd.OutOrStdout()
			return app.Migrate(cmd.Context(), cfg)
		}},
	)
	return root
}

func envDuration(name string, def time.Duration) time.Duration {
	v := app.Env(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		fmt.Fprintf(os.Stderr, "ogp: %s=%q is not a positive duration; using %s\n", name, v, def)
		return def
	}
	return d
}

func envInt(name string, def int) int {
	v := app.Env(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ogp: %s=%q is not a number; using %d\n", name, v, def)
		return def
	}
	return n
}
