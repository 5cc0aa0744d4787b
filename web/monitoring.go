package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/server"
)

// The monitoring body's workspace (step 10 and the assessment rounds): a
// plan's rounds and the form that opens one, a round's page by stage (the
// frozen evidence, the commitment leads' self-assessments, the ratings,
// the co-creation checklist, the draft, the answers to public comments,
// finalising and cancelling), a page to assess one commitment, and the
// learning plan. Every read and change is a call to the JSON API
// in-process: the round's workflow checks the stage, the roles and the
// monitoring body's independence, and the pages show its refusals.

func init() { areas = append(areas, (*Web).registerMonitoringRoutes) }

const (
	monRoundsTemplate   = "work/monitoring_rounds.html"
	monRoundTemplate    = "work/monitoring_round.html"
	monAssessTemplate   = "work/monitoring_assess.html"
	monLearningTemplate = "work/monitoring_learning.html"
)

func (w *Web) registerMonitoringRoutes(r router) {
	u := w.requireUser
	const p = "/work/plans/:id"
	r.GET(p+"/assessments", w.monRoundsPage, u)
	r.POST(p+"/assessments", w.monOpenRound, u)
	const rd = p + "/assessments/:rid"
	r.GET(rd, w.monRoundPage, u)
	r.GET(rd+"/commitments/:cid", w.monAssessPage, u)
	r.POST(rd+"/commitments/:cid", w.monRecordAssessment, u)
	r.POST(rd+"/commitments/:cid/self-assessment", w.monSelfAssess, u)
	r.POST(rd+"/checklist", w.monChecklist, u)
	r.POST(rd+"/draft", w.monPublishDraft, u)
	r.POST(rd+"/comments/:seq/answer", w.monAnswer, u)
	r.POST(rd+"/finalise", w.monFinalise, u)
	r.POST(rd+"/cancel", w.monCancel, u)
	r.GET(p+"/content/learning-plan", w.monLearningPage, u)
	r.POST(p+"/content/learning-plan", w.monSaveLearning, u)
}

// monOption is a choice of a select.
type monOption struct {
	Value string
	Label string
}

// monStages are a round's stages in order (cancelled ends it early).
var monStages = []ogp.RoundStage{ogp.StageCollectingEvidence, ogp.StageSelfAssessment, ogp.StageAssessment,
	ogp.StagePublicComment, ogp.StageFinalising, ogp.StagePublished}

// monPeriods are the stage periods a round is opened with, in order, as
// the API names them.
var monPeriods = []string{"self_assessment_for", "assessment_for", "comment_for", "finalising_for"}

// monUnits are the units a stage period is given in, with the most of
// each the API accepts (365 days).
var monUnits = []struct {
	Name string
	Unit time.Duration
	Max  int
}{
	{"days", 24 * time.Hour, 365}, {"hours", time.Hour, 365 * 24}, {"minutes", time.Minute, 365 * 24 * 60}, {"seconds", time.Second, 365 * 24 * 3600},
}

// monDuration turns a number and a unit into a Go duration the API
// takes; false for anything but 1 to 365 days' worth.
func monDuration(n, unit string) (string, bool) {
	v, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || v < 1 {
		return "", false
	}
	for _, u := range monUnits {
		if u.Name == unit {
			if v > u.Max {
				return "", false
			}
			return (time.Duration(v) * u.Unit).String(), true
		}
	}
	return "", false
}

// monContext is a plan's workspace with the person's place as monitoring
// body: holding the role, and whether they are on the team (then the
// API refuses them as not independent).
type monContext struct {
	*workPlan
	Monitor bool
	OnTeam  bool
}

func (m *monContext) apiPath(format string, args ...any) string {
	return fmt.Sprintf("/action-plans/%d", m.Plan.ID) + fmt.Sprintf(format, args...)
}

func (w *Web) monLoad(c echo.Context) (*monContext, error) {
	p, err := w.loadWorkPlan(c)
	if err != nil {
		return nil, err
	}
	m := &monContext{workPlan: p, Monitor: p.Has(models.RoleMonitoringBody)}
	if m.Monitor {
		var team struct {
			Items []server.TeamMemberResponse `json:"items"`
		}
		if err := w.api(c, http.MethodGet, m.apiPath("/team"), nil, &team); err != nil {
			return nil, err
		}
		uid := w.user(c).ID
		m.OnTeam = slices.ContainsFunc(team.Items, func(t server.TeamMemberResponse) bool { return t.UserID == uid })
	}
	return m, nil
}

