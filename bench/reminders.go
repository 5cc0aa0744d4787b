package bench

// Section 5: K milestones due at the same instant, so that K commitment
// workflows' timers fire together, and how late each reminder's
// notification row is written.
//
// Due dates are dates, but a reminder policy's "before" offsets go down
// to the second: a reminder "before" the due date D fires at D (00:00
// UTC) minus the offset. Every milestone here is due on the same date D,
// and the plans' policy has a single reminder, before = D - T, with no
// reminder on the due date and none overdue: each milestone gets exactly
// one reminder, at the instant T, to the plan's coordinator (the
// milestones name no responsible user and the commitments no lead). The
// policy is set while step 8 awaits approval (a commitment takes the
// plan's policy when its workflow starts), and T is chosen a few tens of
// seconds after the moment every commitment is expected to run.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// ReminderReport is section 5.
type ReminderReport struct {
	Expected int `json:"expected"`
	Plans    int `json:"plans"`
	// DueAt is the instant every reminder falls due (before any spread).
	DueAt string `json:"due_at"`
	// SetupSeconds is the time to build the plans; LeadSeconds how long
	// before DueAt every commitment was running (negative: setup overran
	// the instant, and the first reminders were late because of it).
	SetupSeconds float64 `json:"setup_seconds"`
	LeadSeconds  float64 `json:"lead_seconds"`
	// Spread is the window the policy spreads reminders of the same
	// instant over ("" when the product has no spread setting).
	Spread string `json:"spread,omitempty"`
	// Source says where the rows were read: the database or the API.
	Source string `json:"source"`
	// Written is how many milestones got their reminder row; Lost how
	// many did not by the end of the wait; Duplicates how many got more
	// than one (rows per dedup key, reminders sent per milestone).
	Written    int `json:"written"`
	Lost       int `json:"lost"`
	Duplicates int `json:"duplicates"`
	// OffsetsSeconds are the smallest and largest of the milestones'
	// offsets in the spread window (each a function of its ids).
	OffsetsSeconds [2]float64 `json:"offsets_seconds"`
	// Lateness is each row's created_at minus its own reminder's due
	// time: the instant plus the milestone's offset in the spread window.
	Lateness Latency `json:"lateness"`
	// FiredLateness is when each workflow recorded the reminder (its
	// audit event) minus the same due time (database source only).
	FiredLateness *Latency `json:"fired_lateness,omitempty"`
	// DrainSeconds is from the instant (before any spread) to the last
	// row written: the target is the spread window plus 5 s.
	DrainSeconds float64 `json:"drain_seconds"`
}

