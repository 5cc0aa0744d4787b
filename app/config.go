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