// monRefused shows a form's page again after the API refused it, also for
// a 403 (not_independent must be read next to the form that caused it);
// an unknown round or comment and server failures are error pages.
func (w *Web) monRefused(c echo.Context, name string, page any, err error, fieldOf map[string]string) error {
	var p *Problem
	if !errors.As(err, &p) || p.Status == http.StatusNotFound || p.Status >= 500 {
		return err
	}
	return w.renderForm(c, name, page, err, fieldOf)
}

// monInvalid is a refusal found before calling the API, with each
// violation next to its field.
func (w *Web) monInvalid(c echo.Context, detailKey string, vs []ogp.Violation) *Problem {
	return &Problem{Status: http.StatusUnprocessableEntity, Code: "form_invalid", Detail: w.T(c, detailKey), Violations: vs}
}

// --- the plan's rounds

// monRoundRow is a round in lists and page headers.
type monRoundRow struct {
	ID int64
	// Ordinal is the round's number within its plan: 1 for the plan's
	// first round (rounds of every kind, cancelled ones included, in the
	// order they were opened). The ID is global, across plans.
	Ordinal     int
	Kind        string
	KindLabel   string
	Stage       string
	StageLabel  string
	StageDueAt  *string
	DraftAt     *string
	PublishedAt *string
	Href        string
	PublicHref  string
}

// monOrdinals numbers a plan's rounds from 1, in the order they were
// opened (their ids grow).
func monOrdinals(rounds []server.RoundResponse) map[int64]int {
	ids := make([]int64, 0, len(rounds))
	for _, r := range rounds {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[int64]int, len(ids))
	for i, id := range ids {
		out[id] = i + 1
	}
	return out
}

// monListRounds reads the plan's rounds, oldest first.
func (w *Web) monListRounds(c echo.Context, m *monContext) ([]server.RoundResponse, error) {
	var list struct {
		Items []server.RoundResponse `json:"items"`
	}
	if err := w.api(c, http.MethodGet, m.apiPath("/assessment-rounds"), nil, &list); err != nil {
		return nil, err
	}
	slices.SortStableFunc(list.Items, func(a, b server.RoundResponse) int { return cmp.Compare(a.ID, b.ID) })
	return list.Items, nil
}

func (w *Web) monRow(c echo.Context, planID int64, r server.RoundResponse, ordinal int) monRoundRow {
	return monRoundRow{ID: r.ID, Ordinal: ordinal, Kind: r.Kind, KindLabel: w.enum(c, "round.kind.", r.Kind), Stage: r.Stage,
		StageLabel: w.enum(c, "status.round.", r.Stage), StageDueAt: r.StageDueAt, DraftAt: r.DraftPublishedAt, PublishedAt: r.PublishedAt,
		Href: fmt.Sprintf(workRoundPath, planID, r.ID), PublicHref: fmt.Sprintf("/plans/%d/assessments/%d", planID, r.ID)}
}

// monPeriod is a stage period of the form opening a round.
type monPeriod struct {
	Name  string
	Label string
	Hint  string
}

type monRoundsPage struct {
	*monContext
	Rounds  []monRoundRow
	Kinds   []monOption
	Units   []monOption
	Periods []monPeriod
}

// monAllowedKinds are the kinds of round the plan's progress allows now,
// as the API decides them (it has the last word).
func (w *Web) monAllowedKinds(c echo.Context, plan server.PlanDetail) []monOption {
	var out []monOption
	add := func(k ogp.AssessmentKind) {
		out = append(out, monOption{Value: string(k), Label: w.enum(c, "round.kind.", string(k))})
	}
	today := w.cfg.Now().UTC().Format(time.DateOnly)
	if plan.CurrentStep >= 9 {
		add(ogp.AssessCoCreation)
	}
	if plan.CurrentStep == 9 && plan.Status != models.PlanStatusCompleted {
		add(ogp.AssessImplementation)
	}
	if plan.CurrentStep == 10 || (plan.EndsOn != "" && plan.EndsOn < today) {
		add(ogp.AssessResults)
	}
	return out
}

