package ogp

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestValidateNewPlan(t *testing.T) {
	ok := NewPlan{Title: "Open Athens", Member: "City of Athens", StartsOn: "2027-01-01", EndsOn: "2028-06-30"}
	tests := []struct {
		name string
		edit func(*NewPlan)
		code string
	}{
		{"valid", func(*NewPlan) {}, ""},
		{"blank title", func(p *NewPlan) { p.Title = "  " }, "title_required"},
		{"no member", func(p *NewPlan) { p.Member = "" }, "member_required"},
		{"bad start", func(p *NewPlan) { p.StartsOn = "2027-13-01" }, "invalid_date"},
		{"bad end", func(p *NewPlan) { p.EndsOn = "30/06/2028" }, "invalid_date"},
		{"end before start", func(p *NewPlan) { p.EndsOn = "2026-12-31" }, "invalid_period"},
		{"end equals start", func(p *NewPlan) { p.EndsOn = p.StartsOn }, "invalid_period"},
		{"negative interval", func(p *NewPlan) { p.ReminderIntervalDays = -1 }, "invalid_reminder_interval"},
		{"huge interval", func(p *NewPlan) { p.ReminderIntervalDays = 400 }, "invalid_reminder_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			err := ValidateNewPlan(p)
			if code := codeOf(err); code != tt.code {
				t.Errorf("code %q, want %q (%v)", code, tt.code, err)
			}
		})
	}
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "not a domain error"
}

func TestParseDate(t *testing.T) {
	for in, valid := range map[string]bool{
		"2027-01-01": true, "2028-02-29": true, "2027-02-29": false, "2027-1-1": false,
		"": false, "2027-01-01T00:00:00Z": false, " 2027-01-01": false,
	} {
		if _, err := ParseDate(in); (err == nil) != valid {
			t.Errorf("ParseDate(%q) err=%v, want valid=%v", in, err, valid)
		}
	}
}

func TestParseRolesSortsAndDeduplicates(t *testing.T) {
	got, err := ParseRoles([]string{"approver", "coordinator", "approver"})
	if err != nil || !slices.Equal(got, []Role{RoleApprover, RoleCoordinator}) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := ParseRoles(nil); codeOf(err) != "roles_required" {
		t.Errorf("empty roles: %v", err)
	}
	if _, err := ParseRoles([]string{"mayor"}); codeOf(err) != "invalid_role" {
		t.Errorf("unknown role: %v", err)
	}
}

func TestPlanStatusFor(t *testing.T) {
	tests := []struct {
		step     int
		approved bool
		want     PlanStatus
	}{
		{1, false, PlanCoCreation}, {8, false, PlanCoCreation}, {9, false, PlanImplementation},
		{10, false, PlanLearning}, {10, true, PlanCompleted},
	}
	for _, tt := range tests {
		if got := PlanStatusFor(tt.step, tt.approved); got != tt.want {
			t.Errorf("PlanStatusFor(%d,%v)=%s, want %s", tt.step, tt.approved, got, tt.want)
		}
	}
}

