package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// page is a parsed ?page=&per_page= pair.
type page struct{ Page, PerPage int }

func (p page) offset() int { return (p.Page - 1) * p.PerPage }

// Page is the envelope of every list.
type Page[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func parsePage(c echo.Context) (page, error) {
	p := page{Page: 1, PerPage: 50}
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return p, ogp.Errorf(ogp.EInvalid, "invalid_page", "page must be a positive integer")
		}
		p.Page = n
	}
	if v := c.QueryParam("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return p, ogp.Errorf(ogp.EInvalid, "invalid_per_page", "per_page must be an integer from 1 to 200")
		}
		p.PerPage = n
	}
	return p, nil
}

func parseID(c echo.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, ogp.Errorf(ogp.ENotFound, "unknown_"+what, "there is no %s %q", strings.ReplaceAll(what, "_", " "), c.Param(name))
	}
	return id, nil
}

func parseStep(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if _, ok := ogp.StepByNumber(n); err != nil || !ok {
		return 0, ogp.Errorf(ogp.ENotFound, "unknown_step", "there is no step %q: steps are numbered 1 to %d", c.Param("n"), ogp.StepCount)
	}
	return n, nil
}

// planOr404 loads a plan, answering 404 with a clear code when it is not.
func (s *Server) planOr404(c echo.Context) (models.ActionPlan, error) {
	id, err := parseID(c, "id", "plan")
	if err != nil {
		return models.ActionPlan{}, err
	}
	p, err := s.store.GetPlan(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return p, ogp.Errorf(ogp.ENotFound, "unknown_plan", "there is no action plan %d", id)
	}
	return p, err
}

// --- users

type createUserRequest struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	IsAdmin bool   `json:"is_admin"`
}

// UserResponse is a user as the API shows it.
type UserResponse struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	IsAdmin bool   `json:"is_admin"`
	// Token is shown once, when the user is created.
	Token string `json:"token,omitempty"`
}

func userResponse(u models.User) UserResponse {
	return UserResponse{ID: u.ID, Name: u.Name, Email: u.Email, IsAdmin: u.IsAdmin}
}

func (s *Server) createUser(c echo.Context) error {
	if !currentUser(c).IsAdmin {
		return ogp.Errorf(ogp.EForbidden, "admin_only", "only an administrator may create users")
	}
	var req createUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	name, email := strings.TrimSpace(req.Name), strings.ToLower(strings.TrimSpace(req.Email))
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return ogp.Errorf(ogp.EUnprocessable, "name_required", "name is required (at most 200 characters)")
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 320 {
		return ogp.Errorf(ogp.EUnprocessable, "invalid_email", "%q is not a valid e-mail address", req.Email)
	}
	token, _ := models.NewToken()
	u, err := s.store.CreateUser(c.Request().Context(), name, email, req.IsAdmin, token)
	if errors.Is(err, models.ErrConflict) {
		return ogp.Errorf(ogp.EConflict, "email_taken", "a user with e-mail %s exists already", email)
	}
	if err != nil {
		return err
	}
	r := userResponse(u)
	r.Token = token
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) me(c echo.Context) error {
	return c.JSON(http.StatusOK, userResponse(currentUser(c)))
}

// --- plans

type createPlanRequest struct {
	Title                string `json:"title"`
	Member               string `json:"member"`
	StartsOn             string `json:"starts_on"`
	EndsOn               string `json:"ends_on"`
	ReminderIntervalDays int    `json:"reminder_interval_days"`
	Sector               string `json:"sector"`
}

