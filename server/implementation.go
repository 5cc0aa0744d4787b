package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// implementationStore is what the implementation routes (step 9) read:
// the projection of the commitments' workflows.
type implementationStore interface {
	PlanImplementation(ctx context.Context, planID int64) ([]ogp.CommitmentState, error)
	CommitmentImplementation(ctx context.Context, planID, commitmentID int64) (ogp.CommitmentState, error)
	CommitmentRun(ctx context.Context, commitmentID int64) (models.CommitmentRunRecord, error)
}

// registerImplementationRoutes adds the implementation of the approved
// commitments (step 9): public reads of where each commitment and
// milestone stands, and the changes people make, each sent to the
// commitment's workflow as an update whose validator checks the caller's
// role (who may report, who decides) and answered with the state the
// workflow computed.
func (s *Server) registerImplementationRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	const one = "/action-plans/:id/commitments/:commitment_id"
	const milestone = one + "/milestones/:milestone_id"
	api.GET("/action-plans/:id/implementation", s.planImplementation)
	api.GET(one+"/implementation", s.commitmentImplementation)
	api.POST(milestone+"/progress", s.reportProgress, auth)
	api.POST(milestone+"/complete", s.completeMilestone, auth)
	api.POST(milestone+"/delay-explanation", s.explainDelay, auth)
	api.POST(milestone+"/amendments", s.requestAmendment, auth)
	api.POST(one+"/amendments/:seq/decisions", s.decideAmendment, auth)
	api.POST(one+"/withdrawal", s.withdrawCommitment, auth)
	api.POST(one+"/withdrawal/decisions", s.decideWithdrawal, auth)
}

// --- responses

// ImplementationPlanResponse is the implementation of a plan: every
// commitment whose workflow runs (or ran), by number.
type ImplementationPlanResponse struct {
	Items []ImplementationRunResponse `json:"items"`
}

// ImplementationRunResponse is one commitment in implementation, with
// where each of its milestones stands.
type ImplementationRunResponse struct {
	CommitmentID int64                                    `json:"commitment_id"`
	Number       int                                      `json:"number"`
	Title        string                                   `json:"title"`
	WorkflowID   string                                   `json:"workflow_id"`
	LeadUserID   int64                                    `json:"lead_user_id,omitempty"`
	Status       string                                   `json:"status"`
	Completion   string                                   `json:"completion"`
	Milestones   []ImplementationMilestoneSummaryResponse `json:"milestones"`
}

// ImplementationMilestoneSummaryResponse is a milestone's standing in the
// plan's view: status, percent and schedule state.
type ImplementationMilestoneSummaryResponse struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	DueOn       string  `json:"due_on"`
	Status      string  `json:"status"`
	Percent     int     `json:"percent"`
	Schedule    string  `json:"schedule"`
	CompletedAt *string `json:"completed_at"`
}

// ImplementationCommitmentResponse is one commitment's public record of
// implementation: its milestones with their schedule state, progress
// reports, evidence and delay explanations, its amendments with both
// dates, and its withdrawal requests.
type ImplementationCommitmentResponse struct {
	CommitmentID    int64                              `json:"commitment_id"`
	PlanID          int64                              `json:"plan_id"`
	Number          int                                `json:"number"`
	Title           string                             `json:"title"`
	WorkflowID      string                             `json:"workflow_id"`
	LeadUserID      int64                              `json:"lead_user_id,omitempty"`
	Status          string                             `json:"status"`
	Completion      string                             `json:"completion"`
	Version         int64                              `json:"version"`
	Milestones      []ImplementationMilestoneResponse  `json:"milestones"`
	Amendments      []ImplementationAmendmentResponse  `json:"amendments"`
	Withdrawal      *ImplementationWithdrawalResponse  `json:"withdrawal"`
	PastWithdrawals []ImplementationWithdrawalResponse `json:"past_withdrawals"`
}

