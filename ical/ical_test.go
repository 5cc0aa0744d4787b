package ical

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestEscapeText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a,b;c\\d", `a\,b\;c\\d`},
		{"line1\nline2\r\nline3\rline4", `line1\nline2\nline3\nline4`},
		{"tab\tbell\x07del\x7f", "tab\tbelldel"},
		{"Ελλάδα, Αθήνα", `Ελλάδα\, Αθήνα`},
	} {
		if got := EscapeText(c.in); got != c.want {
			t.Errorf("EscapeText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFold(t *testing.T) {
	if got := Fold(strings.Repeat("a", 75)); got != strings.Repeat("a", 75) {
		t.Errorf("a 75-octet line was folded: %q", got)
	}
	got := Fold(strings.Repeat("a", 76))
	if want := strings.Repeat("a", 75) + "\r\n a"; got != want {
		t.Errorf("76 octets: %q, want %q", got, want)
	}
	// Continuation lines hold a space and 74 octets.
	got = Fold(strings.Repeat("b", 75+74+1))
	if want := strings.Repeat("b", 75) + "\r\n " + strings.Repeat("b", 74) + "\r\n b"; got != want {
		t.Errorf("150 octets: %q, want %q", got, want)
	}
	// Multi-octet characters are never split, and no line exceeds 75 octets.
	s := "SUMMARY:" + strings.Repeat("Ωμέγα € 😀 ", 20)
	folded := Fold(s)
	for i, l := range strings.Split(folded, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i, l)
		}
		if i > 0 && !strings.HasPrefix(l, " ") {
			t.Errorf("continuation line %d does not start with a space: %q", i, l)
		}
	}
	if unfolded := strings.ReplaceAll(folded, "\r\n ", ""); unfolded != s {
		t.Errorf("unfolding does not give the line back:\n%q\n%q", unfolded, s)
	}
}

func TestEncode(t *testing.T) {
	c := Calendar{ProdID: "-//Test//EN", Name: "Plan, one", Events: []Event{
		{UID: "m-1@test", Date: time.Date(2027, 12, 31, 15, 0, 0, 0, time.FixedZone("x", 3600)), Summary: "Due; soon",
			Description: "Line one\nline two", URL: "https://example.org/a?b=1,2"},
	}}
	got := string(c.Encode(time.Date(2026, 5, 1, 8, 30, 0, 0, time.UTC)))
	want := strings.Join([]string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
		`X-WR-CALNAME:Plan\, one`,
		"BEGIN:VEVENT", "UID:m-1@test", "DTSTAMP:20260501T083000Z", "DTSTART;VALUE=DATE:20271231",
		"DTEND;VALUE=DATE:20280101", `SUMMARY:Due\; soon`, `DESCRIPTION:Line one\nline two`,
		"URL:https://example.org/a?b=1,2", "TRANSP:TRANSPARENT", "END:VEVENT", "END:VCALENDAR", "",
	}, "\r\n")
	if got != want {
		t.Errorf("Encode:\n%q\nwant\n%q", got, want)
	}
	if empty := string(Calendar{ProdID: "p"}.Encode(time.Unix(0, 0))); !strings.HasPrefix(empty, "BEGIN:VCALENDAR\r\n") ||
		strings.Contains(empty, "VEVENT") || !strings.HasSuffix(empty, "END:VCALENDAR\r\n") {
		t.Errorf("an empty calendar: %q", empty)
	}
}
