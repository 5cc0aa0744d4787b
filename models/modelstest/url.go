package modelstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/ogplocal/ogp/models"
)

// PostgresURL creates an empty database of its own on the server named by
// OGP_TEST_DATABASE_URL and returns its URL, for tests that run the whole
// product (which migrates the database itself). The database is dropped
// at cleanup. Skips the test when the variable is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	adminURL := os.Getenv(EnvDatabaseURL)
	if adminURL == "" {
		t.Skip("PostgreSQL skipped: " + EnvDatabaseURL + " not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	// Lower-case letters and digits only, so the name needs no quoting.
	name := "ogp_t_" + hex.EncodeToString(b[:])
	admin, err := models.Open(ctx, adminURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	// template0 because CREATE DATABASE from template1 fails while any
	// other session (a parallel test, a psql) is connected to template1.
	err = admin.Gorm.WithContext(ctx).Exec("CREATE DATABASE " + name + " TEMPLATE template0").Error
	_ = admin.Close()
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	// Registered before any Close of the caller's, so it runs after them.
	t.Cleanup(func() { dropDatabase(t, adminURL, name) })
	u.Path = "/" + name
	return u.String()
}
