package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// problemStore is what the problem routes (step 4) need.
type problemStore interface {
	Problems(ctx context.Context, planID int64) ([]models.ProblemRecord, error)
	ProblemByKey(ctx context.Context, planID int64, key string) (models.ProblemRecord, error)
	CreateProblem(ctx context.Context, planID int64, in models.NewProblem) (models.ProblemRecord, bool, error)
	ProposeProblem(ctx context.Context, planID int64, in models.NewProblem) (models.ProblemRecord, bool, error)
	UpdateProblem(ctx context.Context, planID, id int64, text ogp.ProblemText, source ogp.ProblemSource) (models.ProblemRecord, error)
	DeleteProblem(ctx context.Context, planID, id int64) error
	ModerateProblem(ctx context.Context, planID, id int64, d ogp.ModerationDecision, reason string, by int64) (models.ProblemRecord, error)
	ScoreProblem(ctx context.Context, planID, id int64, in models.ScoreInput) (models.ProblemRecord, error)
	SelectProblem(ctx context.Context, planID, id int64, selected bool) (models.ProblemRecord, error)
	SetReasonedResponse(ctx context.Context, planID, id int64, text string) (models.ProblemRecord, error)
}

// The public's proposals are limited per client address and plan: enough
// for a resident with several ideas, too few to flood the moderation
// queue.
const (
	ProposalBurst  = 5
	ProposalWindow = time.Hour
	// proposalClients bounds the limiter's memory.
	proposalClients = 10000
)

var (
	proposalLimiterOnce sync.Once
	proposalLimiterV    *rateLimiter
)

// proposalLimiter is created on first use. It is package-level because
// the Server carries no per-area state; keys include the server, so two
// servers in one process (tests) never share buckets.
func proposalLimiter() *rateLimiter {
	proposalLimiterOnce.Do(func() { proposalLimiterV = newRateLimiter(ProposalBurst, ProposalWindow, proposalClients) })
	return proposalLimiterV
}

type proposalKey struct {
	srv    *Server
	plan   int64
	client string
}

// registerProblemRoutes adds step 4: problems raised by the team, the
// forum and the public, moderated, scored, ranked, selected or answered
// with a reasoned response.
func (s *Server) registerProblemRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/action-plans/:id/problems", s.listProblems)
	api.POST("/action-plans/:id/problems", s.createProblem, auth)
	api.POST("/action-plans/:id/problems/proposals", s.proposeProblem)
	api.GET("/action-plans/:id/problems/:problem_id", s.getProblem)
	api.PUT("/action-plans/:id/problems/:problem_id", s.updateProblem, auth)
	api.DELETE("/action-plans/:id/problems/:problem_id", s.deleteProblem, auth)
	api.POST("/action-plans/:id/problems/:problem_id/moderation", s.moderateProblem, auth)
	api.POST("/action-plans/:id/problems/:problem_id/scores", s.scoreProblem, auth)
	api.POST("/action-plans/:id/problems/:problem_id/selection", s.selectProblem, auth)
	api.PUT("/action-plans/:id/problems/:problem_id/reasoned-response", s.setReasonedResponse, auth)
}

// problemRequest is the body of POST .../problems and PUT
// .../problems/{problem_id} (where an empty source keeps it).
type problemRequest struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	PolicyArea  string `json:"policy_area"`
	Source      string `json:"source"`
	Submitter   string `json:"submitter"`
}

// proposalRequest is a proposal from the public: name and e-mail are
// optional, and the e-mail is seen by the coordinators only.
type proposalRequest struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	PolicyArea  string `json:"policy_area"`
	Name        string `json:"name"`
	Email       string `json:"email"`
}

type moderationRequest struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// scoreRequest scores a problem for the caller (a team member), or, with
// forum_member_id, records a forum member's score (the coordinator).
type scoreRequest struct {
	Score         int    `json:"score"`
	ForumMemberID *int64 `json:"forum_member_id"`
}

type selectionRequest struct {
	Selected *bool `json:"selected"`
}

type reasonedResponseRequest struct {
	Text string `json:"text"`
}