func (b *bencher) reminders(ctx context.Context) (*ReminderReport, error) {
	k := b.cfg.Simultaneous
	c, err := b.newCast(ctx, "reminders")
	if err != nil {
		return nil, err
	}
	const perPlan = ogp.MaxCommitments
	nplans := (k + perPlan - 1) / perPlan
	dueOn := day(2)
	shapeOf := func(i int) planShape {
		n := min(perPlan, k-i*perPlan)
		return planShape{Commitments: n, Milestones: n, Title: "Reminders",
			MilestoneStart: func(int) string { return day(0) }, MilestoneDue: func(int) string { return dueOn }}
	}
	s := &seeder{b: b, c: c, stats: &seedStats{}}
	ids := make([]int64, nplans)
	b.progress("reminders: %d plans to step 8 awaiting approval, %d milestones due on %s", nplans, k, dueOn)
	t0 := time.Now()
	if err := b.parallel(ctx, "reminders: plans at step 8", nplans, b.cfg.SeedConcurrency, func(ctx context.Context, i int) error {
		id, err := s.createPlan(ctx, fmt.Sprintf("Bench reminders %d", i+1))
		if err != nil {
			return err
		}
		ids[i] = id
		return s.through(ctx, id, 1, 7, shapeOf(i))
	}); err != nil {
		return nil, err
	}
	// Submitting step 8 everywhere is one update per plan: its duration
	// predicts the rest of the setup (the policy, two approvals and the
	// commitments' starts), which T must leave time for.
	t1 := time.Now()
	if err := b.parallel(ctx, "reminders: step 8 submitted", nplans, b.cfg.SeedConcurrency, func(ctx context.Context, i int) error {
		return s.submit(ctx, ids[i], 8)
	}); err != nil {
		return nil, err
	}
	pass := time.Since(t1)
	due := time.Now().Add(5*pass + b.cfg.ReminderLead).Truncate(time.Second).Add(time.Second)
	d, _ := time.Parse(time.DateOnly, dueOn)
	policy := map[string]any{"before": []string{d.Sub(due).String()}, "on_due": false, "overdue_every": "0s", "coordinator_after": 0, "forum_after": 0}
	if b.cfg.Spread != "" {
		policy["spread"] = b.cfg.Spread
	}
	b.progress("reminders: every reminder due at %s (in %s); policy, step 8 approvals", due.Format(time.RFC3339), time.Until(due).Round(time.Second))
	if err := b.parallel(ctx, "reminders: plans in implementation", nplans, b.cfg.SeedConcurrency, func(ctx context.Context, i int) error {
		id := ids[i]
		if err := s.update(ctx, c.Coordinator.Token, http.MethodPut, planPath(id, "/settings"), map[string]any{"reminder_policy": policy}, nil); err != nil {
			return err
		}
		if err := s.approve(ctx, id, 8); err != nil {
			return err
		}
		return s.waitImplementation(ctx, id, shapeOf(i).Commitments, 2*time.Minute)
	}); err != nil {
		return nil, err
	}
	ready := time.Now()
	b.readPlans = append(b.readPlans, ids...)
	out := &ReminderReport{Expected: k, Plans: nplans, DueAt: due.UTC().Format(time.RFC3339), SetupSeconds: round1(ready.Sub(t0).Seconds()),
		LeadSeconds: round1(due.Sub(ready).Seconds())}

	// The policy as the plan reads it back: its spread, when the product
	// has one.
	var plan struct {
		ReminderPolicy map[string]json.RawMessage `json:"reminder_policy"`
	}
	if err := b.api.do(ctx, "", http.MethodGet, planPath(ids[0], ""), nil, &plan, 200); err != nil {
		return nil, err
	}
	var window time.Duration
	if raw, ok := plan.ReminderPolicy["spread"]; ok {
		var sp string
		if json.Unmarshal(raw, &sp) == nil {
			out.Spread = sp
			window, _ = time.ParseDuration(sp)
		}
	}

	// The milestones, by id, with their titles (each unique, so a
	// notification's subject names its milestone).
	type milestone struct {
		id, plan, commitment int64
		title                string
		sent                 int
	}
	milestones := func() (map[int64]*milestone, error) {
		out := map[int64]*milestone{}
		var mu sync.Mutex
		err := b.parallel(ctx, "reminders: read implementation", nplans, 8, func(ctx context.Context, i int) error {
			var impl struct {
				Items []struct {
					CommitmentID int64 `json:"commitment_id"`
					Milestones   []struct {
						ID            int64  `json:"id"`
						Title         string `json:"title"`
						RemindersSent int    `json:"reminders_sent"`
					} `json:"milestones"`
				} `json:"items"`
			}
			if err := b.api.do(ctx, "", http.MethodGet, planPath(ids[i], "/implementation"), nil, &impl, 200); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, it := range impl.Items {
				for _, m := range it.Milestones {
					out[m.ID] = &milestone{id: m.ID, plan: ids[i], commitment: it.CommitmentID, title: m.Title, sent: m.RemindersSent}
				}
			}
			return nil
		})
		return out, err
	}
	mstones, err := milestones()
	if err != nil {
		return nil, err
	}
	if len(mstones) != k {
		return nil, fmt.Errorf("reminders: %d milestones in implementation, want %d", len(mstones), k)
	}

	// Wait for the rows, counting without reading them all.
	source := "api"
	if b.db != nil {
		source = "database"
	}
	out.Source = source
	before, err := b.reminderCount(ctx, c, source, 0)
	if err != nil {
		return nil, err
	}
	deadline := due.Add(window + b.cfg.ReminderWait)
	b.progress("reminders: waiting for %d notifications (until %s at the latest)", k, deadline.Format(time.TimeOnly))
	if err := sleep(ctx, time.Until(due)); err != nil {
		return nil, err
	}
	for {
		n, err := b.reminderCount(ctx, c, source, before)
		if err != nil {
			return nil, err
		}
		if n >= k || time.Now().After(deadline) {
			break
		}
		poll := time.Second
		if source == "api" {
			poll = 3 * time.Second
		}
		if err := sleep(ctx, poll); err != nil {
			return nil, err
		}
	}
	// Give a duplicate the chance to show.
	if err := sleep(ctx, b.cfg.Settle); err != nil {
		return nil, err
	}

	rows, err := b.reminderRows(ctx, c, source)
	if err != nil {
		return nil, err
	}
	if mstones, err = milestones(); err != nil {
		return nil, err
	}
	// A subject names its milestone's title in quotes.
	byTitle := map[string]*milestone{}
	for _, m := range mstones {
		byTitle[fmt.Sprintf("%q", m.title)] = m
	}
	rowsOf := map[int64][]reminderRow{}
	perKey := map[string]int{}
	for _, r := range rows {
		if r.key != "" {
			perKey[r.key]++
		}
		for quoted, m := range byTitle {
			if strings.Contains(r.subject, quoted) {
				rowsOf[m.id] = append(rowsOf[m.id], r)
				break
			}
		}
	}
	// Each milestone's reminder is due at the instant plus its own
	// offset in the spread window, a pure function of its ids.
	dueOf := func(id int64) time.Time {
		m := mstones[id]
		if m == nil {
			return due
		}
		return due.Add(ogp.MilestoneReminderOffset(window, m.plan, m.commitment, m.id))
	}
	var offLow, offHigh time.Duration = -1, 0
	for id := range mstones {
		off := dueOf(id).Sub(due)
		if offLow < 0 || off < offLow {
			offLow = off
		}
		offHigh = max(offHigh, off)
	}
	out.OffsetsSeconds = [2]float64{round1(offLow.Seconds()), round1(offHigh.Seconds())}
	var lateness []time.Duration
	var last time.Time
	for _, m := range mstones {
		rs := rowsOf[m.id]
		switch {
		case len(rs) == 0:
			out.Lost++
			continue
		case len(rs) > 1 || m.sent > 1:
			out.Duplicates++
		}
		out.Written++
		lateness = append(lateness, rs[0].created.Sub(dueOf(m.id)))
		if rs[0].created.After(last) {
			last = rs[0].created
		}
	}
	for _, n := range perKey {
		if n > 1 {
			out.Duplicates++
		}
	}
	out.Lateness = summarise(lateness)
	if !last.IsZero() {
		out.DrainSeconds = round1(last.Sub(due).Seconds())
	}
	if source == "database" {
		fired, err := b.reminderEvents(ctx, ids)
		if err != nil {
			return nil, err
		}
		var ds []time.Duration
		count := map[int64]int{}
		for _, e := range fired {
			count[e.milestone]++
			ds = append(ds, e.at.Sub(dueOf(e.milestone)))
		}
		for _, n := range count {
			if n > 1 {
				out.Duplicates++
			}
		}
		l := summarise(ds)
		out.FiredLateness = &l
	}
	return out, nil
}

