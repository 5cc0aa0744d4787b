package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// learningStore is what the learning routes (step 10) need: the learning
// plan, and the projection of the assessment rounds.
type learningStore interface {
	SaveLearningPlan(ctx context.Context, planID int64, lp ogp.LearningPlan) error
	LearningPlan(ctx context.Context, planID int64) (*ogp.LearningPlan, error)
	CreateRound(ctx context.Context, planID int64, kind ogp.AssessmentKind, openedBy int64) (models.RoundRecord, error)
	RoundStart(ctx context.Context, rec models.RoundRecord, durations [4]time.Duration) (ogp.RoundStart, error)
	Round(ctx context.Context, planID, roundID int64) (models.RoundRecord, error)
	Rounds(ctx context.Context, planID int64) ([]models.RoundRecord, error)
	EvidenceSnapshot(ctx context.Context, roundID int64) (models.EvidenceSnapshotRecord, error)
}

// Default stage durations of a round (the issue: 14 days each).
const defaultStageFor = models.DefaultRoundStageFor

// registerLearningRoutes adds step 10: the learning plan, and the
// monitoring body's assessment rounds, each run by its own workflow; the
// public reads rounds, their evidence and reports, and comments on drafts.
func (s *Server) registerLearningRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	const rounds = "/action-plans/:id/assessment-rounds"
	const one = rounds + "/:round_id"
	api.GET("/action-plans/:id/learning-plan", s.getLearningPlan)
	api.PUT("/action-plans/:id/learning-plan", s.putLearningPlan, auth)
	api.GET(rounds, s.listRounds)
	api.POST(rounds, s.openRound, auth)
	api.GET(one, s.getRound)
	api.GET(one+"/report", s.roundReport)
	api.GET(one+"/report.json", s.roundReportJSON)
	api.GET(one+"/evidence", s.roundEvidence)
	api.POST(one+"/self-assessments", s.submitSelfAssessment, auth)
	api.POST(one+"/assessments", s.recordAssessment, auth)
	api.POST(one+"/checklist", s.recordChecklist, auth)
	api.POST(one+"/draft", s.publishDraft, auth)
	api.POST(one+"/comments", s.addRoundComment)
	api.POST(one+"/comments/:seq/answer", s.answerRoundComment, auth)
	api.POST(one+"/finalise", s.finaliseRound, auth)
	api.POST(one+"/cancel", s.cancelRound, auth)
}

// --- learning plan

// LearningPlanResponse is the plan's learning plan.
type LearningPlanResponse struct {
	Objectives                 string `json:"objectives"`
	AccountabilityRequirements string `json:"accountability_requirements"`
	DataCollection             string `json:"data_collection"`
	DataStorage                string `json:"data_storage"`
	DataAnalysis               string `json:"data_analysis"`
	DataSharing                string `json:"data_sharing"`
	Participants               string `json:"participants"`
}

// maxLearningField bounds each text of the learning plan.
const maxLearningField = 10000

func (s *Server) getLearningPlan(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	lp, err := s.store.LearningPlan(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	if lp == nil {
		return ogp.Errorf(ogp.ENotFound, "learning_plan_missing", "plan %d has no learning plan yet", p.ID)
	}
	return c.JSON(http.StatusOK, LearningPlanResponse(*lp))
}

func (s *Server) putLearningPlan(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	var req LearningPlanResponse
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	lp := ogp.LearningPlan(req)
	for _, f := range []*string{&lp.Objectives, &lp.AccountabilityRequirements, &lp.DataCollection, &lp.DataStorage,
		&lp.DataAnalysis, &lp.DataSharing, &lp.Participants} {
		*f = strings.TrimSpace(*f)
		if len(*f) > maxLearningField {
			return ogp.Errorf(ogp.EUnprocessable, "learning_plan_too_long", "each text of the learning plan is at most %d characters", maxLearningField)
		}
	}
	if err := s.store.SaveLearningPlan(c.Request().Context(), p.ID, lp); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, LearningPlanResponse(lp))
}

