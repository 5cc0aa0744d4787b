//go:build cluster

package clustertest

import (
	"fmt"
	"sort"
	"time"
)

// people are the users of the scenario, shared by its plans: Sofia
// coordinates, Maria (government) and Nikos (civil society) approve, Eleni
// is on the team, Dimitra is the independent monitoring body.
type people struct {
	admin                                      string
	sofia, maria, nikos, eleni, dimitra        string
	sofiaID, mariaID, nikosID, eleniID, dimiID int64
}

// scenarioPlan is a plan of the scenario and what the driver needs of it.
type scenarioPlan struct {
	id          int64
	commitments []scenarioCommitment
	approved8   time.Time // when step 8's approval was answered: the commitments' workflows run from then
	progressKey string    // Idempotency-Key of the progress report sent while Temporal is down
}

type scenarioCommitment struct {
	id       int64
	overdue  int64 // milestone due yesterday: overdue reminders every minute
	upcoming int64 // milestone due in two days: reminders before it, on the scenario's slots
}

func (a *api) createPeople(admin string) (people, error) {
	p := people{admin: admin}
	mk := func(name, email string, token *string, id *int64) error {
		var u struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		if err := a.do(admin, "POST", "/api/v1/users", map[string]any{"name": name, "email": email}, 201, &u); err != nil {
			return err
		}
		*token, *id = u.Token, u.ID
		return nil
	}
	for _, u := range []struct {
		name, email string
		token       *string
		id          *int64
	}{
		{"Sofia Papadopoulou", "sofia@athens.example", &p.sofia, &p.sofiaID},
		{"Maria Georgiou", "maria@athens.example", &p.maria, &p.mariaID},
		{"Nikos Ioannou", "nikos@civilsociety.example", &p.nikos, &p.nikosID},
		{"Eleni Dimitriou", "eleni@scify.example", &p.eleni, &p.eleniID},
		{"Dimitra Kosta", "dimitra@vouliwatch.example", &p.dimitra, &p.dimiID},
	} {
		if err := mk(u.name, u.email, u.token, u.id); err != nil {
			return p, err
		}
	}
	return p, nil
}

// day formats the date d days from today (UTC).
func day(now time.Time, d int) string { return now.UTC().AddDate(0, 0, d).Format(time.DateOnly) }

