package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	msqlite "modernc.org/sqlite"
)

// Errors returned by the store, always wrapped with the operation and, when
// they come from the database, the driver error. Test with errors.Is.
var (
	// ErrNotFound means the addressed row does not exist (or, for
	// per-user resources, is not the caller's).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique key is already taken.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input was rejected before or by the schema: a
	// missing required value, a CHECK constraint, or a reference to a row
	// that does not exist.
	ErrInvalid = errors.New("invalid")
	// ErrUnavailable means the database could not be reached or dropped
	// the connection (a restart, a failover): the same request can succeed
	// once it is back.
	ErrUnavailable = errors.New("database unavailable")
)

// Unavailable says whether err means the database is unreachable rather
// than that the request is wrong: no connection could be made, the
// connection broke, or the server is shutting down or starting up.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exceptions; 57P01-57P03: admin shutdown,
		// crash shutdown, cannot connect now (starting up).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// SQLite extended result codes (https://www.sqlite.org/rescode.html). GORM's
// SQLite translator only understands mattn/go-sqlite3's error type, so
// modernc's errors are classified here.
const (
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// dbErr is the single place where driver and GORM errors become package
// errors. op names the operation for the message.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("models: %s: %w", op, err)
	}
	if kind := classify(err); kind != nil {
		if errors.Is(err, kind) {
			// Already one of ours (returned from inside a transaction).
			return fmt.Errorf("models: %s: %w", op, err)
		}
		return fmt.Errorf("models: %s: %w: %w", op, kind, err)
	}
	return fmt.Errorf("models: %s: %w", op, err)
}

func classify(err error) error {
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, ErrConflict), errors.Is(err, gorm.ErrDuplicatedKey):
		return ErrConflict
	case errors.Is(err, ErrInvalid),
		errors.Is(err, gorm.ErrForeignKeyViolated),
		errors.Is(err, gorm.ErrCheckConstraintViolated):
		return ErrInvalid
	case Unavailable(err):
		return ErrUnavailable
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
			return ErrConflict
		case sqliteConstraintForeignKey, sqliteConstraintCheck, sqliteConstraintNotNull:
			return ErrInvalid
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return ErrConflict
		case "23503", "23514", "23502": // foreign_key, check, not_null
			return ErrInvalid
		}
		// Class 22, data exceptions (value too long for VARCHAR(10), bad
		// integer text, ...): bad input, which SQLite's looser typing
		// reports through the CHECK constraints instead.
		if strings.HasPrefix(pe.Code, "22") {
			return ErrInvalid
		}
	}
	return nil
}

// invalidf builds an ErrInvalid for input rejected before reaching SQL.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
