package ogp

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestSpreadOffsetRange(t *testing.T) {
	for _, spread := range []time.Duration{1, time.Microsecond, 999 * time.Microsecond, time.Millisecond, 1500 * time.Millisecond,
		time.Second, DefaultReminderSpread, time.Hour, MaxReminderSpread} {
		for id := int64(-5); id < 500; id++ {
			for _, off := range []time.Duration{
				MilestoneReminderOffset(spread, 1, 7, id),
				MilestoneReminderOffset(spread, id, id, id),
				StepReminderOffset(spread, id, 3),
			} {
				if off < 0 || off >= spread {
					t.Fatalf("spread %v, id %d: offset %v outside [0, %v)", spread, id, off, spread)
				}
				if spread >= time.Millisecond && off%time.Millisecond != 0 {
					t.Fatalf("spread %v, id %d: offset %v is not whole milliseconds", spread, id, off)
				}
			}
		}
	}
	for _, spread := range []time.Duration{0, -time.Minute} {
		if off := MilestoneReminderOffset(spread, 1, 7, 11); off != 0 {
			t.Errorf("spread %v: offset %v, want 0", spread, off)
		}
	}
}

// TestSpreadOffsetDeterministic pins offsets. They decide when reminders
// of running workflows fire: a change of the hash moves timers under a
// running history, which can replay differently (a timer that fired at
// the old time no longer finds its reminder due). Changing it needs a new
// workflow.GetVersion, not a new golden value.
func TestSpreadOffsetDeterministic(t *testing.T) {
	for _, c := range []struct {
		name string
		got  time.Duration
		want time.Duration
	}{
		{"milestone 11", MilestoneReminderOffset(5*time.Minute, 1, 7, 11), 3*time.Minute + 45429*time.Millisecond},
		{"milestone 12", MilestoneReminderOffset(5*time.Minute, 1, 7, 12), 43576 * time.Millisecond},
		{"milestone 1000", MilestoneReminderOffset(5*time.Minute, 1, 7, 1000), 3*time.Minute + 32256*time.Millisecond},
		{"step 3", StepReminderOffset(5*time.Minute, 1, 3), 3*time.Minute + 579*time.Millisecond},
		{"step 9, a day", StepReminderOffset(24*time.Hour, 42, 9), 9*time.Hour + 41*time.Minute + 45680*time.Millisecond},
		{"under a millisecond", SpreadOffset(999*time.Microsecond, "milestone", 1, 7, 11), 492429 * time.Nanosecond},
	} {
		if c.got != c.want {
			t.Errorf("%s: offset %v, want %v", c.name, c.got, c.want)
		}
	}
	for range 3 {
		if a, b := MilestoneReminderOffset(time.Hour, 3, 4, 5), MilestoneReminderOffset(time.Hour, 3, 4, 5); a != b {
			t.Fatalf("same ids, offsets %v and %v", a, b)
		}
	}
	// Every id takes part, and so does the kind.
	base := MilestoneReminderOffset(time.Hour, 3, 4, 5)
	for name, off := range map[string]time.Duration{
		"other plan":       MilestoneReminderOffset(time.Hour, 9, 4, 5),
		"other commitment": MilestoneReminderOffset(time.Hour, 3, 9, 5),
		"other milestone":  MilestoneReminderOffset(time.Hour, 3, 4, 9),
		"ids reordered":    MilestoneReminderOffset(time.Hour, 5, 4, 3),
		"a step":           SpreadOffset(time.Hour, "step", 3, 4, 5),
	} {
		if off == base {
			t.Errorf("%s: same offset %v", name, off)
		}
	}
}

// TestSpreadOffsetUniform: 1,000 milestones land evenly across the window
// (a chi-square test over 10 buckets), whether their ids are consecutive,
// as a database hands them out, or strided.
func TestSpreadOffsetUniform(t *testing.T) {
	const n, buckets = 1000, 10
	spread := DefaultReminderSpread
	for name, ids := range map[string]func(i int64) (int64, int64, int64){
		"consecutive milestones": func(i int64) (int64, int64, int64) { return 1, 7, 100 + i },
		"one per commitment":     func(i int64) (int64, int64, int64) { return 1, 1 + i, 5000 + 5*i },
		"one per plan":           func(i int64) (int64, int64, int64) { return 1 + i, 10 * i, 1000 * i },
	} {
		var count [buckets]int
		distinct := map[time.Duration]bool{}
		for i := range int64(n) {
			plan, commitment, milestone := ids(i)
			off := MilestoneReminderOffset(spread, plan, commitment, milestone)
			count[int(off*buckets/spread)]++
			distinct[off] = true
		}
		var chi2 float64
		for _, c := range count {
			d := float64(c) - n/buckets
			chi2 += d * d / (n / buckets)
		}
		// 27.88 is the 0.1% critical value of chi-square with 9 degrees of
		// freedom: a uniform hash stays under it but for bad luck, and the
		// ids are fixed, so this cannot flake.
		if chi2 > 27.88 {
			t.Errorf("%s: buckets %v, chi-square %.1f: not uniform", name, count, chi2)
		}
		// 300,000 milliseconds for 1,000 milestones: a few share one.
		if len(distinct) < n-20 {
			t.Errorf("%s: only %d distinct offsets of %d", name, len(distinct), n)
		}
		t.Logf("%s: buckets %v, chi-square %.1f, %d distinct", name, count, chi2, len(distinct))
	}
	// Steps of many plans, too.
	var count [buckets]int
	for plan := range int64(n) {
		count[int(StepReminderOffset(spread, plan+1, 4)*buckets/spread)]++
	}
	for i, c := range count {
		if math.Abs(float64(c)-n/buckets) > 45 {
			t.Errorf("steps: bucket %d holds %d of %d", i, c, n)
		}
	}
}