// coCreate creates plan number n and takes it through step 7 (approved):
// the team, forum and monitoring body, the roadmap, awareness, four
// problems scored and three selected, three commitments on the template
// with two milestones each (one due yesterday, one in two days), their
// support networks and the vision.
func (a *api) coCreate(pp people, n int) (*scenarioPlan, error) {
	now := time.Now().UTC()
	var plan struct {
		ID int64 `json:"id"`
	}
	startsOn, endsOn := day(now, -365), day(now, 730)
	if err := a.do(pp.sofia, "POST", "/api/v1/action-plans", map[string]any{"title": fmt.Sprintf("Open Athens %d", n),
		"member": "City of Athens", "starts_on": startsOn, "ends_on": endsOn}, 201, &plan); err != nil {
		return nil, err
	}
	sp := &scenarioPlan{id: plan.ID}
	P := fmt.Sprintf("/api/v1/action-plans/%d", plan.ID)
	s := pp.sofia
	steps := []struct {
		token, method, path string
		body                any
		want                int
	}{
		{s, "PUT", fmt.Sprintf("%s/members/%d", P, pp.mariaID), map[string]any{"roles": []string{"approver"}, "sector": "government"}, 200},
		{s, "PUT", fmt.Sprintf("%s/members/%d", P, pp.nikosID), map[string]any{"roles": []string{"approver"}, "sector": "civil_society"}, 200},
		{s, "PUT", fmt.Sprintf("%s/members/%d", P, pp.eleniID), map[string]any{"roles": []string{"contributor"}, "sector": "civil_society"}, 200},
		{s, "PUT", fmt.Sprintf("%s/members/%d", P, pp.dimiID), map[string]any{"roles": []string{"monitoring_body"}, "sector": "civil_society"}, 200},
		{s, "PUT", fmt.Sprintf("%s/team/%d", P, pp.sofiaID), map[string]any{"title": "Open government coordinator", "organisation": "City of Athens"}, 200},
		{s, "PUT", fmt.Sprintf("%s/team/%d", P, pp.eleniID), map[string]any{"title": "Civic technology lead", "organisation": "SciFY"}, 200},
		{s, "PUT", P + "/forum", map[string]any{"name": "Open Government Forum of Athens", "is_new": true,
			"purpose": "Officials and civil society co-create, follow and review the plan", "meeting_cadence": "every two months"}, 200},
		{s, "POST", P + "/forum/meetings", map[string]any{"held_on": day(now, -1), "agenda": "Forum rules; the team; the monitoring body",
			"minutes": "The forum adopted its rules.", "attendees": 14}, 201},
		{s, "PUT", P + "/monitoring-body", map[string]any{"name": "Vouliwatch", "kind": "organisation",
			"independence_statement": "Vouliwatch receives no funding from the City and none of its people sit on the team."}, 200},
	}
	for _, st := range steps {
		if err := a.do(st.token, st.method, st.path, st.body, st.want, nil); err != nil {
			return nil, err
		}
	}
	var forum []int64
	for _, fm := range []map[string]any{
		{"name": "Maria Georgiou", "organisation": "City of Athens", "sector": "government"},
		{"name": "Nikos Ioannou", "organisation": "Athens Civil Society Network", "sector": "non_government"},
	} {
		var m struct {
			ID int64 `json:"id"`
		}
		if err := a.do(s, "POST", P+"/forum/members", fm, 201, &m); err != nil {
			return nil, err
		}
		forum = append(forum, m.ID)
	}
	if err := a.approveStep(pp, sp.id, 1); err != nil {
		return nil, err
	}

	// Step 2: the roadmap of steps 3-10, all in the future.
	for i := 3; i <= 10; i++ {
		if err := a.do(s, "PUT", fmt.Sprintf("%s/roadmap/%d", P, i), map[string]any{"starts_on": day(now, 10+(i-3)*60),
			"ends_on": day(now, 10+(i-3)*60+50), "responsible": "Sofia Papadopoulou", "stakeholders": "Forum members"}, 200, nil); err != nil {
			return nil, err
		}
	}
	if err := a.approveStep(pp, sp.id, 2); err != nil {
		return nil, err
	}

	// Step 3: awareness.
	if err := a.do(s, "POST", P+"/awareness", map[string]any{"kind": "event", "held_on": day(now, -1), "audience": "Residents and NGOs",
		"description": "Open evening on OGP Local at City Hall", "reach": 180, "evidence_url": "https://athens.example/open-evening"}, 201, nil); err != nil {
		return nil, err
	}
	if err := a.approveStep(pp, sp.id, 3); err != nil {
		return nil, err
	}

	// Step 4: three problems from the team and the forum, one from the
	// public; scored, three selected, a reasoned response for the fourth.
	var problems []int64
	for i, pr := range []map[string]any{
		{"title": "Residents cannot follow how the city spends its budget", "description": "Spending is published once a year as a scanned PDF", "policy_area": "fiscal openness", "source": "team"},
		{"title": "Public contracts are hard to find and compare", "description": "Contracts are scattered over department sites", "policy_area": "public procurement", "source": "forum"},
		{"title": "Residents are not heard on local planning", "description": "Plans for squares are decided without consultation", "policy_area": "urban planning", "source": "team"},
	} {
		var r struct {
			ID int64 `json:"id"`
		}
		if err := a.do(s, "POST", P+"/problems", pr, 201, &r); err != nil {
			return nil, fmt.Errorf("problem %d: %w", i, err)
		}
		problems = append(problems, r.ID)
	}
	var bus struct {
		ID int64 `json:"id"`
	}
	if err := a.do("", "POST", P+"/problems/proposals", map[string]any{"title": "Bus timetables are not open data",
		"description": "Timetables are only on paper at the stops", "policy_area": "mobility", "name": "A resident"}, 202, &bus); err != nil {
		return nil, err
	}
	if err := a.do(s, "POST", fmt.Sprintf("%s/problems/%d/moderation", P, bus.ID), map[string]any{"decision": "publish"}, 200, nil); err != nil {
		return nil, err
	}
	for i, id := range append(append([]int64(nil), problems...), bus.ID) {
		score := 5 - i
		path := fmt.Sprintf("%s/problems/%d/scores", P, id)
		for _, who := range []string{pp.sofia, pp.eleni} {
			if err := a.do(who, "POST", path, map[string]any{"score": score}, 200, nil); err != nil {
				return nil, err
			}
		}
		for _, fm := range forum {
			if err := a.do(s, "POST", path, map[string]any{"score": score, "forum_member_id": fm}, 200, nil); err != nil {
				return nil, err
			}
		}
	}
	for _, id := range problems {
		if err := a.do(s, "POST", fmt.Sprintf("%s/problems/%d/selection", P, id), map[string]any{"selected": true}, 200, nil); err != nil {
			return nil, err
		}
	}
	if err := a.do(s, "PUT", fmt.Sprintf("%s/problems/%d/reasoned-response", P, bus.ID),
		map[string]any{"text": "Bus timetables belong to the regional transport authority; the forum takes the proposal to it."}, 200, nil); err != nil {
		return nil, err
	}
	if err := a.approveStep(pp, sp.id, 4); err != nil {
		return nil, err
	}

	// Step 5: a commitment per selected problem, each with a milestone due
	// yesterday (overdue from the start of implementation) and one due in
	// two days (reminded before it, on the scenario's slots).
	for i, pid := range problems {
		var c struct {
			ID int64 `json:"id"`
		}
		if err := a.do(s, "POST", P+"/commitments", map[string]any{"problem_id": pid, "title": fmt.Sprintf("Commitment %d of plan %d", i+1, n),
			"starts_on": startsOn, "ends_on": endsOn, "lead_agency": "Finance Directorate",
			"problem_statement": "Residents cannot see or influence this today.", "status_quo": "No open data; no consultation.",
			"objective": "Publish the data monthly and consult residents", "how_it_solves": "Residents follow and shape decisions.",
			"values": []map[string]any{{"value": "transparency", "justification": "Opens the information to residents."}}}, 201, &c); err != nil {
			return nil, err
		}
		sc := scenarioCommitment{id: c.ID}
		for _, m := range []struct {
			title, from, due string
			id               *int64
		}{
			{"Pilot", startsOn, day(now, -1), &sc.overdue},
			{"City-wide", day(now, 0), day(now, 2), &sc.upcoming},
		} {
			var r struct {
				ID int64 `json:"id"`
			}
			if err := a.do(s, "POST", fmt.Sprintf("%s/commitments/%d/milestones", P, c.ID), map[string]any{"title": m.title,
				"deliverable": "A service published with its method", "indicator": "Service online", "target": "1 service reviewed by the forum",
				"starts_on": m.from, "due_on": m.due, "responsible": "Head of the lead agency"}, 201, &r); err != nil {
				return nil, err
			}
			*m.id = r.ID
		}
		sp.commitments = append(sp.commitments, sc)
	}
	if err := a.approveStep(pp, sp.id, 5); err != nil {
		return nil, err
	}

	// Step 6: support networks; step 7: the vision.
	for _, c := range sp.commitments {
		for _, actor := range []map[string]any{
			{"name": "Lead directorate", "organisation": "City of Athens", "sector": "government", "role": "lead", "contact": "open@athens.example"},
			{"name": "Open data volunteers", "organisation": "SciFY", "sector": "civil_society", "role": "supporter"},
		} {
			if err := a.do(s, "POST", fmt.Sprintf("%s/commitments/%d/network", P, c.id), actor, 201, nil); err != nil {
				return nil, err
			}
		}
	}
	if err := a.approveStep(pp, sp.id, 6); err != nil {
		return nil, err
	}
	if err := a.do(s, "PUT", P+"/vision", map[string]any{"text": "By 2028 every resident can see where public money goes and help decide how the city changes."}, 200, nil); err != nil {
		return nil, err
	}
	if err := a.approveStep(pp, sp.id, 7); err != nil {
		return nil, err
	}
	return sp, nil
}

