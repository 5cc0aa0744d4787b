// Package modelstest provides migrated, isolated application databases for
// tests: a SQLite file per test always, and a PostgreSQL database per test
// when OGP_TEST_DATABASE_URL points at a server.
package modelstest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models"
)

// EnvDatabaseURL names the variable holding a PostgreSQL server URL whose
// user may CREATE DATABASE, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvDatabaseURL = "OGP_TEST_DATABASE_URL"

// setupTimeout bounds creating, migrating and dropping a test database so a
// wedged server fails the test instead of hanging the run.
const setupTimeout = time.Minute

// SQLite returns a migrated SQLite database in t.TempDir(), closed at
// cleanup.
func SQLite(t testing.TB) *models.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := models.Open(ctx, filepath.Join(t.TempDir(), "ogp.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := models.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// Postgres returns a migrated database of its own on the server named by
// OGP_TEST_DATABASE_URL, dropped (WITH (FORCE), so leaked connections do
// not block it) at cleanup. Each call gets a fresh random database, so
// parallel tests and packages never share state. Skips the test when the
// variable is not set.
func Postgres(t testing.TB) *models.DB {
	t.Helper()
	url := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := models.Open(ctx, url)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := models.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}

func dropDatabase(t testing.TB, adminURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	admin, err := models.Open(ctx, adminURL)
	if err != nil {
		t.Errorf("drop test database %s: %v", name, err)
		return
	}
	defer admin.Close()
	if err := admin.Gorm.WithContext(ctx).Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
		t.Errorf("drop test database %s: %v", name, err)
	}
}

// Each runs fn against a fresh SQLite database and a fresh PostgreSQL
// database, as subtests "sqlite" and "postgres" (the latter skipped without
// OGP_TEST_DATABASE_URL).
func Each(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	t.Helper()
	t.Run(models.DialectSQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(models.DialectPostgres, func(t *testing.T) { fn(t, Postgres(t)) })
}
