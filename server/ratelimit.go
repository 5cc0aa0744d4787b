package server

import (
	"math"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// rateLimiter is a token bucket per key, in memory: each key may spend
// burst tokens at once and earns them back evenly over window. It holds
// at most maxKeys buckets; when full it first forgets the buckets that
// have refilled (a new bucket would be identical), then the least recently
// used ones, so memory stays bounded whatever clients send. The price of
// the bound: under a flood of distinct keys a client's spent bucket can be
// forgotten early. Limits are per process, not shared between replicas.
type rateLimiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration // time to earn one token back
	maxKeys int
	buckets map[any]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(burst int, window time.Duration, maxKeys int) *rateLimiter {
	return &rateLimiter{burst: float64(burst), every: window / time.Duration(burst), maxKeys: maxKeys, buckets: map[any]*bucket{}}
}

// refill brings a bucket's tokens up to now.
func (l *rateLimiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+float64(elapsed)/float64(l.every))
		b.last = now
	}
}

// allow spends one of key's tokens at now. When none is left it spends
// nothing and says how long until one is earned back.
func (l *rateLimiter) allow(key any, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(l.every))
}

// evict makes room: refilled buckets go first, then the least recently
// used down to half the limit, so eviction is rare and its cost amortised.
func (l *rateLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	type aged struct {
		key  any
		last time.Time
	}
	all := make([]aged, 0, len(l.buckets))
	for k, b := range l.buckets {
		all = append(all, aged{k, b.last})
	}
	slices.SortFunc(all, func(a, b aged) int { return a.last.Compare(b.last) })
	for _, a := range all[:len(all)-l.maxKeys/2] {
		delete(l.buckets, a.key)
	}
}

// size is the number of buckets held.
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// clientAddress is who a request comes from, for rate limits. Without a
// configured IPExtractor it is the direct peer's address: Echo's RealIP
// would otherwise believe any client's X-Forwarded-For, and a limit anyone
// can dodge by inventing a header limits nothing. Behind a reverse proxy
// the deployment must set Echo's IPExtractor (e.g.
// echo.ExtractIPFromXFFHeader with the proxy's ranges trusted), or every
// client shares the proxy's address. IPv6 addresses count per /64, the
// block one subscriber usually holds.
func clientAddress(e *echo.Echo, c echo.Context) string {
	var ip string
	if e.IPExtractor != nil {
		ip = c.RealIP()
	} else {
		ip = echo.ExtractIPDirect()(c.Request())
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.WithZone("").Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// RateLimiter is the API's token-bucket limiter for other adapters (the
// web's sign-in form), so every edge limits abuse the same way.
type RateLimiter struct{ l *rateLimiter }

// NewRateLimiter allows burst events per key per window, keeping at most
// maxKeys keys.
func NewRateLimiter(burst int, window time.Duration, maxKeys int) *RateLimiter {
	return &RateLimiter{l: newRateLimiter(burst, window, maxKeys)}
}

// Allow spends one event of key at now, or says how long to wait.
func (r *RateLimiter) Allow(key any, now time.Time) (ok bool, retryAfter time.Duration) {
	return r.l.allow(key, now)
}

// ClientAddress is the address the API's limits count a request against.
func (s *Server) ClientAddress(c echo.Context) string { return clientAddress(s.echo, c) }