func (w *Web) monRoundsData(c echo.Context) (*monRoundsPage, error) {
	m, err := w.monLoad(c)
	if err != nil {
		return nil, err
	}
	rounds, err := w.monListRounds(c, m)
	if err != nil {
		return nil, err
	}
	page := &monRoundsPage{monContext: m, Kinds: w.monAllowedKinds(c, m.Plan)}
	for i := len(rounds) - 1; i >= 0; i-- { // newest first
		page.Rounds = append(page.Rounds, w.monRow(c, m.Plan.ID, rounds[i], i+1))
	}
	for _, u := range monUnits {
		page.Units = append(page.Units, monOption{Value: u.Name, Label: w.T(c, "monitoring.open.unit."+u.Name)})
	}
	for _, p := range monPeriods {
		page.Periods = append(page.Periods, monPeriod{Name: p, Label: w.T(c, "monitoring.open.period."+p), Hint: w.T(c, "monitoring.open.period."+p+".hint")})
	}
	return page, nil
}

func (w *Web) monRoundsPage(c echo.Context) error {
	page, err := w.monRoundsData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, monRoundsTemplate, page)
}

func (w *Web) monOpenRound(c echo.Context) error {
	page, err := w.monRoundsData(c)
	if err != nil {
		return err
	}
	body := map[string]any{"kind": c.FormValue("kind")}
	var bad []ogp.Violation
	for _, p := range monPeriods {
		d, ok := monDuration(c.FormValue(p), c.FormValue(p+"_unit"))
		if !ok {
			bad = append(bad, ogp.Violation{Code: "period_invalid", Item: p, Message: w.T(c, "monitoring.open.period.invalid", w.T(c, "monitoring.open.period."+p))})
			continue
		}
		body[p] = d
	}
	if len(bad) > 0 {
		return w.renderForm(c, monRoundsTemplate, page, w.monInvalid(c, "monitoring.open.invalid", bad))
	}
	var out server.RoundResponse
	if err := w.api(c, http.MethodPost, page.apiPath("/assessment-rounds"), body, &out); err != nil {
		return w.monRefused(c, monRoundsTemplate, page, err, map[string]string{"invalid_kind": "kind", "round_not_allowed": "kind",
			"invalid_duration": monPeriods[0]})
	}
	w.flash(c, "monitoring.open.done")
	return w.redirect(c, fmt.Sprintf(workRoundPath, page.Plan.ID, out.ID))
}

// --- a round

// monStep is a stage of the round's step indicator.
type monStep struct {
	Label string
	// State is complete, current or empty (to come).
	State string
}

// monCommitment is a commitment under assessment, with its
// self-assessment and its assessment when given.
type monCommitment struct {
	ogp.RoundCommitment
	Lead          string
	Self          *ogp.SelfAssessment
	SelfLabel     string
	Assessment    *ogp.CommitmentAssessment
	Completion    string
	Impact        string
	Opened        string
	CanSelfAssess bool
	Href          string
}

// monCheck is a point of the co-creation checklist.
type monCheck struct {
	Key         string
	Label       string
	Rating      string
	RatingLabel string
	Note        string
	Prefilled   bool
}

// monComment is a public comment with who answered it.
type monComment struct {
	ogp.RoundComment
	AnsweredByName string
}

type monRoundPage struct {
	*monContext
	Round       server.RoundResponse
	Row         monRoundRow
	Steps       []monStep
	StepNumber  int
	Commitments []monCommitment
	Checklist   []monCheck
	Comments    []monComment
	Unanswered  int
	Assessed    int
	// Open: neither published nor cancelled.
	Open bool
	// CanAct: the person holds the monitoring body role and the round is open.
	CanAct bool
	// Assessing, Commenting, Finalising are the stage the round is in.
	Assessing, Commenting, Finalising bool
	// CommentsOver: the comment period has ended (the round moves on to
	// finalising in a moment).
	CommentsOver bool
	SelfLead     bool
	Completions  []monOption
	Ratings      []monOption
	OpenedBy     string
	Base         string
	API          string
}

// roundPath is the round's API path plus rest.
func (p *monRoundPage) roundPath(rest string) string {
	return p.apiPath("/assessment-rounds/%d%s", p.Round.ID, rest)
}