// --- rounds

// RoundResponse is a round's public record: its stage and due time, the
// self-assessments, assessments, checklist, comments with their answers,
// and the hashes of its evidence and of its published report.
type RoundResponse struct {
	ID               int64                      `json:"id"`
	PlanID           int64                      `json:"plan_id"`
	Kind             string                     `json:"kind"`
	Stage            string                     `json:"stage"`
	StageDueAt       *string                    `json:"stage_due_at"`
	OpenedBy         int64                      `json:"opened_by"`
	WorkflowID       string                     `json:"workflow_id"`
	EvidenceHash     string                     `json:"evidence_hash"`
	ReportHash       string                     `json:"report_hash"`
	Commitments      []ogp.RoundCommitment      `json:"commitments"`
	SelfAssessments  []ogp.SelfAssessment       `json:"self_assessments"`
	Assessments      []ogp.CommitmentAssessment `json:"assessments"`
	Checklist        []ogp.ChecklistItem        `json:"checklist"`
	Summary          string                     `json:"summary"`
	Comments         []ogp.RoundComment         `json:"comments"`
	DraftPublishedAt *string                    `json:"draft_published_at"`
	PublishedAt      *string                    `json:"published_at"`
	CancelReason     string                     `json:"cancel_reason"`
	Version          int64                      `json:"version"`
}

func roundResponse(st ogp.AssessmentRoundState) RoundResponse {
	out := RoundResponse{ID: st.RoundID, PlanID: st.PlanID, Kind: string(st.Kind), Stage: string(st.Stage),
		StageDueAt: rfc3339Ptr(st.StageDueAt), OpenedBy: st.OpenedBy, WorkflowID: st.WorkflowID, EvidenceHash: st.EvidenceHash,
		ReportHash: st.ReportHash, Commitments: st.Commitments, SelfAssessments: st.SelfAssessments, Assessments: st.Assessments,
		Checklist: st.Checklist, Summary: st.Summary, Comments: st.Comments, DraftPublishedAt: rfc3339Ptr(st.DraftPublishedAt),
		PublishedAt: rfc3339Ptr(st.PublishedAt), CancelReason: st.CancelReason, Version: st.Version}
	if out.WorkflowID == "" {
		out.WorkflowID = ogp.AssessmentRoundWorkflowID(st.RoundID)
	}
	if out.Commitments == nil {
		out.Commitments = []ogp.RoundCommitment{}
	}
	for i := range out.Commitments {
		if out.Commitments[i].Milestones == nil {
			out.Commitments[i].Milestones = []int64{}
		}
	}
	if out.SelfAssessments == nil {
		out.SelfAssessments = []ogp.SelfAssessment{}
	}
	if out.Assessments == nil {
		out.Assessments = []ogp.CommitmentAssessment{}
	}
	for i := range out.Assessments {
		if out.Assessments[i].Relevance == nil {
			out.Assessments[i].Relevance = []ogp.ValueRelevance{}
		}
		if out.Assessments[i].Milestones == nil {
			out.Assessments[i].Milestones = []ogp.MilestoneVerdict{}
		}
	}
	if out.Checklist == nil {
		out.Checklist = []ogp.ChecklistItem{}
	}
	if out.Comments == nil {
		out.Comments = []ogp.RoundComment{}
	}
	return out
}

// roundOr404 loads the round named in the path, of plan p.
func (s *Server) roundOr404(c echo.Context, planID int64) (ogp.AssessmentRoundState, error) {
	id, err := parseID(c, "round_id", "assessment_round")
	if err != nil {
		return ogp.AssessmentRoundState{}, err
	}
	r, err := s.store.Round(c.Request().Context(), planID, id)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.AssessmentRoundState{}, ogp.Errorf(ogp.ENotFound, "unknown_round", "plan %d has no assessment round %d", planID, id)
	}
	if err != nil {
		return ogp.AssessmentRoundState{}, err
	}
	return r.RoundState()
}