func TestReminderSpreadSetting(t *testing.T) {
	zero, five := time.Duration(0), 5*time.Minute
	if w := (ReminderPolicy{}).SpreadWindow(); w != DefaultReminderSpread {
		t.Errorf("unset spread: window %v, want %v", w, DefaultReminderSpread)
	}
	if w := (ReminderPolicy{Spread: &zero}).SpreadWindow(); w != 0 {
		t.Errorf("spread 0: window %v", w)
	}
	def := DefaultReminderPolicy()
	withFive, withZero := def, def
	withFive.Spread, withZero.Spread = &five, &zero
	if !def.Equal(withFive) || def.Equal(withZero) {
		t.Errorf("an unset spread equals the default window, not 0: %v %v", def.Equal(withFive), def.Equal(withZero))
	}
	for name, c := range map[string]struct {
		spread time.Duration
		code   string
	}{
		"none":      {0, ""},
		"a minute":  {time.Minute, ""},
		"a day":     {MaxReminderSpread, ""},
		"negative":  {-time.Second, "invalid_reminder_policy"},
		"over 24 h": {MaxReminderSpread + time.Second, "invalid_reminder_policy"},
	} {
		p := def
		p.Spread = &c.spread
		if got := codeOf(ValidateReminderPolicy(p)); got != c.code {
			t.Errorf("%s: %q, want %q", name, got, c.code)
		}
	}
	// The spread alone keeps the default reminders, with that spread.
	st, _ := NewCommitmentState(CommitmentStart{PlanID: 1, Commitment: Commitment{ID: 7}, Policy: ReminderPolicy{Spread: &zero}}, "commitment-7", cStart)
	if !st.Policy.Equal(withZero) || st.Policy.Spread == nil || *st.Policy.Spread != 0 {
		t.Errorf("spread 0 alone: policy %+v", st.Policy)
	}
	// A commitment fixes its window when it starts.
	st, _ = NewCommitmentState(CommitmentStart{PlanID: 1, Commitment: Commitment{ID: 7}}, "commitment-7", cStart)
	if st.Policy.Spread == nil || *st.Policy.Spread != DefaultReminderSpread {
		t.Errorf("a commitment started without a spread: %v, want it fixed at %v", st.Policy.Spread, DefaultReminderSpread)
	}
	// Copies share nothing.
	s := PlanState{ReminderPolicy: &withFive}
	eff := s.EffectiveReminderPolicy()
	*eff.Spread = time.Hour
	if *withFive.Spread != five {
		t.Errorf("EffectiveReminderPolicy shares the spread")
	}
}

func TestReminderSpreadJSON(t *testing.T) {
	ninety, zero := 90*time.Second, time.Duration(0)
	for _, c := range []struct {
		spread *time.Duration
		json   string
	}{
		{nil, `{"before":[],"on_due":true,"overdue_every":"0s","coordinator_after":0,"forum_after":0}`},
		{&zero, `{"before":[],"on_due":true,"overdue_every":"0s","coordinator_after":0,"forum_after":0,"spread":"0s"}`},
		{&ninety, `{"before":[],"on_due":true,"overdue_every":"0s","coordinator_after":0,"forum_after":0,"spread":"1m30s"}`},
	} {
		p := ReminderPolicy{OnDue: true, Spread: c.spread}
		b, err := json.Marshal(p)
		if err != nil || string(b) != c.json {
			t.Errorf("encoded %s (%v), want %s", b, err, c.json)
		}
		var back ReminderPolicy
		if err := json.Unmarshal(b, &back); err != nil || (back.Spread == nil) != (c.spread == nil) || !back.Equal(p) {
			t.Errorf("round trip of %s: %+v, %v", c.json, back, err)
		}
	}
	var p ReminderPolicy
	if err := json.Unmarshal([]byte(`{"on_due":true,"spread":null}`), &p); err != nil || p.Spread != nil {
		t.Errorf("null spread: %v, %v", p.Spread, err)
	}
	if err := json.Unmarshal([]byte(`{"on_due":true,"spread":60000000000}`), &p); err != nil || p.Spread == nil || *p.Spread != time.Minute {
		t.Errorf("nanoseconds: %v, %v", p.Spread, err)
	}
	if err := json.Unmarshal([]byte(`{"spread":"soon"}`), &p); err == nil {
		t.Error("a spread that is no duration decoded")
	}
}
