package ogp

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

func checkOpportunityAreas(PlanContext, Content) []Violation { return nil }
