package ogp

import (
	"testing"
	"time"
)

func TestValidateRoundSchedule(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	coord := Actor{UserID: 1}
	impl := func(d Date) ScheduledRound { return ScheduledRound{Kind: AssessImplementation, OpensOn: d} }
	res := func(d Date) ScheduledRound { return ScheduledRound{Kind: AssessResults, OpensOn: d} }
	eleven := make([]ScheduledRound, 11)
	for i := range eleven {
		eleven[i] = impl("2027-06-01")
	}
	for _, c := range []struct {
		name string
		in   []ScheduledRound
		// opened: the current schedule, whose first entry is opened.
		opened []ScheduledRound
		code   string
	}{
		{"mid-term and results", []ScheduledRound{impl("2027-06-30"), res("2027-12-31")}, nil, ""},
		{"first and last day", []ScheduledRound{impl("2027-01-01"), res("2027-12-31")}, nil, ""},
		{"empty clears", []ScheduledRound{}, nil, ""},
		{"ten", eleven[:10], nil, ""},
		{"eleven", eleven, nil, "too_many_scheduled_rounds"},
		{"co-creation", []ScheduledRound{{Kind: AssessCoCreation, OpensOn: "2027-06-01"}}, nil, "invalid_kind"},
		{"no kind", []ScheduledRound{{OpensOn: "2027-06-01"}}, nil, "invalid_kind"},
		{"not a date", []ScheduledRound{res("30/06/2027")}, nil, "invalid_date"},
		{"no date", []ScheduledRound{res("")}, nil, "invalid_date"},
		{"before the period", []ScheduledRound{impl("2026-12-31")}, nil, "date_outside_period"},
		{"after the period", []ScheduledRound{res("2028-01-01")}, nil, "date_outside_period"},
		{"opened entry kept", []ScheduledRound{impl("2027-06-30"), res("2027-11-30")}, []ScheduledRound{impl("2027-06-30"), res("2027-12-31")}, ""},
		{"opened entry moved", []ScheduledRound{impl("2027-07-30")}, []ScheduledRound{impl("2027-06-30")}, "scheduled_round_opened"},
		{"opened entry dropped", []ScheduledRound{}, []ScheduledRound{impl("2027-06-30")}, "scheduled_round_opened"},
		{"opened entry's kind changed", []ScheduledRound{res("2027-06-30")}, []ScheduledRound{impl("2027-06-30")}, "scheduled_round_opened"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := NewPlanState(NewPlan{PlanID: 1, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-1", now)
			if c.opened != nil {
				s.RoundSchedule = c.opened
				s.RoundSchedule[0].Opened, s.RoundSchedule[0].RoundID = true, 7
			}
			// The schedule alone: the reminder interval may be left out.
			if got := codeOf(s.ValidateSetSettings(SetSettingsInput{RoundSchedule: c.in, Actor: coord})); got != c.code {
				t.Errorf("ValidateSetSettings = %q, want %q", got, c.code)
			}
		})
	}
}

func TestApplyRoundScheduleKeepsOpenedEntries(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	s, _ := NewPlanState(NewPlan{PlanID: 1, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-1", now)
	in := []ScheduledRound{{Kind: AssessImplementation, OpensOn: "2027-06-30", Opened: true, RoundID: 99}, {Kind: AssessResults, OpensOn: "2027-12-31"}}
	if ev := s.ApplySetSettings(SetSettingsInput{RoundSchedule: in, Actor: Actor{UserID: 1}}, now); len(ev) != 1 || ev[0].Kind != EventSettingsChanged {
		t.Fatalf("events %+v", ev)
	}
	if s.RoundSchedule[0].Opened || s.RoundSchedule[0].RoundID != 0 {
		t.Errorf("a request set the opened record: %+v", s.RoundSchedule[0])
	}
	s.ApplyScheduledRoundOpened(0, 12, now)
	if ev := s.ApplySetSettings(SetSettingsInput{RoundSchedule: []ScheduledRound{in[0]}, Actor: Actor{UserID: 1}}, now); len(ev) != 1 {
		t.Fatalf("events %+v", ev)
	}
	if len(s.RoundSchedule) != 1 || !s.RoundSchedule[0].Opened || s.RoundSchedule[0].RoundID != 12 {
		t.Errorf("schedule %+v, want the opened entry kept with its round", s.RoundSchedule)
	}
	if ev := s.ApplySetSettings(SetSettingsInput{RoundSchedule: []ScheduledRound{in[0]}, Actor: Actor{UserID: 1}}, now); ev != nil {
		t.Errorf("the same schedule again: events %+v, want none", ev)
	}
}
