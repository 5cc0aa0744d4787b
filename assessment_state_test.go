package ogp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// People of the round tests.
const (
	arCoord    = int64(1)
	arApprover = int64(2)
	arLead     = int64(4)
	arLead2    = int64(5)
	arMonitor  = int64(6)
	arTeamMon  = int64(7) // monitoring body, but on the team
	arOutsider = int64(9)
)

var arStart = time.Date(2028, 7, 3, 9, 0, 0, 0, time.UTC)

func roundStart(kind AssessmentKind) RoundStart {
	return RoundStart{
		RoundID: 3, PlanID: 1, PlanTitle: "Open Athens", Kind: kind, OpenedBy: arMonitor,
		Members: []Member{
			{UserID: arCoord, Roles: []Role{RoleCoordinator}},
			{UserID: arApprover, Roles: []Role{RoleApprover}},
			{UserID: arMonitor, Roles: []Role{RoleMonitoringBody}},
			{UserID: arTeamMon, Roles: []Role{RoleMonitoringBody, RoleContributor}},
		},
		Team: []int64{arCoord, arTeamMon},
		Commitments: []RoundCommitment{
			{CommitmentID: 7, Number: 1, Title: "Contracts online", LeadUserID: arLead, Milestones: []int64{11, 12}},
			{CommitmentID: 8, Number: 2, Title: "Participatory budget", LeadUserID: arLead2, Milestones: []int64{21}},
		},
	}
}

func arCode(t *testing.T, err error, want string) {
	t.Helper()
	var e *Error
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("got %v, want code %s", err, want)
	}
}

func arAssessment(id int64, kind AssessmentKind) RecordAssessmentInput {
	in := RecordAssessmentInput{CommitmentID: id, Completion: CompletionSubstantial, Impact: ImpactModerate,
		Relevance: []ValueRelevance{
			{Value: ValueAccountability, Relevant: false, Note: "no"},
			{Value: ValueTransparency, Relevant: true, Note: "yes"},
			{Value: ValueParticipation, Relevant: true, Note: "yes"},
		},
		Recommendations: "Publish the data.", Actor: Actor{UserID: arMonitor}}
	if kind == AssessResults {
		in.OpenedGovernment = OpenedMajor
	}
	ms := map[int64][]int64{7: {11, 12}, 8: {21}}[id]
	for _, m := range ms {
		in.Milestones = append(in.Milestones, MilestoneVerdict{MilestoneID: m, Verdict: EvidenceAccepted})
	}
	return in
}

func TestRoundDefaultsAndEvidence(t *testing.T) {
	s, ev := NewRoundState(roundStart(AssessResults), "assessment-3", arStart)
	if s.Stage != StageCollectingEvidence || s.SelfAssessmentFor != DefaultStageDuration || s.CommentFor != 14*24*time.Hour ||
		len(ev) != 1 || ev[0].Kind != EventRoundOpened || ev[0].Step != 10 {
		t.Fatalf("new round %+v %+v", s, ev)
	}
	ev = s.ApplyEvidence("abc", []ChecklistItem{{Key: ChecklistForumMet, Rating: RatingMet}}, arStart)
	if s.Stage != StageSelfAssessment || !s.StageDueAt.Equal(arStart.Add(DefaultStageDuration)) || s.EvidenceHash != "abc" || len(s.Checklist) != 0 {
		t.Fatalf("after evidence %+v", s)
	}
	if ev[len(ev)-1].Kind != EventSelfAssessmentRequested {
		t.Errorf("events %+v", ev)
	}
	notes := AssessmentEventNotifications(&s, ev)
	if len(notes) != 2 || notes[0].UserID != arLead || notes[1].UserID != arLead2 || notes[0].Kind != NotificationSelfAssessmentRequested {
		t.Errorf("notifications %+v", notes)
	}
	// Applying again does nothing.
	if ev := s.ApplyEvidence("x", nil, arStart); ev != nil || s.EvidenceHash != "abc" {
		t.Errorf("second evidence applied")
	}

	// Without leads: straight to the assessment; co-creation keeps the
	// prefill, in checklist order, marked as such.
	st := roundStart(AssessCoCreation)
	for i := range st.Commitments {
		st.Commitments[i].LeadUserID = 0
	}
	st.AssessmentFor = 3 * 24 * time.Hour
	c, _ := NewRoundState(st, "assessment-3", arStart)
	c.ApplyEvidence("h", []ChecklistItem{{Key: ChecklistAwarenessDone, Rating: RatingMet}, {Key: ChecklistForumMet, Rating: RatingPartlyMet},
		{Key: "bogus", Rating: RatingMet}}, arStart)
	if c.Stage != StageAssessment || !c.StageDueAt.Equal(arStart.Add(3*24*time.Hour)) || len(c.Checklist) != 2 ||
		c.Checklist[0].Key != ChecklistForumMet || !c.Checklist[0].Prefilled {
		t.Fatalf("co-creation without leads %+v", c)
	}
}