func (w *Web) monOptions(c echo.Context, prefix string, values ...string) []monOption {
	out := make([]monOption, 0, len(values))
	for _, v := range values {
		out = append(out, monOption{Value: v, Label: w.enum(c, prefix, v)})
	}
	return out
}

var monCompletions = []string{"not_started", "limited", "substantial", "completed"}

func (w *Web) monRoundData(c echo.Context) (*monRoundPage, error) {
	m, err := w.monLoad(c)
	if err != nil {
		return nil, err
	}
	rid, err := pathID(c, "rid", "round")
	if err != nil {
		return nil, err
	}
	page := &monRoundPage{monContext: m}
	if err := w.api(c, http.MethodGet, m.apiPath("/assessment-rounds/%d", rid), nil, &page.Round); err != nil {
		return nil, err
	}
	r := page.Round
	// The round's number within the plan, from the plan's list of rounds.
	rounds, err := w.monListRounds(c, m)
	if err != nil {
		return nil, err
	}
	page.Row = w.monRow(c, m.Plan.ID, r, monOrdinals(append(rounds, r))[r.ID])
	page.Base = page.Row.Href
	page.API = "/api/v1" + page.roundPath("")
	stage := ogp.RoundStage(r.Stage)
	page.Open = stage != ogp.StagePublished && stage != ogp.StageCancelled
	page.CanAct = m.Monitor && page.Open
	page.Assessing = stage == ogp.StageAssessment
	page.Commenting = stage == ogp.StagePublicComment
	page.Finalising = stage == ogp.StageFinalising
	if page.Commenting && r.StageDueAt != nil {
		if due, err := time.Parse(time.RFC3339Nano, *r.StageDueAt); err == nil && !w.cfg.Now().Before(due) {
			page.CommentsOver = true
		}
	}
	if r.OpenedBy != 0 {
		page.OpenedBy = m.Who(r.OpenedBy)
	}
	current := slices.Index(monStages, stage)
	for i, s := range monStages {
		st := monStep{Label: w.enum(c, "status.round.", string(s))}
		switch {
		case current < 0:
		case i < current || (i == current && stage == ogp.StagePublished):
			st.State = "complete"
		case i == current:
			st.State = "current"
		}
		page.Steps = append(page.Steps, st)
	}
	page.StepNumber = current + 1
	page.Completions = w.monOptions(c, "completion.", monCompletions...)
	page.Ratings = append([]monOption{{Value: "", Label: w.T(c, "monitoring.checklist.unrated")}},
		w.monOptions(c, "rating.", "met", "partly_met", "not_met")...)
	uid := w.user(c).ID
	selfs := map[int64]*ogp.SelfAssessment{}
	for i := range r.SelfAssessments {
		selfs[r.SelfAssessments[i].CommitmentID] = &r.SelfAssessments[i]
	}
	assessed := map[int64]*ogp.CommitmentAssessment{}
	for i := range r.Assessments {
		assessed[r.Assessments[i].CommitmentID] = &r.Assessments[i]
	}
	for _, rc := range r.Commitments {
		mc := monCommitment{RoundCommitment: rc, Self: selfs[rc.CommitmentID], Assessment: assessed[rc.CommitmentID],
			Href: fmt.Sprintf("%s/commitments/%d", page.Base, rc.CommitmentID)}
		if rc.LeadUserID != 0 {
			mc.Lead = m.Who(rc.LeadUserID)
		}
		if mc.Self != nil {
			mc.SelfLabel = w.enum(c, "completion.", string(mc.Self.Completion))
		}
		if a := mc.Assessment; a != nil {
			page.Assessed++
			mc.Completion = w.enum(c, "completion.", string(a.Completion))
			mc.Impact = w.enum(c, "impact.", string(a.Impact))
			if a.OpenedGovernment != "" {
				mc.Opened = w.enum(c, "opened_government.", string(a.OpenedGovernment))
			}
		}
		mc.CanSelfAssess = stage == ogp.StageSelfAssessment && rc.LeadUserID == uid && mc.Self == nil
		page.SelfLead = page.SelfLead || mc.CanSelfAssess
		page.Commitments = append(page.Commitments, mc)
	}
	if r.Kind == string(ogp.AssessCoCreation) {
		rated := map[string]ogp.ChecklistItem{}
		for _, it := range r.Checklist {
			rated[it.Key] = it
		}
		for _, k := range ogp.ChecklistKeys {
			it := rated[k]
			ck := monCheck{Key: k, Label: w.enum(c, "checklist.", k), Rating: it.Rating, Note: it.Note, Prefilled: it.Prefilled}
			if it.Rating != "" {
				ck.RatingLabel = w.enum(c, "rating.", it.Rating)
			}
			page.Checklist = append(page.Checklist, ck)
		}
	}
	for _, cm := range r.Comments {
		mc := monComment{RoundComment: cm}
		if cm.AnsweredBy != 0 {
			mc.AnsweredByName = m.Who(cm.AnsweredBy)
		}
		if cm.Answer == "" {
			page.Unanswered++
		}
		page.Comments = append(page.Comments, mc)
	}
	return page, nil
}

