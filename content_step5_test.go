package ogp

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func solutionsPlan() PlanContext {
	return PlanContext{PlanID: 1, StartsOn: "2026-01-01", EndsOn: "2028-06-30", Today: "2026-09-01"}
}

func solutionsCommitment(id, problemID int64, number int) Commitment {
	return Commitment{
		ID: id, Number: number, ProblemID: problemID, Title: "Open budget data",
		StartsOn: "2026-09-01", EndsOn: "2028-03-31", LeadAgency: "Finance Directorate",
		ProblemStatement: "Citizens cannot follow how the budget is spent.",
		StatusQuo:        "Budget published once a year as a scanned PDF.",
		Objective:        "Publish the budget and its execution monthly as open data.",
		HowItSolves:      "Anyone can follow spending and ask questions with facts.",
		Values: []CommitmentValue{
			{Value: ValueTransparency, Justification: "Discloses spending data."},
			{Value: ValueAccountability, Justification: "The council answers questions on it."},
		},
		Milestones: []Milestone{
			{ID: id*10 + 1, Title: "Data model", Deliverable: "Published schema", Indicator: "Schema published", Target: "1 schema",
				StartsOn: "2026-09-01", DueOn: "2026-12-31", Responsible: "Finance IT lead"},
			{ID: id*10 + 2, Title: "Monthly releases", Deliverable: "Open data portal", Indicator: "Months published", Target: "12 of 12",
				StartsOn: "2027-01-01", DueOn: "2027-12-31", Responsible: "Open data officer"},
		},
		Network: []SupportActor{
			{ID: id*10 + 5, Name: "Eva Lopez", Organisation: "Finance Directorate", Sector: ActorGovernment, Role: ActorLead, Contact: "eva@city.example"},
			{ID: id*10 + 6, Name: "Nikos Ioannou", Organisation: "Vouliwatch", Sector: ActorCivilSociety, Role: ActorSupporter},
		},
	}
}

// solutionsContent is a valid steps 4-6 content: problems 1 and 2
// selected with a commitment each, problem 3 not selected.
func solutionsContent() Content {
	return Content{
		Problems: []Problem{
			{ID: 1, Title: "Opaque budget", Status: ProblemPublished, Selected: true},
			{ID: 2, Title: "Closed procurement", Status: ProblemPublished, Selected: true},
			{ID: 3, Title: "Potholes", Status: ProblemPublished, ReasonedResponse: "Not an open government issue."},
		},
		Commitments: []Commitment{solutionsCommitment(1, 1, 1), solutionsCommitment(2, 2, 2)},
	}
}

// solutionsCodes lists "code@item" for compact comparisons.
func solutionsCodes(vs []Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Code+"@"+v.Item)
		if v.Message == "" {
			out = append(out, "EMPTY MESSAGE")
		}
	}
	return out
}

