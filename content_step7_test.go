package ogp

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// withTemplateCheck swaps the commitment template check for one test.
func withTemplateCheck(t *testing.T, check func(Commitment, PlanContext) []Violation) {
	t.Helper()
	old := commitmentTemplateCheck
	commitmentTemplateCheck = check
	t.Cleanup(func() { commitmentTemplateCheck = old })
}

func TestCheckDraft(t *testing.T) {
	vision := &StrategicVision{Text: "An Athens where every resident can see, shape and check how the city spends and decides."}
	three := []Commitment{{ID: 1, Number: 1, Title: "Open budget"}, {ID: 2, Number: 2, Title: "Open contracts"}, {ID: 3, Number: 3, Title: "Participatory planning"}}
	// A stand-in template check: a commitment without a lead agency fails.
	withTemplateCheck(t, func(c Commitment, p PlanContext) []Violation {
		if p.PlanID != roadmapPlan.PlanID {
			t.Errorf("the template check got plan %d", p.PlanID)
		}
		if c.LeadAgency == "" {
			return []Violation{Violationf("lead_agency_missing", fmt.Sprintf("commitment:%d", c.ID), "commitment %d has no lead agency", c.Number)}
		}
		return nil
	})
	complete := func() []Commitment {
		out := slices.Clone(three)
		for i := range out {
			out[i].LeadAgency = "Municipality of Athens"
		}
		return out
	}
	for _, c := range []struct {
		name    string
		content Content
		want    []string
	}{
		{"complete", Content{Vision: vision, Commitments: complete()}, nil},
		{"nothing", Content{}, []string{"vision_missing@", "commitments_missing@"}},
		{"blank vision", Content{Vision: &StrategicVision{Text: " \n\t"}, Commitments: complete()}, []string{"vision_missing@"}},
		{"no commitments", Content{Vision: vision}, []string{"commitments_missing@"}},
		{"every commitment is checked", Content{Vision: vision, Commitments: three}, []string{
			"lead_agency_missing@commitment:1", "lead_agency_missing@commitment:2", "lead_agency_missing@commitment:3"}},
		{"one incomplete and no vision", Content{Commitments: append(complete()[:2], three[2])}, []string{
			"vision_missing@", "lead_agency_missing@commitment:3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := roadmapCodes(CheckStep(7, roadmapPlan, c.content))
			if !slices.Equal(got, c.want) && (len(got) != 0 || len(c.want) != 0) {
				t.Errorf("violations %v, want %v", got, c.want)
			}
		})
	}
}

func TestCheckDraftMessages(t *testing.T) {
	for _, v := range CheckStep(7, roadmapPlan, Content{}) {
		if v.Message == "" || v.Item != "" {
			t.Errorf("violation %+v: want a message and no item", v)
		}
	}
}

func TestValidateVision(t *testing.T) {
	for _, c := range []struct {
		name, text, code string
	}{
		{"a vision", "Open Athens: a city that decides in the open.", ""},
		{"empty", "", "vision_required"},
		{"blank", "  \n ", "vision_required"},
		{"at the limit", strings.Repeat("é", MaxVisionLen), ""},
		{"over the limit", strings.Repeat("é", MaxVisionLen+1), "vision_too_long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateVision(c.text)
			if c.code == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var de *Error
			if !errors.As(err, &de) || de.Kind != EUnprocessable || de.Code != c.code {
				t.Errorf("error %#v, want %s", err, c.code)
			}
		})
	}
}

// TestCheckDraftRunsTheTemplateCheck: step 7 applies the commitment
// template check itself, not a stand-in.
func TestCheckDraftRunsTheTemplateCheck(t *testing.T) {
	vs := CheckStep(7, roadmapPlan, Content{Vision: &StrategicVision{Text: "A vision."}, Commitments: []Commitment{{ID: 4, Number: 1}}})
	if len(vs) == 0 || !slices.Equal(roadmapCodes(vs[:1]), []string{"commitment_incomplete@commitment:4"}) {
		t.Errorf("an empty commitment passes step 7: %+v", vs)
	}
}