func (w *Web) monRoundPage(c echo.Context) error {
	page, err := w.monRoundData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, monRoundTemplate, page)
}

func (w *Web) monSelfAssess(c echo.Context) error {
	page, err := w.monRoundData(c)
	if err != nil {
		return err
	}
	cid, err := pathID(c, "cid", "commitment")
	if err != nil {
		return err
	}
	completion, narrative := fmt.Sprintf("sa_completion_%d", cid), fmt.Sprintf("sa_narrative_%d", cid)
	body := map[string]any{"commitment_id": cid, "completion": c.FormValue(completion), "narrative": c.FormValue(narrative)}
	if err := w.api(c, http.MethodPost, page.roundPath("/self-assessments"), body, nil); err != nil {
		return w.monRefused(c, monRoundTemplate, page, err, map[string]string{"invalid_completion": completion,
			"narrative_required": narrative, "narrative_too_long": narrative, "self_assessment_submitted": narrative, "not_lead": narrative})
	}
	w.flash(c, "monitoring.self.done")
	return w.redirect(c, page.Base+"#self-assessments")
}

func (w *Web) monChecklist(c echo.Context) error {
	page, err := w.monRoundData(c)
	if err != nil {
		return err
	}
	// Only the points rated or changed here are sent: a point pre-filled
	// from the evidence keeps its origin until someone changes it.
	var items []map[string]string
	var bad []ogp.Violation
	for _, ck := range page.Checklist {
		rating, note := c.FormValue("rating_"+ck.Key), strings.TrimSpace(c.FormValue("note_"+ck.Key))
		if rating == "" || (rating == ck.Rating && note == ck.Note) {
			continue
		}
		if note == "" {
			bad = append(bad, ogp.Violation{Code: "checklist_note_required", Item: "note_" + ck.Key, Message: w.T(c, "monitoring.checklist.note_required", ck.Label)})
			continue
		}
		items = append(items, map[string]string{"key": ck.Key, "rating": rating, "note": note})
	}
	if len(bad) > 0 {
		return w.renderForm(c, monRoundTemplate, page, w.monInvalid(c, "monitoring.checklist.invalid", bad))
	}
	if len(items) == 0 {
		return w.renderForm(c, monRoundTemplate, page, w.monInvalid(c, "monitoring.checklist.nothing", nil))
	}
	if err := w.api(c, http.MethodPost, page.roundPath("/checklist"), map[string]any{"items": items}, nil); err != nil {
		return w.monRefused(c, monRoundTemplate, page, err, nil)
	}
	w.flash(c, "monitoring.checklist.done")
	return w.redirect(c, page.Base+"#checklist")
}

func (w *Web) monPublishDraft(c echo.Context) error {
	page, err := w.monRoundData(c)
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodPost, page.roundPath("/draft"), map[string]string{"summary": c.FormValue("draft_summary")}, nil); err != nil {
		return w.monRefused(c, monRoundTemplate, page, err, map[string]string{"summary_required": "draft_summary", "summary_too_long": "draft_summary"})
	}
	w.flash(c, "monitoring.draft.done")
	return w.redirect(c, page.Base)
}

func (w *Web) monAnswer(c echo.Context) error {
	page, err := w.monRoundData(c)
	if err != nil {
		return err
	}
	seq, err := pathID(c, "seq", "comment")
	if err != nil {
		return err
	}
	field := fmt.Sprintf("answer_%d", seq)
	if err := w.api(c, http.MethodPost, page.roundPath(fmt.Sprintf("/comments/%d/answer", seq)), map[string]string{"answer": c.FormValue(field)}, nil); err != nil {
		return w.monRefused(c, monRoundTemplate, page, err, map[string]string{"answer_required": field, "answer_too_long": field})
	}
	w.flash(c, "monitoring.answer.done")
	return w.redirect(c, fmt.Sprintf("%s#comment-%d", page.Base, seq))
}

