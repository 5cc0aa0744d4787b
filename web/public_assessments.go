package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// The public assessment pages: the monitoring body's assessment rounds of
// a plan (drafts open for public comment, published reports, rounds under
// way), one round's report rendered from the API's JSON report, with its
// evidence hash and downloads, the public comments with the monitoring
// body's answers, and the comment form while the draft is open. Reads and
// the comment go through the API in-process.

func init() { areas = append(areas, (*Web).registerPublicAssessmentRoutes) }

func (w *Web) registerPublicAssessmentRoutes(r router) {
	r.GET("/plans/:id/assessments", w.paListPage)
	r.GET("/plans/:id/assessments/:rid", w.paRoundPage)
	r.POST("/plans/:id/assessments/:rid/comments", w.paComment)
	r.GET("/plans/:id/assessments/:rid/report.md", w.paReportDownload)
	r.GET("/plans/:id/assessments/:rid/report.csv", w.paReportDownload)
}

// --- what the API answers

// paRound is an assessment round (GET .../assessment-rounds/{rid}).
type paRound struct {
	ID               int64               `json:"id"`
	PlanID           int64               `json:"plan_id"`
	Kind             string              `json:"kind"`
	Stage            string              `json:"stage"`
	StageDueAt       *string             `json:"stage_due_at"`
	OpenedBy         int64               `json:"opened_by"`
	EvidenceHash     string              `json:"evidence_hash"`
	ReportHash       string              `json:"report_hash"`
	Commitments      []paRoundCommitment `json:"commitments"`
	SelfAssessments  []paSelfAssessment  `json:"self_assessments"`
	Assessments      []paAssessment      `json:"assessments"`
	Checklist        []paChecklistItem   `json:"checklist"`
	Summary          string              `json:"summary"`
	Comments         []paComment         `json:"comments"`
	DraftPublishedAt *string             `json:"draft_published_at"`
	PublishedAt      *string             `json:"published_at"`
	CancelReason     string              `json:"cancel_reason"`
}

type paRoundCommitment struct {
	CommitmentID int64  `json:"commitment_id"`
	Number       int    `json:"number"`
	Title        string `json:"title"`
}

type paSelfAssessment struct {
	CommitmentID int64  `json:"commitment_id"`
	Completion   string `json:"completion"`
	Narrative    string `json:"narrative"`
	SubmittedBy  int64  `json:"submitted_by"`
	SubmittedAt  string `json:"submitted_at"`
}

type paAssessment struct {
	CommitmentID     int64         `json:"commitment_id"`
	Completion       string        `json:"completion"`
	Relevance        []paRelevance `json:"relevance"`
	Impact           string        `json:"impact"`
	OpenedGovernment string        `json:"opened_government"`
	Milestones       []paVerdict   `json:"milestones"`
	Recommendations  string        `json:"recommendations"`
	AssessedBy       int64         `json:"assessed_by"`
	AssessedAt       string        `json:"assessed_at"`
}

type paRelevance struct {
	Value    string `json:"value"`
	Relevant bool   `json:"relevant"`
	Note     string `json:"note"`
}

type paVerdict struct {
	MilestoneID int64  `json:"milestone_id"`
	Verdict     string `json:"verdict"`
	Note        string `json:"note"`
}

type paChecklistItem struct {
	Key       string `json:"key"`
	Rating    string `json:"rating"`
	Note      string `json:"note"`
	Prefilled bool   `json:"prefilled"`
}

// paChecklistNote is the note shown for a checklist point. A point the
// API pre-filled from the evidence (prefilled: true; a rating recorded by
// the monitoring body clears it) carries the API's fixed English note, so
// the page says what the evidence shows in the visitor's language instead;
// a note a person wrote is shown as written.
func (w *Web) paChecklistNote(c echo.Context, it paChecklistItem) string {
	if !it.Prefilled {
		return it.Note
	}
	for _, k := range []string{"assessments.checklist.evidence." + it.Key + "." + it.Rating, "assessments.checklist.evidence." + it.Key} {
		if w.catalog.has(lang(c), k) {
			return w.T(c, k)
		}
	}
	return w.T(c, "assessments.checklist.evidence.other")
}

type paComment struct {
	Seq        int     `json:"seq"`
	Name       string  `json:"name"`
	Text       string  `json:"text"`
	PostedAt   string  `json:"posted_at"`
	Answer     string  `json:"answer"`
	AnsweredBy int64   `json:"answered_by"`
	AnsweredAt *string `json:"answered_at"`
}