// PlanSummary is a plan in lists and the answer to creation.
type PlanSummary struct {
	ID                   int64  `json:"id"`
	WorkflowID           string `json:"workflow_id"`
	Title                string `json:"title"`
	Member               string `json:"member"`
	StartsOn             string `json:"starts_on"`
	EndsOn               string `json:"ends_on"`
	Status               string `json:"status"`
	CurrentStep          int    `json:"current_step"`
	CoordinatorID        int64  `json:"coordinator_id"`
	ReminderIntervalDays int    `json:"reminder_interval_days"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
}

func planSummary(p models.ActionPlan) PlanSummary {
	return PlanSummary{ID: p.ID, WorkflowID: p.WorkflowID, Title: p.Title, Member: p.Member, StartsOn: p.StartsOn,
		EndsOn: p.EndsOn, Status: p.Status, CurrentStep: p.CurrentStep, CoordinatorID: p.CoordinatorID,
		ReminderIntervalDays: p.ReminderIntervalDays, CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt)}
}

func (s *Server) createPlan(c echo.Context) error {
	var req createPlanRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	user := currentUser(c)
	np := ogp.NewPlan{Title: strings.TrimSpace(req.Title), Member: strings.TrimSpace(req.Member), StartsOn: ogp.Date(req.StartsOn),
		EndsOn: ogp.Date(req.EndsOn), CoordinatorID: user.ID, ReminderIntervalDays: req.ReminderIntervalDays,
		CoordinatorSector: ogp.SectorGovernment}
	if req.Sector != "" {
		sector, err := ogp.ParseSector(req.Sector)
		if err != nil {
			return err
		}
		np.CoordinatorSector = sector
	}
	if err := ogp.ValidateNewPlan(np); err != nil {
		return err
	}
	if np.ReminderIntervalDays == 0 {
		np.ReminderIntervalDays = ogp.DefaultReminderIntervalDays
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return ogp.Errorf(ogp.EInvalid, "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	ctx := c.Request().Context()
	row := models.ActionPlan{Title: np.Title, Member: np.Member, StartsOn: string(np.StartsOn), EndsOn: string(np.EndsOn),
		Status: string(ogp.PlanCoCreation), CurrentStep: 1, CoordinatorID: user.ID, CreatedBy: user.ID,
		IdempotencyKey: key, ReminderIntervalDays: np.ReminderIntervalDays}
	existing, err := s.store.CreatePlan(ctx, &row)
	if err != nil {
		return err
	}
	np.PlanID = row.ID
	if !existing {
		// Write the opening projection now, from the same input the
		// workflow starts with, so the plan reads complete at once; the
		// workflow's own projection of it is then a no-op.
		np.CreatedAt = row.CreatedAt.UTC()
		st, events := ogp.NewPlanState(np, ogp.ActionPlanWorkflowID(row.ID), np.CreatedAt)
		p, err := models.NewProjection(st, events)
		if err == nil {
			err = s.store.ApplyProjection(ctx, p)
		}
		if err != nil {
			s.undoCreate(row.ID)
			return err
		}
	} else {
		np.CreatedAt = row.CreatedAt.UTC()
	}
	if err := s.engine.StartPlan(ctx, np); err != nil {
		if !existing {
			s.undoCreate(row.ID)
		}
		return err
	}
	if existing {
		if row.Title != np.Title || row.Member != np.Member || row.StartsOn != string(np.StartsOn) || row.EndsOn != string(np.EndsOn) {
			return ogp.Errorf(ogp.EConflict, "idempotency_key_reused", "Idempotency-Key %q was already used to create a different plan (%d)", key, row.ID)
		}
		if row, err = s.store.GetPlan(ctx, row.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusCreated, planSummary(row))
}

// undoCreate removes a plan whose workflow could not be started, so a
// refused create leaves nothing behind.
func (s *Server) undoCreate(id int64) {
	// Not the request's context: the clean-up must finish even when the
	// client has gone away.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.store.DeletePlan(ctx, id); err != nil {
		s.log.Error("could not remove a plan whose workflow did not start", "plan_id", id, "error", err)
	}
}

func (s *Server) listPlans(c echo.Context) error {
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	if status != "" {
		if _, err := ogp.ParsePlanStatus(status); err != nil {
			return err
		}
	}
	plans, total, err := s.store.ListPlans(c.Request().Context(), status, pg.PerPage, pg.offset())
	if err != nil {
		return err
	}
	out := Page[PlanSummary]{Items: make([]PlanSummary, 0, len(plans)), Total: total, Page: pg.Page, PerPage: pg.PerPage}
	for _, p := range plans {
		out.Items = append(out.Items, planSummary(p))
	}
	return c.JSON(http.StatusOK, out)
}

// StepResponse is one step of a plan with its submission and decisions.
type StepResponse struct {
	Number        int                `json:"number"`
	Key           string             `json:"key"`
	Title         string             `json:"title"`
	Status        string             `json:"status"`
	DueOn         *string            `json:"due_on"`
	StartedAt     *string            `json:"started_at"`
	SubmittedAt   *string            `json:"submitted_at"`
	SubmittedBy   *int64             `json:"submitted_by"`
	Summary       string             `json:"summary"`
	Round         int                `json:"round"`
	ApprovedAt    *string            `json:"approved_at"`
	RemindersSent int                `json:"reminders_sent"`
	Decisions     []DecisionResponse `json:"decisions"`
}

// DecisionResponse is one approver's recorded decision.
type DecisionResponse struct {
	Round        int    `json:"round"`
	ApproverID   int64  `json:"approver_id"`
	ApproverName string `json:"approver_name"`
	Decision     string `json:"decision"`
	Comment      string `json:"comment"`
	DecidedAt    string `json:"decided_at"`
}

// PlanDetail is a plan with its ten steps.
type PlanDetail struct {
	PlanSummary
	// ReminderPolicy is the plan's milestone reminder policy; null means
	// the default (14 and 3 days before, on the due date, every 7 days
	// while overdue; coordinators from the 2nd overdue reminder, approvers
	// and monitoring body from the 4th).
	ReminderPolicy *ReminderPolicyBody `json:"reminder_policy"`
	Steps          []StepResponse      `json:"steps"`
}

func (s *Server) getPlan(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	steps, err := s.store.PlanSteps(ctx, p.ID)
	if err != nil {
		return err
	}
	decisions, err := s.store.PlanDecisions(ctx, p.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(decisions))
	for _, d := range decisions {
		ids = append(ids, d.ApproverID)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return err
	}
	byStep := map[int][]DecisionResponse{}
	for _, d := range decisions {
		byStep[d.StepNumber] = append(byStep[d.StepNumber], DecisionResponse{Round: d.Round, ApproverID: d.ApproverID,
			ApproverName: users[d.ApproverID].Name, Decision: d.Decision, Comment: d.Comment, DecidedAt: rfc3339(d.DecidedAt)})
	}
	out := PlanDetail{PlanSummary: planSummary(p), Steps: make([]StepResponse, 0, len(steps))}
	if p.ReminderPolicy != nil && *p.ReminderPolicy != "" {
		var rp ogp.ReminderPolicy
		if err := json.Unmarshal([]byte(*p.ReminderPolicy), &rp); err != nil {
			return fmt.Errorf("plan %d reminder policy: %w", p.ID, err)
		}
		b := reminderPolicyBody(rp)
		out.ReminderPolicy = &b
	}
	for _, st := range steps {
		def, _ := ogp.StepByNumber(st.Number)
		ds := byStep[st.Number]
		if ds == nil {
			ds = []DecisionResponse{}
		}
		out.Steps = append(out.Steps, StepResponse{Number: st.Number, Key: st.Key, Title: def.Title, Status: st.Status,
			DueOn: st.DueOn, StartedAt: rfc3339Ptr(st.StartedAt), SubmittedAt: rfc3339Ptr(st.SubmittedAt), SubmittedBy: st.SubmittedBy,
			Summary: st.Summary, Round: st.Round, ApprovedAt: rfc3339Ptr(st.ApprovedAt), RemindersSent: st.RemindersSent, Decisions: ds})
	}
	return c.JSON(http.StatusOK, out)
}

// --- changes through the workflow

// update sends one update to a plan's workflow after checking the plan
// exists, and answers with the state the workflow computed.
func (s *Server) update(c echo.Context, planID int64, name string, arg any) (ogp.PlanState, error) {
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return ogp.PlanState{}, ogp.Errorf(ogp.EInvalid, "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	body, _ := c.Get(bodyKey).([]byte)
	id := updateID(name, planID, currentUser(c).ID, key, c.Request().URL.Path, body)
	return s.engine.Update(c.Request().Context(), planID, name, id, arg)
}

// planChange is the shape of every change that answers with the plan's
// state: load the plan (and the step, when the route has one), parse the
// body strictly, build the workflow input, send it as an update, answer
// with the state the workflow computed.
func planChange[Req any](s *Server, c echo.Context, name string, withStep bool, build func(step int, req Req, actor ogp.Actor) (any, error)) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	step := 0
	if withStep {
		if step, err = parseStep(c); err != nil {
			return err
		}
	}
	var req Req
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	arg, err := build(step, req, actorOf(c))
	if err != nil {
		return err
	}
	st, err := s.update(c, p.ID, name, arg)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

type submitRequest struct {
	Summary string `json:"summary"`
}

func (s *Server) submitStep(c echo.Context) error {
	return planChange(s, c, ogp.UpdateSubmitStep, true, func(step int, req submitRequest, actor ogp.Actor) (any, error) {
		return ogp.SubmitStepInput{Step: step, Summary: req.Summary, Actor: actor}, nil
	})
}

type decideRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

func (s *Server) decideStep(c echo.Context) error {
	return planChange(s, c, ogp.UpdateDecideStep, true, func(step int, req decideRequest, actor ogp.Actor) (any, error) {
		d, err := ogp.ParseDecision(req.Decision)
		if err != nil {
			return nil, err
		}
		return ogp.DecideStepInput{Step: step, Decision: d, Comment: req.Comment, Actor: actor}, nil
	})
}

// dueDateRequest keeps due_on raw: absent (nil) is an error, null clears
// the date, a string sets it.
type dueDateRequest struct {
	DueOn json.RawMessage `json:"due_on"`
}

func (s *Server) setDueDate(c echo.Context) error {
	return planChange(s, c, ogp.UpdateSetStepDueDate, true, func(step int, req dueDateRequest, actor ogp.Actor) (any, error) {
		in := ogp.SetStepDueDateInput{Step: step, Actor: actor}
		if req.DueOn == nil {
			return nil, ogp.Errorf(ogp.EInvalid, "due_on_required", "due_on is required: a date (YYYY-MM-DD), or null to clear it")
		}
		if string(req.DueOn) == "null" {
			return in, nil
		}
		var raw string
		if err := json.Unmarshal(req.DueOn, &raw); err != nil {
			return nil, ogp.Errorf(ogp.EInvalid, "invalid_date", "due_on must be a date string (YYYY-MM-DD) or null")
		}
		d, err := ogp.ParseDate(raw)
		if err != nil {
			return nil, err
		}
		in.DueOn = d
		return in, nil
	})
}

// settingsRequest changes a plan's settings. reminder_interval_days may
// be left out (or 0) when reminder_policy or round_schedule is given: it
// then stays as it is. round_schedule replaces the schedule ([] clears
// it, absent leaves it).
type settingsRequest struct {
	ReminderIntervalDays int                   `json:"reminder_interval_days"`
	ReminderPolicy       *ReminderPolicyBody   `json:"reminder_policy"`
	RoundSchedule        *[]ScheduledRoundBody `json:"round_schedule"`
}

// ScheduledRoundBody is one round of the plan's round schedule on the
// wire; the workflow records whether it has been opened.
type ScheduledRoundBody struct {
	Kind    string `json:"kind"`
	OpensOn string `json:"opens_on"`
}

// ReminderPolicyBody is a plan's milestone reminder policy on the wire:
// durations in Go syntax ("336h", "72h", "90s", "1h30m"), so a test or a
// rehearsal can use seconds where a city uses days. A policy sent replaces
// the whole policy; fields left out are empty (no reminder before the due
// date, none on it, none while overdue, no escalation). A policy with no
// reminder at all means the default.
type ReminderPolicyBody struct {
	// Before are offsets before the due date (00:00 UTC of that day).
	Before []string `json:"before"`
	// OnDue sends a reminder at 00:00 UTC of the due date.
	OnDue bool `json:"on_due"`
	// OverdueEvery repeats reminders from the end of the due date on
	// ("0s": none).
	OverdueEvery     string `json:"overdue_every"`
	CoordinatorAfter int    `json:"coordinator_after"`
	ForumAfter       int    `json:"forum_after"`
	// Spread is the window each milestone's reminders (and each step's
	// deadline reminders) are moved within, by an offset fixed per
	// milestone, so deadlines shared by many milestones do not all fire at
	// the same instant: left out, the default (5m); "0s", none; at most
	// "24h". Responses always show it.
	Spread *string `json:"spread,omitempty"`
}

// policy parses the durations; ValidateReminderPolicy (in the workflow's
// validator) judges the values.
func (b ReminderPolicyBody) policy() (ogp.ReminderPolicy, error) {
	p := ogp.ReminderPolicy{OnDue: b.OnDue, CoordinatorAfter: b.CoordinatorAfter, ForumAfter: b.ForumAfter}
	parse := func(field, v string) (time.Duration, error) {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return 0, ogp.Errorf(ogp.EInvalid, "invalid_duration", "reminder_policy.%s: %q is not a duration such as \"336h\", \"30m\" or \"90s\"", field, v)
		}
		return d, nil
	}
	for i, v := range b.Before {
		d, err := parse(fmt.Sprintf("before[%d]", i), v)
		if err != nil {
			return p, err
		}
		p.Before = append(p.Before, d)
	}
	if b.OverdueEvery != "" {
		d, err := parse("overdue_every", b.OverdueEvery)
		if err != nil {
			return p, err
		}
		p.OverdueEvery = d
	}
	if b.Spread != nil {
		d, err := parse("spread", *b.Spread)
		if err != nil {
			return p, err
		}
		p.Spread = &d
	}
	return p, nil
}

// reminderPolicyBody shows a policy with its durations in Go syntax, the
// spread window as it applies (the default when the policy sets none).
func reminderPolicyBody(p ogp.ReminderPolicy) ReminderPolicyBody {
	b := ReminderPolicyBody{Before: make([]string, len(p.Before)), OnDue: p.OnDue, OverdueEvery: p.OverdueEvery.String(),
		CoordinatorAfter: p.CoordinatorAfter, ForumAfter: p.ForumAfter, Spread: new(p.SpreadWindow().String())}
	for i, d := range p.Before {
		b.Before[i] = d.String()
	}
	return b
}

func (s *Server) setSettings(c echo.Context) error {
	return planChange(s, c, ogp.UpdateSetSettings, false, func(_ int, req settingsRequest, actor ogp.Actor) (any, error) {
		in := ogp.SetSettingsInput{ReminderIntervalDays: req.ReminderIntervalDays, Actor: actor}
		if req.ReminderPolicy != nil {
			p, err := req.ReminderPolicy.policy()
			if err != nil {
				return nil, err
			}
			in.ReminderPolicy = &p
		}
		if req.RoundSchedule != nil {
			in.RoundSchedule = make([]ogp.ScheduledRound, 0, len(*req.RoundSchedule))
			for _, r := range *req.RoundSchedule {
				in.RoundSchedule = append(in.RoundSchedule, ogp.ScheduledRound{Kind: ogp.AssessmentKind(r.Kind), OpensOn: ogp.Date(r.OpensOn)})
			}
		}
		return in, nil
	})
}

// --- members

type memberRequest struct {
	Roles  []string `json:"roles"`
	Sector string   `json:"sector"`
}

// MemberResponse is one member of a plan. E-mail addresses are not shown:
// the roster is public, people's addresses are not.
type MemberResponse struct {
	UserID int64    `json:"user_id"`
	Name   string   `json:"name"`
	Roles  []string `json:"roles"`
	Sector string   `json:"sector"`
}

func (s *Server) setMember(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	uid, err := parseID(c, "user_id", "user")
	if err != nil {
		return err
	}
	var req memberRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	roles, err := ogp.ParseRoles(req.Roles)
	if err != nil {
		return err
	}
	sector, err := ogp.ParseSector(req.Sector)
	if err != nil {
		return err
	}
	u, err := s.store.UserByID(c.Request().Context(), uid)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "unknown_user", "there is no user %d", uid)
	}
	if err != nil {
		return err
	}
	if _, err := s.update(c, p.ID, ogp.UpdateSetMember, ogp.SetMemberInput{Member: ogp.Member{UserID: uid, Roles: roles, Sector: sector}, Actor: actorOf(c)}); err != nil {
		return err
	}
	out := MemberResponse{UserID: uid, Name: u.Name, Sector: string(sector)}
	for _, r := range roles {
		out.Roles = append(out.Roles, string(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) removeMember(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	uid, err := parseID(c, "user_id", "user")
	if err != nil {
		return err
	}
	if _, err := s.update(c, p.ID, ogp.UpdateRemoveMember, ogp.RemoveMemberInput{UserID: uid, Actor: actorOf(c)}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listMembers(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	rows, err := s.store.ListMembers(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]MemberResponse, 0, len(rows))
	for _, r := range rows {
		roles := r.RoleList()
		if roles == nil {
			roles = []string{}
		}
		out = append(out, MemberResponse{UserID: r.UserID, Name: r.Name, Roles: roles, Sector: r.Sector})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// --- audit trail and notifications

// EventResponse is one audit-trail entry.
type EventResponse struct {
	Seq        int64           `json:"seq"`
	Kind       string          `json:"kind"`
	ActorID    *int64          `json:"actor_id"`
	Step       *int            `json:"step"`
	Payload    json.RawMessage `json:"payload"`
	OccurredAt string          `json:"occurred_at"`
}

func (s *Server) listEvents(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	evs, total, err := s.store.ListEvents(c.Request().Context(), p.ID, pg.PerPage, pg.offset())
	if err != nil {
		return err
	}
	out := Page[EventResponse]{Items: make([]EventResponse, 0, len(evs)), Total: total, Page: pg.Page, PerPage: pg.PerPage}
	for _, e := range evs {
		out.Items = append(out.Items, EventResponse{Seq: e.Seq, Kind: e.Kind, ActorID: e.ActorID, Step: e.StepNumber,
			Payload: json.RawMessage(e.Payload), OccurredAt: rfc3339(e.OccurredAt)})
	}
	return c.JSON(http.StatusOK, out)
}

// NotificationResponse is one message in the caller's inbox.
type NotificationResponse struct {
	ID        int64   `json:"id"`
	PlanID    *int64  `json:"plan_id"`
	Step      *int    `json:"step"`
	Kind      string  `json:"kind"`
	Subject   string  `json:"subject"`
	Body      string  `json:"body"`
	CreatedAt string  `json:"created_at"`
	ReadAt    *string `json:"read_at"`
}

func notificationResponse(n models.Notification) NotificationResponse {
	return NotificationResponse{ID: n.ID, PlanID: n.PlanID, Step: n.StepNumber, Kind: n.Kind, Subject: n.Subject, Body: n.Body,
		CreatedAt: rfc3339(n.CreatedAt), ReadAt: rfc3339Ptr(n.ReadAt)}
}

func (s *Server) listNotifications(c echo.Context) error {
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	unread := false
	switch c.QueryParam("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return ogp.Errorf(ogp.EInvalid, "invalid_unread", "unread must be true or false")
	}
	ns, total, err := s.store.ListNotifications(c.Request().Context(), currentUser(c).ID, unread, pg.PerPage, pg.offset())
	if err != nil {
		return err
	}
	out := Page[NotificationResponse]{Items: make([]NotificationResponse, 0, len(ns)), Total: total, Page: pg.Page, PerPage: pg.PerPage}
	for _, n := range ns {
		out.Items = append(out.Items, notificationResponse(n))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) readNotification(c echo.Context) error {
	id, err := parseID(c, "id", "notification")
	if err != nil {
		return err
	}
	n, err := s.store.MarkNotificationRead(c.Request().Context(), currentUser(c).ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "unknown_notification", "there is no notification %d in your inbox", id)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, notificationResponse(n))
}