// ImplementationMilestoneResponse is a milestone in implementation. Title
// and due_on are the current ones, after any approved amendment.
type ImplementationMilestoneResponse struct {
	ID                int64                          `json:"id"`
	Title             string                         `json:"title"`
	Responsible       string                         `json:"responsible"`
	ResponsibleUserID int64                          `json:"responsible_user_id,omitempty"`
	StartsOn          string                         `json:"starts_on"`
	DueOn             string                         `json:"due_on"`
	Status            string                         `json:"status"`
	Percent           int                            `json:"percent"`
	Schedule          string                         `json:"schedule"`
	CompletedAt       *string                        `json:"completed_at"`
	RemindersSent     int                            `json:"reminders_sent"`
	Reports           []ImplementationReportResponse `json:"reports"`
	Delays            []ImplementationDelayResponse  `json:"delays"`
}

// ImplementationReportResponse is one progress report, with its evidence
// links.
type ImplementationReportResponse struct {
	Seq        int      `json:"seq"`
	Status     string   `json:"status"`
	Percent    int      `json:"percent"`
	Narrative  string   `json:"narrative"`
	Evidence   []string `json:"evidence"`
	ReportedBy int64    `json:"reported_by"`
	ReportedAt string   `json:"reported_at"`
}

// ImplementationDelayResponse is a public explanation of a late milestone.
type ImplementationDelayResponse struct {
	Text        string `json:"text"`
	ExplainedBy int64  `json:"explained_by"`
	ExplainedAt string `json:"explained_at"`
}

// ImplementationAmendmentResponse is a request to change a milestone,
// with the old and the new due date whatever the outcome.
type ImplementationAmendmentResponse struct {
	Seq         int                              `json:"seq"`
	MilestoneID int64                            `json:"milestone_id"`
	OldDueOn    string                           `json:"old_due_on"`
	NewDueOn    string                           `json:"new_due_on"`
	NewTitle    string                           `json:"new_title"`
	Reason      string                           `json:"reason"`
	RequestedBy int64                            `json:"requested_by"`
	RequestedAt string                           `json:"requested_at"`
	Status      string                           `json:"status"`
	Approvers   []int64                          `json:"approvers"`
	Decisions   []ImplementationDecisionResponse `json:"decisions"`
}

// ImplementationWithdrawalResponse is a request to withdraw the
// commitment.
type ImplementationWithdrawalResponse struct {
	Reason      string                           `json:"reason"`
	RequestedBy int64                            `json:"requested_by"`
	RequestedAt string                           `json:"requested_at"`
	Status      string                           `json:"status"`
	Approvers   []int64                          `json:"approvers"`
	Decisions   []ImplementationDecisionResponse `json:"decisions"`
}

// ImplementationDecisionResponse is one approver's decision on an
// amendment or a withdrawal.
type ImplementationDecisionResponse struct {
	ApproverID int64  `json:"approver_id"`
	Decision   string `json:"decision"`
	Comment    string `json:"comment"`
	DecidedAt  string `json:"decided_at"`
}

// dueSoonOf is how long before its due date a milestone of st counts as
// due soon: the window of the plan's reminder policy, or of the default
// one when the state carries none.
func dueSoonOf(st ogp.CommitmentState) time.Duration {
	if st.Policy.IsZero() {
		return ogp.DefaultReminderPolicy().DueSoonWindow()
	}
	return st.Policy.DueSoonWindow()
}

func implementationRunResponse(st ogp.CommitmentState, now time.Time) ImplementationRunResponse {
	out := ImplementationRunResponse{CommitmentID: st.CommitmentID, Number: st.Number, Title: st.Title, WorkflowID: st.WorkflowID,
		LeadUserID: st.LeadUserID, Status: string(st.Status), Completion: string(st.Completion),
		Milestones: make([]ImplementationMilestoneSummaryResponse, 0, len(st.Milestones))}
	window := dueSoonOf(st)
	for _, m := range st.Milestones {
		out.Milestones = append(out.Milestones, ImplementationMilestoneSummaryResponse{ID: m.ID, Title: m.Title, DueOn: string(m.DueOn),
			Status: string(m.Status), Percent: m.Percent, Schedule: string(ogp.ScheduleOf(m, now, window)), CompletedAt: rfc3339Ptr(m.CompletedAt)})
	}
	return out
}