func TestNextReminderAt(t *testing.T) {
	now := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
	s, _ := NewPlanState(NewPlan{PlanID: 1, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-1", now)
	if _, ok := s.NextReminderAt(ExactReminders); ok {
		t.Fatal("a step without a due date has no reminder")
	}
	s.ApplySetDueDate(SetStepDueDateInput{Step: 1, DueOn: "2027-01-10", Actor: Actor{UserID: 1}}, now)
	at, ok := s.NextReminderAt(ExactReminders)
	if want := time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC); !ok || !at.Equal(want) {
		t.Fatalf("first reminder at %v, want %v (the end of the due date)", at, want)
	}
	r, ev := s.ApplyReminder(at)
	if r.Number != 1 || !slices.Equal(r.Recipients, []int64{1}) || len(ev) != 1 || ev[0].Kind != EventReminderSent {
		t.Errorf("reminder %+v events %+v", r, ev)
	}
	at2, _ := s.NextReminderAt(ExactReminders)
	if want := at.Add(7 * 24 * time.Hour); !at2.Equal(want) {
		t.Errorf("second reminder at %v, want %v", at2, want)
	}
	// The same date again is a no-op and keeps the schedule.
	if ev := s.ApplySetDueDate(SetStepDueDateInput{Step: 1, DueOn: "2027-01-10", Actor: Actor{UserID: 1}}, now); ev != nil {
		t.Errorf("same due date produced events %v", ev)
	}
	if at3, _ := s.NextReminderAt(ExactReminders); !at3.Equal(at2) {
		t.Errorf("same due date moved the reminder to %v", at3)
	}
}

// TestNextReminderAtSpread: a step's first deadline reminder is moved by
// the step's offset within the plan's spread window; the next ones follow
// it by the interval. Spread 0 is exact.
func TestNextReminderAtSpread(t *testing.T) {
	now := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
	end := time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)
	newState := func(id int64) PlanState {
		s, _ := NewPlanState(NewPlan{PlanID: id, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, ActionPlanWorkflowID(id), now)
		s.ApplySetDueDate(SetStepDueDateInput{Step: 1, DueOn: "2027-01-10", Actor: Actor{UserID: 1}}, now)
		return s
	}
	s := newState(1)
	at, ok := s.NextReminderAt(SpreadReminders)
	off := StepReminderOffset(DefaultReminderSpread, 1, 1)
	if !ok || !at.Equal(end.Add(off)) || off <= 0 || off >= DefaultReminderSpread {
		t.Fatalf("first spread reminder at %v, want %v (offset %v)", at, end.Add(off), off)
	}
	if exact, _ := s.NextReminderAt(ExactReminders); !exact.Equal(end) {
		t.Errorf("exact reminder at %v, want %v", exact, end)
	}
	s.ApplyReminder(at)
	if next, _ := s.NextReminderAt(SpreadReminders); !next.Equal(at.Add(7 * 24 * time.Hour)) {
		t.Errorf("second reminder at %v, want a week after the first", next)
	}
	// Plans sharing the due date are chased at different times.
	seen := map[time.Time]bool{}
	for id := int64(1); id <= 50; id++ {
		s := newState(id)
		at, _ := s.NextReminderAt(SpreadReminders)
		if at.Before(end) || !at.Before(end.Add(DefaultReminderSpread)) {
			t.Errorf("plan %d: reminder at %v, outside the window", id, at)
		}
		seen[at] = true
	}
	if len(seen) != 50 {
		t.Errorf("50 plans, %d distinct reminder times", len(seen))
	}
	// The plan's policy sets the window; 0 turns it off.
	zero := time.Duration(0)
	s = newState(1)
	s.ApplySetSettings(SetSettingsInput{ReminderPolicy: &ReminderPolicy{OnDue: true, Spread: &zero}, Actor: Actor{UserID: 1}}, now)
	if at, _ := s.NextReminderAt(SpreadReminders); !at.Equal(end) {
		t.Errorf("spread 0: reminder at %v, want %v", at, end)
	}
}

func TestNotificationsKeyedPerOccasion(t *testing.T) {
	now := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
	s, _ := NewPlanState(NewPlan{PlanID: 7, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-7", now)
	s.ApplySetDueDate(SetStepDueDateInput{Step: 1, DueOn: "2027-01-10", Actor: Actor{UserID: 1}}, now)
	r1, _ := s.ApplyReminder(now)
	r2, _ := s.ApplyReminder(now)
	k1 := ReminderNotifications(&s, r1)[0].DedupKey
	k2 := ReminderNotifications(&s, r2)[0].DedupKey
	if k1 == k2 || k1 != "action-plan-7/step/1/due/1/reminder/1" {
		t.Errorf("keys %q and %q", k1, k2)
	}
}

func TestStep8NeedsCoSignature(t *testing.T) {
	now := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
	base := func(sectors ...Sector) PlanState {
		s, _ := NewPlanState(NewPlan{PlanID: 1, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-1", now)
		for i, sec := range sectors {
			s.ApplySetMember(SetMemberInput{Member: Member{UserID: int64(10 + i), Roles: []Role{RoleApprover}, Sector: sec}, Actor: Actor{UserID: 1}}, now)
		}
		s.CurrentStep = 8
		s.Steps[7].Status = StepInProgress
		return s
	}
	tests := []struct {
		name    string
		sectors []Sector
		code    string
	}{
		{"government and civil society", []Sector{SectorGovernment, SectorCivilSociety}, ""},
		{"government only", []Sector{SectorGovernment, SectorGovernment}, "co_signature_impossible"},
		{"civil society and other", []Sector{SectorCivilSociety, SectorOther}, "co_signature_impossible"},
	}
	for _, tt := range tests {
		s := base(tt.sectors...)
		err := s.ValidateSubmit(SubmitStepInput{Step: 8, Summary: "the plan", Actor: Actor{UserID: 1}})
		if code := codeOf(err); code != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, code, tt.code)
		}
	}
	// Other steps need no co-signature.
	s := base(SectorGovernment)
	s.CurrentStep, s.Steps[7].Status, s.Steps[6].Status = 7, StepNotStarted, StepInProgress
	if err := s.ValidateSubmit(SubmitStepInput{Step: 7, Summary: "draft", Actor: Actor{UserID: 1}}); err != nil {
		t.Errorf("step 7 with one government approver: %v", err)
	}
}

func TestRemovingACoSignerReturnsStep8(t *testing.T) {
	now := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
	s, _ := NewPlanState(NewPlan{PlanID: 1, Title: "T", Member: "M", StartsOn: "2027-01-01", EndsOn: "2027-12-31", CoordinatorID: 1}, "action-plan-1", now)
	coord := Actor{UserID: 1}
	s.ApplySetMember(SetMemberInput{Member: Member{UserID: 10, Roles: []Role{RoleApprover}, Sector: SectorGovernment}, Actor: coord}, now)
	s.ApplySetMember(SetMemberInput{Member: Member{UserID: 11, Roles: []Role{RoleApprover}, Sector: SectorCivilSociety}, Actor: coord}, now)
	s.CurrentStep, s.Steps[0].Status, s.Steps[7].Status = 8, StepApproved, StepInProgress
	in := SubmitStepInput{Step: 8, Summary: "the plan", Actor: coord}
	if err := s.ValidateSubmit(in); err != nil {
		t.Fatal(err)
	}
	s.ApplySubmit(in, Gate{}, now)
	s.ApplyDecide(DecideStepInput{Step: 8, Decision: DecisionApprove, Actor: Actor{UserID: 10}}, now)
	ev := s.ApplyRemoveMember(RemoveMemberInput{UserID: 11, Actor: coord}, now)
	if st := s.Step(8); st.Status != StepInProgress || s.CurrentStep != 8 {
		t.Fatalf("step 8 after its civil-society approver left: %s (current %d), want back in progress", st.Status, s.CurrentStep)
	}
	if last := ev[len(ev)-1]; last.Kind != EventSubmissionReturned {
		t.Errorf("last event %s, want submission_returned", last.Kind)
	}
}
