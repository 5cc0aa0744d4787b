package ogp

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	cCoord    = int64(1)
	cApprover = int64(2)
	cApprov2  = int64(3)
	cLead     = int64(4)
	cResp     = int64(5)
	cMonitor  = int64(6)
	cOutsider = int64(9)
)

const day = 24 * time.Hour

var cStart = time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)

func commitmentStart() CommitmentStart {
	return CommitmentStart{
		PlanID: 1, PlanTitle: "Open Athens", LeadUserID: cLead, ParentWorkflowID: "action-plan-1",
		PlanStartsOn: "2027-01-01", PlanEndsOn: "2028-06-30",
		Commitment: Commitment{ID: 7, Number: 2, Title: "Every public contract online", Milestones: []Milestone{
			{ID: 11, Title: "Pilot", StartsOn: "2027-01-01", DueOn: "2027-06-30", Responsible: "Head of procurement"},
			{ID: 12, Title: "City-wide", StartsOn: "2027-07-01", DueOn: "2027-12-31", Responsible: "Procurement office"},
		}},
		ResponsibleUserIDs: map[int64]int64{11: cResp},
		Members: []Member{
			{UserID: cCoord, Roles: []Role{RoleCoordinator}, Sector: SectorGovernment},
			{UserID: cApprover, Roles: []Role{RoleApprover}, Sector: SectorGovernment},
			{UserID: cApprov2, Roles: []Role{RoleApprover}, Sector: SectorCivilSociety},
			{UserID: cMonitor, Roles: []Role{RoleMonitoringBody}, Sector: SectorCivilSociety},
		},
	}
}

func newCommitment(t *testing.T) CommitmentState {
	t.Helper()
	s, _ := NewCommitmentState(commitmentStart(), "commitment-7", cStart)
	return s
}

func who(id int64) Actor { return Actor{UserID: id} }

func TestNewCommitmentState(t *testing.T) {
	s, ev := NewCommitmentState(commitmentStart(), "commitment-7", cStart)
	if s.Status != CommitmentActive || s.Completion != CompletionNotStarted || s.CommitmentID != 7 || s.Number != 2 || s.Version != 1 {
		t.Errorf("state %+v", s)
	}
	if len(s.Milestones) != 2 || s.Milestones[0].ResponsibleUserID != cResp || s.Milestones[1].ResponsibleUserID != 0 ||
		s.Milestones[0].Status != MilestoneNotStarted || s.Milestones[0].Schedule != ScheduleOnTrack {
		t.Errorf("milestones %+v", s.Milestones)
	}
	if len(s.Policy.Before) != 2 || !s.Policy.OnDue || s.Policy.OverdueEvery != 7*day || s.Policy.CoordinatorAfter != 2 || s.Policy.ForumAfter != 4 {
		t.Errorf("policy not defaulted: %+v", s.Policy)
	}
	if len(ev) != 1 || ev[0].Kind != EventCommitmentStarted || ev[0].Seq != 1 || s.EventSeq != 1 || s.PlanEndsOn != "2028-06-30" {
		t.Errorf("events %+v", ev)
	}
	in := commitmentStart()
	in.Policy = ReminderPolicy{OverdueEvery: time.Minute}
	if s, _ := NewCommitmentState(in, "w", cStart); s.Policy.OverdueEvery != time.Minute || len(s.Policy.Before) != 0 {
		t.Errorf("a set policy was replaced: %+v", s.Policy)
	}
}

// progressed returns the state with milestone 11 in progress at pct.
func progressed(t *testing.T, pct int) CommitmentState {
	s := newCommitment(t)
	in := ReportProgressInput{MilestoneID: 11, Status: MilestoneInProgress, Percent: pct, Narrative: "started", Actor: who(cResp)}
	if err := s.ValidateReportProgress(in, cStart); err != nil {
		t.Fatal(err)
	}
	s.ApplyReportProgress(in, cStart)
	return s
}