func (w *Web) monFinalise(c echo.Context) error {
	page, err := w.monRoundData(c)
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodPost, page.roundPath("/finalise"), map[string]string{"summary": c.FormValue("final_summary")}, nil); err != nil {
		return w.monRefused(c, monRoundTemplate, page, err, map[string]string{"summary_too_long": "final_summary", "wrong_stage": "final_summary"})
	}
	w.flash(c, "monitoring.finalise.done")
	return w.redirect(c, page.Base)
}

func (w *Web) monCancel(c echo.Context) error {
	page, err := w.monRoundData(c)
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodPost, page.roundPath("/cancel"), map[string]string{"reason": c.FormValue("reason")}, nil); err != nil {
		return w.monRefused(c, monRoundTemplate, page, err, map[string]string{"reason_required": "reason", "reason_too_long": "reason"})
	}
	w.flash(c, "monitoring.cancel.done")
	return w.redirect(c, page.Base)
}

// --- assessing one commitment

// monValue is the relevance of the commitment to one OGP value.
type monValue struct {
	Value string
	Label string
	// Claimed: the commitment states this value, with Justification.
	Claimed       bool
	Justification string
	Relevant      bool
	Note          string
}

// monMilestone is a milestone with its implementation record and the
// verdict on its evidence.
type monMilestone struct {
	ID            int64
	Title         string
	DueOn         string
	Status        string
	StatusLabel   string
	Percent       int
	Schedule      string
	ScheduleLabel string
	Evidence      []string
	Verdict       string
	VerdictLabel  string
	Note          string
}

type monAssessPage struct {
	*monRoundPage
	C          monCommitment
	Values     []monValue
	Milestones []monMilestone
	Impacts    []monOption
	Opened     []monOption
	Verdicts   []monOption
	Results    bool
	CanAssess  bool
	// The form's starting values.
	Completion, Impact, OpenedGovernment, Recommendations string
	PublicHref                                            string
}

var monValues = []string{string(ogp.ValueTransparency), string(ogp.ValueParticipation), string(ogp.ValueAccountability)}

