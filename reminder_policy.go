package ogp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
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
	Spread           *string  `json:"spread,omitempty"`
}

// reminderPolicyDecode accepts strings or nanosecond integers.
type reminderPolicyDecode struct {
	Before           []json.RawMessage `json:"before"`
	OnDue            bool              `json:"on_due"`
	OverdueEvery     json.RawMessage   `json:"overdue_every"`
	CoordinatorAfter int               `json:"coordinator_after"`
	ForumAfter       int               `json:"forum_after"`
	Spread           json.RawMessage   `json:"spread"`
}

// MarshalJSON writes durations in Go syntax ("336h0m0s").
func (p ReminderPolicy) MarshalJSON() ([]byte, error) {
	out := reminderPolicyJSON{Before: make([]string, len(p.Before)), OnDue: p.OnDue, OverdueEvery: p.OverdueEvery.String(),
		CoordinatorAfter: p.CoordinatorAfter, ForumAfter: p.ForumAfter}
	for i, b := range p.Before {
		out.Before[i] = b.String()
	}
	if p.Spread != nil {
		out.Spread = new(p.Spread.String())
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
	// An absent (or null) spread is unset, the default; "0s" is none.
	if raw := bytes.TrimSpace(in.Spread); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		d, err := decodeDuration(raw)
		if err != nil {
			return fmt.Errorf("spread: %w", err)
		}
		out.Spread = &d
	}
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

// clone is a copy sharing nothing with p.
func (p ReminderPolicy) clone() ReminderPolicy {
	p.Before = slices.Clone(p.Before)
	if p.Spread != nil {
		p.Spread = new(*p.Spread)
	}
	return p
}

// Equal reports whether two policies send the same reminders at the same
// times: an unset spread equals the default one.
func (p ReminderPolicy) Equal(q ReminderPolicy) bool {
	return slices.Equal(p.Before, q.Before) && p.OnDue == q.OnDue && p.OverdueEvery == q.OverdueEvery &&
		p.CoordinatorAfter == q.CoordinatorAfter && p.ForumAfter == q.ForumAfter && p.SpreadWindow() == q.SpreadWindow()
}

// Reminder spreading. Deadlines are dates, so reminders cluster: every
// milestone due on 30 June is reminded at 00:00 UTC, and a deployment with
// many plans sees thousands of timers fire at the same instant (the
// Temporal server drains them at tens per second and sends the excess to
// a slower queue). Each milestone's reminders are therefore moved by an
// offset within the policy's spread window, the same offset for all of
// them, so they keep their order and their spacing. The offset is a hash
// of the milestone's stable ids: a replay, a restart or a continue-as-new
// computes the same times, and different milestones land evenly across
// the window. Step deadlines of the plan's workflow are spread the same
// way, keyed by the plan and the step.

// DefaultReminderSpread is the spread window of a policy that sets none.
// Commitments fix their window when they start, but plans without a
// policy of their own read it when they time a step's deadline: like the
// offset function, changing it moves timers under running histories and
// needs a new workflow.GetVersion.
const DefaultReminderSpread = 5 * time.Minute

// MaxReminderSpread bounds the window: a reminder on the due date stays
// on that date.
const MaxReminderSpread = 24 * time.Hour

// SpreadWindow is the policy's spread window: Spread when set (0: no
// spreading), else DefaultReminderSpread.
func (p ReminderPolicy) SpreadWindow() time.Duration {
	if p.Spread == nil {
		return DefaultReminderSpread
	}
	return max(*p.Spread, 0)
}

// ReminderTiming says how a workflow run computes reminder times. It is
// decided once per run (workflow.GetVersion "reminder-spread"), never by
// domain code: runs recorded before spreading existed replay with
// ExactReminders.
type ReminderTiming int

const (
	// ExactReminders sends each reminder at its nominal time (00:00 UTC
	// of the due date, minus or plus the policy's offsets).
	ExactReminders ReminderTiming = iota
	// SpreadReminders moves each milestone's (or step's) reminders by its
	// offset within the policy's spread window.
	SpreadReminders
)

// MilestoneReminderOffset is the offset, within [0, spread), of every
// reminder of a milestone (before the due date, on it, overdue and
// escalated alike).
func MilestoneReminderOffset(spread time.Duration, planID, commitmentID, milestoneID int64) time.Duration {
	return SpreadOffset(spread, "milestone", planID, commitmentID, milestoneID)
}

// StepReminderOffset is the offset, within [0, spread), of the first
// reminder of a plan step's deadline (later ones follow it by the plan's
// reminder interval, so they keep it).
func StepReminderOffset(spread time.Duration, planID int64, step int) time.Duration {
	return SpreadOffset(spread, "step", planID, int64(step))
}

// SpreadOffset maps a kind and stable ids to an offset in [0, spread),
// in whole milliseconds when the window allows: FNV-1a (64 bits) over the
// kind and the ids (big-endian), then a 64-bit finalizer so that
// consecutive ids, as databases hand them out, scatter across the window
// rather than clustering in its low bits. It depends on nothing but its
// arguments, so every execution of a workflow computes the same offset.
// A window of 0 or less gives 0.
func SpreadOffset(spread time.Duration, kind string, ids ...int64) time.Duration {
	if spread <= 0 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(kind)) // a hash.Hash never fails a write
	var b [8]byte
	for _, id := range ids {
		binary.BigEndian.PutUint64(b[:], uint64(id))
		_, _ = h.Write(b[:])
	}
	x := fmix64(h.Sum64())
	if n := uint64(spread / time.Millisecond); n > 0 {
		return time.Duration(x%n) * time.Millisecond
	}
	return time.Duration(x % uint64(spread))
}

// fmix64 is MurmurHash3's 64-bit finalizer: every input bit affects
// every output bit.
func fmix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
