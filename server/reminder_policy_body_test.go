package server

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ogplocal/ogp"
)

// TestReminderPolicyBodySpread: the spread window on the wire. Left out
// (or null) it is unset, the default; "0s" turns spreading off; responses
// show the window that applies.
func TestReminderPolicyBodySpread(t *testing.T) {
	for _, c := range []struct {
		body string
		want *time.Duration
		code string
	}{
		{`{"on_due":true}`, nil, ""},
		{`{"on_due":true,"spread":null}`, nil, ""},
		{`{"on_due":true,"spread":"0s"}`, new(time.Duration(0)), ""},
		{`{"on_due":true,"spread":"0"}`, new(time.Duration(0)), ""},
		{`{"on_due":true,"spread":"15m"}`, new(15 * time.Minute), ""},
		{`{"on_due":true,"spread":"soon"}`, nil, "invalid_duration"},
	} {
		var b ReminderPolicyBody
		if err := json.Unmarshal([]byte(c.body), &b); err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		p, err := b.policy()
		if code := spreadErrCode(err); code != c.code {
			t.Errorf("%s: code %q, want %q", c.body, code, c.code)
			continue
		}
		if c.code != "" {
			continue
		}
		if (p.Spread == nil) != (c.want == nil) || (p.Spread != nil && *p.Spread != *c.want) {
			t.Errorf("%s: spread %v, want %v", c.body, p.Spread, c.want)
		}
	}
	// Out of range is the workflow validator's to refuse.
	var b ReminderPolicyBody
	_ = json.Unmarshal([]byte(`{"spread":"25h"}`), &b)
	if p, err := b.policy(); err != nil || spreadErrCode(ogp.ValidateReminderPolicy(p)) != "invalid_reminder_policy" {
		t.Errorf("25h: %v, %v", err, ogp.ValidateReminderPolicy(p))
	}
	for _, c := range []struct {
		spread *time.Duration
		want   string
	}{
		{nil, "5m0s"},
		{new(time.Duration(0)), "0s"},
		{new(90 * time.Second), "1m30s"},
	} {
		got := reminderPolicyBody(ogp.ReminderPolicy{OnDue: true, Spread: c.spread})
		if got.Spread == nil || *got.Spread != c.want {
			t.Errorf("policy spread %v shown as %v, want %q", c.spread, got.Spread, c.want)
		}
		back, err := got.policy()
		if err != nil || back.SpreadWindow() != (ogp.ReminderPolicy{Spread: c.spread}).SpreadWindow() {
			t.Errorf("round trip of %q: %v, %v", c.want, back.Spread, err)
		}
	}
}

func spreadErrCode(err error) string {
	var e *ogp.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