// ProblemResponse is a problem as the API shows it. The public sees only
// published problems and never the fields marked coordinators-only.
type ProblemResponse struct {
	ID               int64   `json:"id"`
	Title            string  `json:"title"`
	Description      string  `json:"description"`
	PolicyArea       string  `json:"policy_area"`
	Source           string  `json:"source"`
	Submitter        string  `json:"submitter"`
	Status           string  `json:"status"`
	ScoreCount       int     `json:"score_count"`
	ScoreAverage     float64 `json:"score_average"`
	Rank             *int    `json:"rank"`
	Selected         bool    `json:"selected"`
	ReasonedResponse string  `json:"reasoned_response"`
	CreatedAt        string  `json:"created_at"`
	// Coordinators only: the moderation note, the proposer's contact, and
	// when it was moderated.
	ModerationReason string `json:"moderation_reason,omitempty"`
	Email            string `json:"email,omitempty"`
	ModeratedAt      string `json:"moderated_at,omitempty"`
}

// ProblemList is a plan's problems, highest ranked first.
type ProblemList struct {
	Items []ProblemResponse `json:"items"`
}

// ProposalResponse acknowledges a proposal from the public: it is
// published once a coordinator has moderated it.
type ProposalResponse struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// publicProblem is what anyone may read of a published problem.
func publicProblem(r models.ProblemRecord) ProblemResponse {
	out := ProblemResponse{ID: r.ID, Title: r.Title, Description: r.Description, PolicyArea: r.PolicyArea,
		Source: string(r.Source), Submitter: r.Submitter, Status: string(r.Status), ScoreCount: r.ScoreCount,
		ScoreAverage: r.ScoreAverage, Selected: r.Selected, ReasonedResponse: r.ReasonedResponse, CreatedAt: rfc3339(r.CreatedAt)}
	if r.Rank > 0 {
		rank := r.Rank
		out.Rank = &rank
	}
	return out
}

// coordinatorProblem adds what only coordinators see.
func coordinatorProblem(r models.ProblemRecord) ProblemResponse {
	out := publicProblem(r)
	out.ModerationReason, out.Email = r.ModerationReason, r.SubmitterEmail
	if r.ModeratedAt != nil {
		out.ModeratedAt = rfc3339(*r.ModeratedAt)
	}
	return out
}

func parseProblemID(c echo.Context) (int64, error) { return parseID(c, "problem_id", "problem") }

// idempotencyKey reads the optional Idempotency-Key header of a public
// proposal.
func idempotencyKey(c echo.Context) (string, error) {
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return "", ogp.Errorf(ogp.EInvalid, "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	return key, nil
}

// keyReused refuses a key sent again with another proposal, as the
// authenticated routes' Idempotency-Key layer does.
func keyReused(key string) error {
	return ogp.Errorf(ogp.EUnprocessable, "idempotency_key_reused", "Idempotency-Key %q was already used for a different proposal", key)
}

func sameText(r models.ProblemRecord, t ogp.ProblemText) bool {
	return r.Title == t.Title && r.Description == t.Description && r.PolicyArea == t.PolicyArea && r.Submitter == t.Submitter
}

// requireCoordinatorToken lets a public route show coordinators more: it
// authenticates the optional bearer token and checks the role. The route
// stays public, so a missing or bad token is a 403 here, not a 401.
func (s *Server) requireCoordinatorToken(c echo.Context, planID int64) error {
	refused := ogp.Errorf(ogp.EForbidden, "not_coordinator", "all=true lists pending and hidden problems: it needs a valid bearer token of the plan's coordinator")
	u, ok, err := s.optionalUser(c)
	if err != nil {
		return err
	}
	if !ok {
		return refused
	}
	c.Set("user", u)
	return s.requireCoordinator(c, planID)
}

// listProblems is public: the published problems with their scores,
// ranks, selection and reasoned responses. ?all=true with a
// coordinator's token adds the pending and hidden ones with the
// coordinators' notes.
func (s *Server) listProblems(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	all := false
	switch v := c.QueryParam("all"); v {
	case "", "false":
	case "true":
		all = true
	default:
		return ogp.Errorf(ogp.EInvalid, "invalid_all", "all must be true or false, not %q", v)
	}
	if all {
		if err := s.requireCoordinatorToken(c, p.ID); err != nil {
			return err
		}
	}
	recs, err := s.store.Problems(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	// Ranked problems first, by rank; the rest (pending, hidden) by id.
	rank := func(r models.ProblemRecord) int {
		if r.Rank == 0 {
			return math.MaxInt
		}
		return r.Rank
	}
	slices.SortFunc(recs, func(a, b models.ProblemRecord) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.ID, b.ID))
	})
	out := ProblemList{Items: make([]ProblemResponse, 0, len(recs))}
	for _, r := range recs {
		switch {
		case all:
			out.Items = append(out.Items, coordinatorProblem(r))
		case r.Status == ogp.ProblemPublished:
			out.Items = append(out.Items, publicProblem(r))
		}
	}
	return c.JSON(http.StatusOK, out)
}

