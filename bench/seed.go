package bench

// Seeding: plans built through the product's JSON API, as a city's
// people would build them (and as the README's walk-through does), with
// the minimal content each step's gate accepts. Every submission and
// decision is a real workflow update; nothing is written behind the
// product's back.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// person is a user of the stack and their API token.
type person struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

// cast is the people of the plans of one section: a government
// coordinator, approvers from government and civil society, a
// civil-society team member and an independent monitoring body.
type cast struct {
	Coordinator, Gov, Civil, Contributor, Monitor person
}

// newCast creates the cast's users as the administrator. Addresses are
// unique per run, so a bench against a running stack can be repeated.
func (b *bencher) newCast(ctx context.Context, label string) (cast, error) {
	var c cast
	for _, u := range []struct {
		p    *person
		name string
	}{{&c.Coordinator, "Coordinator"}, {&c.Gov, "Government approver"}, {&c.Civil, "Civil-society approver"},
		{&c.Contributor, "Civil-society team member"}, {&c.Monitor, "Monitoring body"}} {
		email := fmt.Sprintf("bench-%s-%s-%d@bench.example", label, slug(u.name), b.runID)
		if err := b.api.do(ctx, b.adminToken, http.MethodPost, "/users", map[string]any{"name": u.name + " (" + label + ")", "email": email}, u.p, http.StatusCreated); err != nil {
			return c, fmt.Errorf("create the %s user: %w", label, err)
		}
	}
	return c, nil
}

func slug(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
			out = append(out, ch)
		case ch >= 'A' && ch <= 'Z':
			out = append(out, ch+'a'-'A')
		default:
			out = append(out, '-')
		}
	}
	return string(out)
}

// planShape is what a seeded plan contains.
type planShape struct {
	// Commitments (1 to 5) each have a problem selected in step 4.
	Commitments int
	// Milestones in the plan, spread over the commitments in turn.
	Milestones int
	// MilestoneDue gives the due date of the plan's milestone j (from 0).
	MilestoneDue func(j int) string
	// MilestoneStart gives its start date.
	MilestoneStart func(j int) string
	// Title prefixes the plan's titles (unique milestone titles let a
	// reminder be told apart by its subject).
	Title string
}

// seedStats counts the calls seeding made.
type seedStats struct {
	content, updates atomic.Int64
}

// seeder builds plans for one cast.
type seeder struct {
	b     *bencher
	c     cast
	stats *seedStats
}

// day is today (UTC) plus n days, as YYYY-MM-DD.
func day(n int) string {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format(time.DateOnly)
}

// The seeded plans' period: a month ago to about two years ahead, so
// every date the steps record is inside it and every step due date the
// roadmap gives lies in the future (no step reminder fires during a run).
const planStart, planEnd = -30, 700

func (s *seeder) content(ctx context.Context, method, path string, body, out any, want int) error {
	s.stats.content.Add(1)
	return s.b.api.doRetried(ctx, s.c.Coordinator.Token, method, path, body, out, want)
}

func (s *seeder) update(ctx context.Context, token, method, path string, body, out any) error {
	s.stats.updates.Add(1)
	return s.b.api.doRetried(ctx, token, method, path, body, out, http.StatusOK)
}

// createPlan creates a plan as the coordinator and names its members.
func (s *seeder) createPlan(ctx context.Context, title string) (int64, error) {
	var plan struct {
		ID int64 `json:"id"`
	}
	s.stats.content.Add(1)
	if err := s.b.api.doRetried(ctx, s.c.Coordinator.Token, http.MethodPost, "/action-plans", map[string]any{"title": title, "member": "City of Benchton",
		"starts_on": day(planStart), "ends_on": day(planEnd), "sector": "government"}, &plan, http.StatusCreated); err != nil {
		return 0, err
	}
	for _, m := range []struct {
		who          person
		role, sector string
	}{
		{s.c.Gov, "approver", "government"},
		{s.c.Civil, "approver", "civil_society"},
		{s.c.Contributor, "contributor", "civil_society"},
		{s.c.Monitor, "monitoring_body", "civil_society"},
	} {
		if err := s.update(ctx, s.c.Coordinator.Token, http.MethodPut, planPath(plan.ID, "/members/%d", m.who.ID),
			map[string]any{"roles": []string{m.role}, "sector": m.sector}, nil); err != nil {
			return plan.ID, err
		}
	}
	return plan.ID, nil
}

