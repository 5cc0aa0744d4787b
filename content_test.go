package ogp

import (
	"slices"
	"testing"
)

func TestAppendNewDropsDuplicates(t *testing.T) {
	a := Violation{Code: "x", Item: "commitment:1", Message: "m"}
	b := Violation{Code: "y", Item: "commitment:1", Message: "m"}
	got := appendNew([]Violation{a}, []Violation{a, b, b})
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("got %+v", got)
	}
}

func TestGateErrorListsEveryRule(t *testing.T) {
	e := GateError(1, []Violation{{Code: "forum_missing"}, {Code: "monitoring_body_missing"}})
	if e.Kind != EUnprocessable || e.Code != "step_rules_unmet" || len(e.Violations) != 2 ||
		e.Message != "step 1 cannot be submitted: 2 rule(s) unmet (forum_missing, monitoring_body_missing)" {
		t.Errorf("%+v", e)
	}
}

func TestOnlyCoCreationStepsHaveAGate(t *testing.T) {
	for n := 0; n <= 11; n++ {
		if got, want := HasContentGate(n), (n >= 1 && n <= 8) || n == 10; got != want {
			t.Errorf("HasContentGate(%d) = %v", n, got)
		}
	}
}

func TestCheckLearn(t *testing.T) {
	full := &LearningPlan{Objectives: "o", AccountabilityRequirements: "a", DataCollection: "c", DataStorage: "s",
		DataAnalysis: "an", DataSharing: "sh", Participants: "p"}
	partial := *full
	partial.DataSharing = "  "
	codes := func(vs []Violation) []string {
		out := []string{}
		for _, v := range vs {
			out = append(out, v.Code+"@"+v.Item)
		}
		return out
	}
	tests := []struct {
		name    string
		content Content
		want    []string
	}{
		{"nothing", Content{}, []string{"learning_plan_missing@", "results_report_missing@"}},
		{"plan but no results", Content{LearningPlan: full}, []string{"results_report_missing@"}},
		{"incomplete plan", Content{LearningPlan: &partial, ResultsPublished: true}, []string{"learning_plan_incomplete@learning_plan:data_sharing"}},
		{"complete", Content{LearningPlan: full, ResultsPublished: true}, []string{}},
	}
	for _, tt := range tests {
		if got := codes(CheckStep(10, PlanContext{}, tt.content)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
