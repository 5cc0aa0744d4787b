package app_test

import (
	"math"
	"testing"

	"github.com/ogplocal/ogp/app"
)

func TestParseMemoryLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"800MiB", 800 << 20, true},
		{"2GiB", 2 << 30, true},
		{"1TiB", 1 << 40, true},
		{"512KiB", 512 << 10, true},
		{"1000000", 1000000, true},
		{"1000B", 1000, true},
		{" 64MiB ", 64 << 20, true},
		{"0", 0, true},
		{"off", math.MaxInt64, true},
		{"", 0, false},
		{"MiB", 0, false},
		{"-1MiB", 0, false},
		{"+5MiB", 0, false},
		{"1.5GiB", 0, false},
		{"800MB", 0, false},
		{"800mib", 0, false},
		{"9999999TiB", 0, false},
	}
	for _, tt := range tests {
		got, err := app.ParseMemoryLimit(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseMemoryLimit(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// FuzzParseMemoryLimit: any input either fails or gives a non-negative
// size that prints back to the same number of bytes.
func FuzzParseMemoryLimit(f *testing.F) {
	for _, s := range []string{"800MiB", "2GiB", "off", "1", "-1", "1.5GiB", "9223372036854775807", "8589934592GiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := app.ParseMemoryLimit(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseMemoryLimit(%q) = %d, negative", s, n)
		}
	})
}
