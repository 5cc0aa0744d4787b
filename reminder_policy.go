package ogp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// A reminder policy travels as JSON in three places: the HTTP API (people
// write "336h" or "90s", not nanoseconds), workflow payloads (the plan's
// state, each commitment's start and state) and the database (the plan's
// setting, each commitment run's policy). Durations are therefore encoded
// as Go duration strings; integers (nanoseconds, the encoding before plan
// policies existed) are still read, so recorded histories and stored rows
// decode unchanged.

// reminderPolicyJSON is ReminderPolicy's encoding.
type reminderPolicyJSON struct {
	Before           []string `json:"before"`
	OnDue            bool     `json:"on_due"`
	OverdueEvery     string   `json:"overdue_every"`
	CoordinatorAfter int      `json:"coordinator_after"`
	ForumAfter       int      `json:"forum_after"`
}

// reminderPolicyDecode accepts strings or nanosecond integers.
type reminderPolicyDecode struct {
	Before           []json.RawMessage `json:"before"`
	OnDue            bool              `json:"on_due"`
	OverdueEvery     json.RawMessage   `json:"overdue_every"`
	CoordinatorAfter int               `json:"coordinator_after"`
	ForumAfter       int               `json:"forum_after"`
}

// MarshalJSON writes durations in Go syntax ("336h0m0s").
func (p ReminderPolicy) MarshalJSON() ([]byte, error) {
	out := reminderPolicyJSON{Before: make([]string, len(p.Before)), OnDue: p.OnDue, OverdueEvery: p.OverdueEvery.String(),
		CoordinatorAfter: p.CoordinatorAfter, ForumAfter: p.ForumAfter}
	for i, b := range p.Before {
		out.Before[i] = b.String()
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads durations as Go duration strings or as integer
// nanoseconds.
func (p *ReminderPolicy) UnmarshalJSON(data []byte) error {
	var in reminderPolicyDecode
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	out := ReminderPolicy{OnDue: in.OnDue, CoordinatorAfter: in.CoordinatorAfter, ForumAfter: in.ForumAfter}
	for i, raw := range in.Before {
		d, err := decodeDuration(raw)
		if err != nil {
			return fmt.Errorf("before[%d]: %w", i, err)
		}
		out.Before = append(out.Before, d)
	}
	d, err := decodeDuration(in.OverdueEvery)
	if err != nil {
		return fmt.Errorf("overdue_every: %w", err)
	}
	out.OverdueEvery = d
	*p = out
	return nil
}

func decodeDuration(raw json.RawMessage) (time.Duration, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		return time.ParseDuration(s)
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("a duration is a string such as \"336h\" or \"90s\": %w", err)
	}
	return time.Duration(n), nil
}

// Equal reports whether two policies send the same reminders.
func (p ReminderPolicy) Equal(q ReminderPolicy) bool {
	return slices.Equal(p.Before, q.Before) && p.OnDue == q.OnDue && p.OverdueEvery == q.OverdueEvery &&
		p.CoordinatorAfter == q.CoordinatorAfter && p.ForumAfter == q.ForumAfter
}