func implementationDecisions(ds []ogp.Approval) []ImplementationDecisionResponse {
	out := make([]ImplementationDecisionResponse, 0, len(ds))
	for _, d := range ds {
		out = append(out, ImplementationDecisionResponse{ApproverID: d.ApproverID, Decision: string(d.Decision), Comment: d.Comment,
			DecidedAt: rfc3339(d.DecidedAt)})
	}
	return out
}

func implementationWithdrawal(w ogp.Withdrawal) ImplementationWithdrawalResponse {
	approvers := w.Approvers
	if approvers == nil {
		approvers = []int64{}
	}
	return ImplementationWithdrawalResponse{Reason: w.Reason, RequestedBy: w.RequestedBy, RequestedAt: rfc3339(w.RequestedAt),
		Status: string(w.Status), Approvers: approvers, Decisions: implementationDecisions(w.Decisions)}
}

// implementationCommitmentResponse is the public record of st, the same
// whether st was read from the projection or computed by the workflow.
func implementationCommitmentResponse(st ogp.CommitmentState, now time.Time) ImplementationCommitmentResponse {
	out := ImplementationCommitmentResponse{CommitmentID: st.CommitmentID, PlanID: st.PlanID, Number: st.Number, Title: st.Title,
		WorkflowID: st.WorkflowID, LeadUserID: st.LeadUserID, Status: string(st.Status), Completion: string(st.Completion),
		Version: st.Version, Milestones: make([]ImplementationMilestoneResponse, 0, len(st.Milestones)),
		Amendments: make([]ImplementationAmendmentResponse, 0, len(st.Amendments)), PastWithdrawals: []ImplementationWithdrawalResponse{}}
	window := dueSoonOf(st)
	for _, m := range st.Milestones {
		ms := ImplementationMilestoneResponse{ID: m.ID, Title: m.Title, Responsible: m.Responsible, ResponsibleUserID: m.ResponsibleUserID,
			StartsOn: string(m.StartsOn), DueOn: string(m.DueOn), Status: string(m.Status), Percent: m.Percent,
			Schedule: string(ogp.ScheduleOf(m, now, window)), CompletedAt: rfc3339Ptr(m.CompletedAt), RemindersSent: m.RemindersSent,
			Reports: make([]ImplementationReportResponse, 0, len(m.Reports)), Delays: make([]ImplementationDelayResponse, 0, len(m.Delays))}
		for _, r := range m.Reports {
			evidence := r.Evidence
			if evidence == nil {
				evidence = []string{}
			}
			ms.Reports = append(ms.Reports, ImplementationReportResponse{Seq: r.Seq, Status: string(r.Status), Percent: r.Percent,
				Narrative: r.Narrative, Evidence: evidence, ReportedBy: r.ReportedBy, ReportedAt: rfc3339(r.ReportedAt)})
		}
		for _, d := range m.Delays {
			ms.Delays = append(ms.Delays, ImplementationDelayResponse{Text: d.Text, ExplainedBy: d.ExplainedBy, ExplainedAt: rfc3339(d.ExplainedAt)})
		}
		out.Milestones = append(out.Milestones, ms)
	}
	for _, a := range st.Amendments {
		approvers := a.Approvers
		if approvers == nil {
			approvers = []int64{}
		}
		out.Amendments = append(out.Amendments, ImplementationAmendmentResponse{Seq: a.Seq, MilestoneID: a.MilestoneID,
			OldDueOn: string(a.OldDueOn), NewDueOn: string(a.NewDueOn), NewTitle: a.NewTitle, Reason: a.Reason,
			RequestedBy: a.RequestedBy, RequestedAt: rfc3339(a.RequestedAt), Status: string(a.Status), Approvers: approvers,
			Decisions: implementationDecisions(a.Decisions)})
	}
	if st.Withdrawal != nil {
		w := implementationWithdrawal(*st.Withdrawal)
		out.Withdrawal = &w
	}
	for _, w := range st.PastWithdrawals {
		out.PastWithdrawals = append(out.PastWithdrawals, implementationWithdrawal(w))
	}
	return out
}

