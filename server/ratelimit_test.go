package server

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestRateLimiterBucket(t *testing.T) {
	l := newRateLimiter(5, time.Hour, 100)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		if ok, _ := l.allow("a", t0); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.allow("a", t0)
	if ok || wait != 12*time.Minute {
		t.Fatalf("6th request: ok=%v wait=%v, want refused for 12m (one token per hour/5)", ok, wait)
	}
	if ok, _ := l.allow("b", t0); !ok {
		t.Error("another key shares the first one's bucket")
	}
	// A refused request spends nothing: the wait shrinks with time alone.
	if ok, wait := l.allow("a", t0.Add(2*time.Minute)); ok || wait != 10*time.Minute {
		t.Errorf("after 2m: ok=%v wait=%v, want refused for 10m", ok, wait)
	}
	if ok, _ := l.allow("a", t0.Add(12*time.Minute)); !ok {
		t.Error("a token earned back after 12m is refused")
	}
	if ok, _ := l.allow("a", t0.Add(13*time.Minute)); ok {
		t.Error("only one token was earned back, two were spent")
	}
	// Idle for long, the bucket holds the burst, no more.
	later := t0.Add(24 * time.Hour)
	for i := range 5 {
		if ok, _ := l.allow("a", later); !ok {
			t.Fatalf("after a day, request %d refused", i+1)
		}
	}
	if ok, _ := l.allow("a", later); ok {
		t.Error("the bucket grew beyond its burst while idle")
	}
	// A clock going backwards neither refills nor panics.
	if ok, _ := l.allow("a", later.Add(-time.Hour)); ok {
		t.Error("a clock step backwards refilled the bucket")
	}
}

func TestRateLimiterMemoryIsBounded(t *testing.T) {
	const maxKeys = 50
	l := newRateLimiter(5, time.Hour, maxKeys)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	// One client spends its allowance, then a flood of distinct keys.
	for range 5 {
		l.allow("spender", t0)
	}
	for i := range 10 * maxKeys {
		l.allow(fmt.Sprintf("flood-%d", i), t0.Add(time.Duration(i)*time.Millisecond))
		if n := l.size(); n > maxKeys {
			t.Fatalf("%d buckets held, the bound is %d", n, maxKeys)
		}
	}
	// Refilled buckets are dropped first: after an idle hour, one new key
	// makes room without forgetting anyone's spent allowance.
	l2 := newRateLimiter(5, time.Hour, 3)
	l2.allow("idle-1", t0)
	l2.allow("idle-2", t0)
	for range 5 {
		l2.allow("spender", t0.Add(115*time.Minute))
	}
	l2.allow("new", t0.Add(2*time.Hour))
	if n := l2.size(); n != 2 {
		t.Errorf("%d buckets after evicting the refilled ones, want 2 (spender, new)", n)
	}
	if ok, _ := l2.allow("spender", t0.Add(2*time.Hour+time.Second)); ok {
		t.Error("the spender's bucket was forgotten although refilled ones could go")
	}
}

func TestClientAddress(t *testing.T) {
	e := echo.New()
	addr := func(remote, xff string) string {
		req := httptest.NewRequest("POST", "/", nil)
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set(echo.HeaderXForwardedFor, xff)
		}
		return clientAddress(e, e.NewContext(req, httptest.NewRecorder()))
	}
	for _, c := range []struct{ remote, xff, want string }{
		{"192.0.2.7:51000", "", "192.0.2.7"},
		// Without a configured extractor a client's own header is not believed.
		{"192.0.2.7:51000", "203.0.113.9", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:443", "", "192.0.2.7"},
	} {
		if got := addr(c.remote, c.xff); got != c.want {
			t.Errorf("%s (X-Forwarded-For %q): %q, want %q", c.remote, c.xff, got, c.want)
		}
	}
	// Behind a proxy the deployment trusts it explicitly, and then the
	// header names the client.
	e.IPExtractor = echo.ExtractIPFromXFFHeader(echo.TrustLoopback(true))
	if got := addr("127.0.0.1:40000", "203.0.113.9"); got != "203.0.113.9" {
		t.Errorf("behind a trusted proxy: %q", got)
	}
}
