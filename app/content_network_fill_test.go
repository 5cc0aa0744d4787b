package app_test

import (
	"fmt"
	"testing"
)

// fillSupportNetwork records a step 6 that passes the gate: for each
// commitment, its lead implementing agency as the government lead and a
// civil-society organisation as supporter, each with a private contact.
func (p people) fillSupportNetwork(t *testing.T, planID int64) {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d/commitments", planID)
	var list struct {
		Items []commitmentFillRef `json:"items"`
	}
	p.admin.as("").do("GET", base, nil, 200, &list)
	for _, c := range list.Items {
		path := fmt.Sprintf("%s/%d/network", base, c.ID)
		p.coordinator.do("POST", path, map[string]any{"name": "Eleni Markou", "organisation": c.LeadAgency,
			"sector": "government", "role": "lead", "contact": fmt.Sprintf("lead-%d@athens.example", c.Number)}, 201, nil)
		p.coordinator.do("POST", path, map[string]any{"name": "Vouliwatch", "organisation": "Vouliwatch",
			"sector": "civil_society", "role": "supporter", "contact": "info@vouliwatch.example"}, 201, nil)
	}
}