// --- reads

func (s *Server) planImplementation(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	sts, err := s.store.PlanImplementation(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	now := s.now()
	out := ImplementationPlanResponse{Items: make([]ImplementationRunResponse, 0, len(sts))}
	for _, st := range sts {
		out.Items = append(out.Items, implementationRunResponse(st, now))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) commitmentImplementation(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "commitment_id", "commitment")
	if err != nil {
		return err
	}
	st, err := s.store.CommitmentImplementation(c.Request().Context(), p.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, implementationCommitmentResponse(st, s.now()))
}

// --- changes through the commitment's workflow

type progressRequest struct {
	Status    string   `json:"status"`
	Percent   int      `json:"percent"`
	Narrative string   `json:"narrative"`
	Evidence  []string `json:"evidence"`
}

type completeRequest struct {
	Narrative string   `json:"narrative"`
	Evidence  []string `json:"evidence"`
}

type delayRequest struct {
	Text string `json:"text"`
}

type amendmentRequest struct {
	NewDueOn string `json:"new_due_on"`
	NewTitle string `json:"new_title"`
	Reason   string `json:"reason"`
}

type requestDecisionRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

type withdrawalRequest struct {
	Reason string `json:"reason"`
}

// commitmentTarget is what a change addresses: the plan, the commitment
// and, for milestone changes, the milestone (0 otherwise).
type commitmentTarget struct {
	plan         models.ActionPlan
	commitmentID int64
	milestoneID  int64
}

// commitmentChange is the shape of every implementation change: find the
// plan, the commitment (404 unknown_commitment, also for one of another
// plan) and the milestone (404 unknown_milestone), parse the body
// strictly, build the update's argument, send it to the commitment's
// workflow, and answer with the public record of the state it computed.
func commitmentChange[Req any](s *Server, c echo.Context, name string, withMilestone bool, build func(t commitmentTarget, req Req, actor ogp.Actor) (any, error)) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	t := commitmentTarget{plan: p}
	if t.commitmentID, err = parseID(c, "commitment_id", "commitment"); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cm, err := s.store.GetCommitment(ctx, p.ID, t.commitmentID)
	if err != nil {
		return err
	}
	if withMilestone {
		if t.milestoneID, err = parseID(c, "milestone_id", "milestone"); err != nil {
			return err
		}
		found := false
		for _, m := range cm.Milestones {
			found = found || m.ID == t.milestoneID
		}
		if !found {
			return ogp.Errorf(ogp.ENotFound, "unknown_milestone", "commitment %d has no milestone %d", cm.ID, t.milestoneID)
		}
	}
	var req Req
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	arg, err := build(t, req, actorOf(c))
	if err != nil {
		return err
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return ogp.Errorf(ogp.EInvalid, "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	body, _ := c.Get(bodyKey).([]byte)
	id := updateID(name, p.ID, currentUser(c).ID, key, c.Request().URL.Path, body)
	st, err := s.engine.UpdateCommitment(ctx, t.commitmentID, name, id, arg)
	if de := (*ogp.Error)(nil); errors.As(err, &de) && de.Code == "implementation_not_started" {
		err = s.notRunning(ctx, t.commitmentID, err)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, implementationCommitmentResponse(st, s.now()))
}

// notRunning tells a commitment whose workflow has not started (the plan
// is before step 9) from one whose workflow has ended (it was completed
// or withdrawn), for a change the engine found no workflow for.
func (s *Server) notRunning(ctx context.Context, commitmentID int64, notStarted error) error {
	run, err := s.store.CommitmentRun(ctx, commitmentID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return notStarted
	case err != nil:
		return err
	case run.Status != string(ogp.CommitmentActive):
		return ogp.Errorf(ogp.EConflict, "commitment_closed", "commitment %d is %s: its implementation has ended", commitmentID, run.Status)
	}
	return notStarted
}

// checkEvidence refuses malformed evidence links before they reach the
// workflow, which checks them again.
func checkEvidence(links []string) ([]string, error) {
	if len(links) > ogp.MaxEvidenceLinks {
		return nil, ogp.Errorf(ogp.EUnprocessable, "too_many_evidence_links", "at most %d evidence links per report", ogp.MaxEvidenceLinks)
	}
	out := make([]string, 0, len(links))
	for i, l := range links {
		l = strings.TrimSpace(l)
		if err := ogp.CheckWebURL("evidence["+strconv.Itoa(i)+"]", l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func (s *Server) reportProgress(c echo.Context) error {
	return commitmentChange(s, c, ogp.UpdateReportProgress, true, func(t commitmentTarget, req progressRequest, actor ogp.Actor) (any, error) {
		evidence, err := checkEvidence(req.Evidence)
		if err != nil {
			return nil, err
		}
		return ogp.ReportProgressInput{MilestoneID: t.milestoneID, Status: ogp.MilestoneStatus(strings.TrimSpace(req.Status)),
			Percent: req.Percent, Narrative: req.Narrative, Evidence: evidence, Actor: actor}, nil
	})
}

func (s *Server) completeMilestone(c echo.Context) error {
	return commitmentChange(s, c, ogp.UpdateCompleteMilestone, true, func(t commitmentTarget, req completeRequest, actor ogp.Actor) (any, error) {
		evidence, err := checkEvidence(req.Evidence)
		if err != nil {
			return nil, err
		}
		return ogp.CompleteMilestoneInput{MilestoneID: t.milestoneID, Narrative: req.Narrative, Evidence: evidence, Actor: actor}, nil
	})
}

func (s *Server) explainDelay(c echo.Context) error {
	return commitmentChange(s, c, ogp.UpdateExplainDelay, true, func(t commitmentTarget, req delayRequest, actor ogp.Actor) (any, error) {
		return ogp.ExplainDelayInput{MilestoneID: t.milestoneID, Text: req.Text, Actor: actor}, nil
	})
}

func (s *Server) requestAmendment(c echo.Context) error {
	return commitmentChange(s, c, ogp.UpdateRequestAmendment, true, func(t commitmentTarget, req amendmentRequest, actor ogp.Actor) (any, error) {
		in := ogp.RequestAmendmentInput{MilestoneID: t.milestoneID, NewTitle: strings.TrimSpace(req.NewTitle), Reason: req.Reason, Actor: actor}
		if due := strings.TrimSpace(req.NewDueOn); due != "" {
			d, err := ogp.ParseDate(due)
			if err != nil {
				return nil, err
			}
			in.NewDueOn = d
		}
		return in, nil
	})
}

func (s *Server) decideAmendment(c echo.Context) error {
	return commitmentChange(s, c, ogp.UpdateDecideAmendment, false, func(_ commitmentTarget, req requestDecisionRequest, actor ogp.Actor) (any, error) {
		seq, err := strconv.Atoi(c.Param("seq"))
		if err != nil || seq < 1 {
			return nil, ogp.Errorf(ogp.ENotFound, "unknown_amendment", "there is no amendment %q", c.Param("seq"))
		}
		d, err := ogp.ParseDecision(req.Decision)
		if err != nil {
			return nil, err
		}
		return ogp.DecideRequestInput{Seq: seq, Decision: d, Comment: req.Comment, Actor: actor}, nil
	})
}

func (s *Server) withdrawCommitment(c echo.Context) error {
	return commitmentChange(s, c, ogp.UpdateWithdrawCommitment, false, func(_ commitmentTarget, req withdrawalRequest, actor ogp.Actor) (any, error) {
		return ogp.WithdrawCommitmentInput{Reason: req.Reason, Actor: actor}, nil
	})
}

func (s *Server) decideWithdrawal(c echo.Context) error {
	return commitmentChange(s, c, ogp.UpdateDecideWithdrawal, false, func(_ commitmentTarget, req requestDecisionRequest, actor ogp.Actor) (any, error) {
		d, err := ogp.ParseDecision(req.Decision)
		if err != nil {
			return nil, err
		}
		return ogp.DecideRequestInput{Decision: d, Comment: req.Comment, Actor: actor}, nil
	})
}