// paReport is GET .../report.json: the round as reported, final or draft.
type paReport struct {
	Final  bool    `json:"final"`
	Round  paRound `json:"round"`
	Digest string  `json:"digest"`
}

// --- what the templates get

type paListView struct {
	Plan pcPlan
	// Open are drafts open for public comment, Published the final
	// reports, Running the rounds under way, Cancelled the others.
	Open, Published, Running, Cancelled []paRoundRow
}

type paRoundRow struct {
	ID         int64
	URL        string
	Kind       string
	KindLabel  string
	Stage      string
	StageLabel string
	StageDueAt *string
	DraftAt    *string
	FinalAt    *string
	Comments   int
}

type paRoundView struct {
	Plan         pcPlan
	Round        paRound
	Row          paRoundRow
	Base         string // /plans/{id}/assessments/{rid}
	API          string // /api/v1/action-plans/{id}/assessment-rounds/{rid}
	HasReport    bool
	Final        bool
	Digest       string
	CommentsOpen bool
	// CommentsClosed says why there is no form: the period is over.
	CommentsClosed bool
	Checklist      []paChecklistRow
	Assessments    []paAssessmentRow
	Self           []paSelfRow
	Comments       []paCommentRow
	CancelReason   string
}

type paChecklistRow struct {
	Label, Rating, RatingLabel, Note string
	Prefilled                        bool
}

type paAssessmentRow struct {
	Anchor          string
	Title           string
	CommitmentURL   string
	Completion      string
	Impact          string
	Opened          string
	Relevance       []paRelevanceRow
	Verdicts        []paVerdictRow
	Recommendations string
}

type paRelevanceRow struct {
	Value, Relevant, Note string
}

type paVerdictRow struct {
	Milestone, Verdict, VerdictLabel, Note string
}

type paSelfRow struct {
	Title, Completion, Narrative, By, At string
}

type paCommentRow struct {
	Seq                int
	Name               string
	Text               string
	At                 string
	Answer, AnsweredBy string
	AnsweredAt         *string
}

// --- handlers

func (w *Web) paRow(c echo.Context, planID int64, r paRound) paRoundRow {
	return paRoundRow{ID: r.ID, URL: fmt.Sprintf("/plans/%d/assessments/%d", planID, r.ID), Kind: r.Kind,
		KindLabel: w.pcLabel(c, "round.kind.", r.Kind), Stage: r.Stage, StageLabel: w.pcLabel(c, "status.round.", r.Stage),
		StageDueAt: r.StageDueAt, DraftAt: r.DraftPublishedAt, FinalAt: r.PublishedAt, Comments: len(r.Comments)}
}

