package devserver

import (
	"fmt"
	"net"
	"runtime"
	"sync"
)

var (
	portsMu sync.Mutex
	// portsGiven remembers every port handed out by this process so that two
	// servers starting concurrently can never be given the same port, even if
	// the kernel would offer it twice.
	portsGiven = map[int]struct{}{}
)

// FreePort returns a TCP port on 127.0.0.1 that nothing is listening on, so
// tests and scripts can pick a frontend port without colliding with each other.
// There is an unavoidable window between this call and the bind; the port is
// parked in TIME_WAIT to keep the kernel from handing it out again in the
// meantime, and it is never returned twice by the same process.
func FreePort() (int, error) {
	for range 50 {
		port, err := probePort()
		if err != nil {
			return 0, err
		}
		portsMu.Lock()
		_, dup := portsGiven[port]
		if !dup {
			portsGiven[port] = struct{}{}
		}
		portsMu.Unlock()
		if !dup {
			return port, nil
		}
	}
	return 0, fmt.Errorf("devserver: no unused free port found")
}

func probePort() (int, error) {
	l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, fmt.Errorf("devserver: finding a free port: %w", err)
	}
	defer l.Close()
	addr := l.Addr().(*net.TCPAddr)

	// Linux picks ephemeral ports at random and may offer a just-closed one
	// again right away. Completing one connection and closing it from the
	// accepting side leaves the port in TIME_WAIT, which keeps bind(:0) away
	// from it for a while, yet an explicit bind still succeeds because Go
	// listeners set SO_REUSEADDR. macOS and Windows allocate sequentially and
	// do not need this.
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		c, err := net.DialTCP("tcp", nil, addr)
		if err != nil {
			return 0, fmt.Errorf("devserver: finding a free port: %w", err)
		}
		defer c.Close()
		s, err := l.Accept()
		if err != nil {
			return 0, fmt.Errorf("devserver: finding a free port: %w", err)
		}
		_ = s.Close()
	}
	return addr.Port, nil
}