// fill records the minimal content step n's gate accepts.
func (s *seeder) fill(ctx context.Context, id int64, n int, shape planShape) error {
	switch n {
	case 1:
		calls := []struct {
			method, path string
			body         map[string]any
			want         int
		}{
			{http.MethodPut, planPath(id, "/team/%d", s.c.Coordinator.ID), map[string]any{"title": "Open government coordinator", "organisation": "City of Benchton"}, 200},
			{http.MethodPut, planPath(id, "/team/%d", s.c.Contributor.ID), map[string]any{"title": "Civic technology lead", "organisation": "Code for Benchton"}, 200},
			{http.MethodPut, planPath(id, "/forum"), map[string]any{"name": "Benchton Open Government Forum", "is_new": true,
				"purpose": "Officials and civil society co-create, follow and review the action plan together.", "meeting_cadence": "every two months"}, 200},
			{http.MethodPost, planPath(id, "/forum/members"), map[string]any{"name": "A councillor", "organisation": "Benchton City Council", "sector": "government"}, 201},
			{http.MethodPost, planPath(id, "/forum/members"), map[string]any{"name": "A civic group", "organisation": "Benchton Civic Lab", "sector": "non_government"}, 201},
			{http.MethodPut, planPath(id, "/monitoring-body"), map[string]any{"name": "Benchton Watch", "kind": "organisation",
				"independence_statement": "Benchton Watch receives no money from the city and none of its people sit on the team."}, 200},
		}
		for _, c := range calls {
			if err := s.content(ctx, c.method, c.path, c.body, nil, c.want); err != nil {
				return err
			}
		}
	case 2:
		for k := 3; k <= 10; k++ {
			from := 1 + (k-3)*80
			if err := s.content(ctx, http.MethodPut, planPath(id, "/roadmap/%d", k), map[string]any{"starts_on": day(from), "ends_on": day(from + 79),
				"responsible": "The coordinator", "stakeholders": "The forum; residents"}, nil, 200); err != nil {
				return err
			}
		}
	case 3:
		return s.content(ctx, http.MethodPost, planPath(id, "/awareness"), map[string]any{"kind": "event", "held_on": day(-1),
			"audience": "Residents", "description": "An open evening at City Hall on the action plan.", "reach": 120,
			"evidence_url": "https://benchton.example/open-evening"}, nil, 201)
	case 4:
		for k := 1; k <= shape.Commitments; k++ {
			var p struct {
				ID int64 `json:"id"`
			}
			if err := s.content(ctx, http.MethodPost, planPath(id, "/problems"), map[string]any{
				"title": fmt.Sprintf("Problem %d: residents cannot follow the city's decisions", k), "policy_area": "open government",
				"description": "Decisions are published late, as scanned documents.", "source": "team", "submitter": "Open government team"}, &p, 201); err != nil {
				return err
			}
			if err := s.content(ctx, http.MethodPost, planPath(id, "/problems/%d/selection", p.ID), map[string]any{"selected": true}, nil, 200); err != nil {
				return err
			}
		}
	case 5:
		var problems struct {
			Items []struct {
				ID       int64 `json:"id"`
				Selected bool  `json:"selected"`
			} `json:"items"`
		}
		if err := s.b.api.doRetried(ctx, "", http.MethodGet, planPath(id, "/problems"), nil, &problems, 200); err != nil {
			return err
		}
		var cids []int64
		for _, p := range problems.Items {
			if !p.Selected {
				continue
			}
			var cm struct {
				ID int64 `json:"id"`
			}
			if err := s.content(ctx, http.MethodPost, planPath(id, "/commitments"), map[string]any{
				"problem_id": p.ID, "title": fmt.Sprintf("Commitment %d: open the city's decisions", len(cids)+1),
				"starts_on": day(0), "ends_on": day(planEnd - 10), "lead_agency": "Mayor's Office",
				"problem_statement": "Residents cannot follow the city's decisions.", "status_quo": "Decisions are published late, as scanned documents.",
				"objective": "Publish every decision as open data within a week.", "how_it_solves": "Residents can follow and question decisions while they are made.",
				"values": []map[string]any{{"value": "transparency", "justification": "Publishes decisions that are not public today."}},
			}, &cm, 201); err != nil {
				return err
			}
			cids = append(cids, cm.ID)
		}
		if len(cids) == 0 {
			return errors.New("step 5: no selected problem")
		}
		for j := range shape.Milestones {
			if err := s.content(ctx, http.MethodPost, planPath(id, "/commitments/%d/milestones", cids[j%len(cids)]), map[string]any{
				"title":       fmt.Sprintf("%s milestone %d.%d", shape.Title, id, j+1),
				"deliverable": "A dataset on the open data portal", "indicator": "Decisions published within a week", "target": "95% of decisions",
				"starts_on": shape.MilestoneStart(j), "due_on": shape.MilestoneDue(j), "responsible": "Head of the Mayor's Office",
			}, nil, 201); err != nil {
				return err
			}
		}
	case 6:
		var list struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if err := s.b.api.doRetried(ctx, "", http.MethodGet, planPath(id, "/commitments"), nil, &list, 200); err != nil {
			return err
		}
		for _, cm := range list.Items {
			for _, a := range []map[string]any{
				{"name": "Head of the Mayor's Office", "organisation": "City of Benchton", "sector": "government", "role": "lead", "contact": "mayor@benchton.example"},
				{"name": "Benchton Civic Lab", "organisation": "Benchton Civic Lab", "sector": "civil_society", "role": "supporter"},
			} {
				if err := s.content(ctx, http.MethodPost, planPath(id, "/commitments/%d/network", cm.ID), a, nil, 201); err != nil {
					return err
				}
			}
		}
	case 7:
		return s.content(ctx, http.MethodPut, planPath(id, "/vision"), map[string]any{
			"text": "By the end of the plan every resident can see how the city decides, and has a say in it."}, nil, 200)
	}
	return nil
}

