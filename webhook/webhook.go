// Package webhook signs the webhook calls of OGP Local and verifies them.
// It has no dependency outside the standard library, so a receiver can
// copy VerifyWebhookSignature into its own code.
//
// A call is a POST of a JSON body with two headers:
//
//	X-OGP-Timestamp: <unix seconds>
//	X-OGP-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret>
//
// Signing the timestamp with the body lets a receiver refuse a captured
// call replayed later: check the signature, then that the timestamp is
// recent.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a signed call.
const (
	HeaderTimestamp = "X-OGP-Timestamp"
	HeaderSignature = "X-OGP-Signature"
)

// signaturePrefix names the algorithm, so another can be added later
// without ambiguity.
const signaturePrefix = "sha256="

// Errors of VerifyWebhookSignature; test with errors.Is.
var (
	// ErrBadSignature: the signature is malformed or does not match.
	ErrBadSignature = errors.New("webhook: signature does not match")
	// ErrBadTimestamp: the timestamp is not unix seconds.
	ErrBadTimestamp = errors.New("webhook: malformed timestamp")
	// ErrStale: the timestamp is further from now than the tolerance.
	ErrStale = errors.New("webhook: timestamp outside the tolerance")
)

// Sign returns the X-OGP-Signature value of body sent at timestamp (unix
// seconds, as in X-OGP-Timestamp).
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhookSignature checks a received call: signature is the
// X-OGP-Signature header, timestamp the X-OGP-Timestamp header and body
// the raw request body (before any JSON decoding, which would change its
// bytes). The call is accepted when the signature matches and the
// timestamp is within tolerance of now, either way (clocks drift).
// The comparison is constant-time.
func VerifyWebhookSignature(secret string, timestamp string, body []byte, signature string, now time.Time, tolerance time.Duration) error {
	got, ok := strings.CutPrefix(strings.TrimSpace(signature), signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: want %q followed by hex", ErrBadSignature, signaturePrefix)
	}
	mac, err := hex.DecodeString(got)
	if err != nil || len(mac) != sha256.Size {
		return fmt.Errorf("%w: not a hex SHA-256 HMAC", ErrBadSignature)
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrBadTimestamp, timestamp)
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, strings.TrimSpace(timestamp), body), signaturePrefix))
	if !hmac.Equal(mac, want) {
		return ErrBadSignature
	}
	// Checked after the signature, so an attacker learns nothing about the
	// tolerance without a valid signature.
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: sent %s, now %s", ErrStale, time.Unix(secs, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}
