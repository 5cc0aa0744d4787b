package ogp

// OGPValue is one of the values a commitment must be grounded in.
type OGPValue string

// OGP values.
const (
	ValueTransparency   OGPValue = "transparency"
	ValueAccountability OGPValue = "accountability"
	ValueParticipation  OGPValue = "participation"
)

// Commitment follows the OGP Local commitment template, in its order
// (step 5): number and title, dates, lead agency, the problem with its
// baseline, the solution and how it helps, relevance to the OGP values,
// milestones, and additional information. Its support network is step 6.
type Commitment struct {
	ID               int64             `json:"id"`
	Number           int               `json:"number"`
	Title            string            `json:"title"`
	ProblemID        int64             `json:"problem_id"`
	StartsOn         Date              `json:"starts_on"`
	EndsOn           Date              `json:"ends_on"`
	LeadAgency       string            `json:"lead_agency"`
	ProblemStatement string            `json:"problem_statement"`
	StatusQuo        string            `json:"status_quo"`
	Objective        string            `json:"objective"`
	HowItSolves      string            `json:"how_it_solves"`
	Values           []CommitmentValue `json:"values"`
	AdditionalInfo   string            `json:"additional_info,omitempty"`
	Milestones       []Milestone       `json:"milestones"`
	Network          []SupportActor    `json:"network"`
}

// CommitmentValue is a commitment's relevance to one OGP value, justified.
type CommitmentValue struct {
	Value         OGPValue `json:"value"`
	Justification string   `json:"justification"`
}

// Milestone is a specific, measurable step of a commitment.
type Milestone struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Deliverable string `json:"deliverable"`
	Indicator   string `json:"indicator"`
	Target      string `json:"target"`
	StartsOn    Date   `json:"starts_on"`
	DueOn       Date   `json:"due_on"`
	Responsible string `json:"responsible"`
}

func checkSolutions(PlanContext, Content) []Violation { return nil }