func TestRoundSelfAssessment(t *testing.T) {
	s, _ := NewRoundState(roundStart(AssessImplementation), "assessment-3", arStart)
	in := SubmitSelfAssessmentInput{CommitmentID: 7, Completion: CompletionLimited, Narrative: "Pilot done", Actor: Actor{UserID: arLead}}
	arCode(t, s.ValidateSubmitSelfAssessment(in, arStart), "wrong_stage")
	s.ApplyEvidence("h", nil, arStart)
	bad := in
	bad.Actor = Actor{UserID: arLead2}
	arCode(t, s.ValidateSubmitSelfAssessment(bad, arStart), "not_lead")
	bad = in
	bad.CommitmentID = 99
	arCode(t, s.ValidateSubmitSelfAssessment(bad, arStart), "unknown_commitment")
	bad = in
	bad.Narrative = " "
	arCode(t, s.ValidateSubmitSelfAssessment(bad, arStart), "narrative_required")
	bad = in
	bad.Completion = "done"
	arCode(t, s.ValidateSubmitSelfAssessment(bad, arStart), "invalid_completion")
	arCode(t, s.ValidateSubmitSelfAssessment(in, arStart), "")
	s.ApplySubmitSelfAssessment(in, arStart)
	arCode(t, s.ValidateSubmitSelfAssessment(in, arStart), "self_assessment_submitted")
	if s.Stage != StageSelfAssessment || !slices.Equal(s.PendingLeads(), []int64{arLead2}) {
		t.Fatalf("after one: %s %v", s.Stage, s.PendingLeads())
	}
	in2 := SubmitSelfAssessmentInput{CommitmentID: 8, Completion: CompletionCompleted, Narrative: "Done", Actor: Actor{UserID: arLead2}}
	now := arStart.Add(time.Hour)
	ev := s.ApplySubmitSelfAssessment(in2, now)
	if s.Stage != StageAssessment || !s.StageDueAt.Equal(now.Add(DefaultStageDuration)) || ev[len(ev)-1].Kind != EventRoundStageChanged {
		t.Fatalf("all in: %s %v %+v", s.Stage, s.StageDueAt, ev)
	}
}

func TestRoundTimers(t *testing.T) {
	s, _ := NewRoundState(roundStart(AssessResults), "assessment-3", arStart)
	if _, ok := NextRoundTimer(s); ok {
		t.Fatal("timer while collecting evidence")
	}
	s.ApplyEvidence("h", nil, arStart)
	due := arStart.Add(DefaultStageDuration)
	at, ok := NextRoundTimer(s)
	if !ok || !at.Equal(due.Add(-3*24*time.Hour)) {
		t.Fatalf("first timer %v", at)
	}
	s.ApplySubmitSelfAssessment(SubmitSelfAssessmentInput{CommitmentID: 7, Completion: CompletionLimited, Narrative: "x", Actor: Actor{UserID: arLead}}, arStart)
	r, _ := s.ApplyRoundTimer(at)
	if r.Number != 1 || !slices.Equal(r.Recipients, []int64{arLead2}) || r.DedupKey != "assessment-3/stage/self_assessment/reminder/1" {
		t.Fatalf("self-assessment reminder %+v", r)
	}
	if at, _ := NextRoundTimer(s); !at.Equal(due) {
		t.Fatalf("deadline timer %v", at)
	}
	r, ev := s.ApplyRoundTimer(due)
	if r.Number != 0 || s.Stage != StageAssessment || len(ev) != 1 {
		t.Fatalf("deadline: %+v %s", r, s.Stage)
	}
	if m, _ := ev[0].Payload["missing_self_assessments"].([]int64); !slices.Equal(m, []int64{8}) {
		t.Errorf("missing %+v", ev[0].Payload)
	}
	adue := *s.StageDueAt
	r, _ = s.ApplyRoundTimer(adue)
	if r.Number != 1 || !slices.Equal(r.Recipients, []int64{arMonitor}) || r.DedupKey != "assessment-3/stage/assessment/reminder/1" {
		t.Fatalf("assessment reminder %+v", r)
	}
	// Three weeks of downtime: only the latest missed reminder goes out.
	if at, _ := NextRoundTimer(s); !at.Equal(adue.Add(7 * 24 * time.Hour)) {
		t.Fatalf("second reminder at %v", at)
	}
	r, _ = s.ApplyRoundTimer(adue.Add(22 * 24 * time.Hour))
	if r.Number != 4 || s.StageReminders != 4 || s.Reminders != 3 {
		t.Fatalf("catch-up %+v, %d/%d", r, s.StageReminders, s.Reminders)
	}
	notes := RoundReminderNotifications(&s, r, adue.Add(22*24*time.Hour))
	if len(notes) != 1 || notes[0].Kind != NotificationAssessmentReminder || !strings.Contains(notes[0].Subject, "reminder 4") {
		t.Errorf("notes %+v", notes)
	}
}

