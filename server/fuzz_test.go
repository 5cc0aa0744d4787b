package server

import (
	"errors"
	"testing"

	"github.com/ogplocal/ogp"
)

// FuzzParseJSON checks that no body, however malformed, panics the parser
// or is accepted with unknown fields, and that every refusal is a domain
// error with a code (so the client gets a 400 problem, never a 500).
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"decision":"approve","comment":"ok"}`, `{}`, ``, `{"decision":1}`, `{"x":1}`, `{} {}`, `[`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req decideRequest
		err := parseJSON(body, &req)
		if err == nil {
			return
		}
		var e *ogp.Error
		if !errors.As(err, &e) || e.Code == "" || e.Kind != ogp.EInvalid {
			t.Fatalf("parseJSON(%q) returned %#v, want an invalid-kind domain error", body, err)
		}
	})
}

// FuzzParseDate checks that ParseDate accepts exactly the dates that print
// back the same.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2027-01-01", "2027-02-29", "2028-02-29", "", "0000-00-00", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ogp.ParseDate(s)
		if err == nil && string(d) != s {
			t.Fatalf("ParseDate(%q) = %q", s, d)
		}
		if err == nil && d.Time().Format("2006-01-02") != s {
			t.Fatalf("ParseDate(%q) accepted a date that does not round-trip", s)
		}
	})
}
