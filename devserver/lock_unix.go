//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package devserver

import (
	"os"
	"syscall"
)

// lockFile takes a non-blocking exclusive flock on a side file. flock (unlike
// the fcntl locks SQLite uses on the database itself) belongs to the open
// file, so it does not interfere with SQLite's own locking.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600) //nolint:gosec // G304: derived from the caller's own database path
	if err != nil {
		return nil, err
	}
	//nolint:gosec // G115: a file descriptor always fits in an int
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { _ = f.Close() }, nil
}
