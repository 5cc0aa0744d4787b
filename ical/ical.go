// Package ical writes iCalendar (RFC 5545) feeds of all-day events: just
// what calendar subscriptions of due dates need, with no dependency.
//
// What RFC 5545 asks of a writer, and this package does: CRLF line ends
// (3.1); lines folded at 75 octets, never inside a UTF-8 sequence, each
// continuation starting with one space (3.1); TEXT values with backslash,
// semicolon, comma and newlines escaped and other control characters
// dropped (3.3.11); a UID and a DTSTAMP in every VEVENT (3.6.1); all-day
// events as DTSTART;VALUE=DATE with DTEND the next day, DTEND being
// exclusive (3.6.1, 3.8.2.2).
package ical

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// ContentType is the media type of a feed.
const ContentType = "text/calendar; charset=utf-8"

// maxLine is the longest line RFC 5545 allows, in octets, without CRLF.
const maxLine = 75

// Calendar is one feed.
type Calendar struct {
	// ProdID names the product that wrote the feed (PRODID).
	ProdID string
	// Name is shown by clients as the calendar's name (X-WR-CALNAME).
	Name   string
	Events []Event
}

// Event is one all-day event.
type Event struct {
	// UID must stay the same for the same item across fetches, so a
	// client updates the event rather than adding a copy.
	UID string
	// Date is the day of the event; only its year, month and day count.
	Date        time.Time
	Summary     string
	Description string
	// URL, when set, links to the item (a URI: not TEXT-escaped).
	URL string
}

// Encode writes the feed; stamp is every event's DTSTAMP (the moment the
// feed was generated).
func (c Calendar) Encode(stamp time.Time) []byte {
	var w writer
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:" + oneLine(c.ProdID))
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	if c.Name != "" {
		w.line("X-WR-CALNAME:" + EscapeText(c.Name))
	}
	ts := stamp.UTC().Format("20060102T150405Z")
	for _, e := range c.Events {
		day := time.Date(e.Date.Year(), e.Date.Month(), e.Date.Day(), 0, 0, 0, 0, time.UTC)
		w.line("BEGIN:VEVENT")
		w.line("UID:" + EscapeText(e.UID))
		w.line("DTSTAMP:" + ts)
		w.line("DTSTART;VALUE=DATE:" + day.Format("20060102"))
		w.line("DTEND;VALUE=DATE:" + day.AddDate(0, 0, 1).Format("20060102"))
		w.line("SUMMARY:" + EscapeText(e.Summary))
		if e.Description != "" {
			w.line("DESCRIPTION:" + EscapeText(e.Description))
		}
		if e.URL != "" {
			w.line("URL:" + oneLine(e.URL))
		}
		// A due date does not make anyone busy.
		w.line("TRANSP:TRANSPARENT")
		w.line("END:VEVENT")
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

type writer struct{ buf bytes.Buffer }

// line writes one content line, folded.
func (w *writer) line(s string) {
	w.buf.WriteString(Fold(s))
	w.buf.WriteString("\r\n")
}

// Fold splits a content line into lines of at most 75 octets joined by
// CRLF and a space, cutting only between UTF-8 sequences. The result has
// no trailing CRLF.
func Fold(s string) string {
	if len(s) <= maxLine {
		return s
	}
	var b strings.Builder
	limit := maxLine // the first line has 75 octets; the others a space and 74
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1
	}
	b.WriteString(s)
	return b.String()
}

// EscapeText escapes a TEXT value: backslash, semicolon and comma get a
// backslash, every line break becomes \n, and other control characters
// (which TEXT may not hold) are dropped; a tab stays.
func EscapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine drops control characters from a value that is not TEXT (a URI,
// the product id), so it cannot break the line structure.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
