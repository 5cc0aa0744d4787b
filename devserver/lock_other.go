//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package devserver

// lockFile is a no-op where flock is unavailable; only the in-process check
// in lockDatabase applies there.
func lockFile(string) (unlock func(), err error) {
	return func() {}, nil
}
