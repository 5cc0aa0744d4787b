package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
)

// TestImplementationSQLite takes a plan through step 8 and implements a
// commitment over HTTP: progress, completion with evidence, a delay
// explained in public, an amendment the approvers approve, and the
// public record of it all.
func TestImplementationSQLite(t *testing.T) {
	t.Parallel()
	implementationScenario(t, "")
}

// TestImplementationPostgres is the same on PostgreSQL.
func TestImplementationPostgres(t *testing.T) {
	t.Parallel()
	implementationScenario(t, modelstest.PostgresURL(t))
}

// implementationView is the public record of one commitment.
type implementationView struct {
	CommitmentID int64  `json:"commitment_id"`
	LeadUserID   int64  `json:"lead_user_id"`
	Status       string `json:"status"`
	Completion   string `json:"completion"`
	Version      int64  `json:"version"`
	Milestones   []struct {
		ID                int64   `json:"id"`
		Title             string  `json:"title"`
		ResponsibleUserID int64   `json:"responsible_user_id"`
		DueOn             string  `json:"due_on"`
		Status            string  `json:"status"`
		Percent           int     `json:"percent"`
		Schedule          string  `json:"schedule"`
		CompletedAt       *string `json:"completed_at"`
		Reports           []struct {
			Seq        int      `json:"seq"`
			Percent    int      `json:"percent"`
			Narrative  string   `json:"narrative"`
			Evidence   []string `json:"evidence"`
			ReportedBy int64    `json:"reported_by"`
		} `json:"reports"`
		Delays []struct {
			Text        string `json:"text"`
			ExplainedBy int64  `json:"explained_by"`
		} `json:"delays"`
	} `json:"milestones"`
	Amendments []struct {
		Seq       int    `json:"seq"`
		OldDueOn  string `json:"old_due_on"`
		NewDueOn  string `json:"new_due_on"`
		Status    string `json:"status"`
		Decisions []struct {
			ApproverID int64 `json:"approver_id"`
		} `json:"decisions"`
	} `json:"amendments"`
}