// getProblem is public for published problems; others are unknown to the
// public.
func (s *Server) getProblem(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	id, err := parseProblemID(c)
	if err != nil {
		return err
	}
	recs, err := s.store.Problems(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.ID == id && r.Status == ogp.ProblemPublished {
			return c.JSON(http.StatusOK, publicProblem(r))
		}
	}
	return ogp.Errorf(ogp.ENotFound, "unknown_problem", "there is no published problem %d in this plan", id)
}

func (s *Server) createProblem(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	var req problemRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	text := ogp.ProblemText{Title: req.Title, Description: req.Description, PolicyArea: req.PolicyArea, Submitter: req.Submitter}.Normalize()
	if err := ogp.ValidateProblemText(text); err != nil {
		return err
	}
	source, err := ogp.ParseProblemSource(strings.TrimSpace(req.Source))
	if err != nil {
		return err
	}
	rec, _, err := s.store.CreateProblem(c.Request().Context(), p.ID,
		models.NewProblem{Text: text, Source: source, CreatedBy: currentUser(c).ID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, coordinatorProblem(rec))
}

// proposeProblem takes a proposal from the public, without an account,
// limited per client address and plan, and holds it for moderation.
func (s *Server) proposeProblem(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	var req proposalRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	text := ogp.ProblemText{Title: req.Title, Description: req.Description, PolicyArea: req.PolicyArea, Submitter: req.Name}.Normalize()
	if err := ogp.ValidateProblemText(text); err != nil {
		return err
	}
	email, err := ogp.NormalizeEmail(req.Email)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if key != "" {
		// A retry is answered, not counted against the limit.
		rec, err := s.store.ProblemByKey(ctx, p.ID, key)
		switch {
		case err == nil && (!sameText(rec, text) || rec.Source != ogp.SourcePublic || rec.SubmitterEmail != email):
			return keyReused(key)
		case err == nil:
			return c.JSON(http.StatusAccepted, ProposalResponse{ID: rec.ID, Status: string(rec.Status)})
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	if p.Status != string(ogp.PlanCoCreation) || p.CurrentStep > ogp.HomeProblems {
		// Known closed: say so without spending the client's allowance.
		return ogp.Errorf(ogp.EConflict, "proposals_closed", "this plan no longer takes proposals: its problems were chosen at step 4")
	}
	if ok, wait := proposalLimiter().allow(proposalKey{s, p.ID, clientAddress(s.echo, c)}, s.now()); !ok {
		return rateLimited(c, wait)
	}
	rec, replayed, err := s.store.ProposeProblem(ctx, p.ID, models.NewProblem{Text: text, Email: email, IdempotencyKey: key})
	if err != nil {
		return err
	}
	if replayed && (!sameText(rec, text) || rec.SubmitterEmail != email) {
		return keyReused(key)
	}
	return c.JSON(http.StatusAccepted, ProposalResponse{ID: rec.ID, Status: string(rec.Status)})
}

// rateLimited answers 429 with Retry-After in whole seconds (rounded
// up, so a client that waits exactly that long is let through). The
// error handler has no kind for it, so the problem+json is written here.
func rateLimited(c echo.Context, wait time.Duration) error {
	return rateLimitedWhat(c, wait, "proposals")
}

// rateLimitedWhat answers 429 naming what is limited (proposals, comments).
func rateLimitedWhat(c echo.Context, wait time.Duration, what string) error {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	b, err := json.Marshal(Problem{
		Type: "https://ogp-local.dev/problems/rate_limited", Title: http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests, Code: "rate_limited", Instance: c.Request().URL.Path,
		Detail: fmt.Sprintf("at most %d %s per %.0f minutes from one address to one plan: retry in %d seconds", ProposalBurst, what, ProposalWindow.Minutes(), secs),
	})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusTooManyRequests, "application/problem+json", b)
}

// problemChange runs the coordinator-only change of one problem.
func (s *Server) problemChange(c echo.Context, req any, change func(ctx context.Context, planID, id int64) (models.ProblemRecord, error)) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	id, err := parseProblemID(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	if req != nil {
		if err := decodeJSON(c, req); err != nil {
			return err
		}
	}
	rec, err := change(c.Request().Context(), p.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, coordinatorProblem(rec))
}

func (s *Server) updateProblem(c echo.Context) error {
	var req problemRequest
	return s.problemChange(c, &req, func(ctx context.Context, planID, id int64) (models.ProblemRecord, error) {
		text := ogp.ProblemText{Title: req.Title, Description: req.Description, PolicyArea: req.PolicyArea, Submitter: req.Submitter}.Normalize()
		if err := ogp.ValidateProblemText(text); err != nil {
			return models.ProblemRecord{}, err
		}
		var source ogp.ProblemSource
		switch src := ogp.ProblemSource(strings.TrimSpace(req.Source)); src {
		case "", ogp.SourcePublic:
			source = src
		default:
			parsed, err := ogp.ParseProblemSource(string(src))
			if err != nil {
				return models.ProblemRecord{}, err
			}
			source = parsed
		}
		return s.store.UpdateProblem(ctx, planID, id, text, source)
	})
}

func (s *Server) deleteProblem(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	id, err := parseProblemID(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	if err := s.store.DeleteProblem(c.Request().Context(), p.ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) moderateProblem(c echo.Context) error {
	var req moderationRequest
	return s.problemChange(c, &req, func(ctx context.Context, planID, id int64) (models.ProblemRecord, error) {
		d, err := ogp.ParseModerationDecision(strings.TrimSpace(req.Decision))
		if err != nil {
			return models.ProblemRecord{}, err
		}
		reason := strings.TrimSpace(req.Reason)
		if err := ogp.ValidateModeration(d, reason); err != nil {
			return models.ProblemRecord{}, err
		}
		return s.store.ModerateProblem(ctx, planID, id, d, reason, currentUser(c).ID)
	})
}

// scoreProblem records the caller's score as a team member, or, for the
// coordinator, a forum member's. A second score by the same person
// replaces the first.
func (s *Server) scoreProblem(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	id, err := parseProblemID(c)
	if err != nil {
		return err
	}
	var req scoreRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := ogp.ValidateScore(req.Score); err != nil {
		return err
	}
	u := currentUser(c)
	in := models.ScoreInput{ScorerKind: models.ScorerTeamMember, ScorerID: u.ID, Score: req.Score, RecordedBy: u.ID}
	if req.ForumMemberID != nil {
		// Forum members are not users: their coordinator records them.
		if err := s.requireCoordinator(c, p.ID); err != nil {
			return err
		}
		in.ScorerKind, in.ScorerID = models.ScorerForumMember, *req.ForumMemberID
	}
	rec, err := s.store.ScoreProblem(c.Request().Context(), p.ID, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, publicProblem(rec))
}

func (s *Server) selectProblem(c echo.Context) error {
	var req selectionRequest
	return s.problemChange(c, &req, func(ctx context.Context, planID, id int64) (models.ProblemRecord, error) {
		if req.Selected == nil {
			return models.ProblemRecord{}, ogp.Errorf(ogp.EInvalid, "selected_required", "selected (true or false) is required")
		}
		return s.store.SelectProblem(ctx, planID, id, *req.Selected)
	})
}

func (s *Server) setReasonedResponse(c echo.Context) error {
	var req reasonedResponseRequest
	return s.problemChange(c, &req, func(ctx context.Context, planID, id int64) (models.ProblemRecord, error) {
		text := strings.TrimSpace(req.Text)
		if err := ogp.ValidateReasonedResponse(text); err != nil {
			return models.ProblemRecord{}, err
		}
		return s.store.SetReasonedResponse(ctx, planID, id, text)
	})
}