func TestRoundAssessmentRules(t *testing.T) {
	s, _ := NewRoundState(roundStart(AssessResults), "assessment-3", arStart)
	s.ApplyEvidence("h", nil, arStart)
	in := arAssessment(7, AssessResults)
	arCode(t, s.ValidateRecordAssessment(in, arStart), "wrong_stage")
	s.ApplyRoundTimer(*s.StageDueAt)
	s.ApplyRoundTimer(*s.StageDueAt) // past reminder: deadline
	if s.Stage != StageAssessment {
		t.Fatalf("stage %s", s.Stage)
	}
	for _, c := range []struct {
		mut  func(*RecordAssessmentInput)
		code string
	}{
		{func(in *RecordAssessmentInput) { in.Actor = Actor{UserID: arOutsider} }, "not_monitoring_body"},
		{func(in *RecordAssessmentInput) { in.Actor = Actor{UserID: arCoord, IsAdmin: true} }, "not_monitoring_body"},
		{func(in *RecordAssessmentInput) { in.Actor = Actor{UserID: arTeamMon} }, "not_independent"},
		{func(in *RecordAssessmentInput) { in.CommitmentID = 99 }, "unknown_commitment"},
		{func(in *RecordAssessmentInput) { in.Completion = "" }, "invalid_completion"},
		{func(in *RecordAssessmentInput) { in.Relevance = in.Relevance[:2] }, "relevance_missing"},
		{func(in *RecordAssessmentInput) { in.Relevance[0].Note = "" }, "relevance_note_required"},
		{func(in *RecordAssessmentInput) { in.Relevance[1].Value = ValueAccountability }, "duplicate_value"},
		{func(in *RecordAssessmentInput) { in.Impact = "huge" }, "invalid_impact"},
		{func(in *RecordAssessmentInput) { in.OpenedGovernment = "" }, "opened_government_required"},
		{func(in *RecordAssessmentInput) { in.Milestones = in.Milestones[:1] }, "missing_verdicts"},
		{func(in *RecordAssessmentInput) { in.Milestones[0].MilestoneID = 21 }, "unknown_milestone"},
		{func(in *RecordAssessmentInput) { in.Milestones[1].MilestoneID = 11 }, "duplicate_milestone"},
		{func(in *RecordAssessmentInput) { in.Milestones[0].Verdict = EvidenceChallenged }, "challenge_note_required"},
		{func(in *RecordAssessmentInput) { in.Milestones[0].Verdict = "maybe" }, "invalid_verdict"},
		{func(in *RecordAssessmentInput) { in.Recommendations = "" }, "recommendations_required"},
	} {
		x := arAssessment(7, AssessResults)
		c.mut(&x)
		arCode(t, s.ValidateRecordAssessment(x, arStart), c.code)
	}
	arCode(t, s.ValidatePublishDraft(PublishDraftInput{Summary: "s", Actor: Actor{UserID: arMonitor}}, arStart), "assessment_incomplete")
	arCode(t, s.ValidateRecordChecklist(RecordChecklistInput{Items: []ChecklistItem{{Key: ChecklistForumMet, Rating: RatingMet, Note: "n"}},
		Actor: Actor{UserID: arMonitor}}, arStart), "checklist_co_creation_only")
	in.Milestones[1] = MilestoneVerdict{MilestoneID: 12, Verdict: EvidenceChallenged, Note: "The link is dead"}
	arCode(t, s.ValidateRecordAssessment(in, arStart), "")
	s.ApplyRecordAssessment(arAssessment(8, AssessResults), arStart)
	s.ApplyRecordAssessment(in, arStart)
	in.Impact = ImpactTransformative
	s.ApplyRecordAssessment(in, arStart)
	if len(s.Assessments) != 2 || s.Assessments[0].CommitmentID != 7 || s.Assessments[0].Impact != ImpactTransformative ||
		s.Assessments[0].Relevance[0].Value != ValueTransparency || s.Assessments[0].Milestones[1].Verdict != EvidenceChallenged {
		t.Fatalf("assessments %+v", s.Assessments)
	}

	// Implementation rounds do not say whether it opened government.
	im, _ := NewRoundState(roundStart(AssessImplementation), "assessment-4", arStart)
	im.Stage = StageAssessment
	x := arAssessment(7, AssessImplementation)
	arCode(t, im.ValidateRecordAssessment(x, arStart), "")
	x.OpenedGovernment = OpenedMarginal
	arCode(t, im.ValidateRecordAssessment(x, arStart), "opened_government_results_only")
}

