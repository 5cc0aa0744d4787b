package ogp

import (
	"encoding/json"
	"testing"
	"time"
)

func TestValidateSetSettings(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	coord := Actor{UserID: 1}
	short := &ReminderPolicy{Before: []time.Duration{30 * time.Second}, OnDue: true, OverdueEvery: time.Minute, CoordinatorAfter: 1}
	for _, c := range []struct {
		name        string
		in          SetSettingsInput
		implStarted bool
		code        string
	}{
		{"interval only", SetSettingsInput{ReminderIntervalDays: 14, Actor: coord}, false, ""},
		{"interval 0 without a policy", SetSettingsInput{Actor: coord}, false, "invalid_reminder_interval"},
		{"interval too long", SetSettingsInput{ReminderIntervalDays: 366, Actor: coord}, false, "invalid_reminder_interval"},
		{"negative interval with a policy", SetSettingsInput{ReminderIntervalDays: -1, ReminderPolicy: short, Actor: coord}, false, "invalid_reminder_interval"},
		{"policy only: interval unchanged", SetSettingsInput{ReminderPolicy: short, Actor: coord}, false, ""},
		{"policy and interval", SetSettingsInput{ReminderIntervalDays: 3, ReminderPolicy: short, Actor: coord}, false, ""},
		{"seconds before the due date", SetSettingsInput{ReminderPolicy: &ReminderPolicy{Before: []time.Duration{time.Second}}, Actor: coord}, false, ""},
		{"zero offset before", SetSettingsInput{ReminderPolicy: &ReminderPolicy{Before: []time.Duration{0}}, Actor: coord}, false, "invalid_reminder_policy"},
		{"offset over a year", SetSettingsInput{ReminderPolicy: &ReminderPolicy{Before: []time.Duration{366 * 24 * time.Hour}}, Actor: coord}, false, "invalid_reminder_policy"},
		{"overdue under a minute", SetSettingsInput{ReminderPolicy: &ReminderPolicy{OverdueEvery: 30 * time.Second}, Actor: coord}, false, "invalid_reminder_policy"},
		{"negative overdue", SetSettingsInput{ReminderPolicy: &ReminderPolicy{OverdueEvery: -time.Hour}, Actor: coord}, false, "invalid_reminder_policy"},
		{"negative escalation", SetSettingsInput{ReminderPolicy: &ReminderPolicy{OnDue: true, ForumAfter: -1}, Actor: coord}, false, "invalid_reminder_policy"},
		{"not the coordinator", SetSettingsInput{ReminderPolicy: short, Actor: Actor{UserID: 2}}, false, "not_coordinator"},
		{"administrator", SetSettingsInput{ReminderPolicy: short, Actor: Actor{UserID: 9, IsAdmin: true}}, false, ""},
		{"policy changed once commitments run", SetSettingsInput{ReminderPolicy: short, Actor: coord}, true, "implementation_started"},
		{"same policy once commitments run", SetSettingsInput{ReminderPolicy: ptr(DefaultReminderPolicy()), Actor: coord}, true, ""},
		{"interval once commitments run", SetSettingsInput{ReminderIntervalDays: 2, Actor: coord}, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := NewPlanState(NewPlan{PlanID: 1, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-1", now)
			if c.implStarted {
				s.ApplyImplementationStarted([]CommitmentRun{{CommitmentID: 4, WorkflowID: "commitment-4", Status: CommitmentActive}}, now)
			}
			if got := codeOf(s.ValidateSetSettings(c.in)); got != c.code {
				t.Errorf("ValidateSetSettings = %q, want %q", got, c.code)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestApplySetSettings(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	s, _ := NewPlanState(NewPlan{PlanID: 1, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-1", now)
	if p := s.EffectiveReminderPolicy(); !p.Equal(DefaultReminderPolicy()) {
		t.Fatalf("a new plan's policy is %+v, want the default", p)
	}
	short := ReminderPolicy{Before: []time.Duration{90 * time.Second}, OverdueEvery: time.Minute}
	v := s.Version
	ev := s.ApplySetSettings(SetSettingsInput{ReminderPolicy: &short, Actor: Actor{UserID: 1}}, now)
	if len(ev) != 1 || ev[0].Kind != EventSettingsChanged || s.Version != v+1 {
		t.Fatalf("events %+v, version %d -> %d", ev, v, s.Version)
	}
	if _, ok := ev[0].Payload["reminder_interval_days"]; ok {
		t.Errorf("the interval did not change but the event says it did: %+v", ev[0].Payload)
	}
	if s.ReminderIntervalDays != DefaultReminderIntervalDays || s.ReminderPolicy == nil || !s.ReminderPolicy.Equal(short) {
		t.Fatalf("after setting the policy: interval %d, policy %+v", s.ReminderIntervalDays, s.ReminderPolicy)
	}
	short.Before[0] = time.Hour // the state keeps its own copy
	if s.ReminderPolicy.Before[0] != 90*time.Second {
		t.Errorf("the state shares the input's slice: %+v", s.ReminderPolicy)
	}
	if ev := s.ApplySetSettings(SetSettingsInput{ReminderPolicy: s.ReminderPolicy, Actor: Actor{UserID: 1}}, now); ev != nil {
		t.Errorf("setting the same policy again changed something: %+v", ev)
	}
	if ev := s.ApplySetSettings(SetSettingsInput{ReminderIntervalDays: 3, Actor: Actor{UserID: 1}}, now); len(ev) != 1 ||
		s.ReminderIntervalDays != 3 || s.ReminderPolicy == nil {
		t.Errorf("interval change: %+v, interval %d, policy %+v", ev, s.ReminderIntervalDays, s.ReminderPolicy)
	}
}

func TestReminderPolicyJSON(t *testing.T) {
	p := ReminderPolicy{Before: []time.Duration{14 * 24 * time.Hour, 90 * time.Second}, OnDue: true, OverdueEvery: 8 * time.Minute, CoordinatorAfter: 2, ForumAfter: 4}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"before":["336h0m0s","1m30s"],"on_due":true,"overdue_every":"8m0s","coordinator_after":2,"forum_after":4}`; string(b) != want {
		t.Errorf("encoded %s, want %s", b, want)
	}
	var back ReminderPolicy
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(p) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	// Histories and rows written before plans had policies hold nanoseconds.
	var old ReminderPolicy
	if err := json.Unmarshal([]byte(`{"before":[1209600000000000,259200000000000],"on_due":true,"overdue_every":604800000000000,"coordinator_after":2,"forum_after":4}`), &old); err != nil || !old.Equal(DefaultReminderPolicy()) {
		t.Errorf("nanoseconds: %+v, %v", old, err)
	}
	var empty ReminderPolicy
	if err := json.Unmarshal([]byte(`{}`), &empty); err != nil || !empty.IsZero() {
		t.Errorf("{}: %+v, %v", empty, err)
	}
	for _, bad := range []string{`{"overdue_every":"soon"}`, `{"before":[true]}`, `{"before":["1d"]}`} {
		if err := json.Unmarshal([]byte(bad), &empty); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
	// A plan state carries it.
	st := PlanState{ReminderPolicy: &p}
	b, _ = json.Marshal(st)
	var st2 PlanState
	if err := json.Unmarshal(b, &st2); err != nil || st2.ReminderPolicy == nil || !st2.ReminderPolicy.Equal(p) {
		t.Errorf("plan state round trip: %+v, %v", st2.ReminderPolicy, err)
	}
}