func TestValidateReportProgress(t *testing.T) {
	ok := ReportProgressInput{MilestoneID: 11, Status: MilestoneInProgress, Percent: 40, Narrative: "Tender documents online",
		Evidence: []string{"https://athens.example/contracts"}, Actor: who(cResp)}
	tests := []struct {
		name string
		edit func(*ReportProgressInput, *CommitmentState)
		code string
	}{
		{"responsible", func(*ReportProgressInput, *CommitmentState) {}, ""},
		{"lead", func(in *ReportProgressInput, _ *CommitmentState) { in.Actor = who(cLead) }, ""},
		{"coordinator", func(in *ReportProgressInput, _ *CommitmentState) { in.Actor = who(cCoord) }, ""},
		{"admin", func(in *ReportProgressInput, _ *CommitmentState) { in.Actor = Actor{UserID: 99, IsAdmin: true} }, ""},
		{"approver is not responsible", func(in *ReportProgressInput, _ *CommitmentState) { in.Actor = who(cApprover) }, "not_responsible"},
		{"responsible of another milestone", func(in *ReportProgressInput, _ *CommitmentState) { in.MilestoneID = 12 }, "not_responsible"},
		{"outsider", func(in *ReportProgressInput, _ *CommitmentState) { in.Actor = who(cOutsider) }, "not_responsible"},
		{"unknown milestone", func(in *ReportProgressInput, _ *CommitmentState) { in.MilestoneID = 99 }, "unknown_milestone"},
		{"completed via report", func(in *ReportProgressInput, _ *CommitmentState) { in.Status = MilestoneCompleted }, "use_complete_milestone"},
		{"unknown status", func(in *ReportProgressInput, _ *CommitmentState) { in.Status = "paused" }, "invalid_status"},
		{"percent over 100", func(in *ReportProgressInput, _ *CommitmentState) { in.Percent = 101 }, "invalid_percent"},
		{"negative percent", func(in *ReportProgressInput, _ *CommitmentState) { in.Percent = -1 }, "invalid_percent"},
		{"not started at 0", func(in *ReportProgressInput, _ *CommitmentState) { in.Status, in.Percent = MilestoneNotStarted, 0 }, ""},
		{"not started with percent", func(in *ReportProgressInput, _ *CommitmentState) { in.Status = MilestoneNotStarted }, "status_percent_mismatch"},
		{"100 in progress", func(in *ReportProgressInput, _ *CommitmentState) { in.Percent = 100 }, ""},
		{"blank narrative", func(in *ReportProgressInput, _ *CommitmentState) { in.Narrative = "  " }, "narrative_required"},
		{"long narrative", func(in *ReportProgressInput, _ *CommitmentState) {
			in.Narrative = strings.Repeat("x", MaxNarrativeLen+1)
		}, "narrative_too_long"},
		{"bad evidence", func(in *ReportProgressInput, _ *CommitmentState) { in.Evidence = []string{"javascript:alert(1)"} }, "invalid_url"},
		{"too much evidence", func(in *ReportProgressInput, _ *CommitmentState) {
			in.Evidence = slices.Repeat([]string{"https://x.example"}, MaxEvidenceLinks+1)
		}, "too_many_evidence_links"},
		{"percent below the last report", func(_ *ReportProgressInput, s *CommitmentState) { *s = progressed(t, 50) }, "percent_decreased"},
		{"same percent again", func(_ *ReportProgressInput, s *CommitmentState) { *s = progressed(t, 40) }, ""},
		{"back to not started", func(in *ReportProgressInput, s *CommitmentState) {
			*s = progressed(t, 0)
			in.Status, in.Percent = MilestoneNotStarted, 0
		}, "status_regressed"},
		{"completed milestone", func(_ *ReportProgressInput, s *CommitmentState) {
			s.Milestone(11).Status = MilestoneCompleted
		}, "milestone_completed"},
		{"withdrawn commitment", func(_ *ReportProgressInput, s *CommitmentState) { s.Status = CommitmentWithdrawn }, "commitment_closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCommitment(t)
			in := ok
			tt.edit(&in, &s)
			if code := codeOf(s.ValidateReportProgress(in, cStart)); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}
}

func TestReportProgressAndCompletion(t *testing.T) {
	s := newCommitment(t)
	ev := s.ApplyReportProgress(ReportProgressInput{MilestoneID: 11, Status: MilestoneInProgress, Percent: 30, Narrative: " begun ",
		Evidence: []string{" https://a.example "}, Actor: who(cResp)}, cStart)
	m := s.Milestone(11)
	if m.Status != MilestoneInProgress || m.Percent != 30 || len(m.Reports) != 1 || m.Reports[0].Narrative != "begun" ||
		m.Reports[0].Evidence[0] != "https://a.example" || m.Reports[0].ReportedBy != cResp {
		t.Errorf("milestone %+v", m)
	}
	if len(ev) != 1 || ev[0].Kind != EventProgressReported || ev[0].Payload["milestone_id"] != int64(11) || s.Version != 2 {
		t.Errorf("events %+v, version %d", ev, s.Version)
	}
	if s.Completion != CompletionLimited {
		t.Errorf("completion %s, want limited", s.Completion)
	}
}

func TestCompleteMilestone(t *testing.T) {
	ok := CompleteMilestoneInput{MilestoneID: 11, Narrative: "Pilot online", Evidence: []string{"https://athens.example/pilot"}, Actor: who(cLead)}
	tests := []struct {
		name string
		edit func(*CompleteMilestoneInput, *CommitmentState)
		code string
	}{
		{"valid", func(*CompleteMilestoneInput, *CommitmentState) {}, ""},
		{"no narrative is fine", func(in *CompleteMilestoneInput, _ *CommitmentState) { in.Narrative = "" }, ""},
		{"no evidence", func(in *CompleteMilestoneInput, _ *CommitmentState) { in.Evidence = nil }, "evidence_required"},
		{"evidence not a web link", func(in *CompleteMilestoneInput, _ *CommitmentState) { in.Evidence = []string{"ftp://x.example/a"} }, "invalid_url"},
		{"outsider", func(in *CompleteMilestoneInput, _ *CommitmentState) { in.Actor = who(cOutsider) }, "not_responsible"},
		{"unknown", func(in *CompleteMilestoneInput, _ *CommitmentState) { in.MilestoneID = 1 }, "unknown_milestone"},
		{"twice", func(_ *CompleteMilestoneInput, s *CommitmentState) { s.Milestone(11).Status = MilestoneCompleted }, "milestone_completed"},
		{"closed", func(_ *CompleteMilestoneInput, s *CommitmentState) { s.Status = CommitmentCompleted }, "commitment_closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCommitment(t)
			in := ok
			tt.edit(&in, &s)
			if code := codeOf(s.ValidateCompleteMilestone(in, cStart)); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}

	s := newCommitment(t)
	onTime := time.Date(2027, 6, 30, 23, 0, 0, 0, time.UTC)
	ev := s.ApplyCompleteMilestone(ok, onTime)
	if m := s.Milestone(11); m.Status != MilestoneCompleted || m.Percent != 100 || m.CompletedAt == nil || m.Schedule != ScheduleDoneOnTime {
		t.Errorf("milestone %+v", m)
	}
	if s.Status != CommitmentActive || s.Completion != CompletionSubstantial || len(ev) != 1 {
		t.Errorf("after one of two: %s %s %d events", s.Status, s.Completion, len(ev))
	}
	late := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	ev = s.ApplyCompleteMilestone(CompleteMilestoneInput{MilestoneID: 12, Evidence: ok.Evidence, Actor: who(cCoord)}, late)
	if s.Milestone(12).Schedule != ScheduleDoneLate || s.Milestone(12).Reports[0].Narrative != "Milestone completed." {
		t.Errorf("milestone 12 %+v", s.Milestone(12))
	}
	if s.Status != CommitmentCompleted || s.Completion != CompletionCompleted || len(ev) != 2 || ev[1].Kind != EventCommitmentCompleted {
		t.Errorf("after all: %s %s %+v", s.Status, s.Completion, ev)
	}
}

func TestExplainDelay(t *testing.T) {
	due := Date("2027-06-30")
	ok := ExplainDelayInput{MilestoneID: 11, Text: "The supplier went bankrupt", Actor: who(cResp)}
	tests := []struct {
		name string
		now  time.Time
		edit func(*ExplainDelayInput, *CommitmentState)
		code string
	}{
		{"overdue", due.EndTime(), func(*ExplainDelayInput, *CommitmentState) {}, ""},
		{"on the due date", due.EndTime().Add(-time.Second), func(*ExplainDelayInput, *CommitmentState) {}, "not_overdue"},
		{"long before", cStart, func(*ExplainDelayInput, *CommitmentState) {}, "not_overdue"},
		{"no text", due.EndTime(), func(in *ExplainDelayInput, _ *CommitmentState) { in.Text = " " }, "explanation_required"},
		{"long text", due.EndTime(), func(in *ExplainDelayInput, _ *CommitmentState) { in.Text = strings.Repeat("y", MaxCommentLen+1) }, "text_too_long"},
		{"outsider", due.EndTime(), func(in *ExplainDelayInput, _ *CommitmentState) { in.Actor = who(cApprover) }, "not_responsible"},
		{"completed", due.EndTime(), func(_ *ExplainDelayInput, s *CommitmentState) { s.Milestone(11).Status = MilestoneCompleted }, "milestone_completed"},
		{"unknown", due.EndTime(), func(in *ExplainDelayInput, _ *CommitmentState) { in.MilestoneID = 3 }, "unknown_milestone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCommitment(t)
			in := ok
			tt.edit(&in, &s)
			if code := codeOf(s.ValidateExplainDelay(in, tt.now)); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}
	s := newCommitment(t)
	ev := s.ApplyExplainDelay(ok, due.EndTime().Add(day))
	if d := s.Milestone(11).Delays; len(d) != 1 || d[0].Text != ok.Text || d[0].ExplainedBy != cResp || ev[0].Kind != EventDelayExplained ||
		ev[0].Payload["overdue_since"] != "2027-07-01" {
		t.Errorf("delays %+v events %+v", d, ev)
	}
}

func TestRequestAmendment(t *testing.T) {
	ok := RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-09-30", Reason: "The supplier went bankrupt", Actor: who(cLead)}
	tests := []struct {
		name string
		edit func(*RequestAmendmentInput, *CommitmentState)
		code string
	}{
		{"valid", func(*RequestAmendmentInput, *CommitmentState) {}, ""},
		{"title only", func(in *RequestAmendmentInput, _ *CommitmentState) {
			in.NewDueOn, in.NewTitle = "", "Pilot in two districts"
		}, ""},
		{"nothing changes", func(in *RequestAmendmentInput, _ *CommitmentState) { in.NewDueOn, in.NewTitle = "2027-06-30", "Pilot" }, "nothing_to_amend"},
		{"nothing at all", func(in *RequestAmendmentInput, _ *CommitmentState) { in.NewDueOn = "" }, "nothing_to_amend"},
		{"bad date", func(in *RequestAmendmentInput, _ *CommitmentState) { in.NewDueOn = "2027-02-30" }, "invalid_date"},
		{"after the plan", func(in *RequestAmendmentInput, _ *CommitmentState) { in.NewDueOn = "2028-07-01" }, "due_date_outside_period"},
		{"before the plan", func(in *RequestAmendmentInput, _ *CommitmentState) { in.NewDueOn = "2026-12-31" }, "due_date_outside_period"},
		{"last day of the plan", func(in *RequestAmendmentInput, _ *CommitmentState) { in.NewDueOn = "2028-06-30" }, ""},
		{"before the milestone starts", func(in *RequestAmendmentInput, _ *CommitmentState) { in.MilestoneID, in.NewDueOn = 12, "2027-06-30" }, "due_before_start"},
		{"no reason", func(in *RequestAmendmentInput, _ *CommitmentState) { in.Reason = "" }, "reason_required"},
		{"long title", func(in *RequestAmendmentInput, _ *CommitmentState) { in.NewTitle = strings.Repeat("t", MaxTitleLen+1) }, "title_too_long"},
		{"outsider", func(in *RequestAmendmentInput, _ *CommitmentState) { in.Actor = who(cOutsider) }, "not_responsible"},
		{"unknown", func(in *RequestAmendmentInput, _ *CommitmentState) { in.MilestoneID = 1 }, "unknown_milestone"},
		{"completed milestone", func(_ *RequestAmendmentInput, s *CommitmentState) { s.Milestone(11).Status = MilestoneCompleted }, "milestone_completed"},
		{"withdrawn", func(_ *RequestAmendmentInput, s *CommitmentState) { s.Status = CommitmentWithdrawn }, "commitment_closed"},
		{"one pending already", func(in *RequestAmendmentInput, s *CommitmentState) { s.ApplyRequestAmendment(*in, cStart) }, "amendment_pending"},
		{"no approvers", func(_ *RequestAmendmentInput, s *CommitmentState) { s.Members = s.Members[:1] }, "no_approvers"},
		{"the sole approver asks", func(in *RequestAmendmentInput, s *CommitmentState) {
			s.Members = slices.DeleteFunc(s.Members, func(m Member) bool { return m.UserID == cApprov2 })
			s.Members[1].Roles = []Role{RoleApprover, RoleCoordinator}
			in.Actor = who(cApprover)
		}, "no_approvers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCommitment(t)
			in := ok
			tt.edit(&in, &s)
			if code := codeOf(s.ValidateRequestAmendment(in, cStart)); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}
	// The approvers are a snapshot without the requester.
	s := newCommitment(t)
	s.Members[0].Roles = []Role{RoleApprover, RoleCoordinator}
	s.ApplyRequestAmendment(RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-09-30", Reason: "r", Actor: who(cCoord)}, cStart)
	if a := s.Amendments[0]; !slices.Equal(a.Approvers, []int64{cApprover, cApprov2}) || a.OldDueOn != "2027-06-30" || a.Status != AmendmentPending {
		t.Errorf("amendment %+v", a)
	}
}

// amended returns the state with amendment 1 of milestone 11 pending,
// requested by the lead, with its reminders partly sent.
func amended(t *testing.T) CommitmentState {
	s := newCommitment(t)
	m := s.Milestone(11)
	m.RemindersSent, m.OverdueSent = 4, 1
	in := RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-09-30", Reason: "The supplier went bankrupt", Actor: who(cLead)}
	if err := s.ValidateRequestAmendment(in, cStart); err != nil {
		t.Fatal(err)
	}
	s.ApplyRequestAmendment(in, cStart)
	return s
}

func TestDecideAmendment(t *testing.T) {
	approve := func(by int64) DecideRequestInput {
		return DecideRequestInput{Seq: 1, Decision: DecisionApprove, Actor: who(by)}
	}
	tests := []struct {
		name string
		in   DecideRequestInput
		edit func(*CommitmentState)
		code string
	}{
		{"approver", approve(cApprover), nil, ""},
		{"reject with comment", DecideRequestInput{Seq: 1, Decision: DecisionRequestChanges, Comment: "not convincing", Actor: who(cApprov2)}, nil, ""},
		{"reject without comment", DecideRequestInput{Seq: 1, Decision: DecisionRequestChanges, Actor: who(cApprov2)}, nil, "comment_required"},
		{"long comment", DecideRequestInput{Seq: 1, Decision: DecisionApprove, Comment: strings.Repeat("c", MaxCommentLen+1), Actor: who(cApprov2)}, nil, "comment_too_long"},
		{"unknown decision", DecideRequestInput{Seq: 1, Decision: "maybe", Actor: who(cApprover)}, nil, "invalid_decision"},
		{"unknown amendment", DecideRequestInput{Seq: 2, Decision: DecisionApprove, Actor: who(cApprover)}, nil, "unknown_amendment"},
		{"not an approver", approve(cCoord), nil, "not_an_approver"},
		{"requester", approve(cLead), func(s *CommitmentState) {
			s.Members = append(s.Members, Member{UserID: cLead, Roles: []Role{RoleApprover}})
		}, "four_eyes"},
		{"twice", approve(cApprover), func(s *CommitmentState) { s.ApplyDecideAmendment(approve(cApprover), cStart) }, "already_decided"},
		{"decided already", approve(cApprover), func(s *CommitmentState) {
			s.ApplyDecideAmendment(DecideRequestInput{Seq: 1, Decision: DecisionRequestChanges, Comment: "no", Actor: who(cApprov2)}, cStart)
		}, "not_pending"},
		{"closed", approve(cApprover), func(s *CommitmentState) { s.Status = CommitmentWithdrawn }, "commitment_closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := amended(t)
			if tt.edit != nil {
				tt.edit(&s)
			}
			if code := codeOf(s.ValidateDecideAmendment(tt.in, cStart)); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}

	t.Run("all approve", func(t *testing.T) {
		s := amended(t)
		if ev := s.ApplyDecideAmendment(approve(cApprover), cStart); len(ev) != 1 || s.Amendments[0].Status != AmendmentPending || s.Milestone(11).DueOn != "2027-06-30" {
			t.Fatalf("after one approval: %+v %+v", ev, s.Amendments[0])
		}
		ev := s.ApplyDecideAmendment(approve(cApprov2), cStart)
		m, a := s.Milestone(11), s.Amendments[0]
		if a.Status != AmendmentApproved || a.OldDueOn != "2027-06-30" || a.NewDueOn != "2027-09-30" || len(a.Decisions) != 2 {
			t.Errorf("amendment %+v", a)
		}
		if m.DueOn != "2027-09-30" || m.DueVersion != 1 || m.RemindersSent != 0 || m.OverdueSent != 0 || m.LastReminderAt != nil {
			t.Errorf("milestone %+v", m)
		}
		if len(ev) != 2 || ev[1].Kind != EventAmendmentApproved || ev[1].Payload["old_due_on"] != Date("2027-06-30") {
			t.Errorf("events %+v", ev)
		}
	})
	t.Run("one rejects", func(t *testing.T) {
		s := amended(t)
		before := *s.Milestone(11)
		s.ApplyDecideAmendment(approve(cApprover), cStart)
		ev := s.ApplyDecideAmendment(DecideRequestInput{Seq: 1, Decision: DecisionRequestChanges, Comment: "no", Actor: who(cApprov2)}, cStart)
		m := s.Milestone(11)
		if s.Amendments[0].Status != AmendmentRejected || m.DueOn != before.DueOn || m.DueVersion != 0 || m.RemindersSent != 4 || ev[1].Kind != EventAmendmentRejected {
			t.Errorf("rejected amendment changed the milestone: %+v %+v", s.Amendments[0], m)
		}
		// A new request may follow a decided one.
		if err := s.ValidateRequestAmendment(RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-08-31", Reason: "again", Actor: who(cLead)}, cStart); err != nil {
			t.Errorf("new request after a rejection: %v", err)
		}
	})
	t.Run("title only keeps reminders", func(t *testing.T) {
		s := newCommitment(t)
		s.Milestone(11).RemindersSent = 2
		s.ApplyRequestAmendment(RequestAmendmentInput{MilestoneID: 11, NewTitle: "Pilot, two districts", Reason: "scope", Actor: who(cLead)}, cStart)
		s.ApplyDecideAmendment(approve(cApprover), cStart)
		s.ApplyDecideAmendment(approve(cApprov2), cStart)
		if m := s.Milestone(11); m.Title != "Pilot, two districts" || m.DueVersion != 0 || m.RemindersSent != 2 || s.Amendments[0].NewDueOn != m.DueOn {
			t.Errorf("milestone %+v amendment %+v", m, s.Amendments[0])
		}
	})
}

func TestWithdrawal(t *testing.T) {
	ok := WithdrawCommitmentInput{Reason: "The law changed: contracts are now published nationally", Actor: who(cLead)}
	wtests := []struct {
		name string
		in   WithdrawCommitmentInput
		edit func(*CommitmentState)
		code string
	}{
		{"lead", ok, nil, ""},
		{"coordinator", WithdrawCommitmentInput{Reason: "r", Actor: who(cCoord)}, nil, ""},
		{"responsible is not enough", WithdrawCommitmentInput{Reason: "r", Actor: who(cResp)}, nil, "not_lead_or_coordinator"},
		{"no reason", WithdrawCommitmentInput{Actor: who(cLead)}, nil, "reason_required"},
		{"no approvers", ok, func(s *CommitmentState) { s.Members = s.Members[:1] }, "no_approvers"},
		{"pending", ok, func(s *CommitmentState) { s.ApplyWithdrawCommitment(ok, cStart) }, "withdrawal_pending"},
		{"closed", ok, func(s *CommitmentState) { s.Status = CommitmentCompleted }, "commitment_closed"},
	}
	for _, tt := range wtests {
		t.Run(tt.name, func(t *testing.T) {
			s := newCommitment(t)
			if tt.edit != nil {
				tt.edit(&s)
			}
			if code := codeOf(s.ValidateWithdrawCommitment(tt.in, cStart)); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}
	approve := func(by int64) DecideRequestInput {
		return DecideRequestInput{Decision: DecisionApprove, Actor: who(by)}
	}
	requested := func() CommitmentState {
		s := newCommitment(t)
		s.ApplyWithdrawCommitment(ok, cStart)
		return s
	}
	dtests := []struct {
		name string
		in   DecideRequestInput
		s    func() CommitmentState
		code string
	}{
		{"approver", approve(cApprover), requested, ""},
		{"nothing pending", approve(cApprover), func() CommitmentState { return newCommitment(t) }, "no_pending_withdrawal"},
		{"requester", approve(cLead), requested, "four_eyes"},
		{"not an approver", approve(cMonitor), requested, "not_an_approver"},
		{"reject without comment", DecideRequestInput{Decision: DecisionRequestChanges, Actor: who(cApprover)}, requested, "comment_required"},
		{"twice", approve(cApprover), func() CommitmentState {
			s := requested()
			s.ApplyDecideWithdrawal(approve(cApprover), cStart)
			return s
		}, "already_decided"},
	}
	for _, tt := range dtests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s()
			if code := codeOf(s.ValidateDecideWithdrawal(tt.in, cStart)); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}

	s := requested()
	ev := s.ApplyDecideWithdrawal(DecideRequestInput{Decision: DecisionRequestChanges, Comment: "keep going", Actor: who(cApprov2)}, cStart)
	if s.Status != CommitmentActive || s.Withdrawal.Status != AmendmentRejected || ev[1].Kind != EventWithdrawalRejected {
		t.Fatalf("rejected withdrawal: %s %+v", s.Status, s.Withdrawal)
	}
	if err := s.ValidateWithdrawCommitment(ok, cStart); err != nil {
		t.Fatalf("asking again after a rejection: %v", err)
	}
	s.ApplyWithdrawCommitment(ok, cStart)
	if len(s.PastWithdrawals) != 1 || s.PastWithdrawals[0].Status != AmendmentRejected || s.Withdrawal.Status != AmendmentPending {
		t.Errorf("the rejected request is not kept: %+v", s.PastWithdrawals)
	}
	s.ApplyDecideWithdrawal(approve(cApprover), cStart)
	if s.Status != CommitmentActive {
		t.Fatalf("withdrawn after one of two approvals")
	}
	ev = s.ApplyDecideWithdrawal(approve(cApprov2), cStart)
	if s.Status != CommitmentWithdrawn || !s.Closed() || ev[len(ev)-1].Kind != EventCommitmentWithdrawn || s.Withdrawal.Decisions[1].Round != 2 {
		t.Errorf("withdrawal approved: %s %+v", s.Status, ev)
	}
	if _, _, ok := NextMilestoneReminder(s, cStart, ExactReminders); ok {
		t.Errorf("a withdrawn commitment still has reminders")
	}
}

func TestScheduleOf(t *testing.T) {
	due := Date("2027-06-30")
	at := func(d Date, offset time.Duration) time.Time { return d.Time().Add(offset) }
	done := func(ts time.Time) MilestoneState {
		return MilestoneState{DueOn: due, Status: MilestoneCompleted, CompletedAt: &ts}
	}
	open := MilestoneState{DueOn: due, Status: MilestoneInProgress}
	tests := []struct {
		name string
		m    MilestoneState
		now  time.Time
		want ScheduleState
	}{
		{"long before", open, at(due, -30*day), ScheduleOnTrack},
		{"just outside the window", open, at(due, -3*day-time.Second), ScheduleOnTrack},
		{"window opens", open, at(due, -3*day), ScheduleDueSoon},
		{"on the due date", open, at(due, 23*time.Hour), ScheduleDueSoon},
		{"last instant of the due date", open, due.EndTime().Add(-time.Nanosecond), ScheduleDueSoon},
		{"end of the due date", open, due.EndTime(), ScheduleOverdue},
		{"months late", open, at(due, 90*day), ScheduleOverdue},
		{"not started and late", MilestoneState{DueOn: due, Status: MilestoneNotStarted}, at(due, 2*day), ScheduleOverdue},
		{"done early", done(at(due, -10*day)), at(due, 40*day), ScheduleDoneOnTime},
		{"done on the due date", done(at(due, 20*time.Hour)), at(due, 40*day), ScheduleDoneOnTime},
		{"done a day late", done(due.EndTime()), at(due, 40*day), ScheduleDoneLate},
		{"no due date", MilestoneState{Status: MilestoneInProgress}, at(due, 40*day), ScheduleOnTrack},
	}
	for _, tt := range tests {
		if got := ScheduleOf(tt.m, tt.now, 3*day); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := ScheduleOf(open, at(due, -time.Hour), 0); got != ScheduleOnTrack {
		t.Errorf("no window: %s the hour before the date, want on_track", got)
	}
	if w := DefaultReminderPolicy().DueSoonWindow(); w != 3*day {
		t.Errorf("default due-soon window %v, want 3 days", w)
	}
}

func TestCompletionOf(t *testing.T) {
	ms := func(specs ...string) CommitmentState {
		var s CommitmentState
		for _, sp := range specs {
			var st MilestoneStatus
			var pct int
			switch sp[0] {
			case 'n':
				st = MilestoneNotStarted
			case 'p':
				st = MilestoneInProgress
			case 'c':
				st, pct = MilestoneCompleted, 100
			}
			if len(sp) > 1 {
				_, _ = fmt.Sscanf(sp[1:], "%d", &pct)
			}
			s.Milestones = append(s.Milestones, MilestoneState{Status: st, Percent: pct})
		}
		return s
	}
	tests := []struct {
		name string
		s    CommitmentState
		want Completion
	}{
		{"no milestones", ms(), CompletionNotStarted},
		{"none started", ms("n", "n"), CompletionNotStarted},
		{"one in progress at 0", ms("p0", "n"), CompletionLimited},
		{"a little", ms("p20", "n", "n"), CompletionLimited},
		{"one of three done", ms("c", "p10", "n"), CompletionLimited},
		{"half done", ms("c", "n"), CompletionSubstantial},
		{"two of four", ms("c", "c", "n", "n"), CompletionSubstantial},
		{"average 50", ms("p60", "p40"), CompletionSubstantial},
		{"average 49", ms("p60", "p38"), CompletionLimited},
		{"all done", ms("c", "c"), CompletionCompleted},
	}
	for _, tt := range tests {
		if got := CompletionOf(tt.s); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// sendAll runs the reminder loop the workflow runs, from..to: wait for the
// next reminder, send it. It returns what was sent.
func sendAll(t *testing.T, s *CommitmentState, from, to time.Time) []MilestoneReminder {
	t.Helper()
	return sendAllTimed(t, s, from, to, ExactReminders)
}

func sendAllTimed(t *testing.T, s *CommitmentState, from, to time.Time, timing ReminderTiming) []MilestoneReminder {
	t.Helper()
	var out []MilestoneReminder
	now := from
	for range 1000 {
		at, id, ok := NextMilestoneReminder(*s, now, timing)
		if !ok {
			return out
		}
		if at.After(now) {
			now = at
		}
		if now.After(to) {
			return out
		}
		r, ev := s.ApplyMilestoneReminder(now, id, timing)
		if r.Number == 0 || len(ev) != 1 {
			t.Fatalf("NextMilestoneReminder said %d is due at %v, ApplyMilestoneReminder sent nothing", id, now)
		}
		out = append(out, r)
	}
	t.Fatal("reminder loop does not end")
	return nil
}

func TestDefaultReminderSchedule(t *testing.T) {
	s := newCommitment(t)
	s.Milestones = s.Milestones[:1] // 11, due 2027-06-30
	due := Date("2027-06-30")
	sent := sendAll(t, &s, cStart, due.Time().Add(40*day))
	base := []int64{cLead, cResp}
	withCoord := []int64{cCoord, cLead, cResp}
	all := []int64{cCoord, cApprover, cApprov2, cLead, cResp, cMonitor}
	want := []struct {
		at         time.Time
		kind       string
		overdue    int
		escalation int
		to         []int64
	}{
		{due.Time().Add(-14 * day), ReminderBefore, 0, 0, base},
		{due.Time().Add(-3 * day), ReminderBefore, 0, 0, base},
		{due.Time(), ReminderDue, 0, 0, base},
		{due.EndTime(), ReminderOverdue, 1, 0, base},
		{due.EndTime().Add(7 * day), ReminderOverdue, 2, EscalationCoordinator, withCoord},
		{due.EndTime().Add(14 * day), ReminderOverdue, 3, EscalationCoordinator, withCoord},
		{due.EndTime().Add(21 * day), ReminderOverdue, 4, EscalationForum, all},
		{due.EndTime().Add(28 * day), ReminderOverdue, 5, EscalationForum, all},
		{due.EndTime().Add(35 * day), ReminderOverdue, 6, EscalationForum, all},
	}
	if len(sent) != len(want) {
		t.Fatalf("%d reminders, want %d: %+v", len(sent), len(want), sent)
	}
	for i, w := range want {
		r := sent[i]
		if r.Number != i+1 || !r.At.Equal(w.at) || r.Kind != w.kind || r.Overdue != w.overdue || r.Escalation != w.escalation || !slices.Equal(r.Recipients, w.to) {
			t.Errorf("reminder %d: %+v, want at %v %s overdue %d escalation %d to %v", i+1, r, w.at, w.kind, w.overdue, w.escalation, w.to)
		}
		if key := fmt.Sprintf("commitment-7/milestone/11/due/0/reminder/%d", i+1); r.DedupKey != key {
			t.Errorf("key %s, want %s", r.DedupKey, key)
		}
	}
	if m := s.Milestone(11); m.RemindersSent != 9 || m.OverdueSent != 6 || m.LastReminderAt == nil {
		t.Errorf("counters %+v", m)
	}
}

func TestShortReminderPolicy(t *testing.T) {
	s := newCommitment(t)
	s.Milestones = s.Milestones[:1]
	s.LeadUserID = 0
	s.Milestones[0].ResponsibleUserID = 0
	s.Policy = ReminderPolicy{Before: []time.Duration{time.Minute, 2 * time.Minute, time.Minute}, OnDue: true, OverdueEvery: 5 * time.Minute, CoordinatorAfter: 1, ForumAfter: 2}
	due := Date("2027-06-30")
	sent := sendAll(t, &s, due.Time().Add(-time.Hour), due.EndTime().Add(12*time.Minute))
	var got []string
	for _, r := range sent {
		got = append(got, fmt.Sprintf("%d %s %s e%d %v", r.Number, r.Kind, r.At.Sub(due.Time()), r.Escalation, r.Recipients))
	}
	want := []string{
		"1 before -2m0s e0 [1]", // neither lead nor responsible is a user: the coordinator
		"2 before -1m0s e0 [1]",
		"3 due 0s e0 [1]",
		"4 overdue 24h0m0s e1 [1]",
		"5 overdue 24h5m0s e2 [1 2 3 6]",
		"6 overdue 24h10m0s e2 [1 2 3 6]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("short schedule\n got %q\nwant %q", got, want)
	}
}

// TestSpreadReminderSchedule: spreading moves all of a milestone's
// reminders by its own offset and changes nothing else: the same
// reminders, numbers, escalations, recipients and keys, in the same order.
func TestSpreadReminderSchedule(t *testing.T) {
	due := Date("2027-06-30")
	sameDay := func() CommitmentState {
		s := newCommitment(t)
		s.Milestone(12).DueOn = due // both due the same day
		return s
	}
	exactState, spreadState := sameDay(), sameDay()
	exact := sendAll(t, &exactState, cStart, due.EndTime().Add(40*day))
	spread := sendAllTimed(t, &spreadState, cStart, due.EndTime().Add(40*day), SpreadReminders)
	if len(exact) != 18 || len(spread) != len(exact) {
		t.Fatalf("%d reminders exact, %d spread; want 18 each", len(exact), len(spread))
	}
	window := spreadState.Policy.SpreadWindow()
	if window != DefaultReminderSpread {
		t.Fatalf("window %v, want the default", window)
	}
	offsets := map[int64]time.Duration{}
	for _, id := range []int64{11, 12} {
		offsets[id] = MilestoneReminderOffset(window, 1, 7, id)
	}
	if offsets[11] == offsets[12] {
		t.Fatalf("milestones 11 and 12 share the offset %v", offsets[11])
	}
	// The exact loop alternates 11 and 12 at each shared instant; spread,
	// the one with the smaller offset goes first: compare per milestone.
	byMilestone := func(rs []MilestoneReminder) map[int64][]MilestoneReminder {
		out := map[int64][]MilestoneReminder{}
		for _, r := range rs {
			out[r.MilestoneID] = append(out[r.MilestoneID], r)
		}
		return out
	}
	ex, sp := byMilestone(exact), byMilestone(spread)
	for _, id := range []int64{11, 12} {
		if len(ex[id]) != 9 || len(sp[id]) != 9 {
			t.Fatalf("milestone %d: %d exact, %d spread reminders", id, len(ex[id]), len(sp[id]))
		}
		for i, e := range ex[id] {
			g := sp[id][i]
			if g.Offset != offsets[id] || !g.At.Equal(e.At.Add(offsets[id])) || g.Number != e.Number || g.Kind != e.Kind ||
				g.Escalation != e.Escalation || !slices.Equal(g.Recipients, e.Recipients) || g.DedupKey != e.DedupKey {
				t.Errorf("milestone %d reminder %d\n spread %+v\n exact  %+v", id, i+1, g, e)
			}
		}
	}
	for i := 1; i < len(spread); i++ {
		if spread[i].At.Before(spread[i-1].At) {
			t.Errorf("reminder %d at %v before the previous one at %v", i, spread[i].At, spread[i-1].At)
		}
	}
	// Not yet due between the nominal time and the milestone's offset.
	s := sameDay()
	first := due.Time().Add(-14 * day)
	at, id, ok := NextMilestoneReminder(s, first, SpreadReminders)
	lo := min(offsets[11], offsets[12])
	if !ok || !at.Equal(first.Add(lo)) {
		t.Fatalf("next spread reminder %v for %d, want %v", at, id, first.Add(lo))
	}
	if r, _ := s.ApplyMilestoneReminder(first, id, SpreadReminders); r.Number != 0 {
		t.Errorf("sent at the nominal time, before its offset: %+v", r)
	}
	// The wording counts from the nominal time: 14 days, not 13.
	r, _ := s.ApplyMilestoneReminder(at, id, SpreadReminders)
	if n := MilestoneReminderNotifications(&s, r, at); len(n) == 0 || !strings.Contains(n[0].Body, "in 14 days") {
		t.Errorf("spread reminder body: %+v", n)
	}
}

// TestSpreadKeepsOrderOfCloseReminders: Before offsets a second apart,
// overdue ones every minute, a window of an hour: one offset for the
// milestone keeps every reminder in its place.
func TestSpreadKeepsOrderOfCloseReminders(t *testing.T) {
	s := newCommitment(t)
	s.Milestones = s.Milestones[:1]
	hour := time.Hour
	s.Policy = ReminderPolicy{Before: []time.Duration{2 * time.Second, time.Second}, OnDue: true, OverdueEvery: time.Minute, Spread: &hour}
	due := Date("2027-06-30")
	off := MilestoneReminderOffset(hour, 1, 7, 11)
	sent := sendAllTimed(t, &s, due.Time().Add(-time.Hour), due.EndTime().Add(off+3*time.Minute), SpreadReminders)
	var got []string
	for _, r := range sent {
		got = append(got, fmt.Sprintf("%d %s %s", r.Number, r.Kind, r.At.Sub(due.Time().Add(off))))
	}
	want := []string{"1 before -2s", "2 before -1s", "3 due 0s", "4 overdue 24h0m0s", "5 overdue 24h1m0s", "6 overdue 24h2m0s", "7 overdue 24h3m0s"}
	if !slices.Equal(got, want) {
		t.Errorf("offset %v\n got %q\nwant %q", off, got, want)
	}
	// Spread 0 is exact.
	zero := time.Duration(0)
	s2 := newCommitment(t)
	s2.Policy.Spread = &zero
	if at, _, _ := NextMilestoneReminder(s2, cStart, SpreadReminders); !at.Equal(due.Time().Add(-14 * day)) {
		t.Errorf("spread 0: first reminder at %v", at)
	}
}

func TestReminderCatchUpAndStops(t *testing.T) {
	due := Date("2027-06-30")
	t.Run("a reminder missed during a crash goes out once", func(t *testing.T) {
		s := newCommitment(t)
		s.Milestones = s.Milestones[:1]
		at, id, _ := NextMilestoneReminder(s, cStart, ExactReminders)
		if !at.Equal(due.Time().Add(-14*day)) || id != 11 {
			t.Fatalf("first reminder %v for %d", at, id)
		}
		// The worker was down from before the reminder until 2 hours after.
		late := at.Add(2 * time.Hour)
		if at2, _, ok := NextMilestoneReminder(s, late, ExactReminders); !ok || !at2.Equal(at) {
			t.Fatalf("missed reminder not due now: %v %v", at2, ok)
		}
		r, _ := s.ApplyMilestoneReminder(late, 11, ExactReminders)
		if r.Number != 1 {
			t.Fatalf("sent %+v", r)
		}
		if again, _ := s.ApplyMilestoneReminder(late, 11, ExactReminders); again.Number != 0 {
			t.Errorf("the same reminder was due twice: %+v", again)
		}
		if next, _, _ := NextMilestoneReminder(s, late, ExactReminders); !next.Equal(due.Time().Add(-3 * day)) {
			t.Errorf("next after the catch-up %v", next)
		}
	})
	t.Run("several missed: only the latest goes out", func(t *testing.T) {
		s := newCommitment(t)
		s.Milestones = s.Milestones[:1]
		now := due.EndTime().Add(15*day + time.Hour) // overdue slots 1, 2 and 3 passed
		sent := sendAll(t, &s, now, now)
		if len(sent) != 1 || sent[0].Overdue != 3 || sent[0].Number != 6 || sent[0].Escalation != EscalationCoordinator {
			t.Fatalf("catch-up %+v", sent)
		}
		if next, _, _ := NextMilestoneReminder(s, now, ExactReminders); !next.Equal(due.EndTime().Add(21 * day)) {
			t.Errorf("next %v", next)
		}
	})
	t.Run("completion stops them", func(t *testing.T) {
		s := newCommitment(t)
		s.ApplyCompleteMilestone(CompleteMilestoneInput{MilestoneID: 11, Evidence: []string{"https://e.example"}, Actor: who(cLead)}, cStart)
		if _, id, ok := NextMilestoneReminder(s, cStart, ExactReminders); !ok || id != 12 {
			t.Errorf("next is for %d (%v), want milestone 12", id, ok)
		}
		if r, ev := s.ApplyMilestoneReminder(due.EndTime(), 11, ExactReminders); r.Number != 0 || ev != nil {
			t.Errorf("completed milestone reminded: %+v", r)
		}
	})
	t.Run("earliest milestone first", func(t *testing.T) {
		s := newCommitment(t)
		s.Milestone(12).DueOn = "2027-06-20"
		if _, id, _ := NextMilestoneReminder(s, cStart, ExactReminders); id != 12 {
			t.Errorf("next for %d, want 12", id)
		}
	})
	t.Run("no repeats", func(t *testing.T) {
		s := newCommitment(t)
		s.Milestones = s.Milestones[:1]
		s.Policy = ReminderPolicy{OnDue: true}
		sent := sendAll(t, &s, cStart, due.EndTime().Add(100*day))
		if len(sent) != 1 || sent[0].Kind != ReminderDue {
			t.Errorf("sent %+v", sent)
		}
	})
	t.Run("amendment starts a new numbering", func(t *testing.T) {
		s := newCommitment(t)
		s.Milestones = s.Milestones[:1]
		first := sendAll(t, &s, cStart, due.EndTime().Add(8*day))
		s.ApplyRequestAmendment(RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-09-30", Reason: "r", Actor: who(cLead)}, due.EndTime().Add(8*day))
		now := due.EndTime().Add(9 * day)
		s.ApplyDecideAmendment(DecideRequestInput{Seq: 1, Decision: DecisionApprove, Actor: who(cApprover)}, now)
		s.ApplyDecideAmendment(DecideRequestInput{Seq: 1, Decision: DecisionApprove, Actor: who(cApprov2)}, now)
		second := sendAll(t, &s, now, Date("2027-10-01").EndTime())
		keys := map[string]bool{}
		for _, r := range append(first, second...) {
			if keys[r.DedupKey] {
				t.Errorf("key %s twice", r.DedupKey)
			}
			keys[r.DedupKey] = true
		}
		if len(first) != 5 || len(second) != 4 || second[0].DedupKey != "commitment-7/milestone/11/due/1/reminder/1" ||
			!second[0].At.Equal(Date("2027-09-30").Time().Add(-14*day)) || second[3].Kind != ReminderOverdue || second[3].Escalation != 0 {
			t.Errorf("first %d second %+v", len(first), second)
		}
	})
}

func TestMilestoneReminderNotifications(t *testing.T) {
	s := newCommitment(t)
	due := Date("2027-06-30")
	now := due.Time().Add(-3 * day)
	r, _ := s.ApplyMilestoneReminder(now, 11, ExactReminders)
	notes := MilestoneReminderNotifications(&s, r, now)
	if len(notes) != 2 || notes[0].UserID != cLead || notes[1].UserID != cResp {
		t.Fatalf("notes %+v", notes)
	}
	n := notes[0]
	if n.Kind != NotificationMilestoneReminder || n.DedupKey != r.DedupKey || n.PlanID != 1 || n.Step != 9 ||
		!strings.Contains(n.Subject, `"Pilot" is due on 2027-06-30`) || !strings.Contains(n.Body, "in 3 days") {
		t.Errorf("before: %+v", n)
	}
	now = due.EndTime().Add(21*day + 5*time.Hour)
	r, _ = s.ApplyMilestoneReminder(now, 11, ExactReminders)
	notes = MilestoneReminderNotifications(&s, r, now)
	n = notes[0]
	if len(notes) != 6 || !strings.Contains(n.Subject, "is overdue (reminder 4)") ||
		!strings.Contains(n.Body, "was due on 2027-06-30 and has been overdue since 2027-07-01 (21 days)") ||
		!strings.Contains(n.Body, "explanation of the delay") || !strings.Contains(n.Body, "monitoring body receive this reminder") {
		t.Errorf("overdue: %d notes, %q / %q", len(notes), n.Subject, n.Body)
	}
	if got := humanDuration(90 * time.Second); got != "1 minute" {
		t.Errorf("humanDuration %q", got)
	}
}

func TestCommitmentEventNotifications(t *testing.T) {
	s := newCommitment(t)
	ev := s.ApplyRequestAmendment(RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-09-30", Reason: "supplier", Actor: who(cLead)}, cStart)
	notes := CommitmentEventNotifications(&s, ev)
	if len(notes) != 2 || notes[0].UserID != cApprover || notes[0].Kind != NotificationDecisionNeeded || !strings.Contains(notes[0].Body, "from 2027-06-30 to 2027-09-30") {
		t.Errorf("request notes %+v", notes)
	}
	s.ApplyDecideAmendment(DecideRequestInput{Seq: 1, Decision: DecisionApprove, Actor: who(cApprover)}, cStart)
	ev = s.ApplyDecideAmendment(DecideRequestInput{Seq: 1, Decision: DecisionApprove, Actor: who(cApprov2)}, cStart)
	notes = CommitmentEventNotifications(&s, ev)
	if len(notes) != 1 || notes[0].UserID != cLead || notes[0].Kind != NotificationRequestDecided {
		t.Errorf("decided notes %+v", notes)
	}
}

func TestValidateReminderPolicy(t *testing.T) {
	for name, tt := range map[string]struct {
		p    ReminderPolicy
		code string
	}{
		"default":       {DefaultReminderPolicy(), ""},
		"short":         {ReminderPolicy{Before: []time.Duration{time.Minute}, OverdueEvery: time.Minute}, ""},
		"negative":      {ReminderPolicy{Before: []time.Duration{-time.Hour}}, "invalid_reminder_policy"},
		"too often":     {ReminderPolicy{OverdueEvery: time.Second}, "invalid_reminder_policy"},
		"negative step": {ReminderPolicy{CoordinatorAfter: -1}, "invalid_reminder_policy"},
	} {
		if code := codeOf(ValidateReminderPolicy(tt.p)); code != tt.code {
			t.Errorf("%s: %q, want %q", name, code, tt.code)
		}
	}
}