func (w *Web) paListPage(c echo.Context) error {
	plan, err := w.pcLoadPlan(c)
	if err != nil {
		return err
	}
	var list struct {
		Items []paRound `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/assessment-rounds", plan.ID), nil, &list); err != nil {
		return err
	}
	view := paListView{Plan: plan}
	// Newest first in each group.
	for i := len(list.Items) - 1; i >= 0; i-- {
		r := list.Items[i]
		row := w.paRow(c, plan.ID, r)
		switch r.Stage {
		case "public_comment":
			view.Open = append(view.Open, row)
		case "published":
			view.Published = append(view.Published, row)
		case "cancelled":
			view.Cancelled = append(view.Cancelled, row)
		default:
			view.Running = append(view.Running, row)
		}
	}
	return w.render(c, http.StatusOK, "public/assessments.html", view)
}

// paLoad reads the plan and the round of the path.
func (w *Web) paLoad(c echo.Context) (pcPlan, paRound, error) {
	plan, err := w.pcLoadPlan(c)
	if err != nil {
		return plan, paRound{}, err
	}
	rid, err := pcPathID(c, "rid")
	if err != nil {
		return plan, paRound{}, err
	}
	var r paRound
	err = w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/assessment-rounds/%d", plan.ID, rid), nil, &r)
	return plan, r, err
}

func (w *Web) paRoundPage(c echo.Context) error {
	view, err := w.paRoundData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "public/assessment.html", view)
}

// paRoundData builds one round's page: the round, its report (the API's
// JSON report once a draft is out), the plan's commitments (milestone
// titles) and roster (names), four calls whatever the round holds.
func (w *Web) paRoundData(c echo.Context) (paRoundView, error) {
	plan, r, err := w.paLoad(c)
	if err != nil {
		return paRoundView{}, err
	}
	view := paRoundView{Plan: plan, Round: r, Row: w.paRow(c, plan.ID, r),
		Base: fmt.Sprintf("/plans/%d/assessments/%d", plan.ID, r.ID),
		API:  fmt.Sprintf("/api/v1/action-plans/%d/assessment-rounds/%d", plan.ID, r.ID), CancelReason: r.CancelReason}
	if r.DraftPublishedAt != nil || r.PublishedAt != nil {
		var rep paReport
		err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/assessment-rounds/%d/report.json", plan.ID, r.ID), nil, &rep)
		var p *Problem
		switch {
		case err == nil:
			view.HasReport, view.Final, view.Digest = true, rep.Final, rep.Digest
			view.Round = rep.Round
			r = rep.Round
		case errors.As(err, &p) && p.Status == http.StatusNotFound:
		default:
			return view, err
		}
	}
	if r.Stage == "public_comment" {
		due := pcTime(r.StageDueAt)
		view.CommentsOpen = due == nil || w.cfg.Now().Before(*due)
		view.CommentsClosed = !view.CommentsOpen
	}

	names := map[int64]string{}
	var members struct {
		Items []pcMember `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/members", plan.ID), nil, &members); err != nil {
		return view, err
	}
	for _, m := range members.Items {
		names[m.UserID] = m.Name
	}
	who := func(id int64) string {
		if n := names[id]; n != "" {
			return n
		}
		return w.T(c, "assessments.monitoring_body")
	}
	titles := map[int64]string{}
	for _, cm := range r.Commitments {
		titles[cm.CommitmentID] = w.T(c, "commitments.numbered", cm.Number, cm.Title)
	}
	commitmentTitle := func(id int64) string {
		if t := titles[id]; t != "" {
			return t
		}
		return w.T(c, "assessments.commitment_n", id)
	}

	if view.HasReport {
		milestones := map[int64]string{}
		if len(r.Assessments) > 0 {
			var list struct {
				Items []pcCommitment `json:"items"`
			}
			if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments", plan.ID), nil, &list); err != nil {
				return view, err
			}
			for _, cm := range list.Items {
				for _, m := range cm.Milestones {
					milestones[m.ID] = m.Title
				}
			}
		}
		for _, it := range r.Checklist {
			view.Checklist = append(view.Checklist, paChecklistRow{Label: w.pcLabel(c, "assessments.checklist.key.", it.Key),
				Rating: it.Rating, RatingLabel: w.pcLabel(c, "assessments.checklist.rating.", it.Rating), Note: w.paChecklistNote(c, it), Prefilled: it.Prefilled})
		}
		for _, a := range r.Assessments {
			row := paAssessmentRow{Anchor: "assessment-" + strconv.FormatInt(a.CommitmentID, 10), Title: commitmentTitle(a.CommitmentID),
				CommitmentURL: fmt.Sprintf("/plans/%d/commitments/%d", plan.ID, a.CommitmentID),
				Completion:    w.pcLabel(c, "completion.", a.Completion), Impact: w.pcLabel(c, "impact.", a.Impact),
				Opened: w.pcLabel(c, "opened_government.", a.OpenedGovernment), Recommendations: a.Recommendations}
			for _, v := range a.Relevance {
				rel := w.T(c, "assessments.relevant.no")
				if v.Relevant {
					rel = w.T(c, "assessments.relevant.yes")
				}
				row.Relevance = append(row.Relevance, paRelevanceRow{Value: w.pcLabel(c, "value.", v.Value), Relevant: rel, Note: v.Note})
			}
			for _, m := range a.Milestones {
				title := milestones[m.MilestoneID]
				if title == "" {
					title = w.T(c, "assessments.milestone_n", m.MilestoneID)
				}
				row.Verdicts = append(row.Verdicts, paVerdictRow{Milestone: title, Verdict: m.Verdict,
					VerdictLabel: w.pcLabel(c, "evidence.", m.Verdict), Note: m.Note})
			}
			view.Assessments = append(view.Assessments, row)
		}
		for _, s := range r.SelfAssessments {
			view.Self = append(view.Self, paSelfRow{Title: commitmentTitle(s.CommitmentID), Completion: w.pcLabel(c, "completion.", s.Completion),
				Narrative: s.Narrative, By: who(s.SubmittedBy), At: s.SubmittedAt})
		}
	}
	for _, cm := range r.Comments {
		row := paCommentRow{Seq: cm.Seq, Name: cm.Name, Text: cm.Text, At: cm.PostedAt, Answer: cm.Answer, AnsweredAt: cm.AnsweredAt}
		if cm.Answer != "" {
			row.AnsweredBy = who(cm.AnsweredBy)
		}
		view.Comments = append(view.Comments, row)
	}
	return view, nil
}

