package server

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// Subscriptions and open data: a plan's public updates as an Atom feed,
// and its public record as one JSON document or a ZIP of CSV files. All
// three are public, read the plan's open data with one query per table,
// and answer the same bytes for the same data (with a strong ETag), so a
// download can be cached and hashed.

// OpenDataStore is what the open-data routes need. It is asserted on the
// store at request time rather than added to Store, so stores that do not
// serve open data (test doubles) need not implement it.
type OpenDataStore interface {
	PlanOpenData(ctx context.Context, planID int64) (models.OpenData, error)
}

var _ OpenDataStore = (*models.DB)(nil)

// Feed limits: the newest entries, at most feedMaxEntries.
const feedMaxEntries = 100

// Media types of the open-data answers.
const (
	atomContentType = "application/atom+xml; charset=utf-8"
	zipContentType  = "application/zip"
)

// OpenDataFormatVersion versions the JSON export's shape.
const OpenDataFormatVersion = 1

// feedTagAuthority is the authority of the entries' tag: URIs (RFC 4151),
// dated with the plan's creation day so that ids stay the same whatever
// host serves the feed, and plans of different installations rarely share
// them.
const feedTagAuthority = "ogp-local"

// registerOpenDataRoutes adds the public feed and downloads of a plan.
func (s *Server) registerOpenDataRoutes(api *echo.Group) {
	api.GET("/action-plans/:id/feed.atom", s.planFeed)
	api.GET("/action-plans/:id/export.json", s.planExportJSON)
	api.GET("/action-plans/:id/export.zip", s.planExportZIP)
}

// openData reads the public record of the plan named in the path.
func (s *Server) openData(c echo.Context) (models.OpenData, error) {
	id, err := parseID(c, "id", "plan")
	if err != nil {
		return models.OpenData{}, err
	}
	st, ok := s.store.(OpenDataStore)
	if !ok {
		return models.OpenData{}, errors.New("server: the store does not serve open data")
	}
	d, err := st.PlanOpenData(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return d, ogp.Errorf(ogp.ENotFound, "unknown_plan", "there is no action plan %d", id)
	}
	return d, err
}

// siteBase is the absolute URL of the site (the web pages) as the client
// reached it.
func siteBase(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// Paths of the public web pages the feed links to.
func planPagePath(planID int64) string { return fmt.Sprintf("/plans/%d", planID) }

func commitmentPagePath(planID, commitmentID int64) string {
	return fmt.Sprintf("/plans/%d/commitments/%d", planID, commitmentID)
}

func assessmentPagePath(planID, roundID int64) string {
	return fmt.Sprintf("/plans/%d/assessments/%d", planID, roundID)
}

// sendDownload answers body with a strong ETag (its SHA-256), 304 when the
// client already has it, and as an attachment when filename is set.
func sendDownload(c echo.Context, contentType, filename string, body []byte) error {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	// Stored by caches, but checked with the server every time.
	h.Set("Cache-Control", "no-cache")
	if filename != "" {
		h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	}
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, contentType, body)
}

// etagMatches is If-None-Match's weak comparison against etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// --- the Atom feed

