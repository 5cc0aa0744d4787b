package devserver

import (
	"fmt"
	"sync"
)

var (
	inUseMu sync.Mutex
	// inUse holds the database files of running servers in this process. Two
	// servers on one file would share the SQLite plugin's single pooled
	// connection and fight over the history shard.
	inUse = map[string]struct{}{}
)

// lockDatabase claims path for one server, both within this process and,
// where the OS supports it, against other processes (a second `ogp dev` on
// the same file). The OS lock is released by the kernel if the process dies,
// so a kill -9 never leaves a stale lock behind.
func lockDatabase(path string) (release func(), err error) {
	inUseMu.Lock()
	defer inUseMu.Unlock()
	if _, ok := inUse[path]; ok {
		return nil, fmt.Errorf("devserver: %s is already used by a running server in this process", path)
	}
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("devserver: %s is in use by another process: %w", path, err)
	}
	inUse[path] = struct{}{}
	var once sync.Once
	return func() {
		once.Do(func() {
			unlock()
			inUseMu.Lock()
			delete(inUse, path)
			inUseMu.Unlock()
		})
	}, nil
}
