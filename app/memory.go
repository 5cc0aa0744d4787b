package app

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// ParseMemoryLimit reads a memory size the way GOMEMLIMIT does: a
// non-negative integer of bytes with an optional unit (B, KiB, MiB, GiB,
// TiB), or "off" for no limit (returned as math.MaxInt64).
func ParseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return math.MaxInt64, nil
	}
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	num, shift := s, uint(0)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, shift = strings.TrimSuffix(s, u.suffix), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || num == "" || num[0] == '+' {
		return 0, fmt.Errorf("memory limit %q: want bytes with an optional unit B, KiB, MiB, GiB or TiB (e.g. 800MiB), or off", s)
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("memory limit %q is too large", s)
	}
	return n << shift, nil
}

// ApplyMemoryLimit sets the Go runtime's soft memory limit from
// OGP_MEMORY_LIMIT (empty: none). Past the limit the collector works
// harder instead of letting the heap grow to twice what is live; it is a
// target, not a cap, and a limit close to what is live costs CPU (ogp
// bench with 1,000 plans: 600 MiB gave 690 MB resident but tripled idle
// CPU and doubled read latency at the 99th percentile). GOMEMLIMIT, read
// by the runtime itself, wins when set. It returns the limit in force, or
// 0 when there is none.
func ApplyMemoryLimit(limit string) (int64, error) {
	if os.Getenv("GOMEMLIMIT") != "" {
		if n := debug.SetMemoryLimit(-1); n != math.MaxInt64 {
			return n, nil
		}
		return 0, nil
	}
	if limit == "" {
		return 0, nil
	}
	n, err := ParseMemoryLimit(limit)
	if err != nil {
		return 0, fmt.Errorf("OGP_MEMORY_LIMIT: %w", err)
	}
	debug.SetMemoryLimit(n)
	if n == math.MaxInt64 {
		return 0, nil
	}
	return n, nil
}
