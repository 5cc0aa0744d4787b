// Package models is the application database of OGP Local: users, API
// tokens, notifications, and the projection of each action plan's Temporal
// workflow (plans, steps, memberships, decisions, audit events).
//
// The workflow is the authority for process state; the tables here are a
// read model that idempotent activities keep up to date through
// [DB.ApplyProjection]. The same code runs on PostgreSQL (production) and on
// a SQLite file (laptop dev mode); the schema is versioned with goose (see
// [Migrate]) and never created by GORM's AutoMigrate.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	// The pure-Go driver registers database/sql name "sqlite". It is already
	// linked by the embedded Temporal server, and a second pure-Go SQLite
	// would panic registering the same name.
	_ "modernc.org/sqlite"
)

// Dialect names as stored in [DB.Dialect].
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// DB wraps *gorm.DB with the dialect it runs on.
//
// Only one process-wide DB per database should exist: on SQLite it holds the
// single connection that serialises all access (see [Open]).
type DB struct {
	// Gorm is the session new queries start from. Always derive from it with
	// WithContext so cancellation reaches the driver.
	Gorm *gorm.DB
	// Dialect is DialectPostgres or DialectSQLite.
	Dialect string

	sqlDB *sql.DB
}

// sqlitePragmas are applied by the driver to every new connection, so they
// survive the pool replacing a connection.
//
//   - foreign_keys is off by default in SQLite and is per connection.
//   - WAL lets readers outside this process (sqlite3 CLI, backups) run
//     while we write, and with synchronous=NORMAL only loses the last
//     transactions on power loss, never consistency.
//   - busy_timeout makes a writer from another process wait instead of
//     failing at once with "database is locked".
var sqlitePragmas = []string{
	"busy_timeout(10000)",
	"foreign_keys(ON)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
}

// Open connects to the application database.
//
// A url starting with postgres:// or postgresql:// selects PostgreSQL via
// pgx; anything else is a SQLite file path or "file:" URI, opened with the
// modernc driver and foreign_keys=ON, journal_mode=WAL, synchronous=NORMAL
// and busy_timeout=10s on every connection. The file's directory must exist.
//
// SQLite gets a pool of exactly one connection. SQLite allows one writer at a
// time, and a transaction that starts reading and then writes fails with
// SQLITE_BUSY immediately (busy_timeout does not help) when another
// connection wrote meanwhile. One connection rules that out in-process, and
// dev-mode load is far too small to miss parallel readers. The price: code
// must never query through db.Gorm while it holds a transaction or an open
// row cursor, or it waits for itself until its context ends. _txlock=immediate
// additionally makes transactions take the write lock up front so a second
// process on the same file queues on busy_timeout instead of deadlocking.
//
// The GORM logger is silent: errors are returned to callers, who decide what
// is worth logging (most ErrNotFound/ErrConflict are expected).
func Open(ctx context.Context, url string) (*DB, error) {
	cfg := &gorm.Config{
		Logger:         logger.Default.LogMode(logger.Silent),
		TranslateError: true,
		// Microseconds because PostgreSQL stores no more, and a projection
		// compared against a re-read row must see identical instants on
		// both dialects.
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		// Every multi-statement operation in this package opens its own
		// transaction; wrapping single statements too only costs round trips.
		SkipDefaultTransaction: true,
		// Ping below honours ctx; GORM's own ping would not.
		DisableAutomaticPing: true,
	}

	var (
		dialector gorm.Dialector
		dialect   string
	)
	lower := strings.ToLower(url)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		dialect = DialectPostgres
		dialector = postgres.New(postgres.Config{DSN: url})
	} else {
		if strings.TrimSpace(url) == "" {
			return nil, errors.New("models: open: empty database url")
		}
		dialect = DialectSQLite
		dialector = sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: sqliteDSN(url)})
		// No GORM PrepareStmt here, although SQLite parses every statement
		// anew (a sixth of the dev stack's CPU while creating plans): GORM
		// prepares a statement not yet cached outside the caller's
		// transaction, on a connection from the pool, while a transaction
		// needing the same statement waits for that preparation. With the
		// one connection it deadlocks until the context ends (seen in ogp
		// bench as projections timing out after 10 s).
	}

	g, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open %s database: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("models: open %s database: %w", dialect, err)
	}

	if dialect == DialectSQLite {
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		// Never recycle the connection: there is no server-side state to
		// refresh, and reopening would re-run the pragmas for nothing.
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(5)
		// Recycle so connections follow failovers and pgbouncer/DNS changes.
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}

	db := &DB{Gorm: g, Dialect: dialect, sqlDB: sqlDB}
	if err := db.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("models: open %s database: %w", dialect, err)
	}
	return db, nil
}

// sqliteDSN appends the connection parameters to a path or file: URI.
//
// _time_format=sqlite stores times as "YYYY-MM-DD HH:MM:SS.fff+00:00" rather
// than Go's String() form, so SQLite's date functions understand them and,
// all being UTC, they sort correctly as text.
func sqliteDSN(path string) string {
	params := make([]string, 0, len(sqlitePragmas)+2)
	for _, p := range sqlitePragmas {
		params = append(params, "_pragma="+p)
	}
	params = append(params, "_time_format=sqlite", "_txlock=immediate")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + strings.Join(params, "&")
}

// Close closes the connection pool.
func (db *DB) Close() error {
	return db.sqlDB.Close()
}

// Ping verifies that the database is reachable.
func (db *DB) Ping(ctx context.Context) error {
	return db.sqlDB.PingContext(ctx)
}

// transaction runs fn in a transaction bound to ctx.
func (db *DB) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Gorm.WithContext(ctx).Transaction(fn)
}

// now is the timestamp source of every write, so tests and both dialects
// agree on UTC and microsecond precision.
func (db *DB) now() time.Time {
	return db.Gorm.NowFunc()
}
