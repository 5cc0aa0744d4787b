package models

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// migrationsFS holds one directory per dialect. Both must carry the same
// version numbers so a version in goose_db_version means the same schema on
// either database (checked by a test).
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationsFS embed.FS

// MigrationsFS returns the embedded migrations of dialect (DialectPostgres
// or DialectSQLite), e.g. for a "migrate status" command.
func MigrationsFS(dialect string) (fs.FS, error) {
	switch dialect {
	case DialectPostgres, DialectSQLite:
		return fs.Sub(migrationsFS, path.Join("migrations", dialect))
	default:
		return nil, fmt.Errorf("models: unknown dialect %q", dialect)
	}
}

// Migrate applies all pending migrations and returns the file names of those
// it applied (e.g. "00001_init.sql"); an up-to-date database yields none.
// Migrations are forward-only and recorded in goose's goose_db_version table.
//
// On PostgreSQL a session advisory lock serialises concurrent Migrate calls
// from several processes (API server and worker starting together), which
// then all succeed. SQLite needs no lock: its single connection's
// transactions take the write lock up front.
func Migrate(ctx context.Context, db *DB) ([]string, error) {
	fsys, err := MigrationsFS(db.Dialect)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{
		// Go migrations registered globally by other packages (or goose's own
		// tests) must never leak into this schema.
		goose.WithDisableGlobalRegistry(true),
	}
	var dialect database.Dialect
	switch db.Dialect {
	case DialectPostgres:
		dialect = database.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("models: migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		dialect = database.DialectSQLite3
	}
	provider, err := goose.NewProvider(dialect, db.sqlDB, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("models: migrate: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: migrate %s: %w", db.Dialect, err)
	}
	applied := make([]string, 0, len(results))
	for _, r := range results {
		applied = append(applied, path.Base(r.Source.Path))
	}
	return applied, nil
}
