package ogp

import (
	"fmt"
	"time"
)

// MaxScheduledRounds bounds a plan's round schedule.
const MaxScheduledRounds = 10

// Event kinds of the round schedule.
const (
	EventRoundScheduledOpened  = "round_scheduled_opened"
	EventRoundScheduledSkipped = "round_scheduled_skipped"
)

// ScheduledRound is an assessment round the plan opens on its own: an
// implementation round (mid-term) or a results round (at the end). It
// opens at OpensOn 00:00 UTC, or later when the plan's progress allows
// its kind only then. Opened and RoundID are the workflow's record, never
// taken from a request; Skipped marks an implementation round whose time
// came after implementation was over.
type ScheduledRound struct {
	Kind    AssessmentKind `json:"kind"`
	OpensOn Date           `json:"opens_on"`
	Opened  bool           `json:"opened,omitempty"`
	RoundID int64          `json:"round_id,omitempty"`
	Skipped bool           `json:"skipped,omitempty"`
}

func (r ScheduledRound) done() bool { return r.Opened || r.Skipped }

// validateRoundSchedule checks a new round schedule against the plan:
// kinds, dates inside the period, at most MaxScheduledRounds, and every
// entry already opened (or skipped) kept unchanged at its place.
func (s *PlanState) validateRoundSchedule(in []ScheduledRound) error {
	if len(in) > MaxScheduledRounds {
		return Errorf(EUnprocessable, "too_many_scheduled_rounds", "at most %d rounds may be scheduled", MaxScheduledRounds)
	}
	for i, r := range in {
		if r.Kind != AssessImplementation && r.Kind != AssessResults {
			return Errorf(EUnprocessable, "invalid_kind", "round_schedule[%d]: kind must be implementation or results", i)
		}
		if _, err := ParseDate(string(r.OpensOn)); err != nil {
			return Errorf(EUnprocessable, "invalid_date", "round_schedule[%d]: opens_on %q is not a date (YYYY-MM-DD)", i, r.OpensOn)
		}
		if r.OpensOn < s.StartsOn || r.OpensOn > s.EndsOn {
			return Errorf(EUnprocessable, "date_outside_period", "round_schedule[%d]: opens_on %s is outside the plan's period %s to %s",
				i, r.OpensOn, s.StartsOn, s.EndsOn)
		}
	}
	for i, r := range s.RoundSchedule {
		if !r.done() {
			continue
		}
		if i >= len(in) || in[i].Kind != r.Kind || in[i].OpensOn != r.OpensOn {
			return Errorf(EConflict, "scheduled_round_opened",
				"round_schedule[%d] (%s on %s) has already been opened or skipped: it must stay unchanged at its place", i, r.Kind, r.OpensOn)
		}
	}
	return nil
}

// applyRoundSchedule replaces the schedule, keeping what the workflow
// recorded of the entries already opened or skipped. It says whether
// anything changed.
func (s *PlanState) applyRoundSchedule(in []ScheduledRound) bool {
	next := make([]ScheduledRound, len(in))
	for i, r := range in {
		next[i] = ScheduledRound{Kind: r.Kind, OpensOn: r.OpensOn}
		if i < len(s.RoundSchedule) && s.RoundSchedule[i].done() {
			next[i] = s.RoundSchedule[i]
		}
	}
	same := len(next) == len(s.RoundSchedule)
	for i := 0; same && i < len(next); i++ {
		same = next[i] == s.RoundSchedule[i]
	}
	if same {
		return false
	}
	if len(next) == 0 {
		next = nil
	}
	s.RoundSchedule = next
	return true
}

// scheduledRoundAt is when entry i may open: its date, or later when its
// kind needs the plan's progress. ok is false when only a change of the
// plan can make it openable (an implementation round before step 9), or
// when it is done. An implementation round that can no longer open
// (implementation is over) is due at once, to be skipped.
func (s *PlanState) scheduledRoundAt(i int) (time.Time, bool) {
	r := s.RoundSchedule[i]
	if r.done() || s.Status == PlanCompleted {
		return time.Time{}, false
	}
	opens := r.OpensOn.Time()
	switch r.Kind {
	case AssessImplementation:
		switch {
		case s.CurrentStep > ImplementationStep:
			return time.Time{}, true
		case s.CurrentStep == ImplementationStep:
			return opens, true
		}
		return time.Time{}, false
	case AssessResults:
		if s.CurrentStep > ImplementationStep || s.ImplementationEnded {
			return opens, true
		}
		// The end of the period allows a results round whatever the step.
		if end := s.EndsOn.EndTime(); end.After(opens) {
			return end, true
		}
		return opens, true
	}
	return time.Time{}, false
}

// NextScheduledRoundAt is when the plan's next scheduled round is due.
func (s *PlanState) NextScheduledRoundAt() (time.Time, bool) {
	var next time.Time
	found := false
	for i := range s.RoundSchedule {
		if at, ok := s.scheduledRoundAt(i); ok && (!found || at.Before(next)) {
			next, found = at, true
		}
	}
	return next, found
}

// DueScheduledRound is the first scheduled round due at now: open says
// whether to open it (else it is to be skipped).
func (s *PlanState) DueScheduledRound(now time.Time) (i int, open bool, ok bool) {
	for i := range s.RoundSchedule {
		if at, due := s.scheduledRoundAt(i); due && !at.After(now) {
			r := s.RoundSchedule[i]
			return i, r.Kind != AssessImplementation || s.CurrentStep <= ImplementationStep, true
		}
	}
	return 0, false, false
}

// ScheduledRoundKey names entry i's round in the database, so opening it
// twice (a retried activity) creates one round.
func ScheduledRoundKey(planID int64, i int, r ScheduledRound) string {
	return fmt.Sprintf("plan-%d/schedule-%d/%s/%s", planID, i, r.Kind, r.OpensOn)
}

// ApplyScheduledRoundOpened records that entry i's round is open.
func (s *PlanState) ApplyScheduledRoundOpened(i int, roundID int64, now time.Time) []Event {
	r := &s.RoundSchedule[i]
	if r.done() {
		return nil
	}
	r.Opened, r.RoundID = true, roundID
	s.Version++
	return s.record(nil, now, EventRoundScheduledOpened, 0, s.CurrentStep, map[string]any{
		"index": i, "kind": r.Kind, "opens_on": r.OpensOn, "round_id": roundID,
	})
}

// ApplyScheduledRoundSkipped records that entry i can no longer open.
func (s *PlanState) ApplyScheduledRoundSkipped(i int, now time.Time) []Event {
	r := &s.RoundSchedule[i]
	if r.done() {
		return nil
	}
	r.Skipped = true
	s.Version++
	return s.record(nil, now, EventRoundScheduledSkipped, 0, s.CurrentStep, map[string]any{
		"index": i, "kind": r.Kind, "opens_on": r.OpensOn, "reason": "implementation is over",
	})
}