func TestCheckSolutions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *Content)
		want   []string
	}{
		{"valid", func(*Content) {}, []string{}},
		{"a selected problem without commitment", func(c *Content) {
			c.Commitments = c.Commitments[:1]
		}, []string{"selected_problem_without_commitment@problem:2"}},
		{"no commitment at all", func(c *Content) {
			c.Commitments = nil
		}, []string{"selected_problem_without_commitment@problem:1", "selected_problem_without_commitment@problem:2"}},
		{"six commitments", func(c *Content) {
			c.Problems = nil
			c.Commitments = nil
			for i := int64(1); i <= 6; i++ {
				c.Problems = append(c.Problems, Problem{ID: i, Title: "P", Status: ProblemPublished, Selected: true})
				c.Commitments = append(c.Commitments, solutionsCommitment(i, i, int(i)))
			}
		}, []string{"too_many_commitments@"}},
		{"five commitments are allowed", func(c *Content) {
			c.Problems = nil
			c.Commitments = nil
			for i := int64(1); i <= 5; i++ {
				c.Problems = append(c.Problems, Problem{ID: i, Title: "P", Status: ProblemPublished, Selected: true})
				c.Commitments = append(c.Commitments, solutionsCommitment(i, i, int(i)))
			}
		}, []string{}},
		{"a commitment for a problem not selected", func(c *Content) {
			c.Commitments[1].ProblemID = 3
		}, []string{"selected_problem_without_commitment@problem:2", "commitment_problem_not_selected@commitment:2"}},
		{"template incomplete", func(c *Content) {
			c.Commitments[0].StatusQuo = "  "
		}, []string{"commitment_incomplete@commitment:1"}},
		{"no milestone", func(c *Content) {
			c.Commitments[1].Milestones = nil
		}, []string{"commitment_without_milestone@commitment:2"}},
		{"milestone without indicator", func(c *Content) {
			c.Commitments[0].Milestones[1].Indicator = ""
		}, []string{"milestone_not_measurable@milestone:12"}},
		{"milestone without target nor indicator is one violation", func(c *Content) {
			c.Commitments[0].Milestones[0].Indicator = ""
			c.Commitments[0].Milestones[0].Target = " "
		}, []string{"milestone_not_measurable@milestone:11"}},
		{"milestone without deliverable and responsible", func(c *Content) {
			c.Commitments[1].Milestones[0].Deliverable = ""
			c.Commitments[1].Milestones[0].Responsible = ""
		}, []string{"milestone_incomplete@milestone:21"}},
		{"milestone due after the plan ends", func(c *Content) {
			c.Commitments[1].Milestones[1].DueOn = "2028-07-01"
		}, []string{"milestone_dates@milestone:22"}},
		{"milestone starting before the plan", func(c *Content) {
			c.Commitments[1].Milestones[0].StartsOn = "2025-12-31"
		}, []string{"milestone_dates@milestone:21"}},
		{"milestone due on its start day", func(c *Content) {
			c.Commitments[0].Milestones[0].DueOn = c.Commitments[0].Milestones[0].StartsOn
		}, []string{"milestone_dates@milestone:11"}},
		{"milestone without dates", func(c *Content) {
			c.Commitments[0].Milestones[0].StartsOn = ""
		}, []string{"milestone_dates@milestone:11"}},
		{"milestone on the plan's first and last day", func(c *Content) {
			c.Commitments[0].Milestones[0].StartsOn = "2026-01-01"
			c.Commitments[0].Milestones[0].DueOn = "2028-06-30"
		}, []string{}},
		{"every rule at once", func(c *Content) {
			c.Commitments[0].Title = ""
			c.Commitments[0].Milestones[0].Target = ""
			c.Commitments[1].Milestones = nil
			c.Problems = append(c.Problems, Problem{ID: 4, Title: "Air quality", Selected: true})
		}, []string{"selected_problem_without_commitment@problem:4", "commitment_incomplete@commitment:1",
			"milestone_not_measurable@milestone:11", "commitment_without_milestone@commitment:2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := solutionsContent()
			tc.change(&c)
			if got := solutionsCodes(CheckStep(5, solutionsPlan(), c)); !slices.Equal(got, tc.want) {
				t.Errorf("violations %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCommitmentTemplateViolations(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *Commitment)
		want   []string // words each message must hold, one per violation
	}{
		{"complete", func(*Commitment) {}, nil},
		{"additional information is optional", func(c *Commitment) { c.AdditionalInfo = "" }, nil},
		{"title", func(c *Commitment) { c.Title = " " }, []string{"title"}},
		{"lead agency", func(c *Commitment) { c.LeadAgency = "" }, []string{"lead implementing agency"}},
		{"problem statement", func(c *Commitment) { c.ProblemStatement = "" }, []string{"problem statement"}},
		{"status quo", func(c *Commitment) { c.StatusQuo = "" }, []string{"status quo"}},
		{"objective", func(c *Commitment) { c.Objective = "" }, []string{"objective"}},
		{"how it solves", func(c *Commitment) { c.HowItSolves = "" }, []string{"how it will help"}},
		{"start date", func(c *Commitment) { c.StartsOn = "" }, []string{"start date is missing"}},
		{"end date not a date", func(c *Commitment) { c.EndsOn = "soon" }, []string{"end date is missing"}},
		{"start before the plan", func(c *Commitment) { c.StartsOn = "2025-12-31" }, []string{"start date 2025-12-31 is outside"}},
		{"end after the plan", func(c *Commitment) { c.EndsOn = "2028-07-01" }, []string{"end date 2028-07-01 is outside"}},
		{"end before start", func(c *Commitment) { c.EndsOn = "2026-08-31" }, []string{"before the start date"}},
		{"no value", func(c *Commitment) { c.Values = nil }, []string{"OGP values is missing"}},
		{"a value without justification", func(c *Commitment) { c.Values[1].Justification = "" }, []string{"accountability has no justification"}},
		{"an unknown value", func(c *Commitment) { c.Values[0].Value = "efficiency" }, []string{`"efficiency" is not an OGP value`}},
		{"several fields", func(c *Commitment) { c.LeadAgency, c.Objective = "", "" }, []string{"lead implementing agency", "objective"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := solutionsCommitment(7, 1, 3)
			tc.change(&c)
			vs := CommitmentTemplateViolations(c, solutionsPlan())
			if len(vs) != len(tc.want) {
				t.Fatalf("violations %+v, want %d", vs, len(tc.want))
			}
			for i, v := range vs {
				if v.Code != "commitment_incomplete" || v.Item != "commitment:7" || !strings.Contains(v.Message, tc.want[i]) ||
					!strings.HasPrefix(v.Message, "commitment 3") {
					t.Errorf("violation %+v, want commitment_incomplete on commitment:7 naming %q", v, tc.want[i])
				}
			}
		})
	}
}

func TestValidateCommitment(t *testing.T) {
	long := strings.Repeat("é", MaxCommitmentTextLen+1)
	for _, tc := range []struct {
		name       string
		change     func(c *Commitment)
		kind, code string
	}{
		{"valid", func(*Commitment) {}, "", ""},
		{"a draft with empty narrative is accepted", func(c *Commitment) {
			c.LeadAgency, c.ProblemStatement, c.StatusQuo, c.Objective, c.HowItSolves, c.Values = "", "", "", "", "", nil
		}, "", ""},
		{"a value without justification yet is accepted", func(c *Commitment) { c.Values[0].Justification = "" }, "", ""},
		{"no problem", func(c *Commitment) { c.ProblemID = 0 }, EUnprocessable, "problem_required"},
		{"no title", func(c *Commitment) { c.Title = "  " }, EUnprocessable, "title_required"},
		{"title too long", func(c *Commitment) { c.Title = strings.Repeat("x", MaxTitleLen+1) }, EUnprocessable, "title_too_long"},
		{"bad start date", func(c *Commitment) { c.StartsOn = "2026-13-01" }, EInvalid, "invalid_date"},
		{"no end date", func(c *Commitment) { c.EndsOn = "" }, EInvalid, "invalid_date"},
		{"start before the plan", func(c *Commitment) { c.StartsOn = "2025-12-31" }, EUnprocessable, "commitment_dates"},
		{"end after the plan", func(c *Commitment) { c.EndsOn = "2028-07-01" }, EUnprocessable, "commitment_dates"},
		{"end before start", func(c *Commitment) { c.EndsOn = "2026-08-31" }, EUnprocessable, "commitment_dates"},
		{"one day", func(c *Commitment) { c.EndsOn = c.StartsOn }, "", ""},
		{"unknown value", func(c *Commitment) { c.Values[0].Value = "efficiency" }, EInvalid, "invalid_value"},
		{"value twice", func(c *Commitment) { c.Values[1].Value = c.Values[0].Value }, EUnprocessable, "duplicate_value"},
		{"long justification", func(c *Commitment) { c.Values[0].Justification = long }, EUnprocessable, "text_too_long"},
		{"long status quo", func(c *Commitment) { c.StatusQuo = long }, EUnprocessable, "text_too_long"},
		{"long additional info", func(c *Commitment) { c.AdditionalInfo = long }, EUnprocessable, "text_too_long"},
		{"text at the limit", func(c *Commitment) { c.StatusQuo = long[2:] }, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := solutionsCommitment(1, 1, 1)
			tc.change(&c)
			solutionsAssertError(t, ValidateCommitment(c, solutionsPlan()), tc.kind, tc.code)
		})
	}
}

func TestValidateMilestone(t *testing.T) {
	for _, tc := range []struct {
		name       string
		change     func(m *Milestone)
		kind, code string
	}{
		{"valid", func(*Milestone) {}, "", ""},
		{"indicator and target drafted later", func(m *Milestone) { m.Indicator, m.Target = "", "" }, "", ""},
		{"no title", func(m *Milestone) { m.Title = "" }, EUnprocessable, "title_required"},
		{"bad due date", func(m *Milestone) { m.DueOn = "31/12/2026" }, EInvalid, "invalid_date"},
		{"due on its start", func(m *Milestone) { m.DueOn = m.StartsOn }, EUnprocessable, "milestone_dates"},
		{"due before its start", func(m *Milestone) { m.DueOn = "2026-08-01" }, EUnprocessable, "milestone_dates"},
		{"starts before the plan", func(m *Milestone) { m.StartsOn = "2025-06-01" }, EUnprocessable, "milestone_dates"},
		{"due after the plan", func(m *Milestone) { m.DueOn = "2029-01-01" }, EUnprocessable, "milestone_dates"},
		{"long deliverable", func(m *Milestone) { m.Deliverable = strings.Repeat("x", MaxCommitmentTextLen+1) }, EUnprocessable, "text_too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := solutionsCommitment(1, 1, 1).Milestones[0]
			tc.change(&m)
			solutionsAssertError(t, ValidateMilestone(m, solutionsPlan()), tc.kind, tc.code)
		})
	}
}

func TestParseValue(t *testing.T) {
	for _, v := range []Value{ValueTransparency, ValueAccountability, ValueParticipation} {
		if got, err := ParseValue(string(v)); err != nil || got != v {
			t.Errorf("ParseValue(%q) = %q, %v", v, got, err)
		}
	}
	solutionsAssertError(t, func() error { _, err := ParseValue("Transparency"); return err }(), EInvalid, "invalid_value")
}

// solutionsAssertError checks err is nil when kind is empty, else a domain
// error of that kind and code with a message.
func solutionsAssertError(t *testing.T, err error, kind, code string) {
	t.Helper()
	if kind == "" {
		if err != nil {
			t.Errorf("unexpected error %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != kind || e.Code != code || e.Message == "" {
		t.Errorf("error %#v, want %s/%s", err, kind, code)
	}
}
