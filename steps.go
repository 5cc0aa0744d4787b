package ogp

// StepKey is the stable identifier of one of the ten OGP Local steps; it
// never changes, so it is safe to store and to use in URLs and exports.
type StepKey string

// The ten steps of the OGP Local action-plan process, in order.
const (
	StepTeamForumMonitoring StepKey = "team_forum_monitoring"
	StepRoadmap             StepKey = "roadmap"
	StepAwareness           StepKey = "awareness"
	StepOpportunityAreas    StepKey = "opportunity_areas"
	StepSolutions           StepKey = "solutions"
	StepSupportNetwork      StepKey = "support_network"
	StepDraftCommitments    StepKey = "draft_commitments"
	StepValidateApprove     StepKey = "validate_approve"
	StepDeliverImplement    StepKey = "deliver_implement"
	StepLearn               StepKey = "learn"
)

// StepCount is the number of steps in every action plan.
const StepCount = 10

// StepDef describes one step as OGP Local names it.
type StepDef struct {
	Number int     `json:"number"`
	Key    StepKey `json:"key"`
	Title  string  `json:"title"`
}

// Steps lists the ten steps in order; index i holds step i+1.
var Steps = [StepCount]StepDef{
	{1, StepTeamForumMonitoring, "Build a team, select a forum and a monitoring body"},
	{2, StepRoadmap, "Develop a roadmap"},
	{3, StepAwareness, "Raise awareness"},
	{4, StepOpportunityAreas, "Identify and prioritise opportunity areas"},
	{5, StepSolutions, "Identify solutions"},
	{6, StepSupportNetwork, "Build a commitment support network"},
	{7, StepDraftCommitments, "Draft commitments and strategic vision"},
	{8, StepValidateApprove, "Validate and approve"},
	{9, StepDeliverImplement, "Deliver and implement"},
	{10, StepLearn, "Learn"},
}

// StepByNumber returns the definition of step n (1-10).
func StepByNumber(n int) (StepDef, bool) {
	if n < 1 || n > StepCount {
		return StepDef{}, false
	}
	return Steps[n-1], true
}

// StepStatus is where one step stands in its approval cycle.
type StepStatus string

// Step statuses.
const (
	StepNotStarted       StepStatus = "not_started"
	StepInProgress       StepStatus = "in_progress"
	StepAwaitingApproval StepStatus = "awaiting_approval"
	StepChangesRequested StepStatus = "changes_requested"
	StepApproved         StepStatus = "approved"
)

// PlanStatus is derived from the steps, so it can never disagree with them.
type PlanStatus string

// Plan statuses.
const (
	PlanCoCreation     PlanStatus = "co_creation"
	PlanImplementation PlanStatus = "implementation"
	PlanLearning       PlanStatus = "learning"
	PlanCompleted      PlanStatus = "completed"
)

// ParsePlanStatus accepts only the four known statuses.
func ParsePlanStatus(s string) (PlanStatus, error) {
	switch p := PlanStatus(s); p {
	case PlanCoCreation, PlanImplementation, PlanLearning, PlanCompleted:
		return p, nil
	}
	return "", Errorf(EInvalid, "invalid_status", "status must be one of co_creation, implementation, learning, completed")
}

// PlanStatusFor derives the plan status from its current step and whether
// the last step has been approved.
func PlanStatusFor(currentStep int, lastApproved bool) PlanStatus {
	switch {
	case lastApproved:
		return PlanCompleted
	case currentStep >= 10:
		return PlanLearning
	case currentStep == 9:
		return PlanImplementation
	default:
		return PlanCoCreation
	}
}
