package ogp

import (
	"cmp"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"
)

// ProblemSource says who raised a problem.
type ProblemSource string

// Problem sources.
const (
	SourceTeam   ProblemSource = "team"
	SourceForum  ProblemSource = "forum"
	SourcePublic ProblemSource = "public"
)

// ProblemStatus is where a problem stands in moderation. Problems from
// the team or forum are published at once; the public's wait for the
// coordinator.
type ProblemStatus string

// Problem statuses.
const (
	ProblemPending   ProblemStatus = "pending"
	ProblemPublished ProblemStatus = "published"
	ProblemHidden    ProblemStatus = "hidden"
)

// Problem is an opportunity area: a public problem the plan may address
// with open government (step 4). Published problems are scored, ranked,
// and either selected or given a public reasoned response.
type Problem struct {
	ID          int64         `json:"id"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	PolicyArea  string        `json:"policy_area"`
	Source      ProblemSource `json:"source"`
	// Submitter is the name shown publicly (may be empty for the public);
	// a public submitter's contact is never part of the content.
	Submitter        string        `json:"submitter,omitempty"`
	Status           ProblemStatus `json:"status"`
	ModerationReason string        `json:"moderation_reason,omitempty"`
	ScoreCount       int           `json:"score_count"`
	ScoreAverage     float64       `json:"score_average"`
	Rank             int           `json:"rank,omitempty"`
	Selected         bool          `json:"selected"`
	ReasonedResponse string        `json:"reasoned_response,omitempty"`
}

// MaxCommitments is OGP Local's cap on commitments in an action plan.
const MaxCommitments = 5

// Limits on what people write about a problem: generous for prose, short
// for what lists and tables show.
const (
	MaxProblemDescriptionLen = 10000
	MaxPolicyAreaLen         = 200
	MaxSubmitterLen          = 200
	MaxReasonedResponseLen   = 10000
	MaxModerationReasonLen   = 2000
	MaxEmailLen              = 320
	// MinScore and MaxScore bound a score of a problem's priority.
	MinScore = 1
	MaxScore = 5
)

// ModerationDecision is a coordinator's decision on a problem awaiting
// moderation (or a second look at one already decided).
type ModerationDecision string

// Moderation decisions.
const (
	ModerationPublish ModerationDecision = "publish"
	ModerationHide    ModerationDecision = "hide"
)

// ParseProblemSource accepts the sources a coordinator may record: the
// team and the forum. Public proposals arrive only through the public
// endpoint, so that their moderation cannot be skipped.
func ParseProblemSource(s string) (ProblemSource, error) {
	switch src := ProblemSource(s); src {
	case SourceTeam, SourceForum:
		return src, nil
	case SourcePublic:
		return "", Errorf(EUnprocessable, "public_source_reserved", "problems from the public are proposed through the public proposals endpoint and moderated; record the team's or the forum's with source team or forum")
	}
	return "", Errorf(EInvalid, "invalid_source", "unknown source %q: use team or forum", s)
}

// ParseModerationDecision accepts publish or hide.
func ParseModerationDecision(s string) (ModerationDecision, error) {
	switch d := ModerationDecision(s); d {
	case ModerationPublish, ModerationHide:
		return d, nil
	}
	return "", Errorf(EInvalid, "invalid_moderation_decision", "unknown decision %q: use publish or hide", s)
}

// ProblemText is what someone writes when they raise a problem.
type ProblemText struct {
	Title       string
	Description string
	PolicyArea  string
	// Submitter is the name shown with the problem; may be empty.
	Submitter string
}

// Normalize trims the surrounding blanks people paste in.
func (t ProblemText) Normalize() ProblemText {
	return ProblemText{Title: strings.TrimSpace(t.Title), Description: strings.TrimSpace(t.Description),
		PolicyArea: strings.TrimSpace(t.PolicyArea), Submitter: strings.TrimSpace(t.Submitter)}
}

// ValidateProblemText checks a normalised problem: a title, a
// description and a policy area are what the forum scores, so all three
// are required; every field has a length limit.
func ValidateProblemText(t ProblemText) error {
	for _, f := range []struct {
		code, name, value string
		max               int
		required          bool
	}{
		{"title", "title", t.Title, MaxTitleLen, true},
		{"description", "description", t.Description, MaxProblemDescriptionLen, true},
		{"policy_area", "policy area", t.PolicyArea, MaxPolicyAreaLen, true},
		{"submitter", "submitter", t.Submitter, MaxSubmitterLen, false},
	} {
		switch {
		case f.required && f.value == "":
			return Errorf(EUnprocessable, f.code+"_required", "a %s is required", f.name)
		case utf8.RuneCountInString(f.value) > f.max:
			return Errorf(EUnprocessable, f.code+"_too_long", "the %s is longer than %d characters", f.name, f.max)
		}
	}
	return nil
}

// NormalizeEmail checks an optional contact address and returns it in
// lower case; empty stays empty.
func NormalizeEmail(s string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(s))
	if email == "" {
		return "", nil
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > MaxEmailLen {
		return "", Errorf(EUnprocessable, "invalid_email", "%q is not a valid e-mail address", s)
	}
	return email, nil
}

// ValidateScore checks a score of a problem's priority.
func ValidateScore(score int) error {
	if score < MinScore || score > MaxScore {
		return Errorf(EUnprocessable, "score_out_of_range", "a score is from %d (low priority) to %d (high priority), not %d", MinScore, MaxScore, score)
	}
	return nil
}

// ValidateModeration checks a moderation decision's reason: hiding what
// someone proposed needs a reason the coordinators can stand behind.
func ValidateModeration(d ModerationDecision, reason string) error {
	switch {
	case d == ModerationHide && strings.TrimSpace(reason) == "":
		return Errorf(EUnprocessable, "moderation_reason_required", "hiding a problem needs a reason")
	case utf8.RuneCountInString(reason) > MaxModerationReasonLen:
		return Errorf(EUnprocessable, "moderation_reason_too_long", "the reason is longer than %d characters", MaxModerationReasonLen)
	}
	return nil
}

// ValidateReasonedResponse checks the plan's public answer on a problem.
func ValidateReasonedResponse(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return Errorf(EUnprocessable, "reasoned_response_required", "the reasoned response says why the problem is or is not taken up: it cannot be blank")
	case utf8.RuneCountInString(text) > MaxReasonedResponseLen:
		return Errorf(EUnprocessable, "reasoned_response_too_long", "the reasoned response is longer than %d characters", MaxReasonedResponseLen)
	}
	return nil
}

// RankProblems orders the published problems by priority, highest
// average score first, then the most scored, then the oldest (lowest id),
// and numbers them 1..n; problems not published get no rank. ScoreAverage
// must be the exact average here (equal fractions divide to equal
// floats), so round it for display only afterwards.
func RankProblems(ps []Problem) {
	idx := make([]int, 0, len(ps))
	for i := range ps {
		ps[i].Rank = 0
		if ps[i].Status == ProblemPublished {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		pa, pb := ps[a], ps[b]
		return cmp.Or(cmp.Compare(pb.ScoreAverage, pa.ScoreAverage), cmp.Compare(pb.ScoreCount, pa.ScoreCount), cmp.Compare(pa.ID, pb.ID))
	})
	for r, i := range idx {
		ps[i].Rank = r + 1
	}
}

// RoundScore rounds an average score to two decimals for people.
func RoundScore(avg float64) float64 { return math.Round(avg*100) / 100 }

// PublishedProblems is what the public (and a step's snapshot) may see of
// the problems: the published ones only, without the coordinators'
// moderation notes. Pending and hidden proposals never leave the
// coordinators' view.
func PublishedProblems(ps []Problem) []Problem {
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		if p.Status == ProblemPublished {
			p.ModerationReason = ""
			out = append(out, p)
		}
	}
	return out
}

// CommitmentSlots counts what takes up OGP Local's commitment cap: the
// selected problems (each becomes a commitment at step 5) and the
// commitments the plan already has that address no selected problem.
func CommitmentSlots(c Content) (selected, others int) {
	sel := map[int64]bool{}
	for _, p := range c.Problems {
		if p.Selected {
			sel[p.ID] = true
		}
	}
	for _, cm := range c.Commitments {
		if cm.ProblemID == 0 || !sel[cm.ProblemID] {
			others++
		}
	}
	return len(sel), others
}

// problemItem names a problem in a violation.
func problemItem(id int64) string { return fmt.Sprintf("problem:%d", id) }

// checkOpportunityAreas is step 4's gate: the public deserves an answer on
// everything it proposed (moderated, and a reasoned response when not
// taken up), and the plan takes up between one and OGP Local's cap of
// problems, counting commitments the plan already has for other problems.
func checkOpportunityAreas(_ PlanContext, c Content) []Violation {
	var vs []Violation
	selected, others := CommitmentSlots(c)
	switch {
	case selected == 0:
		vs = append(vs, Violationf("no_problem_selected", "", "select at least one published problem to address with a commitment"))
	case selected+others > MaxCommitments:
		vs = append(vs, Violationf("too_many_selected", "",
			"%d problems are selected and the plan has %d other commitment(s): OGP Local allows at most %d commitments, so select at most %d",
			selected, others, MaxCommitments, max(MaxCommitments-others, 0)))
	}
	for _, p := range c.Problems {
		item := problemItem(p.ID)
		if p.Status == ProblemPending {
			vs = append(vs, Violationf("problem_awaiting_moderation", item,
				"problem %d (%q) proposed by the public awaits moderation: publish it or hide it with a reason", p.ID, p.Title))
		}
		if p.Selected && p.Status != ProblemPublished {
			vs = append(vs, Violationf("selected_problem_not_published", item,
				"problem %d (%q) is selected but %s: only published problems can be addressed", p.ID, p.Title, p.Status))
		}
		if p.Status == ProblemPublished && !p.Selected && strings.TrimSpace(p.ReasonedResponse) == "" {
			vs = append(vs, Violationf("reasoned_response_missing", item,
				"problem %d (%q) is not selected: record a public reasoned response saying why", p.ID, p.Title))
		}
	}
	return vs
}
