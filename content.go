package ogp

import (
	"fmt"
	"strings"
)

// Violation is one unmet rule at a step's gate: a stable code to switch
// on, a message for people, and the offending item (e.g. "milestone:12")
// when there is one.
type Violation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Item    string `json:"item,omitempty"`
}

// Violationf builds a violation.
func Violationf(code, item, format string, args ...any) Violation {
	return Violation{Code: code, Item: item, Message: fmt.Sprintf(format, args...)}
}

// GateError refuses a submission whose content breaks the step's rules,
// listing every unmet rule.
func GateError(step int, vs []Violation) *Error {
	codes := make([]string, 0, len(vs))
	for _, v := range vs {
		codes = append(codes, v.Code)
	}
	return &Error{Kind: EUnprocessable, Code: "step_rules_unmet", Violations: vs,
		Message: fmt.Sprintf("step %d cannot be submitted: %d rule(s) unmet (%s)", step, len(vs), strings.Join(codes, ", "))}
}

// PlanContext is what the gate rules need to know about the plan itself.
type PlanContext struct {
	PlanID   int64    `json:"plan_id"`
	StartsOn Date     `json:"starts_on"`
	EndsOn   Date     `json:"ends_on"`
	Members  []Member `json:"members"`
	// Today is the date the check runs on (UTC), for rules like "has
	// taken place".
	Today Date `json:"today"`
}

// Content is everything a plan's co-creation has recorded, loaded whole
// for a gate check or the action-plan document. Each part belongs to one
// step (its home step): it can be edited only while that step is being
// worked on, so approvers approve exactly what they saw.
type Content struct {
	// Step 1: the team's profiles, the forum and the monitoring body.
	Team           []TeamMember    `json:"team"`
	Forum          *Forum          `json:"forum,omitempty"`
	MonitoringBody *MonitoringBody `json:"monitoring_body,omitempty"`
	// Step 2: the roadmap of steps 3-10.
	Roadmap []RoadmapEntry `json:"roadmap"`
	// Step 3: awareness activities.
	Awareness []AwarenessActivity `json:"awareness"`
	// Step 4: problems (opportunity areas), scored and selected.
	Problems []Problem `json:"problems"`
	// Steps 5 and 6: commitments with milestones and support networks.
	Commitments []Commitment `json:"commitments"`
	// Step 7: the strategic vision.
	Vision *StrategicVision `json:"vision,omitempty"`
	// Step 10: the learning plan, and whether a results assessment round
	// is published.
	LearningPlan     *LearningPlan `json:"learning_plan,omitempty"`
	ResultsPublished bool          `json:"results_published,omitempty"`
}

// ContentHomeStep is the step whose approval closes a part of the content.
// Forum meetings are the exception: the forum keeps meeting and publishing
// minutes throughout the plan, so meetings can be recorded at any time.
const (
	HomeTeam        = 1
	HomeRoadmap     = 2
	HomeAwareness   = 3
	HomeProblems    = 4
	HomeCommitments = 5
	HomeNetwork     = 6
	HomeVision      = 7
)

// CheckStep runs the gate rules of step n on the plan's content. Step 9
// has no content gate: implementation is gated by its commitments.
func CheckStep(n int, p PlanContext, c Content) []Violation {
	switch n {
	case 1:
		return checkTeamForumMonitoring(p, c)
	case 2:
		return checkRoadmap(p, c)
	case 3:
		return checkAwareness(p, c)
	case 4:
		return checkOpportunityAreas(p, c)
	case 5:
		return checkSolutions(p, c)
	case 6:
		return checkSupportNetwork(p, c)
	case 7:
		return checkDraft(p, c)
	case HomeLearning:
		return checkLearn(p, c)
	case 8:
		// Validation approves the whole plan: everything drafted must
		// still hold, whatever changed since its own step.
		var vs []Violation
		for _, check := range []func(PlanContext, Content) []Violation{checkSolutions, checkSupportNetwork, checkDraft} {
			vs = appendNew(vs, check(p, c))
		}
		return vs
	}
	return nil
}

// appendNew adds the violations not already listed (the same rule on the
// same item can be found by several steps' checks).
func appendNew(vs, more []Violation) []Violation {
	for _, v := range more {
		dup := false
		for _, w := range vs {
			if w == v {
				dup = true
				break
			}
		}
		if !dup {
			vs = append(vs, v)
		}
	}
	return vs
}

// ContentForStep is the part of the content that step n's approvers
// approve: what a submission snapshots and what the diff between rounds
// compares.
func ContentForStep(n int, c Content) any {
	switch n {
	case 1:
		return struct {
			Team           []TeamMember    `json:"team"`
			Forum          *Forum          `json:"forum,omitempty"`
			MonitoringBody *MonitoringBody `json:"monitoring_body,omitempty"`
		}{c.Team, c.Forum, c.MonitoringBody}
	case 2:
		return struct {
			Roadmap []RoadmapEntry `json:"roadmap"`
		}{c.Roadmap}
	case 3:
		return struct {
			Awareness []AwarenessActivity `json:"awareness"`
		}{c.Awareness}
	case 4:
		return struct {
			Problems []Problem `json:"problems"`
		}{PublishedProblems(c.Problems)}
	case 5, 6:
		return struct {
			Commitments []Commitment `json:"commitments"`
		}{c.Commitments}
	case HomeLearning:
		return struct {
			LearningPlan     *LearningPlan `json:"learning_plan,omitempty"`
			ResultsPublished bool          `json:"results_published"`
		}{c.LearningPlan, c.ResultsPublished}
	case 7, 8:
		c.Problems = PublishedProblems(c.Problems)
		return c
	}
	return struct{}{}
}

// StepDue is a due date for a step, as the roadmap plans it.
type StepDue struct {
	Step  int  `json:"step"`
	DueOn Date `json:"due_on"`
}
