package app_test

import "testing"

// fillStep records valid content for step n of the plan, so that its
// submission passes the gate. Each area's filler lives next to that
// area's integration test.
func (p people) fillStep(t *testing.T, planID int64, n int) {
	t.Helper()
	switch n {
	case 1:
		p.fillTeamForumMonitoring(t, planID)
	case 2:
		p.fillRoadmap(t, planID)
	case 3:
		p.fillAwareness(t, planID)
	case 4:
		p.fillOpportunityAreas(t, planID)
	case 5:
		p.fillSolutions(t, planID)
	case 6:
		p.fillSupportNetwork(t, planID)
	case 7:
		p.fillVision(t, planID)
	case 10:
		p.fillLearning(t, planID)
	}
}