// atomFeed is an Atom 1.0 feed (RFC 4287); encoding/xml escapes every
// text and attribute.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title     atomText    `xml:"title"`
	Subtitle  atomText    `xml:"subtitle"`
	ID        string      `xml:"id"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    atomText     `xml:"title"`
	Updated  string       `xml:"updated"`
	Links    []atomLink   `xml:"link"`
	Category atomCategory `xml:"category"`
	Summary  atomText     `xml:"summary"`
}

// feedItem is one public update before it becomes an entry.
type feedItem struct {
	// key names the update within the plan: its kind and what it is about
	// (a sequence number or row keys), never anything that may change.
	key     string
	kind    string
	title   string
	summary string
	at      time.Time
	// path is the web page it concerns.
	path string
}

func (s *Server) planFeed(c echo.Context) error {
	limit := feedMaxEntries
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > feedMaxEntries {
			return ogp.Errorf(ogp.EInvalid, "invalid_limit", "limit must be a whole number from 1 to %d, not %q", feedMaxEntries, v)
		}
		limit = n
	}
	d, err := s.openData(c)
	if err != nil {
		return err
	}
	feed := buildFeed(d, siteBase(c), apiBase(c), limit)
	body, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return fmt.Errorf("feed of plan %d: %w", d.Plan.ID, err)
	}
	body = append([]byte(xml.Header), append(body, '\n')...)
	return sendDownload(c, atomContentType, "", body)
}

// feedID is the tag: URI of the plan's feed, or of one of its entries.
func feedID(p models.ActionPlan, key string) string {
	id := fmt.Sprintf("tag:%s,%s:plan-%d", feedTagAuthority, p.CreatedAt.UTC().Format(time.DateOnly), p.ID)
	if key != "" {
		id += "/" + key
	}
	return id
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// buildFeed turns the plan's public updates into a feed, newest first, at
// most limit entries. The feed's updated time is its latest entry's (the
// plan's last update when it has none), so the feed's bytes, and its
// ETag, change only when an update is added.
func buildFeed(d models.OpenData, site, api string, limit int) atomFeed {
	p := d.Plan
	items := feedItems(d)
	updated := p.UpdatedAt
	for i, it := range items {
		if i == 0 || it.at.After(updated) {
			updated = it.at
		}
	}
	// Oldest first, ties in the order the plan recorded them; then newest
	// first.
	slices.SortStableFunc(items, func(a, b feedItem) int { return a.at.Compare(b.at) })
	slices.Reverse(items)
	if len(items) > limit {
		items = items[:limit]
	}
	author := cmp.Or(strings.TrimSpace(p.Member), "OGP Local")
	feed := atomFeed{
		Title:    atomText{Type: "text", Text: p.Title + ": updates"},
		Subtitle: atomText{Type: "text", Text: fmt.Sprintf("Public updates of the OGP Local action plan of %s: steps, progress on commitments, delays, amendments and assessment reports.", author)},
		ID:       feedID(p, ""),
		Updated:  atomTime(updated),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: fmt.Sprintf("%s/action-plans/%d/feed.atom", api, p.ID)},
			{Rel: "alternate", Type: "text/html", Href: site + planPagePath(p.ID)},
		},
		Author:    atomPerson{Name: author},
		Generator: "OGP Local action-plan engine",
		Entries:   make([]atomEntry, 0, len(items)),
	}
	for _, it := range items {
		feed.Entries = append(feed.Entries, atomEntry{
			ID:       feedID(p, it.key),
			Title:    atomText{Type: "text", Text: it.title},
			Updated:  atomTime(it.at),
			Links:    []atomLink{{Rel: "alternate", Type: "text/html", Href: site + it.path}},
			Category: atomCategory{Term: it.kind},
			Summary:  atomText{Type: "text", Text: it.summary},
		})
	}
	return feed
}

// openIndex looks up the commitments and milestones of open data by id.
type openIndex struct {
	commitments map[int64]ogp.Commitment
	milestones  map[int64]ogp.Milestone
	// milestoneOf is a milestone's commitment.
	milestoneOf map[int64]int64
	progress    map[int64]models.MilestoneProgressRecord
	runs        map[int64]models.CommitmentRunRecord
}

func indexOpenData(d models.OpenData) openIndex {
	ix := openIndex{commitments: map[int64]ogp.Commitment{}, milestones: map[int64]ogp.Milestone{},
		milestoneOf: map[int64]int64{}, progress: map[int64]models.MilestoneProgressRecord{}, runs: map[int64]models.CommitmentRunRecord{}}
	for _, cm := range d.Commitments {
		ix.commitments[cm.ID] = cm
		for _, m := range cm.Milestones {
			ix.milestones[m.ID] = m
			ix.milestoneOf[m.ID] = cm.ID
		}
	}
	for _, p := range d.Progress {
		ix.progress[p.MilestoneID] = p
	}
	for _, r := range d.Runs {
		ix.runs[r.CommitmentID] = r
	}
	return ix
}

// milestoneTitle is a milestone's current title (after an approved
// amendment), as the public sees it.
func (ix openIndex) milestoneTitle(id int64) string {
	if p, ok := ix.progress[id]; ok && p.Title != "" {
		return p.Title
	}
	if m, ok := ix.milestones[id]; ok {
		return m.Title
	}
	return fmt.Sprintf("milestone %d", id)
}

// quoted puts a name people typed between quotes, as it is (%q would
// escape its quotes and backslashes).
func quoted(s string) string { return `"` + s + `"` }

// commitmentLabel names a commitment by number and title.
func (ix openIndex) commitmentLabel(id int64) string {
	if cm, ok := ix.commitments[id]; ok {
		return fmt.Sprintf("commitment %d, %s", cm.Number, quoted(cm.Title))
	}
	return fmt.Sprintf("commitment %d", id)
}

// stepLabel is "step 3 (Raise awareness)".
func stepLabel(n int) string {
	if def, ok := ogp.StepByNumber(n); ok {
		return fmt.Sprintf("step %d (%s)", n, def.Title)
	}
	return fmt.Sprintf("step %d", n)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// assessmentKindLabel is how people name a round's kind.
func assessmentKindLabel(k ogp.AssessmentKind) string {
	switch k {
	case ogp.AssessCoCreation:
		return "co-creation"
	case ogp.AssessImplementation:
		return "implementation"
	case ogp.AssessResults:
		return "results"
	}
	return string(k)
}

// lastDecision is when the last decision on a request was taken (the one
// that settled it), or fallback.
func lastDecision(decisionsJSON string, fallback time.Time) time.Time {
	var ds []ogp.Approval
	if err := json.Unmarshal([]byte(cmp.Or(decisionsJSON, "[]")), &ds); err != nil || len(ds) == 0 {
		return fallback
	}
	last := ds[0].DecidedAt
	for _, d := range ds[1:] {
		if d.DecidedAt.After(last) {
			last = d.DecidedAt
		}
	}
	return last.UTC()
}

// feedItems lists the plan's public updates in the order they were
// recorded within each source.
func feedItems(d models.OpenData) []feedItem {
	p := d.Plan
	ix := indexOpenData(d)
	var items []feedItem
	for _, e := range d.Events {
		it, ok := eventItem(p, e)
		if ok {
			items = append(items, it)
		}
	}
	for _, r := range d.Reports {
		it := feedItem{kind: ogp.EventProgressReported, at: r.ReportedAt, path: commitmentPagePath(p.ID, r.CommitmentID)}
		milestone := ix.milestoneTitle(r.MilestoneID)
		if r.Status == string(ogp.MilestoneCompleted) {
			it.kind = ogp.EventMilestoneCompleted
			it.title = fmt.Sprintf("Milestone completed: %s (%s)", quoted(milestone), ix.commitmentLabel(r.CommitmentID))
		} else {
			it.title = fmt.Sprintf("Progress on %s (%s): %d%%", quoted(milestone), ix.commitmentLabel(r.CommitmentID), r.Percent)
		}
		it.key = fmt.Sprintf("%s/%d/%d", it.kind, r.MilestoneID, r.Seq)
		it.summary = r.Narrative
		var evidence []string
		if err := json.Unmarshal([]byte(cmp.Or(r.Evidence, "[]")), &evidence); err == nil && len(evidence) > 0 {
			it.summary += "\n\nEvidence: " + strings.Join(evidence, " ")
		}
		items = append(items, it)
	}
	for _, x := range d.Delays {
		items = append(items, feedItem{kind: ogp.EventDelayExplained, at: x.ExplainedAt, path: commitmentPagePath(p.ID, x.CommitmentID),
			key:     fmt.Sprintf("%s/%d/%d", ogp.EventDelayExplained, x.MilestoneID, x.ExplainedAt.UnixMicro()),
			title:   fmt.Sprintf("Delay explained: %s (%s)", quoted(ix.milestoneTitle(x.MilestoneID)), ix.commitmentLabel(x.CommitmentID)),
			summary: x.Text})
	}
	for _, a := range d.Amendments {
		it := feedItem{at: lastDecision(a.Decisions, a.UpdatedAt), path: commitmentPagePath(p.ID, a.CommitmentID), summary: "Reason: " + a.Reason}
		milestone := ix.milestoneTitle(a.MilestoneID)
		switch ogp.AmendmentStatus(a.Status) {
		case ogp.AmendmentApproved:
			it.kind = ogp.EventAmendmentApproved
			var changes []string
			if a.NewDueOn != a.OldDueOn {
				changes = append(changes, fmt.Sprintf("now due on %s (was %s)", a.NewDueOn, a.OldDueOn))
			}
			if a.NewTitle != "" {
				changes = append(changes, "renamed "+quoted(a.NewTitle))
			}
			it.title = fmt.Sprintf("Amendment approved: %s (%s) %s", quoted(milestone), ix.commitmentLabel(a.CommitmentID),
				cmp.Or(strings.Join(changes, ", "), "changed"))
		case ogp.AmendmentRejected:
			it.kind = ogp.EventAmendmentRejected
			it.title = fmt.Sprintf("Amendment rejected: %s (%s) stays due on %s", quoted(milestone), ix.commitmentLabel(a.CommitmentID), a.OldDueOn)
		default:
			continue // pending: not decided yet
		}
		it.key = fmt.Sprintf("%s/%d/%d", it.kind, a.CommitmentID, a.Seq)
		items = append(items, it)
	}
	for _, w := range d.Withdrawals {
		it := feedItem{at: lastDecision(w.Decisions, w.UpdatedAt), path: commitmentPagePath(p.ID, w.CommitmentID), summary: "Reason: " + w.Reason}
		switch ogp.AmendmentStatus(w.Status) {
		case ogp.AmendmentApproved:
			it.kind = ogp.EventCommitmentWithdrawn
			it.title = upperFirst(ix.commitmentLabel(w.CommitmentID)) + " withdrawn"
		case ogp.AmendmentRejected:
			it.kind = ogp.EventWithdrawalRejected
			it.title = "Withdrawal rejected: " + ix.commitmentLabel(w.CommitmentID) + " continues"
		default:
			continue
		}
		it.key = fmt.Sprintf("%s/%d/%d", it.kind, w.CommitmentID, w.Round)
		items = append(items, it)
	}
	for _, r := range d.Rounds {
		kind := assessmentKindLabel(r.Kind)
		hashes := ""
		if r.EvidenceHash != "" {
			hashes = "Evidence SHA-256: " + r.EvidenceHash + "."
		}
		if r.DraftPublishedAt != nil {
			summary := strings.TrimSpace(r.Summary + "\n\nAnyone may comment on the draft, without an account, while the comment period lasts. " + hashes)
			items = append(items, feedItem{kind: ogp.EventDraftPublished, at: *r.DraftPublishedAt, path: assessmentPagePath(p.ID, r.RoundID),
				key:   fmt.Sprintf("%s/%d", ogp.EventDraftPublished, r.RoundID),
				title: fmt.Sprintf("Draft %s assessment report open for comments", kind), summary: summary})
		}
		if r.PublishedAt != nil {
			summary := "The monitoring body's final report, frozen. Report SHA-256: " + r.ReportHash + ". " + hashes
			if r.Summary != "" {
				summary = r.Summary + "\n\n" + summary
			}
			items = append(items, feedItem{kind: ogp.EventReportPublished, at: *r.PublishedAt, path: assessmentPagePath(p.ID, r.RoundID),
				key:   fmt.Sprintf("%s/%d", ogp.EventReportPublished, r.RoundID),
				title: fmt.Sprintf("%s assessment report published", upperFirst(kind)), summary: strings.TrimSpace(summary)})
		}
	}
	return items
}

// eventItem is the update a plan audit event announces, if it is one.
func eventItem(p models.ActionPlan, e models.AuditEvent) (feedItem, bool) {
	var payload struct {
		Summary string `json:"summary"`
		Comment string `json:"comment"`
		Reason  string `json:"reason"`
		Round   int    `json:"round"`
		EndsOn  string `json:"ends_on"`
	}
	_ = json.Unmarshal([]byte(cmp.Or(e.Payload, "{}")), &payload)
	n := 0
	if e.StepNumber != nil {
		n = *e.StepNumber
	}
	it := feedItem{key: fmt.Sprintf("%s/%d", e.Kind, e.Seq), kind: e.Kind, at: e.OccurredAt, path: planPagePath(p.ID)}
	step := stepLabel(n)
	switch e.Kind {
	case ogp.EventPlanCreated:
		it.title = "Action plan created: " + p.Title
		it.summary = fmt.Sprintf("%s starts co-creating its OGP Local action plan (%s to %s).", cmp.Or(p.Member, "The member"), p.StartsOn, p.EndsOn)
	case ogp.EventStepStarted:
		it.title = upperFirst(step) + " started"
		it.summary = fmt.Sprintf("The plan moved on to %s of 10.", step)
	case ogp.EventStepSubmitted:
		it.title = upperFirst(step) + " submitted for approval"
		it.summary = payload.Summary
		if payload.Round > 1 {
			it.summary = strings.TrimSpace(fmt.Sprintf("Round %d. %s", payload.Round, payload.Summary))
		}
	case ogp.EventChangesRequested:
		it.title = "Changes requested on " + step
		it.summary = payload.Comment
	case ogp.EventSubmissionReturned:
		it.title = upperFirst(step) + " returned to the coordinator"
		it.summary = payload.Reason
	case ogp.EventStepApproved:
		it.title = upperFirst(step) + " approved"
		it.summary = fmt.Sprintf("The approvers from government and civil society approved %s.", step)
	case ogp.EventImplementationEnded:
		it.title = "The plan's implementation period has ended"
		it.summary = "Step 9 can now be submitted, whatever the commitments' state."
		if payload.EndsOn != "" {
			it.summary = fmt.Sprintf("The plan's period ended on %s: step 9 can now be submitted, whatever the commitments' state.", payload.EndsOn)
		}
	case ogp.EventPlanCompleted:
		it.title = "Action plan completed"
		it.summary = "Step 10 is approved: the action plan is complete. Its record stays public."
	default:
		return it, false
	}
	return it, true
}

// --- the JSON export

// OpenDataExport is a plan's public record in one document. Lists are
// always present (empty rather than null), in a stable order.
type OpenDataExport struct {
	FormatVersion     int                      `json:"format_version"`
	Plan              PlanSummary              `json:"plan"`
	Steps             []StepResponse           `json:"steps"`
	Commitments       []OpenDataCommitment     `json:"commitments"`
	Milestones        []OpenDataMilestone      `json:"milestones"`
	ProgressReports   []OpenDataProgressReport `json:"progress_reports"`
	DelayExplanations []OpenDataDelay          `json:"delay_explanations"`
	Amendments        []OpenDataAmendment      `json:"amendments"`
	Withdrawals       []OpenDataWithdrawal     `json:"withdrawals"`
	Problems          []ProblemResponse        `json:"problems"`
	AssessmentRounds  []RoundResponse          `json:"assessment_rounds"`
}

// OpenDataCommitment is a commitment on the OGP template, with its
// support network (never any contact) and, once in implementation, its
// status and completion level. Its milestones are in the export's
// milestones list.
type OpenDataCommitment struct {
	ID               int64                     `json:"id"`
	Number           int                       `json:"number"`
	Title            string                    `json:"title"`
	ProblemID        int64                     `json:"problem_id"`
	StartsOn         string                    `json:"starts_on"`
	EndsOn           string                    `json:"ends_on"`
	LeadAgency       string                    `json:"lead_agency"`
	ProblemStatement string                    `json:"problem_statement"`
	StatusQuo        string                    `json:"status_quo"`
	Objective        string                    `json:"objective"`
	HowItSolves      string                    `json:"how_it_solves"`
	Values           []CommitmentValueResponse `json:"values"`
	AdditionalInfo   string                    `json:"additional_info"`
	Network          []SupportActorResponse    `json:"network"`
	LeadUserID       int64                     `json:"lead_user_id,omitempty"`
	// Status and Completion are null before implementation (step 9).
	Status     *string `json:"status"`
	Completion *string `json:"completion"`
}

// OpenDataMilestone is a milestone as planned at step 5 and where it
// stands: Title and DueOn are the current ones (after approved
// amendments), PlannedDueOn the date the plan was validated with.
type OpenDataMilestone struct {
	ID                int64   `json:"id"`
	CommitmentID      int64   `json:"commitment_id"`
	CommitmentNumber  int     `json:"commitment_number"`
	Title             string  `json:"title"`
	Deliverable       string  `json:"deliverable"`
	Indicator         string  `json:"indicator"`
	Target            string  `json:"target"`
	StartsOn          string  `json:"starts_on"`
	DueOn             string  `json:"due_on"`
	PlannedDueOn      string  `json:"planned_due_on"`
	Responsible       string  `json:"responsible"`
	ResponsibleUserID int64   `json:"responsible_user_id,omitempty"`
	Status            string  `json:"status"`
	Percent           int     `json:"percent"`
	CompletedAt       *string `json:"completed_at"`
}

// OpenDataProgressReport is one progress report on a milestone.
type OpenDataProgressReport struct {
	CommitmentID int64    `json:"commitment_id"`
	MilestoneID  int64    `json:"milestone_id"`
	Seq          int      `json:"seq"`
	Status       string   `json:"status"`
	Percent      int      `json:"percent"`
	Narrative    string   `json:"narrative"`
	Evidence     []string `json:"evidence"`
	ReportedBy   int64    `json:"reported_by"`
	ReportedAt   string   `json:"reported_at"`
}

// OpenDataDelay is a public explanation of a late milestone.
type OpenDataDelay struct {
	CommitmentID int64  `json:"commitment_id"`
	MilestoneID  int64  `json:"milestone_id"`
	Text         string `json:"text"`
	ExplainedBy  int64  `json:"explained_by"`
	ExplainedAt  string `json:"explained_at"`
}

// OpenDataAmendment is a request to change a milestone, with both dates
// whatever the outcome.
type OpenDataAmendment struct {
	CommitmentID int64                            `json:"commitment_id"`
	MilestoneID  int64                            `json:"milestone_id"`
	Seq          int                              `json:"seq"`
	OldDueOn     string                           `json:"old_due_on"`
	NewDueOn     string                           `json:"new_due_on"`
	NewTitle     string                           `json:"new_title"`
	Reason       string                           `json:"reason"`
	RequestedBy  int64                            `json:"requested_by"`
	RequestedAt  string                           `json:"requested_at"`
	Status       string                           `json:"status"`
	Approvers    []int64                          `json:"approvers"`
	Decisions    []ImplementationDecisionResponse `json:"decisions"`
}

// OpenDataWithdrawal is a request to withdraw a commitment.
type OpenDataWithdrawal struct {
	CommitmentID int64                            `json:"commitment_id"`
	Round        int                              `json:"round"`
	Reason       string                           `json:"reason"`
	RequestedBy  int64                            `json:"requested_by"`
	RequestedAt  string                           `json:"requested_at"`
	Status       string                           `json:"status"`
	Approvers    []int64                          `json:"approvers"`
	Decisions    []ImplementationDecisionResponse `json:"decisions"`
}

// requestJSON decodes a request's approvers and decisions, as stored.
func requestJSON(approversJSON, decisionsJSON, what string) ([]int64, []ImplementationDecisionResponse, error) {
	approvers := []int64{}
	var decisions []ogp.Approval
	if err := json.Unmarshal([]byte(cmp.Or(approversJSON, "[]")), &approvers); err != nil {
		return nil, nil, fmt.Errorf("approvers of %s: %w", what, err)
	}
	if err := json.Unmarshal([]byte(cmp.Or(decisionsJSON, "[]")), &decisions); err != nil {
		return nil, nil, fmt.Errorf("decisions of %s: %w", what, err)
	}
	if approvers == nil {
		approvers = []int64{}
	}
	return approvers, implementationDecisions(decisions), nil
}

// buildExport arranges the open data as the JSON document.
func buildExport(d models.OpenData) (OpenDataExport, error) {
	ix := indexOpenData(d)
	out := OpenDataExport{FormatVersion: OpenDataFormatVersion, Plan: planSummary(d.Plan),
		Steps:             make([]StepResponse, 0, len(d.Steps)),
		Commitments:       make([]OpenDataCommitment, 0, len(d.Commitments)),
		Milestones:        []OpenDataMilestone{},
		ProgressReports:   make([]OpenDataProgressReport, 0, len(d.Reports)),
		DelayExplanations: make([]OpenDataDelay, 0, len(d.Delays)),
		Amendments:        make([]OpenDataAmendment, 0, len(d.Amendments)),
		Withdrawals:       make([]OpenDataWithdrawal, 0, len(d.Withdrawals)),
		Problems:          make([]ProblemResponse, 0, len(d.Problems)),
		AssessmentRounds:  make([]RoundResponse, 0, len(d.Rounds))}

	byStep := map[int][]DecisionResponse{}
	for _, x := range d.Decisions {
		byStep[x.StepNumber] = append(byStep[x.StepNumber], DecisionResponse{Round: x.Round, ApproverID: x.ApproverID,
			ApproverName: x.ApproverName, Decision: x.Decision.Decision, Comment: x.Comment, DecidedAt: rfc3339(x.DecidedAt)})
	}
	for _, st := range d.Steps {
		def, _ := ogp.StepByNumber(st.Number)
		ds := byStep[st.Number]
		if ds == nil {
			ds = []DecisionResponse{}
		}
		out.Steps = append(out.Steps, StepResponse{Number: st.Number, Key: st.Key, Title: def.Title, Status: st.Status,
			DueOn: st.DueOn, StartedAt: rfc3339Ptr(st.StartedAt), SubmittedAt: rfc3339Ptr(st.SubmittedAt), SubmittedBy: st.SubmittedBy,
			Summary: st.Summary, Round: st.Round, ApprovedAt: rfc3339Ptr(st.ApprovedAt), RemindersSent: st.RemindersSent, Decisions: ds})
	}

	for _, cm := range d.Commitments {
		pub := commitmentResponse(cm) // the public view: never a contact
		oc := OpenDataCommitment{ID: pub.ID, Number: pub.Number, Title: pub.Title, ProblemID: pub.ProblemID, StartsOn: pub.StartsOn,
			EndsOn: pub.EndsOn, LeadAgency: pub.LeadAgency, ProblemStatement: pub.ProblemStatement, StatusQuo: pub.StatusQuo,
			Objective: pub.Objective, HowItSolves: pub.HowItSolves, Values: pub.Values, AdditionalInfo: pub.AdditionalInfo,
			Network: pub.Network, LeadUserID: pub.LeadUserID}
		if run, ok := ix.runs[cm.ID]; ok {
			status, completion := run.Status, run.Completion
			oc.Status, oc.Completion = &status, &completion
		}
		out.Commitments = append(out.Commitments, oc)
		for _, m := range cm.Milestones {
			om := OpenDataMilestone{ID: m.ID, CommitmentID: cm.ID, CommitmentNumber: cm.Number, Title: m.Title, Deliverable: m.Deliverable,
				Indicator: m.Indicator, Target: m.Target, StartsOn: string(m.StartsOn), DueOn: string(m.DueOn), PlannedDueOn: string(m.DueOn),
				Responsible: m.Responsible, ResponsibleUserID: m.ResponsibleUserID, Status: string(ogp.MilestoneNotStarted)}
			if pr, ok := ix.progress[m.ID]; ok {
				om.Title, om.DueOn = cmp.Or(pr.Title, om.Title), cmp.Or(pr.DueOn, om.DueOn)
				om.Status, om.Percent, om.CompletedAt = pr.Status, pr.Percent, rfc3339Ptr(pr.CompletedAt)
			}
			out.Milestones = append(out.Milestones, om)
		}
	}

	for _, r := range d.Reports {
		evidence := []string{}
		if err := json.Unmarshal([]byte(cmp.Or(r.Evidence, "[]")), &evidence); err != nil {
			return out, fmt.Errorf("evidence of report %d of milestone %d: %w", r.Seq, r.MilestoneID, err)
		}
		if evidence == nil {
			evidence = []string{}
		}
		out.ProgressReports = append(out.ProgressReports, OpenDataProgressReport{CommitmentID: r.CommitmentID, MilestoneID: r.MilestoneID,
			Seq: r.Seq, Status: r.Status, Percent: r.Percent, Narrative: r.Narrative, Evidence: evidence, ReportedBy: r.ReportedBy,
			ReportedAt: rfc3339(r.ReportedAt)})
	}
	for _, x := range d.Delays {
		out.DelayExplanations = append(out.DelayExplanations, OpenDataDelay{CommitmentID: x.CommitmentID, MilestoneID: x.MilestoneID,
			Text: x.Text, ExplainedBy: x.ExplainedBy, ExplainedAt: rfc3339(x.ExplainedAt)})
	}
	for _, a := range d.Amendments {
		approvers, decisions, err := requestJSON(a.Approvers, a.Decisions, fmt.Sprintf("amendment %d of commitment %d", a.Seq, a.CommitmentID))
		if err != nil {
			return out, err
		}
		out.Amendments = append(out.Amendments, OpenDataAmendment{CommitmentID: a.CommitmentID, MilestoneID: a.MilestoneID, Seq: a.Seq,
			OldDueOn: a.OldDueOn, NewDueOn: a.NewDueOn, NewTitle: a.NewTitle, Reason: a.Reason, RequestedBy: a.RequestedBy,
			RequestedAt: rfc3339(a.RequestedAt), Status: a.Status, Approvers: approvers, Decisions: decisions})
	}
	for _, w := range d.Withdrawals {
		approvers, decisions, err := requestJSON(w.Approvers, w.Decisions, fmt.Sprintf("withdrawal %d of commitment %d", w.Round, w.CommitmentID))
		if err != nil {
			return out, err
		}
		out.Withdrawals = append(out.Withdrawals, OpenDataWithdrawal{CommitmentID: w.CommitmentID, Round: w.Round, Reason: w.Reason,
			RequestedBy: w.RequestedBy, RequestedAt: rfc3339(w.RequestedAt), Status: w.Status, Approvers: approvers, Decisions: decisions})
	}

	problems := slices.Clone(d.Problems)
	rank := func(r models.ProblemRecord) int {
		if r.Rank == 0 {
			return math.MaxInt
		}
		return r.Rank
	}
	slices.SortStableFunc(problems, func(a, b models.ProblemRecord) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.ID, b.ID))
	})
	for _, r := range problems {
		if r.Status != ogp.ProblemPublished {
			continue // the store gives published ones only; never risk another
		}
		out.Problems = append(out.Problems, publicProblem(r))
	}
	for _, r := range d.Rounds {
		out.AssessmentRounds = append(out.AssessmentRounds, roundResponse(r))
	}
	return out, nil
}

func (s *Server) planExportJSON(c echo.Context) error {
	d, err := s.openData(c)
	if err != nil {
		return err
	}
	doc, err := buildExport(d)
	if err != nil {
		return fmt.Errorf("export of plan %d: %w", d.Plan.ID, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export of plan %d: %w", d.Plan.ID, err)
	}
	return sendDownload(c, echo.MIMEApplicationJSON, fmt.Sprintf("action-plan-%d.json", d.Plan.ID), buf.Bytes())
}

// --- the ZIP of CSV files

// csvTable is one CSV file of the export: a header of snake_case names
// and its rows.
type csvTable struct {
	name   string
	header []string
	rows   [][]string
}

// Column names of the CSV files, in order.
var (
	plansColumns = []string{"id", "workflow_id", "title", "member", "starts_on", "ends_on", "status", "current_step", "created_at", "updated_at"}
	stepsColumns = []string{"plan_id", "number", "key", "title", "status", "due_on", "started_at", "submitted_at", "summary", "round",
		"approved_at", "decisions"}
	commitmentsColumns = []string{"plan_id", "id", "number", "title", "problem_id", "starts_on", "ends_on", "lead_agency",
		"problem_statement", "status_quo", "objective", "how_it_solves", "ogp_values", "additional_info", "support_network",
		"lead_user_id", "status", "completion"}
	milestonesColumns = []string{"plan_id", "commitment_id", "commitment_number", "id", "title", "deliverable", "indicator", "target",
		"starts_on", "due_on", "planned_due_on", "responsible", "responsible_user_id", "status", "percent", "completed_at"}
	progressReportsColumns = []string{"plan_id", "commitment_id", "milestone_id", "seq", "status", "percent", "narrative", "evidence",
		"reported_by", "reported_at"}
	problemsColumns = []string{"plan_id", "id", "title", "description", "policy_area", "source", "submitter", "score_count",
		"score_average", "rank", "selected", "reasoned_response", "created_at"}
	assessmentsColumns = []string{"plan_id", "round_id", "kind", "stage", "evidence_hash", "report_hash", "draft_published_at",
		"published_at", "commitment_id", "completion", "impact", "opened_government", "recommendations", "assessed_at"}
)

func itoa[T int | int64](v T) string { return strconv.FormatInt(int64(v), 10) }

// optID is an id column that may be empty: 0 is none.
func optID(v int64) string {
	if v == 0 {
		return ""
	}
	return itoa(v)
}

func optStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// csvTables arranges the JSON export as the CSV files, in their fixed
// order; dates are ISO 8601 (YYYY-MM-DD, and RFC 3339 instants in UTC).
func csvTables(doc OpenDataExport) []csvTable {
	planID := itoa(doc.Plan.ID)
	p := doc.Plan
	plans := csvTable{name: "plans.csv", header: plansColumns, rows: [][]string{{planID, p.WorkflowID, p.Title, p.Member, p.StartsOn,
		p.EndsOn, p.Status, itoa(p.CurrentStep), p.CreatedAt, p.UpdatedAt}}}

	steps := csvTable{name: "steps.csv", header: stepsColumns}
	for _, s := range doc.Steps {
		var ds []string
		for _, d := range s.Decisions {
			one := fmt.Sprintf("round %d: %s by %s on %s", d.Round, d.Decision, cmp.Or(d.ApproverName, "user "+itoa(d.ApproverID)), d.DecidedAt)
			if d.Comment != "" {
				one += " (" + d.Comment + ")"
			}
			ds = append(ds, one)
		}
		steps.rows = append(steps.rows, []string{planID, itoa(s.Number), s.Key, s.Title, s.Status, optStr(s.DueOn), optStr(s.StartedAt),
			optStr(s.SubmittedAt), s.Summary, itoa(s.Round), optStr(s.ApprovedAt), strings.Join(ds, "; ")})
	}

	commitments := csvTable{name: "commitments.csv", header: commitmentsColumns}
	for _, c := range doc.Commitments {
		var values, network []string
		for _, v := range c.Values {
			values = append(values, v.Value)
		}
		for _, a := range c.Network {
			who := a.Name
			if a.Organisation != "" {
				who += ", " + a.Organisation
			}
			network = append(network, fmt.Sprintf("%s (%s, %s)", who, a.Sector, a.Role))
		}
		commitments.rows = append(commitments.rows, []string{planID, itoa(c.ID), itoa(c.Number), c.Title, itoa(c.ProblemID), c.StartsOn,
			c.EndsOn, c.LeadAgency, c.ProblemStatement, c.StatusQuo, c.Objective, c.HowItSolves, strings.Join(values, ";"), c.AdditionalInfo,
			strings.Join(network, "; "), optID(c.LeadUserID), optStr(c.Status), optStr(c.Completion)})
	}

	milestones := csvTable{name: "milestones.csv", header: milestonesColumns}
	for _, m := range doc.Milestones {
		milestones.rows = append(milestones.rows, []string{planID, itoa(m.CommitmentID), itoa(m.CommitmentNumber), itoa(m.ID), m.Title,
			m.Deliverable, m.Indicator, m.Target, m.StartsOn, m.DueOn, m.PlannedDueOn, m.Responsible, optID(m.ResponsibleUserID), m.Status,
			itoa(m.Percent), optStr(m.CompletedAt)})
	}

	reports := csvTable{name: "progress_reports.csv", header: progressReportsColumns}
	for _, r := range doc.ProgressReports {
		reports.rows = append(reports.rows, []string{planID, itoa(r.CommitmentID), itoa(r.MilestoneID), itoa(r.Seq), r.Status, itoa(r.Percent),
			r.Narrative, strings.Join(r.Evidence, " "), itoa(r.ReportedBy), r.ReportedAt})
	}

	problems := csvTable{name: "problems.csv", header: problemsColumns}
	for _, x := range doc.Problems {
		rank := ""
		if x.Rank != nil {
			rank = itoa(*x.Rank)
		}
		problems.rows = append(problems.rows, []string{planID, itoa(x.ID), x.Title, x.Description, x.PolicyArea, x.Source, x.Submitter,
			itoa(x.ScoreCount), strconv.FormatFloat(x.ScoreAverage, 'f', -1, 64), rank, strconv.FormatBool(x.Selected), x.ReasonedResponse,
			x.CreatedAt})
	}

	// One row per commitment assessed in a round; a round that assessed
	// none (a co-creation round rates the process) has one row of its own.
	assessments := csvTable{name: "assessments.csv", header: assessmentsColumns}
	for _, r := range doc.AssessmentRounds {
		round := []string{planID, itoa(r.ID), r.Kind, r.Stage, r.EvidenceHash, r.ReportHash, optStr(r.DraftPublishedAt), optStr(r.PublishedAt)}
		if len(r.Assessments) == 0 {
			assessments.rows = append(assessments.rows, append(slices.Clone(round), "", "", "", "", "", ""))
		}
		for _, a := range r.Assessments {
			assessments.rows = append(assessments.rows, append(slices.Clone(round), itoa(a.CommitmentID), string(a.Completion),
				string(a.Impact), string(a.OpenedGovernment), a.Recommendations, rfc3339(a.AssessedAt)))
		}
	}
	return []csvTable{plans, steps, commitments, milestones, reports, problems, assessments}
}

// encodeCSV writes a table as RFC 4180 CSV: UTF-8, CRLF line ends, a
// header row.
func encodeCSV(t csvTable) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(t.header); err != nil {
		return nil, err
	}
	if err := w.WriteAll(t.rows); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// buildZIP packs the CSV files in their fixed order, each stamped with
// modified (the plan's last update), so the same data gives the same
// bytes.
func buildZIP(tables []csvTable, modified time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, t := range tables {
		body, err := encodeCSV(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		fh := &zip.FileHeader{Name: t.name, Method: zip.Deflate, Modified: modified.UTC()}
		fh.SetMode(0o644)
		f, err := zw.CreateHeader(fh)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		if _, err := f.Write(body); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *Server) planExportZIP(c echo.Context) error {
	d, err := s.openData(c)
	if err != nil {
		return err
	}
	doc, err := buildExport(d)
	if err != nil {
		return fmt.Errorf("export of plan %d: %w", d.Plan.ID, err)
	}
	body, err := buildZIP(csvTables(doc), d.Plan.UpdatedAt)
	if err != nil {
		return fmt.Errorf("export of plan %d: %w", d.Plan.ID, err)
	}
	return sendDownload(c, zipContentType, fmt.Sprintf("action-plan-%d.zip", d.Plan.ID), body)
}