func (w *Web) monAssessData(c echo.Context) (*monAssessPage, error) {
	rp, err := w.monRoundData(c)
	if err != nil {
		return nil, err
	}
	cid, err := pathID(c, "cid", "commitment")
	if err != nil {
		return nil, err
	}
	page := &monAssessPage{monRoundPage: rp, Results: rp.Round.Kind == string(ogp.AssessResults),
		PublicHref: fmt.Sprintf("/plans/%d/commitments/%d", rp.Plan.ID, cid)}
	found := false
	for _, mc := range rp.Commitments {
		if mc.CommitmentID == cid {
			page.C, found = mc, true
		}
	}
	if !found {
		return nil, ogp.Errorf(ogp.ENotFound, "unknown_commitment", "round %d does not assess commitment %d", rp.Round.ID, cid)
	}
	page.CanAssess = rp.CanAct && rp.Assessing
	page.Impacts = w.monOptions(c, "impact.", "minor", "moderate", "transformative")
	page.Opened = w.monOptions(c, "opened_government.", "did_not_change", "marginal", "major", "outstanding")
	page.Verdicts = w.monOptions(c, "evidence.", string(ogp.EvidenceAccepted), string(ogp.EvidenceChallenged))

	var cm server.CommitmentResponse
	if err := w.api(c, http.MethodGet, rp.apiPath("/commitments/%d", cid), nil, &cm); err != nil && !monNotFound(err) {
		return nil, err
	}
	var impl server.ImplementationCommitmentResponse
	implErr := w.api(c, http.MethodGet, rp.apiPath("/commitments/%d/implementation", cid), nil, &impl)
	if implErr != nil {
		var p *Problem
		if !errors.As(implErr, &p) || p.Status >= 500 {
			return nil, implErr
		}
	}
	byID := map[int64]monMilestone{}
	for _, m := range cm.Milestones {
		byID[m.ID] = monMilestone{ID: m.ID, Title: m.Title, DueOn: m.DueOn}
	}
	for _, m := range impl.Milestones {
		mm := byID[m.ID]
		mm.ID, mm.Title, mm.DueOn, mm.Status, mm.Percent, mm.Schedule = m.ID, m.Title, m.DueOn, m.Status, m.Percent, m.Schedule
		mm.StatusLabel = w.enum(c, "status.milestone.", m.Status)
		mm.ScheduleLabel = w.enum(c, "status.milestone.", m.Schedule)
		for _, rep := range m.Reports {
			for _, e := range rep.Evidence {
				if !slices.Contains(mm.Evidence, e) {
					mm.Evidence = append(mm.Evidence, e)
				}
			}
		}
		byID[m.ID] = mm
	}
	a := page.C.Assessment
	verdicts := map[int64]ogp.MilestoneVerdict{}
	if a != nil {
		for _, v := range a.Milestones {
			verdicts[v.MilestoneID] = v
		}
	}
	for _, id := range page.C.Milestones {
		mm, ok := byID[id]
		if !ok {
			mm = monMilestone{ID: id, Title: w.T(c, "monitoring.assess.milestone_n", id)}
		}
		mm.Verdict = string(ogp.EvidenceAccepted)
		if v, ok := verdicts[id]; ok {
			mm.Verdict, mm.Note = string(v.Verdict), v.Note
		}
		mm.VerdictLabel = w.enum(c, "evidence.", mm.Verdict)
		page.Milestones = append(page.Milestones, mm)
	}
	claimed := map[string]string{}
	for _, v := range cm.Values {
		claimed[v.Value] = v.Justification
	}
	given := map[string]ogp.ValueRelevance{}
	if a != nil {
		for _, r := range a.Relevance {
			given[string(r.Value)] = r
		}
	}
	for _, v := range monValues {
		j, ok := claimed[v]
		mv := monValue{Value: v, Label: w.enum(c, "value.", v), Claimed: ok, Justification: j, Relevant: ok}
		if r, ok := given[v]; ok {
			mv.Relevant, mv.Note = r.Relevant, r.Note
		}
		page.Values = append(page.Values, mv)
	}
	switch {
	case a != nil:
		page.Completion, page.Impact, page.OpenedGovernment, page.Recommendations = string(a.Completion), string(a.Impact), string(a.OpenedGovernment), a.Recommendations
	case impl.Completion != "":
		page.Completion = impl.Completion
	case page.C.Self != nil:
		page.Completion = string(page.C.Self.Completion)
	}
	if page.Impact == "" {
		page.Impact = string(ogp.ImpactModerate)
	}
	if page.Results && page.OpenedGovernment == "" {
		page.OpenedGovernment = string(ogp.OpenedMarginal)
	}
	return page, nil
}

func (w *Web) monAssessPage(c echo.Context) error {
	page, err := w.monAssessData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, monAssessTemplate, page)
}

