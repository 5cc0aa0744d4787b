package bench

// Process and storage figures: resident memory and CPU time from /proc
// (Linux), database size from the data directory's SQLite files or from
// PostgreSQL.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// procDir is /proc/self, or /proc/<pid> for another process.
func procDir(pid int) string {
	if pid <= 0 {
		return "/proc/self"
	}
	return fmt.Sprintf("/proc/%d", pid)
}

// memory reads VmRSS and VmHWM (peak) in bytes.
func memory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(filepath.Join(procDir(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []struct {
			name string
			v    *int64
		}{{"VmRSS:", &rss}, {"VmHWM:", &hwm}} {
			if rest, ok := strings.CutPrefix(line, k.name); ok {
				fields := strings.Fields(rest)
				if len(fields) >= 1 {
					n, _ := strconv.ParseInt(fields[0], 10, 64)
					*k.v = n * 1024 // kB
				}
			}
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in %s/status", procDir(pid))
	}
	return rss, hwm, sc.Err()
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on
// every Linux the kernel's ABI allows).
const clockTick = 100

// cpuTime reads the process's user + system CPU time.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(procDir(pid), "stat"))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected %s/stat", procDir(pid))
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is the state (field 3): utime and stime are fields 14, 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("unexpected %s/stat", procDir(pid))
	}
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected %s/stat", procDir(pid))
	}
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

// memTotal is the machine's memory in bytes (0 when unknown).
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

// cpuModel is the first CPU's model name ("" when unknown).
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// DatabaseSize is the size of what the stack stores.
type DatabaseSize struct {
	// Files are the SQLite files of the data directory (with their WAL
	// and shared-memory files), by name, in bytes.
	Files map[string]int64 `json:"files,omitempty"`
	// Postgres is pg_database_size of the application database, when it
	// is PostgreSQL.
	Postgres int64   `json:"postgres_bytes,omitempty"`
	TotalMB  float64 `json:"total_mb"`
}

// databaseSize measures the SQLite files in dir ("" for none) and the
// PostgreSQL database when the bench has one.
func (b *bencher) databaseSize(ctx context.Context, dir string) (DatabaseSize, error) {
	out := DatabaseSize{}
	var total int64
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return out, err
		}
		out.Files = map[string]int64{}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || (!strings.HasSuffix(name, ".db") && !strings.HasSuffix(name, ".db-wal") && !strings.HasSuffix(name, ".db-shm")) {
				continue
			}
			info, err := e.Info()
			if err != nil {
				return out, err
			}
			out.Files[name] = info.Size()
			total += info.Size()
		}
	}
	if b.db != nil && b.db.Gorm.Name() == "postgres" {
		if err := b.db.Gorm.WithContext(ctx).Raw("SELECT pg_database_size(current_database())").Scan(&out.Postgres).Error; err != nil {
			return out, fmt.Errorf("pg_database_size: %w", err)
		}
		total += out.Postgres
	}
	out.TotalMB = mb(total)
	return out, nil
}

func mb(n int64) float64 { return round1(float64(n) / (1 << 20)) }

// fileList formats a file size map, largest first.
func fileList(m map[string]int64) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return m[names[i]] > m[names[j]] || (m[names[i]] == m[names[j]] && names[i] < names[j])
	})
	parts := make([]string, 0, len(names))
	for _, n := range names {
		if m[n] == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.1f MB", n, float64(m[n])/(1<<20)))
	}
	return strings.Join(parts, ", ")
}