func TestRoundCoCreationThroughPublication(t *testing.T) {
	st := roundStart(AssessCoCreation)
	st.Commitments = st.Commitments[:1]
	st.Commitments[0].LeadUserID = 0
	s, _ := NewRoundState(st, "assessment-3", arStart)
	s.ApplyEvidence("evidence-hash", []ChecklistItem{{Key: ChecklistForumMet, Rating: RatingMet, Note: "4 meetings"}}, arStart)
	mon := Actor{UserID: arMonitor}
	err := s.ValidatePublishDraft(PublishDraftInput{Summary: "Good process", Actor: mon}, arStart)
	var e *Error
	if !errors.As(err, &e) || e.Code != "assessment_incomplete" || len(e.Violations) != 4 || e.Violations[0].Item != "commitment:7" ||
		e.Violations[1].Item != "checklist:awareness_done" {
		t.Fatalf("draft refused with %+v", err)
	}
	s.ApplyRecordAssessment(arAssessment(7, AssessCoCreation), arStart)
	ck := RecordChecklistInput{Items: []ChecklistItem{
		{Key: ChecklistCivilSocietyCoSigned, Rating: RatingNotMet, Note: "Only the mayor signed"},
		{Key: ChecklistAwarenessDone, Rating: RatingPartlyMet, Note: "One event"},
		{Key: ChecklistReasonedResponsesPublished, Rating: RatingMet, Note: "Published"},
	}, Actor: mon}
	bad := ck
	bad.Items = []ChecklistItem{{Key: ChecklistForumMet, Rating: "great", Note: "x"}}
	arCode(t, s.ValidateRecordChecklist(bad, arStart), "invalid_rating")
	bad.Items = []ChecklistItem{{Key: ChecklistForumMet, Rating: RatingMet}}
	arCode(t, s.ValidateRecordChecklist(bad, arStart), "checklist_note_required")
	bad.Items = []ChecklistItem{{Key: "budget", Rating: RatingMet, Note: "x"}}
	arCode(t, s.ValidateRecordChecklist(bad, arStart), "unknown_checklist_item")
	arCode(t, s.ValidateRecordChecklist(ck, arStart), "")
	s.ApplyRecordChecklist(ck, arStart)
	if len(s.Checklist) != 4 || s.Checklist[3].Key != ChecklistCivilSocietyCoSigned || !s.Checklist[0].Prefilled {
		t.Fatalf("checklist %+v", s.Checklist)
	}
	arCode(t, s.ValidatePublishDraft(PublishDraftInput{Actor: mon}, arStart), "summary_required")
	arCode(t, s.ValidatePublishDraft(PublishDraftInput{Summary: "Good process", Actor: mon}, arStart), "")
	ev := s.ApplyPublishDraft(PublishDraftInput{Summary: "Good process", Actor: mon}, arStart)
	notes := AssessmentEventNotifications(&s, ev)
	if len(notes) != 4 || notes[0].Kind != NotificationAssessmentDraftPublished { // coordinator, approver, two monitoring members
		t.Fatalf("draft notifications %+v", notes)
	}
	comm := AddCommentInput{Name: "Eleni", Text: "What about the budget?"}
	arCode(t, s.ValidateAddComment(AddCommentInput{Text: " "}, arStart), "text_required")
	arCode(t, s.ValidateAddComment(AddCommentInput{Text: strings.Repeat("x", 5001)}, arStart), "text_too_long")
	arCode(t, s.ValidateAddComment(comm, arStart), "")
	s.ApplyAddComment(comm, arStart)
	s.ApplyAddComment(AddCommentInput{Text: "Thanks"}, arStart)
	arCode(t, s.ValidateFinalise(FinaliseInput{Actor: mon}, arStart), "wrong_stage")
	end := *s.StageDueAt
	arCode(t, s.ValidateAddComment(comm, end), "comment_period_over")
	err = s.ValidateFinalise(FinaliseInput{Actor: mon}, end)
	if !errors.As(err, &e) || e.Code != "comments_unanswered" || len(e.Violations) != 2 {
		t.Fatalf("finalise refused with %v", err)
	}
	arCode(t, s.ValidateAnswerComment(AnswerCommentInput{Seq: 3, Answer: "x", Actor: mon}, end), "unknown_comment")
	arCode(t, s.ValidateAnswerComment(AnswerCommentInput{Seq: 1, Answer: "x", Actor: Actor{UserID: arTeamMon}}, end), "not_independent")
	s.ApplyAnswerComment(AnswerCommentInput{Seq: 1, Answer: "See annex", Actor: mon}, end)
	s.ApplyRoundTimer(end)
	if s.Stage != StageFinalising {
		t.Fatalf("stage %s", s.Stage)
	}
	s.ApplyAnswerComment(AnswerCommentInput{Seq: 2, Answer: "Welcome", Actor: mon}, end)
	arCode(t, s.ValidateFinalise(FinaliseInput{Actor: mon}, end), "")
	ev = s.ApplyFinalise(FinaliseInput{Summary: "Final summary", Actor: mon}, end)
	if s.Stage != StagePublished || s.PublishedAt == nil || s.Summary != "Final summary" || len(s.ReportHash) != 64 {
		t.Fatalf("published %+v", s)
	}
	b, err := CanonicalJSON(s.ReportContent())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != s.ReportHash || !strings.Contains(string(b), `"evidence_hash":"evidence-hash"`) {
		t.Errorf("hash %s of %s", s.ReportHash, b)
	}
	// The hash is reproducible from the report's JSON as published.
	raw, _ := json.Marshal(s.ReportContent())
	var back AssessmentReport
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := CanonicalJSON(back)
	if string(b2) != string(b) {
		t.Errorf("round trip changed the canonical JSON:\n%s\n%s", b, b2)
	}
	notes = AssessmentEventNotifications(&s, ev)
	if len(notes) != 4 || notes[0].Kind != NotificationAssessmentPublished || !strings.Contains(notes[0].Body, s.ReportHash) {
		t.Errorf("published notifications %+v", notes)
	}
	// Frozen.
	arCode(t, s.ValidateAnswerComment(AnswerCommentInput{Seq: 1, Answer: "y", Actor: mon}, end), "report_published")
	arCode(t, s.ValidateFinalise(FinaliseInput{Actor: mon}, end), "report_published")
	arCode(t, s.ValidateCancelRound(CancelRoundInput{Reason: "x", Actor: mon}, end), "report_published")
	arCode(t, s.ValidateAddComment(comm, end), "report_published")
	if _, ok := NextRoundTimer(s); ok {
		t.Error("timer after publication")
	}
}

func TestRoundCancel(t *testing.T) {
	s, _ := NewRoundState(roundStart(AssessResults), "assessment-3", arStart)
	mon := Actor{UserID: arMonitor}
	arCode(t, s.ValidateCancelRound(CancelRoundInput{Actor: mon}, arStart), "reason_required")
	arCode(t, s.ValidateCancelRound(CancelRoundInput{Reason: "x", Actor: Actor{UserID: arLead}}, arStart), "not_monitoring_body")
	arCode(t, s.ValidateCancelRound(CancelRoundInput{Reason: "x", Actor: mon}, arStart), "")
	s.ApplyCancelRound(CancelRoundInput{Reason: "Opened by mistake", Actor: mon}, arStart)
	if s.Stage != StageCancelled || s.CancelReason != "Opened by mistake" || !s.Ended() {
		t.Fatalf("%+v", s)
	}
	if ev := s.ApplyEvidence("h", nil, arStart); ev != nil || s.Stage != StageCancelled {
		t.Error("evidence reopened a cancelled round")
	}
	arCode(t, s.ValidateCancelRound(CancelRoundInput{Reason: "x", Actor: mon}, arStart), "round_cancelled")
}