func (s *seeder) submit(ctx context.Context, id int64, n int) error {
	return s.update(ctx, s.c.Coordinator.Token, http.MethodPost, planPath(id, "/steps/%d/submit", n),
		map[string]any{"summary": fmt.Sprintf("Step %d, ready for the approvers.", n)}, nil)
}

// approve has both approvers approve step n; the second decision's
// answer is the state the workflow computed, with the next step started.
func (s *seeder) approve(ctx context.Context, id int64, n int) error {
	path := planPath(id, "/steps/%d/decisions", n)
	if err := s.update(ctx, s.c.Gov.Token, http.MethodPost, path, map[string]any{"decision": "approve"}, nil); err != nil {
		return err
	}
	var st struct {
		CurrentStep int `json:"current_step"`
	}
	if err := s.update(ctx, s.c.Civil.Token, http.MethodPost, path, map[string]any{"decision": "approve", "comment": "Endorsed by civil society."}, &st); err != nil {
		return err
	}
	if st.CurrentStep != n+1 {
		return fmt.Errorf("plan %d: after approving step %d the current step is %d", id, n, st.CurrentStep)
	}
	return nil
}

// through fills, submits and approves steps from..to of plan id.
func (s *seeder) through(ctx context.Context, id int64, from, to int, shape planShape) error {
	for n := from; n <= to; n++ {
		if err := s.fill(ctx, id, n, shape); err != nil {
			return fmt.Errorf("plan %d, step %d: %w", id, n, err)
		}
		if err := s.submit(ctx, id, n); err != nil {
			return fmt.Errorf("plan %d, step %d: %w", id, n, err)
		}
		if err := s.approve(ctx, id, n); err != nil {
			return fmt.Errorf("plan %d, step %d: %w", id, n, err)
		}
	}
	return nil
}

// waitImplementation waits until every commitment of the plan runs its
// workflow (started by the plan's workflow once step 8 is approved).
func (s *seeder) waitImplementation(ctx context.Context, id int64, want int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		var impl struct {
			Items []struct {
				CommitmentID int64 `json:"commitment_id"`
			} `json:"items"`
		}
		if err := s.b.api.doRetried(ctx, "", http.MethodGet, planPath(id, "/implementation"), nil, &impl, 200); err != nil {
			return err
		}
		if len(impl.Items) >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("plan %d: %d of %d commitments in implementation after %s", id, len(impl.Items), want, wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// parallel runs fn(i) for i in [0, n) on workers goroutines, stopping at
// the first error, and logs progress every 10 s under label.
func (b *bencher) parallel(ctx context.Context, label string, n, workers int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	var done atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				b.progress("%s: %d of %d", label, done.Load(), n)
			}
		}
	}()
	_, _, err := concurrently(ctx, n, workers, &done, fn)
	return err
}
