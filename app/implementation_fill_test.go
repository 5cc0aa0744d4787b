package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// completeCommitments completes every milestone of every commitment of
// the plan (as the coordinator, with evidence), so each commitment's
// workflow completes and reports it to the plan.
func (p people) completeCommitments(t *testing.T, planID int64) {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d/commitments", planID)
	var list struct {
		Items []struct {
			ID         int64 `json:"id"`
			Milestones []struct {
				ID int64 `json:"id"`
			} `json:"milestones"`
		} `json:"items"`
	}
	p.coordinator.do("GET", base, nil, 200, &list)
	for _, c := range list.Items {
		for _, m := range c.Milestones {
			p.coordinator.do("POST", fmt.Sprintf("%s/%d/milestones/%d/complete", base, c.ID, m.ID), map[string]any{
				"narrative": "Delivered and published.", "evidence": []string{"https://www.cityofathens.gr/open/evidence"}}, 200, nil)
		}
	}
}

// submitImplementation submits step 9 once the commitments' workflows have
// reported their closing to the plan (a signal, so moments after the last
// milestone is completed).
func (p people) submitImplementation(t *testing.T, planID int64) {
	t.Helper()
	path := fmt.Sprintf("/api/v1/action-plans/%d/steps/9/submit", planID)
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("POST", p.coordinator.base+path, strings.NewReader(`{"summary":"Every commitment delivered"}`))
		req.Header.Set("Authorization", "Bearer "+p.coordinator.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode == 200 {
			return
		}
		if resp.StatusCode != 422 || time.Now().After(deadline) {
			t.Fatalf("submitting step 9: status %d", resp.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