// approveStep submits step n and has both approvers approve it.
func (a *api) approveStep(pp people, planID int64, n int) error {
	base := fmt.Sprintf("/api/v1/action-plans/%d/steps/%d", planID, n)
	key := fmt.Sprintf("plan-%d-step-%d", planID, n)
	if err := a.do(pp.sofia, "POST", base+"/submit", map[string]any{"summary": fmt.Sprintf("Step %d, discussed in the forum", n)}, 200, nil,
		"Idempotency-Key", key+"-submit"); err != nil {
		return err
	}
	if err := a.do(pp.maria, "POST", base+"/decisions", map[string]any{"decision": "approve"}, 200, nil, "Idempotency-Key", key+"-maria"); err != nil {
		return err
	}
	var st struct {
		CurrentStep int `json:"current_step"`
	}
	if err := a.do(pp.nikos, "POST", base+"/decisions", map[string]any{"decision": "approve", "comment": "Endorsed by civil society"}, 200, &st,
		"Idempotency-Key", key+"-nikos"); err != nil {
		return err
	}
	if st.CurrentStep != n+1 {
		return fmt.Errorf("plan %d after approving step %d is at step %d", planID, n, st.CurrentStep)
	}
	return nil
}

// slots is the scenario's reminder schedule: the instants at which the
// upcoming milestones are reminded, every slotEvery from first.
type slots struct {
	first time.Time
	every time.Duration
	count int
	due   time.Time // 00:00 UTC of the upcoming milestones' due date
	today time.Time // 00:00 UTC today: the overdue milestones are overdue from then
}