func (w *Web) monRecordAssessment(c echo.Context) error {
	page, err := w.monAssessData(c)
	if err != nil {
		return err
	}
	var bad []ogp.Violation
	relevance := make([]map[string]any, 0, len(page.Values))
	for i, v := range page.Values {
		relevant, note := c.FormValue("relevant_"+v.Value) == "true", strings.TrimSpace(c.FormValue("note_"+v.Value))
		page.Values[i].Relevant = relevant // shown again as typed
		if note == "" {
			bad = append(bad, ogp.Violation{Code: "relevance_note_required", Item: "note_" + v.Value, Message: w.T(c, "monitoring.assess.note_required", v.Label)})
		}
		relevance = append(relevance, map[string]any{"value": v.Value, "relevant": relevant, "note": note})
	}
	verdicts := make([]map[string]any, 0, len(page.Milestones))
	for _, m := range page.Milestones {
		verdict, note := c.FormValue(fmt.Sprintf("verdict_%d", m.ID)), strings.TrimSpace(c.FormValue(fmt.Sprintf("mnote_%d", m.ID)))
		if verdict == string(ogp.EvidenceChallenged) && note == "" {
			bad = append(bad, ogp.Violation{Code: "challenge_note_required", Item: fmt.Sprintf("mnote_%d", m.ID), Message: w.T(c, "monitoring.assess.challenge_required", m.Title)})
		}
		verdicts = append(verdicts, map[string]any{"milestone_id": m.ID, "verdict": verdict, "note": note})
	}
	if len(bad) > 0 {
		return w.renderForm(c, monAssessTemplate, page, w.monInvalid(c, "monitoring.assess.invalid", bad))
	}
	body := map[string]any{"commitment_id": page.C.CommitmentID, "completion": c.FormValue("completion"), "impact": c.FormValue("impact"),
		"relevance": relevance, "milestones": verdicts, "recommendations": c.FormValue("recommendations")}
	if page.Results {
		body["opened_government"] = c.FormValue("opened_government")
	}
	if err := w.api(c, http.MethodPost, page.roundPath("/assessments"), body, nil); err != nil {
		fieldOf := map[string]string{"invalid_completion": "completion", "invalid_impact": "impact", "opened_government_required": "opened_government",
			"invalid_opened_government": "opened_government", "recommendations_required": "recommendations", "recommendations_too_long": "recommendations",
			"relevance_missing": "note_" + monValues[0], "relevance_note_too_long": "note_" + monValues[0]}
		if len(page.Milestones) > 0 {
			first := fmt.Sprintf("mnote_%d", page.Milestones[0].ID)
			fieldOf["missing_verdicts"], fieldOf["invalid_verdict"], fieldOf["milestone_note_too_long"] = first, first, first
		}
		return w.monRefused(c, monAssessTemplate, page, err, fieldOf)
	}
	w.flash(c, "monitoring.assess.done")
	return w.redirect(c, page.Base+"#commitments")
}

// --- the learning plan (step 10)

// monLearningField is a text of the learning plan.
type monLearningField struct {
	Name  string
	Label string
	Hint  string
	Value string
}

type monLearningPage struct {
	*workPlan
	Fields []monLearningField
	// Recorded: a learning plan exists.
	Recorded bool
	// CanEdit: the person may change it (a coordinator), and Editable:
	// step 10 is being worked on.
	CanEdit  bool
	Editable bool
	Step     server.StepResponse
	Rounds   string
}

var monLearningNames = []string{"objectives", "accountability_requirements", "data_collection", "data_storage", "data_analysis", "data_sharing", "participants"}

func (w *Web) monLearningData(c echo.Context) (*monLearningPage, error) {
	p, err := w.loadWorkPlan(c)
	if err != nil {
		return nil, err
	}
	var lp map[string]string
	err = w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/learning-plan", p.Plan.ID), nil, &lp)
	if err != nil && !monNotFound(err) {
		return nil, err
	}
	page := &monLearningPage{workPlan: p, Recorded: err == nil, CanEdit: p.Manages(), Step: p.Step(ogp.HomeLearning),
		Rounds: fmt.Sprintf(workRoundsPath, p.Plan.ID)}
	page.Editable = p.Plan.CurrentStep == ogp.HomeLearning && p.Plan.Status != models.PlanStatusCompleted &&
		(page.Step.Status == models.StepStatusInProgress || page.Step.Status == models.StepStatusChangesRequested)
	for _, n := range monLearningNames {
		page.Fields = append(page.Fields, monLearningField{Name: n, Label: w.T(c, "monitoring.learning."+n),
			Hint: w.T(c, "monitoring.learning."+n+".hint"), Value: lp[n]})
	}
	return page, nil
}

func (w *Web) monLearningPage(c echo.Context) error {
	page, err := w.monLearningData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, monLearningTemplate, page)
}

func (w *Web) monSaveLearning(c echo.Context) error {
	page, err := w.monLearningData(c)
	if err != nil {
		return err
	}
	body := map[string]string{}
	for _, n := range monLearningNames {
		body[n] = c.FormValue(n)
	}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/learning-plan", page.Plan.ID), body, nil); err != nil {
		return w.monRefused(c, monLearningTemplate, page, err, map[string]string{"learning_plan_too_long": monLearningNames[0],
			"step_content_locked": monLearningNames[0]})
	}
	w.flash(c, "monitoring.learning.done")
	return w.redirect(c, fmt.Sprintf(workContentPath, page.Plan.ID, "learning-plan"))
}

// monNotFound tells a 404 answer (no learning plan yet, a commitment
// gone).
func monNotFound(err error) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == http.StatusNotFound
}