type reminderRow struct {
	key, subject string
	created      time.Time
}

// reminderCount is how many milestone reminders the coordinator has (API:
// how many notifications of any kind, minus before).
func (b *bencher) reminderCount(ctx context.Context, c cast, source string, before int) (int, error) {
	if source == "database" {
		var n int64
		err := b.db.Gorm.WithContext(ctx).Model(&models.Notification{}).
			Where("user_id = ? AND kind = ?", c.Coordinator.ID, ogp.NotificationMilestoneReminder).Count(&n).Error
		return int(n), err
	}
	var page struct {
		Total int `json:"total"`
	}
	if err := b.api.do(ctx, c.Coordinator.Token, http.MethodGet, "/notifications?per_page=1", nil, &page, 200); err != nil {
		return 0, err
	}
	return page.Total - before, nil
}

// reminderRows reads every milestone reminder row of the coordinator.
func (b *bencher) reminderRows(ctx context.Context, c cast, source string) ([]reminderRow, error) {
	var out []reminderRow
	if source == "database" {
		var ns []models.Notification
		if err := b.db.Gorm.WithContext(ctx).Where("user_id = ? AND kind = ?", c.Coordinator.ID, ogp.NotificationMilestoneReminder).
			Find(&ns).Error; err != nil {
			return nil, err
		}
		for _, n := range ns {
			out = append(out, reminderRow{key: n.DedupKey, subject: n.Subject, created: n.CreatedAt})
		}
		return out, nil
	}
	for page := 1; ; page++ {
		var list struct {
			Items []struct {
				Kind      string `json:"kind"`
				Subject   string `json:"subject"`
				CreatedAt string `json:"created_at"`
			} `json:"items"`
		}
		if err := b.api.do(ctx, c.Coordinator.Token, http.MethodGet, fmt.Sprintf("/notifications?per_page=200&page=%d", page), nil, &list, 200); err != nil {
			return nil, err
		}
		for _, it := range list.Items {
			if it.Kind != ogp.NotificationMilestoneReminder {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, it.CreatedAt)
			if err != nil {
				return nil, fmt.Errorf("notification created_at %q: %w", it.CreatedAt, err)
			}
			out = append(out, reminderRow{subject: it.Subject, created: t})
		}
		if len(list.Items) < 200 {
			return out, nil
		}
	}
}

type firedReminder struct {
	milestone int64
	at        time.Time
}

// reminderEvents reads the commitments' audit events of the reminders
// sent, from the database.
func (b *bencher) reminderEvents(ctx context.Context, plans []int64) ([]firedReminder, error) {
	var rows []models.CommitmentEventRecord
	if err := b.db.Gorm.WithContext(ctx).Where("plan_id IN ? AND kind = ?", plans, ogp.EventMilestoneReminder).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]firedReminder, 0, len(rows))
	for _, r := range rows {
		var p struct {
			MilestoneID int64 `json:"milestone_id"`
		}
		if err := json.Unmarshal([]byte(r.Payload), &p); err != nil {
			return nil, fmt.Errorf("reminder event %s: %w", r.EventKey, err)
		}
		out = append(out, firedReminder{milestone: p.MilestoneID, at: r.OccurredAt.UTC()})
	}
	return out, nil
}
