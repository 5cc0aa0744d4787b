package ogp

import "testing"

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
		if got, want := HasContentGate(n), n >= 1 && n <= 8; got != want {
			t.Errorf("HasContentGate(%d) = %v", n, got)
		}
	}
}