// paCommentFields puts the comment API's refusals next to the fields.
var paCommentFields = map[string]string{
	"text_required": "text", "text_too_long": "text", "name_too_long": "name",
}

// paCommentMessages are the catalog keys of the refusals a visitor can
// meet, in words for the public rather than the API's.
var paCommentMessages = map[string]string{
	"text_required":       "assessments.comment.error.text_required",
	"text_too_long":       "assessments.comment.error.text_too_long",
	"name_too_long":       "assessments.comment.error.name_too_long",
	"rate_limited":        "assessments.comment.error.rate_limited",
	"comments_closed":     "assessments.comment.error.closed",
	"comment_period_over": "assessments.comment.error.closed",
	"too_many_comments":   "assessments.comment.error.too_many",
}

// paComment sends a public comment on a draft report to the API (which
// takes no author: the visitor may give a name), with the form's idem as
// the Idempotency-Key.
func (w *Web) paComment(c echo.Context) error {
	plan, err := w.pcLoadPlan(c)
	if err != nil {
		return err
	}
	rid, err := pcPathID(c, "rid")
	if err != nil {
		return err
	}
	body := map[string]string{"name": strings.TrimSpace(c.FormValue("name")), "text": strings.TrimSpace(c.FormValue("text"))}
	err = w.api(c, http.MethodPost, fmt.Sprintf("/action-plans/%d/assessment-rounds/%d/comments", plan.ID, rid), body, nil)
	if err == nil {
		w.flash(c, "assessments.comment.done")
		return w.redirect(c, fmt.Sprintf("/plans/%d/assessments/%d#comments", plan.ID, rid))
	}
	var p *Problem
	if !errors.As(err, &p) {
		return err
	}
	if p.Status == http.StatusNotFound {
		return p
	}
	shown := *p
	if key, ok := paCommentMessages[p.Code]; ok {
		// The API's code stays; the message is ours, unless the domain
		// catalog has one for it.
		if !w.catalog.has(lang(c), "violation."+p.Code) {
			shown.Detail = w.T(c, key)
		}
	}
	view, verr := w.paRoundData(c)
	if verr != nil {
		return verr
	}
	if p.Code == "rate_limited" {
		// Make sure the friendly message wins over a terse domain one.
		shown.Code = "assessments_rate_limited"
		shown.Detail = w.T(c, "assessments.comment.error.rate_limited")
	}
	return w.renderForm(c, "public/assessment.html", view, &shown, paCommentFields)
}

// paReportDownload serves the report as Markdown or CSV, as the API
// gives it for that Accept header, as a download named after the round.
func (w *Web) paReportDownload(c echo.Context) error {
	plan, err := w.pcLoadPlan(c)
	if err != nil {
		return err
	}
	rid, err := pcPathID(c, "rid")
	if err != nil {
		return err
	}
	accept, ext := "text/markdown", "md"
	if strings.HasSuffix(c.Request().URL.Path, ".csv") {
		accept, ext = "text/csv", "csv"
	}
	req, err := w.apiRequest(c.Request().Context(), c, http.MethodGet,
		fmt.Sprintf("/action-plans/%d/assessment-rounds/%d/report", plan.ID, rid), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", accept)
	res := &response{header: http.Header{}}
	w.cfg.API.Handler().ServeHTTP(res, req)
	if res.status == 0 {
		res.status = http.StatusOK
	}
	if res.status >= 400 {
		return &Problem{Status: res.status, Code: "report_unavailable"}
	}
	ct := res.header.Get("Content-Type")
	if ct == "" {
		ct = accept + "; charset=utf-8"
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="plan-%d-assessment-%d.%s"`, plan.ID, rid, ext))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, ct, res.body.Bytes())
}