func (s *Server) listRounds(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	rows, err := s.store.Rounds(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]RoundResponse, 0, len(rows))
	for _, r := range rows {
		st, err := r.RoundState()
		if err != nil {
			return err
		}
		out = append(out, roundResponse(st))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (s *Server) getRound(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	st, err := s.roundOr404(c, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roundResponse(st))
}

type openRoundRequest struct {
	Kind              string `json:"kind"`
	SelfAssessmentFor string `json:"self_assessment_for"`
	AssessmentFor     string `json:"assessment_for"`
	CommentFor        string `json:"comment_for"`
	FinalisingFor     string `json:"finalising_for"`
}

// requireMonitoringBody refuses anyone but an independent member of the
// monitoring body: a plan member with the monitoring_body role who is not
// on the team.
func (s *Server) requireMonitoringBody(c echo.Context, planID int64, content ogp.Content) error {
	u := currentUser(c)
	rows, err := s.store.ListMembers(c.Request().Context(), planID)
	if err != nil {
		return err
	}
	mb := false
	for _, m := range rows {
		mb = mb || (m.UserID == u.ID && m.HasRole(string(ogp.RoleMonitoringBody)))
	}
	if !mb {
		return ogp.Errorf(ogp.EForbidden, "not_monitoring_body", "only a member of the plan's monitoring body may do this")
	}
	for _, t := range content.Team {
		if t.UserID == u.ID {
			return ogp.Errorf(ogp.EForbidden, "not_independent",
				"you are on the plan's team: the monitoring body must be independent of the team it assesses")
		}
	}
	return nil
}

func (s *Server) openRound(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	content, err := s.store.LoadContent(ctx, p.ID)
	if err != nil {
		return err
	}
	if err := s.requireMonitoringBody(c, p.ID, content); err != nil {
		return err
	}
	var req openRoundRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	kind := ogp.AssessmentKind(req.Kind)
	durations := []time.Duration{defaultStageFor, defaultStageFor, defaultStageFor, defaultStageFor}
	for i, d := range []string{req.SelfAssessmentFor, req.AssessmentFor, req.CommentFor, req.FinalisingFor} {
		if d == "" {
			continue
		}
		v, err := time.ParseDuration(d)
		if err != nil || v < time.Second || v > 365*24*time.Hour {
			return ogp.Errorf(ogp.EUnprocessable, "invalid_duration", "%q is not a stage duration between 1s and 8760h (Go syntax, e.g. 336h)", d)
		}
		durations[i] = v
	}
	today := s.now().UTC().Format(time.DateOnly)
	switch kind {
	case ogp.AssessCoCreation:
		if p.CurrentStep < 9 {
			return ogp.Errorf(ogp.EConflict, "round_not_allowed", "a co-creation round may be opened once step 8 is approved")
		}
	case ogp.AssessImplementation:
		if p.CurrentStep != 9 {
			return ogp.Errorf(ogp.EConflict, "round_not_allowed", "an implementation round may be opened only during step 9")
		}
	case ogp.AssessResults:
		if p.CurrentStep != 10 && (p.EndsOn == "" || p.EndsOn >= today) {
			return ogp.Errorf(ogp.EConflict, "round_not_allowed", "a results round may be opened once step 9 is approved or the plan's period has ended")
		}
	default:
		return ogp.Errorf(ogp.EUnprocessable, "invalid_kind", "kind must be co_creation, implementation or results")
	}
	rec, err := s.store.CreateRound(ctx, p.ID, kind, currentUser(c).ID)
	if err != nil {
		return err
	}
	start, err := s.store.RoundStart(ctx, rec, [4]time.Duration(durations))
	if err != nil {
		return err
	}
	if err := s.engine.StartRound(ctx, start); err != nil {
		return err
	}
	st := ogp.AssessmentRoundState{RoundStart: start, WorkflowID: ogp.AssessmentRoundWorkflowID(rec.ID), Stage: ogp.StageCollectingEvidence}
	c.Response().Header().Set("Location", fmt.Sprintf("/api/v1/action-plans/%d/assessment-rounds/%d", p.ID, rec.ID))
	return c.JSON(http.StatusCreated, roundResponse(st))
}

// --- changes through the round's workflow

// roundChange finds the plan and the round, parses the body strictly,
// builds the update's argument, sends it to the round's workflow (whose
// validator checks the stage and the caller's role) and answers with the
// public record of the state it computed. Monitoring-body changes are
// refused here first, with the independence rule's reason.
func roundChange[Req any](s *Server, c echo.Context, name string, monitoring bool, build func(req Req, actor ogp.Actor) (any, error)) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, err := s.roundOr404(c, p.ID)
	if err != nil {
		return err
	}
	if monitoring {
		content, err := s.store.LoadContent(ctx, p.ID)
		if err != nil {
			return err
		}
		if err := s.requireMonitoringBody(c, p.ID, content); err != nil {
			return err
		}
	}
	var req Req
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if st.Stage == ogp.StagePublished || st.Stage == ogp.StageCancelled {
		return ogp.Errorf(ogp.EConflict, "round_closed", "round %d is %s: it can no longer change", st.RoundID, st.Stage)
	}
	arg, err := build(req, actorOf(c))
	if err != nil {
		return err
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return ogp.Errorf(ogp.EInvalid, "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	body, _ := c.Get(bodyKey).([]byte)
	id := updateID(name, p.ID, currentUser(c).ID, key, c.Request().URL.Path, body)
	out, err := s.engine.UpdateRound(ctx, st.RoundID, name, id, arg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roundResponse(out))
}

type selfAssessmentRequest struct {
	CommitmentID int64  `json:"commitment_id"`
	Completion   string `json:"completion"`
	Narrative    string `json:"narrative"`
}

type assessmentRequest struct {
	CommitmentID     int64                  `json:"commitment_id"`
	Completion       string                 `json:"completion"`
	Relevance        []ogp.ValueRelevance   `json:"relevance"`
	Impact           string                 `json:"impact"`
	OpenedGovernment string                 `json:"opened_government"`
	Milestones       []ogp.MilestoneVerdict `json:"milestones"`
	Recommendations  string                 `json:"recommendations"`
}

type checklistRequest struct {
	Items []ogp.ChecklistItem `json:"items"`
}

type draftRequest struct {
	Summary string `json:"summary"`
}

type roundCommentRequest struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type answerRequest struct {
	Answer string `json:"answer"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) submitSelfAssessment(c echo.Context) error {
	return roundChange(s, c, ogp.UpdateSubmitSelfAssessment, false, func(req selfAssessmentRequest, actor ogp.Actor) (any, error) {
		return ogp.SubmitSelfAssessmentInput{CommitmentID: req.CommitmentID, Completion: ogp.Completion(req.Completion), Narrative: req.Narrative, Actor: actor}, nil
	})
}

func (s *Server) recordAssessment(c echo.Context) error {
	return roundChange(s, c, ogp.UpdateRecordAssessment, true, func(req assessmentRequest, actor ogp.Actor) (any, error) {
		return ogp.RecordAssessmentInput{CommitmentID: req.CommitmentID, Completion: ogp.Completion(req.Completion), Relevance: req.Relevance,
			Impact: ogp.Impact(req.Impact), OpenedGovernment: ogp.OpenedGovernment(req.OpenedGovernment), Milestones: req.Milestones,
			Recommendations: req.Recommendations, Actor: actor}, nil
	})
}

func (s *Server) recordChecklist(c echo.Context) error {
	return roundChange(s, c, ogp.UpdateRecordChecklist, true, func(req checklistRequest, actor ogp.Actor) (any, error) {
		return ogp.RecordChecklistInput{Items: req.Items, Actor: actor}, nil
	})
}

func (s *Server) publishDraft(c echo.Context) error {
	return roundChange(s, c, ogp.UpdatePublishDraft, true, func(req draftRequest, actor ogp.Actor) (any, error) {
		return ogp.PublishDraftInput{Summary: req.Summary, Actor: actor}, nil
	})
}

// roundCommentKey is the public comments' rate-limit key: they share the
// proposals' limiter (the same allowance per address), keyed apart.
type roundCommentKey struct {
	srv    *Server
	plan   int64
	client string
}

// addRoundComment takes a public comment on a draft report, without an
// account, limited per client address and plan.
func (s *Server) addRoundComment(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	st, err := s.roundOr404(c, p.ID)
	if err != nil {
		return err
	}
	var req roundCommentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if st.Stage != ogp.StagePublicComment {
		return ogp.Errorf(ogp.EConflict, "comments_closed", "round %d takes comments only while its draft is open for comment (it is %s)", st.RoundID, st.Stage)
	}
	if ok, wait := proposalLimiter().allow(roundCommentKey{s, p.ID, clientAddress(s.echo, c)}, s.now()); !ok {
		return rateLimitedWhat(c, wait, "comments")
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return ogp.Errorf(ogp.EInvalid, "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	body, _ := c.Get(bodyKey).([]byte)
	id := updateID(ogp.UpdateAddComment, p.ID, 0, key, c.Request().URL.Path, body)
	out, err := s.engine.UpdateRound(c.Request().Context(), st.RoundID, ogp.UpdateAddComment, id, ogp.AddCommentInput{Name: req.Name, Text: req.Text})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roundResponse(out))
}

func (s *Server) answerRoundComment(c echo.Context) error {
	return roundChange(s, c, ogp.UpdateAnswerComment, true, func(req answerRequest, actor ogp.Actor) (any, error) {
		seq, err := strconv.Atoi(c.Param("seq"))
		if err != nil || seq < 1 {
			return nil, ogp.Errorf(ogp.ENotFound, "unknown_comment", "there is no comment %q", c.Param("seq"))
		}
		return ogp.AnswerCommentInput{Seq: seq, Answer: req.Answer, Actor: actor}, nil
	})
}

func (s *Server) finaliseRound(c echo.Context) error {
	return roundChange(s, c, ogp.UpdateFinalise, true, func(req draftRequest, actor ogp.Actor) (any, error) {
		return ogp.FinaliseInput{Summary: req.Summary, Actor: actor}, nil
	})
}

func (s *Server) cancelRound(c echo.Context) error {
	return roundChange(s, c, ogp.UpdateCancelRound, true, func(req reasonRequest, actor ogp.Actor) (any, error) {
		return ogp.CancelRoundInput{Reason: req.Reason, Actor: actor}, nil
	})
}

// --- evidence and report

// RoundEvidenceResponse is a round's evidence snapshot and its hash: the
// SHA-256 of exactly the bytes of evidence as served.
type RoundEvidenceResponse struct {
	RoundID     int64           `json:"round_id"`
	Hash        string          `json:"hash"`
	CollectedAt string          `json:"collected_at"`
	Evidence    json.RawMessage `json:"evidence"`
}

func (s *Server) roundEvidence(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	st, err := s.roundOr404(c, p.ID)
	if err != nil {
		return err
	}
	snap, err := s.store.EvidenceSnapshot(c.Request().Context(), st.RoundID)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "evidence_not_collected", "round %d has not collected its evidence yet", st.RoundID)
	}
	if err != nil {
		return err
	}
	// The hash covers the stored bytes: served raw, they verify as is.
	c.Response().Header().Set("X-Evidence-SHA256", snap.Hash)
	return c.JSON(http.StatusOK, RoundEvidenceResponse{RoundID: st.RoundID, Hash: snap.Hash, CollectedAt: rfc3339(snap.CreatedAt),
		Evidence: json.RawMessage(snap.Content)})
}

// RoundReportResponse is the report for machines: the round's public
// record with its evidence hash and, once published, its report hash.
type RoundReportResponse struct {
	Final  bool          `json:"final"`
	Round  RoundResponse `json:"round"`
	Digest string        `json:"digest"`
}

func (s *Server) roundReport(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	st, err := s.roundOr404(c, p.ID)
	if err != nil {
		return err
	}
	if st.DraftPublishedAt == nil && st.PublishedAt == nil {
		return ogp.Errorf(ogp.ENotFound, "report_not_published", "round %d has not published its draft report yet", st.RoundID)
	}
	accept := c.Request().Header.Get("Accept")
	switch {
	case strings.Contains(accept, "text/csv"):
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", reportCSV(st))
	case strings.Contains(accept, "text/html"):
		return c.HTMLBlob(http.StatusOK, []byte(reportHTML(p.Title, st)))
	default:
		return c.Blob(http.StatusOK, "text/markdown; charset=utf-8", []byte(reportMarkdown(p.Title, st)))
	}
}

func commitmentTitle(st ogp.AssessmentRoundState, id int64) string {
	for _, cm := range st.Commitments {
		if cm.CommitmentID == id {
			return fmt.Sprintf("%d. %s", cm.Number, cm.Title)
		}
	}
	return fmt.Sprintf("commitment %d", id)
}

func reportCSV(st ogp.AssessmentRoundState) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"round_id", "kind", "commitment_id", "commitment", "completion", "impact", "opened_government",
		"relevant_values", "milestones_accepted", "milestones_challenged", "recommendations", "evidence_hash", "report_hash"})
	for _, a := range st.Assessments {
		var values []string
		for _, r := range a.Relevance {
			if r.Relevant {
				values = append(values, string(r.Value))
			}
		}
		acc, ch := 0, 0
		for _, m := range a.Milestones {
			if m.Verdict == ogp.EvidenceAccepted {
				acc++
			} else {
				ch++
			}
		}
		_ = w.Write([]string{strconv.FormatInt(st.RoundID, 10), string(st.Kind), strconv.FormatInt(a.CommitmentID, 10),
			commitmentTitle(st, a.CommitmentID), string(a.Completion), string(a.Impact), string(a.OpenedGovernment),
			strings.Join(values, ";"), strconv.Itoa(acc), strconv.Itoa(ch), a.Recommendations, st.EvidenceHash, st.ReportHash})
	}
	w.Flush()
	return buf.Bytes()
}

func reportMarkdown(title string, st ogp.AssessmentRoundState) string {
	var b strings.Builder
	status := "Draft for public comment"
	if st.PublishedAt != nil {
		status = "Final report, published " + rfc3339(*st.PublishedAt)
	}
	fmt.Fprintf(&b, "# %s assessment: %s\n\n%s.\n\n", strings.ReplaceAll(string(st.Kind), "_", "-"), title, status)
	fmt.Fprintf(&b, "- Evidence snapshot SHA-256: `%s`\n", st.EvidenceHash)
	if st.ReportHash != "" {
		fmt.Fprintf(&b, "- Report SHA-256: `%s`\n", st.ReportHash)
	}
	if st.Summary != "" {
		fmt.Fprintf(&b, "\n## Summary\n\n%s\n", st.Summary)
	}
	if len(st.Checklist) > 0 {
		b.WriteString("\n## Co-creation process\n\n| Point | Rating | Note |\n|---|---|---|\n")
		for _, it := range st.Checklist {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", it.Key, it.Rating, roundMDCell(it.Note))
		}
	}
	b.WriteString("\n## Commitments\n")
	for _, a := range st.Assessments {
		fmt.Fprintf(&b, "\n### %s\n\n- Completion: %s\n- Potential impact: %s\n", commitmentTitle(st, a.CommitmentID), a.Completion, a.Impact)
		if a.OpenedGovernment != "" {
			fmt.Fprintf(&b, "- Did it open government? %s\n", a.OpenedGovernment)
		}
		for _, r := range a.Relevance {
			fmt.Fprintf(&b, "- %s: relevant=%t %s\n", r.Value, r.Relevant, r.Note)
		}
		for _, m := range a.Milestones {
			fmt.Fprintf(&b, "- Milestone %d evidence: %s %s\n", m.MilestoneID, m.Verdict, m.Note)
		}
		if a.Recommendations != "" {
			fmt.Fprintf(&b, "\nRecommendations: %s\n", a.Recommendations)
		}
	}
	if len(st.Comments) > 0 {
		b.WriteString("\n## Public comments\n")
		for _, cm := range st.Comments {
			fmt.Fprintf(&b, "\n%d. %s: %s\n", cm.Seq, cmpOr(cm.Name, "anonymous"), cm.Text)
			if cm.Answer != "" {
				fmt.Fprintf(&b, "   Answer: %s\n", cm.Answer)
			}
		}
	}
	return b.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func roundMDCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func reportHTML(title string, st ogp.AssessmentRoundState) string {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s assessment: %s</title></head><body>\n",
		e(string(st.Kind)), e(title))
	fmt.Fprintf(&b, "<h1>%s assessment: %s</h1>\n", e(strings.ReplaceAll(string(st.Kind), "_", "-")), e(title))
	if st.PublishedAt != nil {
		fmt.Fprintf(&b, "<p>Final report, published %s.</p>\n", e(rfc3339(*st.PublishedAt)))
	} else {
		b.WriteString("<p>Draft for public comment.</p>\n")
	}
	fmt.Fprintf(&b, "<p>Evidence snapshot SHA-256: <code>%s</code></p>\n", e(st.EvidenceHash))
	if st.ReportHash != "" {
		fmt.Fprintf(&b, "<p>Report SHA-256: <code>%s</code></p>\n", e(st.ReportHash))
	}
	if st.Summary != "" {
		fmt.Fprintf(&b, "<h2>Summary</h2><p>%s</p>\n", e(st.Summary))
	}
	if len(st.Checklist) > 0 {
		b.WriteString("<h2>Co-creation process</h2><table><tr><th>Point</th><th>Rating</th><th>Note</th></tr>\n")
		for _, it := range st.Checklist {
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", e(it.Key), e(it.Rating), e(it.Note))
		}
		b.WriteString("</table>\n")
	}
	b.WriteString("<h2>Commitments</h2>\n")
	for _, a := range st.Assessments {
		fmt.Fprintf(&b, "<h3>%s</h3><ul><li>Completion: %s</li><li>Potential impact: %s</li>", e(commitmentTitle(st, a.CommitmentID)),
			e(string(a.Completion)), e(string(a.Impact)))
		if a.OpenedGovernment != "" {
			fmt.Fprintf(&b, "<li>Did it open government? %s</li>", e(string(a.OpenedGovernment)))
		}
		b.WriteString("</ul>")
		if a.Recommendations != "" {
			fmt.Fprintf(&b, "<p>Recommendations: %s</p>", e(a.Recommendations))
		}
		b.WriteString("\n")
	}
	if len(st.Comments) > 0 {
		b.WriteString("<h2>Public comments</h2><ol>\n")
		for _, cm := range st.Comments {
			fmt.Fprintf(&b, "<li>%s: %s", e(cmpOr(cm.Name, "anonymous")), e(cm.Text))
			if cm.Answer != "" {
				fmt.Fprintf(&b, "<br>Answer: %s", e(cm.Answer))
			}
			b.WriteString("</li>\n")
		}
		b.WriteString("</ol>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// roundReportJSON is the report for machines.
func (s *Server) roundReportJSON(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	st, err := s.roundOr404(c, p.ID)
	if err != nil {
		return err
	}
	if st.DraftPublishedAt == nil && st.PublishedAt == nil {
		return ogp.Errorf(ogp.ENotFound, "report_not_published", "round %d has not published its draft report yet", st.RoundID)
	}
	rr := roundResponse(st)
	b, err := json.Marshal(rr)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	return c.JSON(http.StatusOK, RoundReportResponse{Final: st.PublishedAt != nil, Round: rr, Digest: hex.EncodeToString(sum[:])})
}
