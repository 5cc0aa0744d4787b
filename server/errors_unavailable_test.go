package server

import (
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestDatabaseDownIs503: while PostgreSQL restarts, reads and writes
// answer 503 database_unavailable (retry later), not 500 internal.
func TestDatabaseDownIs503(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("models: list plans: failed to connect: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
		fmt.Errorf("models: record notifications: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}),
	} {
		de := toDomain(err)
		if statusByKind[de.Kind] != http.StatusServiceUnavailable || de.Code != "database_unavailable" {
			t.Errorf("%v -> %s %s, want 503 database_unavailable", err, de.Kind, de.Code)
		}
	}
}