func implementationScenario(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	now := time.Now().UTC()
	planStart := now.AddDate(-1, 0, 0)
	id := p.createPlan(t, planStart.Format(time.DateOnly))
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	eleni := p.ids["Eleni"]
	for n := 1; n <= 4; n++ {
		p.approve(t, id, n)
	}

	// Step 5: the filler's commitments, then a lead for the first and an
	// overdue milestone Eleni is responsible for.
	p.fillStep(t, id, 5)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	anon.do("GET", base+"/commitments", nil, 200, &list)
	first := list.Items[0]
	cid := int64(first["id"].(float64))
	one := fmt.Sprintf("%s/commitments/%d", base, cid)
	body := map[string]any{}
	for _, k := range []string{"problem_id", "title", "starts_on", "ends_on", "lead_agency", "problem_statement", "status_quo",
		"objective", "how_it_solves", "values", "additional_info"} {
		body[k] = first[k]
	}
	var stranger user
	admin.do("POST", "/api/v1/users", map[string]any{"name": "Stranger", "email": "stranger@example.org"}, 201, &stranger)
	body["lead_user_id"] = stranger.ID
	p.coordinator.problem("PUT", one, body, 422, "unknown_member")
	body["lead_user_id"] = eleni
	var updated struct {
		LeadUserID int64 `json:"lead_user_id"`
	}
	p.coordinator.do("PUT", one, body, 200, &updated)
	if updated.LeadUserID != eleni {
		t.Fatalf("lead %d, want Eleni (%d)", updated.LeadUserID, eleni)
	}
	overdueDue := now.AddDate(0, 0, -3).Format(time.DateOnly)
	milestone := map[string]any{"title": "Inventory of datasets", "deliverable": "A public inventory", "indicator": "Inventory published",
		"target": "Every department listed", "starts_on": planStart.AddDate(0, 0, 1).Format(time.DateOnly), "due_on": overdueDue,
		"responsible": "Eleni", "responsible_user_id": stranger.ID}
	p.coordinator.problem("POST", one+"/milestones", milestone, 422, "unknown_member")
	milestone["responsible_user_id"] = eleni
	var late struct {
		ID                int64 `json:"id"`
		ResponsibleUserID int64 `json:"responsible_user_id"`
	}
	p.coordinator.do("POST", one+"/milestones", milestone, 201, &late)
	if late.ResponsibleUserID != eleni {
		t.Fatalf("responsible %d, want Eleni (%d)", late.ResponsibleUserID, eleni)
	}
	// Before step 9 nothing is in implementation.
	p.coordinator.problem("POST", fmt.Sprintf("%s/milestones/%d/progress", one, late.ID),
		map[string]any{"status": "in_progress", "percent": 10, "narrative": "Started"}, 409, "implementation_not_started")
	anon.problem("GET", one+"/implementation", nil, 409, "implementation_not_started")
	var plan struct {
		Items []struct {
			CommitmentID int64 `json:"commitment_id"`
		} `json:"items"`
	}
	anon.do("GET", base+"/implementation", nil, 200, &plan)
	if len(plan.Items) != 0 {
		t.Errorf("implementation before step 9: %+v", plan.Items)
	}
	p.submitApprove(t, id, 5)
	for n := 6; n <= 8; n++ {
		p.approve(t, id, n)
	}

	// Step 8's approval starts one workflow per commitment.
	deadline := time.Now().Add(30 * time.Second)
	for {
		anon.do("GET", base+"/implementation", nil, 200, &plan)
		if len(plan.Items) == len(list.Items) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d commitments in implementation after 30s", len(plan.Items), len(list.Items))
		}
		time.Sleep(100 * time.Millisecond)
	}
	var view implementationView
	anon.do("GET", one+"/implementation", nil, 200, &view)
	if view.Status != "active" || view.Completion != "not_started" || view.LeadUserID != eleni || len(view.Milestones) != 3 {
		t.Fatalf("commitment at the start of implementation: %+v", view)
	}
	pilot := view.Milestones[1].ID // the filler's first milestone, after the overdue one
	if view.Milestones[0].ID != late.ID || view.Milestones[0].Schedule != "overdue" || view.Milestones[1].Schedule != "on_track" {
		t.Errorf("schedules at the start: %+v", view.Milestones)
	}
	ms := func(id int64, action string) string { return fmt.Sprintf("%s/milestones/%d/%s", one, id, action) }

	// Progress: by the lead; not by an approver who is neither.
	p.gov.problem("POST", ms(pilot, "progress"), map[string]any{"status": "in_progress", "percent": 10, "narrative": "x"}, 403, "not_responsible")
	p.contributor.do("POST", ms(pilot, "progress"), map[string]any{"status": "in_progress", "percent": 40,
		"narrative": "The pilot runs in two districts.", "evidence": []string{"https://www.cityofathens.gr/open/pilot"}}, 200, &view)
	if m := view.Milestones[1]; m.Status != "in_progress" || m.Percent != 40 || len(m.Reports) != 1 || m.Reports[0].ReportedBy != eleni {
		t.Errorf("after the progress report: %+v", m)
	}
	p.contributor.problem("POST", ms(pilot, "progress"), map[string]any{"status": "in_progress", "percent": 20, "narrative": "Less?"}, 422, "percent_decreased")
	p.contributor.problem("POST", ms(pilot, "progress"), map[string]any{"status": "in_progress", "percent": 50,
		"narrative": "x", "evidence": []string{"not a link"}}, 422, "invalid_url")

	// Completion needs evidence.
	p.coordinator.problem("POST", ms(pilot, "complete"), map[string]any{"narrative": "Done", "evidence": []string{}}, 422, "evidence_required")
	p.coordinator.do("POST", ms(pilot, "complete"), map[string]any{"narrative": "Pilot published.",
		"evidence": []string{"https://www.cityofathens.gr/open/pilot-report"}}, 200, &view)
	if m := view.Milestones[1]; m.Status != "completed" || m.Schedule != "done_on_time" || m.Percent != 100 {
		t.Errorf("after completion: %+v", m)
	}
	p.contributor.problem("POST", ms(pilot, "progress"), map[string]any{"status": "in_progress", "percent": 100, "narrative": "x"}, 409, "milestone_completed")

	// A delay is explained only when overdue; then in public.
	p.contributor.problem("POST", ms(view.Milestones[2].ID, "delay-explanation"), map[string]any{"text": "Not late"}, 409, "not_overdue")
	p.contributor.do("POST", ms(late.ID, "delay-explanation"), map[string]any{"text": "Two departments sent their lists late."}, 200, &view)

	// An amendment: the approvers decide; both dates stay public.
	newDue := now.AddDate(0, 2, 0).Format(time.DateOnly)
	p.contributor.problem("POST", ms(late.ID, "amendments"), map[string]any{"new_due_on": "next month", "reason": "x"}, 400, "invalid_date")
	p.contributor.do("POST", ms(late.ID, "amendments"), map[string]any{"new_due_on": newDue, "reason": "The inventory needs every department."}, 200, &view)
	if len(view.Amendments) != 1 || view.Amendments[0].Status != "pending" {
		t.Fatalf("amendment requested: %+v", view.Amendments)
	}
	seq := view.Amendments[0].Seq
	decide := fmt.Sprintf("%s/amendments/%d/decisions", one, seq)
	p.contributor.problem("POST", decide, map[string]any{"decision": "approve"}, 403, "four_eyes")
	p.coordinator.problem("POST", decide, map[string]any{"decision": "approve"}, 403, "not_an_approver")
	p.gov.do("POST", decide, map[string]any{"decision": "approve"}, 200, &view)
	p.gov.problem("POST", decide, map[string]any{"decision": "approve"}, 409, "already_decided")
	p.cso.do("POST", decide, map[string]any{"decision": "approve", "comment": "Agreed in the forum."}, 200, &view)
	if a := view.Amendments[0]; a.Status != "approved" || a.OldDueOn != overdueDue || a.NewDueOn != newDue || len(a.Decisions) != 2 {
		t.Errorf("amendment after both approvals: %+v", a)
	}
	p.gov.problem("POST", fmt.Sprintf("%s/amendments/%d/decisions", one, seq+5), map[string]any{"decision": "approve"}, 404, "unknown_amendment")

	// The public record, from the database.
	anon.do("GET", one+"/implementation", nil, 200, &view)
	m := view.Milestones
	if m[0].ID != late.ID || m[0].DueOn != newDue || m[0].Schedule != "on_track" || len(m[0].Delays) != 1 || m[0].Delays[0].ExplainedBy != eleni {
		t.Errorf("the amended milestone: %+v", m[0])
	}
	if m[1].Status != "completed" || len(m[1].Reports) != 2 || len(m[1].Reports[0].Evidence) != 1 || m[1].CompletedAt == nil || m[1].Schedule != "done_on_time" {
		t.Errorf("the completed milestone: %+v", m[1])
	}
	if view.Completion != "limited" && view.Completion != "substantial" {
		t.Errorf("completion %s after one of three milestones", view.Completion)
	}
	if a := view.Amendments; len(a) != 1 || a[0].OldDueOn != overdueDue || a[0].NewDueOn != newDue || a[0].Status != "approved" {
		t.Errorf("public amendments: %+v", a)
	}
	var planView struct {
		Items []struct {
			CommitmentID int64  `json:"commitment_id"`
			Completion   string `json:"completion"`
			Milestones   []struct {
				Schedule string `json:"schedule"`
			} `json:"milestones"`
		} `json:"items"`
	}
	anon.do("GET", base+"/implementation", nil, 200, &planView)
	if it := planView.Items[0]; it.CommitmentID != cid || it.Completion != view.Completion || len(it.Milestones) != 3 || it.Milestones[1].Schedule != "done_on_time" {
		t.Errorf("the plan's view: %+v", it)
	}
	// Completing every milestone of the second commitment closes it; its
	// record then takes no more changes.
	second := fmt.Sprintf("%s/commitments/%d", base, int64(list.Items[1]["id"].(float64)))
	var closed implementationView
	anon.do("GET", second+"/implementation", nil, 200, &closed)
	for _, m := range closed.Milestones {
		p.coordinator.do("POST", fmt.Sprintf("%s/milestones/%d/complete", second, m.ID), map[string]any{
			"narrative": "Delivered.", "evidence": []string{"https://www.cityofathens.gr/open/done"}}, 200, &closed)
	}
	if closed.Status != "completed" || closed.Completion != "completed" {
		t.Errorf("second commitment after its last milestone: %s, %s", closed.Status, closed.Completion)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		// Closed while its workflow ends, and once it has.
		p.coordinator.problem("POST", second+"/withdrawal", map[string]any{"reason": "Too late"}, 409, "commitment_closed")
		if desc, err := st.Client.DescribeWorkflowExecution(context.Background(), fmt.Sprintf("commitment-%d", closed.CommitmentID), ""); err == nil &&
			desc.WorkflowExecutionInfo.GetCloseTime() != nil {
			p.coordinator.problem("POST", second+"/withdrawal", map[string]any{"reason": "Too late"}, 409, "commitment_closed")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the completed commitment's workflow did not end")
		}
	}

	// Unknown items are unknown, whatever the caller.
	p.coordinator.problem("POST", fmt.Sprintf("%s/milestones/%d/progress", one, 999999), map[string]any{"status": "in_progress", "narrative": "x"}, 404, "unknown_milestone")
	p.coordinator.problem("POST", fmt.Sprintf("%s/commitments/%d/withdrawal", base, 999999), map[string]any{"reason": "x"}, 404, "unknown_commitment")
}
