package webhook

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerifyWebhookSignature(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"kind":"step_reminder","plan_id":1}`)
	sig := Sign("s3cret", ts, body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	// A known vector (printf '1.x' | openssl dgst -sha256 -hmac key), so a
	// receiver in another language can check theirs.
	if got := Sign("key", "1", []byte("x")); got != "sha256=fc4913c41a7bf793267e2a384f3261c9436ec2cd097bd745e7b0d99113f510ec" {
		t.Fatalf("vector %q", got)
	}
	tol := 5 * time.Minute
	cases := []struct {
		name            string
		secret, ts, sig string
		body            []byte
		now             time.Time
		want            error
	}{
		{"valid", "s3cret", ts, sig, body, now, nil},
		{"valid with clock drift", "s3cret", ts, sig, body, now.Add(4 * time.Minute), nil},
		{"valid from the receiver's past", "s3cret", ts, sig, body, now.Add(-4 * time.Minute), nil},
		{"wrong secret", "other", ts, sig, body, now, ErrBadSignature},
		{"body changed", "s3cret", ts, sig, []byte(`{"kind":"step_reminder","plan_id":2}`), now, ErrBadSignature},
		{"timestamp changed", "s3cret", strconv.FormatInt(now.Unix()+1, 10), sig, body, now, ErrBadSignature},
		{"no prefix", "s3cret", ts, strings.TrimPrefix(sig, "sha256="), body, now, ErrBadSignature},
		{"not hex", "s3cret", ts, "sha256=zz", body, now, ErrBadSignature},
		{"short", "s3cret", ts, sig[:20], body, now, ErrBadSignature},
		{"empty", "s3cret", ts, "", body, now, ErrBadSignature},
		{"bad timestamp", "s3cret", "yesterday", sig, body, now, ErrBadTimestamp},
		{"replayed later", "s3cret", ts, sig, body, now.Add(6 * time.Minute), ErrStale},
		{"from the future", "s3cret", ts, sig, body, now.Add(-6 * time.Minute), ErrStale},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifyWebhookSignature(c.secret, c.ts, c.body, c.sig, c.now, tol)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}