const overdueEvery = time.Minute

// policy is the reminder policy that puts the upcoming milestones'
// reminders on the slots: one "before" offset per slot, no reminder on
// the due date, overdue reminders every minute, no escalation, no spread.
func (sl slots) policy() map[string]any {
	var before []string
	for i := 0; i < sl.count; i++ {
		before = append(before, sl.due.Sub(sl.at(i+1)).String())
	}
	return map[string]any{"before": before, "on_due": false, "overdue_every": overdueEvery.String(),
		"coordinator_after": 0, "forum_after": 0, "spread": "0s"}
}

// at is the time of reminder number n (1-based) of an upcoming milestone.
func (sl slots) at(n int) time.Time { return sl.first.Add(time.Duration(n-1) * sl.every) }

// slotTime is the time of reminder number n of a milestone: the befores
// (earliest first), then the overdue reminders from the end of the due
// date (overdue milestones only: the upcoming ones are not due yet).
func (sl slots) slotTime(overdue bool, n int) time.Time {
	if !overdue {
		return sl.at(n)
	}
	if n <= sl.count {
		return time.Time{} // long past: the befores of a milestone due yesterday
	}
	return sl.today.Add(time.Duration(n-sl.count-1) * overdueEvery)
}

// numbersIn lists the reminder numbers of a milestone whose times fall in
// [from, to].
func (sl slots) numbersIn(overdue bool, from, to time.Time) []int {
	var out []int
	if !overdue {
		for n := 1; n <= sl.count; n++ {
			if t := sl.at(n); !t.Before(from) && !t.After(to) {
				out = append(out, n)
			}
		}
		return out
	}
	for n := sl.count + 1 + int(from.Sub(sl.today)/overdueEvery); ; n++ {
		t := sl.slotTime(true, n)
		if t.After(to) {
			break
		}
		if !t.Before(from) {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}
