package ogp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Value is one of the OGP values a commitment must be grounded in:
// transparency, accountability, participation.
type Value string

// OGP values.
const (
	ValueTransparency   Value = "transparency"
	ValueAccountability Value = "accountability"
	ValueParticipation  Value = "participation"
)

// ParseValue accepts only the three OGP values.
func ParseValue(s string) (Value, error) {
	switch v := Value(s); v {
	case ValueTransparency, ValueAccountability, ValueParticipation:
		return v, nil
	}
	return "", Errorf(EInvalid, "invalid_value", "unknown OGP value %q: use transparency, accountability or participation", s)
}

// MaxCommitmentTextLen bounds each free-text field of a commitment, a
// milestone or a value's justification: long enough for a baseline with
// its data, short enough that a snapshot stays readable.
const MaxCommitmentTextLen = 10000

// Commitment follows the OGP Local commitment template, in its order
// (step 5): number and title, dates, lead agency, the problem with its
// baseline, the solution and how it helps, relevance to the OGP values,
// milestones, and additional information. Its support network is step 6.
type Commitment struct {
	ID               int64             `json:"id"`
	Number           int               `json:"number"`
	Title            string            `json:"title"`
	ProblemID        int64             `json:"problem_id"`
	StartsOn         Date              `json:"starts_on"`
	EndsOn           Date              `json:"ends_on"`
	LeadAgency       string            `json:"lead_agency"`
	ProblemStatement string            `json:"problem_statement"`
	StatusQuo        string            `json:"status_quo"`
	Objective        string            `json:"objective"`
	HowItSolves      string            `json:"how_it_solves"`
	Values           []CommitmentValue `json:"values"`
	AdditionalInfo   string            `json:"additional_info,omitempty"`
	Milestones       []Milestone       `json:"milestones"`
	Network          []SupportActor    `json:"network"`
	// LeadUserID, when the commitment's lead is a member of the plan,
	// lets them report progress in implementation and receive reminders.
	LeadUserID int64 `json:"lead_user_id,omitempty"`
}

// CommitmentValue is a commitment's relevance to one OGP value, justified.
type CommitmentValue struct {
	Value         Value  `json:"value"`
	Justification string `json:"justification"`
}

// Milestone is a specific, measurable step of a commitment.
type Milestone struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Deliverable string `json:"deliverable"`
	Indicator   string `json:"indicator"`
	Target      string `json:"target"`
	StartsOn    Date   `json:"starts_on"`
	DueOn       Date   `json:"due_on"`
	Responsible string `json:"responsible"`
	// ResponsibleUserID, when the responsible person is a member of the
	// plan, lets them report progress and receive the reminders.
	ResponsibleUserID int64 `json:"responsible_user_id,omitempty"`
}

// ValidateCommitment checks a commitment as written, before it is stored:
// the shape of every field, and its dates inside the plan's period. The
// narrative fields may still be empty, so a coordinator can draft a
// commitment in several sittings; the step's gate
// (CommitmentTemplateViolations) then requires them all.
func ValidateCommitment(c Commitment, p PlanContext) error {
	if c.ProblemID < 1 {
		return Errorf(EUnprocessable, "problem_required", "problem_id is required: the selected problem this commitment addresses")
	}
	if err := checkSolutionTitle(c.Title); err != nil {
		return err
	}
	if err := checkSolutionDates("commitment_dates", "ends_on", c.StartsOn, c.EndsOn, false, p); err != nil {
		return err
	}
	for _, f := range []struct{ name, text string }{
		{"lead_agency", c.LeadAgency}, {"problem_statement", c.ProblemStatement}, {"status_quo", c.StatusQuo},
		{"objective", c.Objective}, {"how_it_solves", c.HowItSolves}, {"additional_info", c.AdditionalInfo},
	} {
		if err := checkSolutionText(f.name, f.text); err != nil {
			return err
		}
	}
	seen := map[Value]bool{}
	for _, v := range c.Values {
		if _, err := ParseValue(string(v.Value)); err != nil {
			return err
		}
		if seen[v.Value] {
			return Errorf(EUnprocessable, "duplicate_value", "the OGP value %s is listed twice: give each value once, with its justification", v.Value)
		}
		seen[v.Value] = true
		if err := checkSolutionText("justification of "+string(v.Value), v.Justification); err != nil {
			return err
		}
	}
	return nil
}

// ValidateMilestone checks a milestone as written: a title, texts of a
// sane length, and dates inside the plan's period with the due date after
// the start. Indicator and target may be drafted later; the gate requires
// them.
func ValidateMilestone(m Milestone, p PlanContext) error {
	if err := checkSolutionTitle(m.Title); err != nil {
		return err
	}
	if err := checkSolutionDates("milestone_dates", "due_on", m.StartsOn, m.DueOn, true, p); err != nil {
		return err
	}
	for _, f := range []struct{ name, text string }{
		{"deliverable", m.Deliverable}, {"indicator", m.Indicator}, {"target", m.Target}, {"responsible", m.Responsible},
	} {
		if err := checkSolutionText(f.name, f.text); err != nil {
			return err
		}
	}
	return nil
}

func checkSolutionTitle(title string) error {
	switch {
	case strings.TrimSpace(title) == "":
		return Errorf(EUnprocessable, "title_required", "title is required")
	case utf8.RuneCountInString(title) > MaxTitleLen:
		return Errorf(EUnprocessable, "title_too_long", "title is longer than %d characters", MaxTitleLen)
	}
	return nil
}

func checkSolutionText(field, text string) error {
	if utf8.RuneCountInString(text) > MaxCommitmentTextLen {
		return Errorf(EUnprocessable, "text_too_long", "%s is longer than %d characters", field, MaxCommitmentTextLen)
	}
	return nil
}

// checkSolutionDates parses a start and an end date and keeps them inside
// the plan's period; strict asks for the end after the start, else not
// before it.
func checkSolutionDates(code, endName string, start, end Date, strict bool, p PlanContext) error {
	if _, err := ParseDate(string(start)); err != nil {
		return Errorf(EInvalid, "invalid_date", "starts_on: %v", err)
	}
	if _, err := ParseDate(string(end)); err != nil {
		return Errorf(EInvalid, "invalid_date", "%s: %v", endName, err)
	}
	for _, d := range []struct {
		name string
		on   Date
	}{{"starts_on", start}, {endName, end}} {
		if d.on < p.StartsOn || d.on > p.EndsOn {
			return Errorf(EUnprocessable, code, "%s %s is outside the plan's period, %s to %s", d.name, d.on, p.StartsOn, p.EndsOn)
		}
	}
	switch {
	case strict && end <= start:
		return Errorf(EUnprocessable, code, "%s %s must be after starts_on %s", endName, end, start)
	case end < start:
		return Errorf(EUnprocessable, code, "%s %s must not be before starts_on %s", endName, end, start)
	}
	return nil
}

// commitmentLabel names a commitment in messages the way a coordinator
// sees it in the plan: by its number and title.
func commitmentLabel(c Commitment) string {
	if strings.TrimSpace(c.Title) == "" {
		return fmt.Sprintf("commitment %d", c.Number)
	}
	return fmt.Sprintf("commitment %d %q", c.Number, c.Title)
}

// CommitmentTemplateViolations lists every field of the OGP commitment
// template the commitment lacks: title, dates inside the plan's period,
// lead agency, problem statement, status quo, objective, how it solves
// the problem, and at least one OGP value with a justification. The gate
// of step 5 and the review of step 7 both apply it, so a commitment passes
// or fails the same way in both.
func CommitmentTemplateViolations(c Commitment, p PlanContext) []Violation {
	item := fmt.Sprintf("commitment:%d", c.ID)
	label := commitmentLabel(c)
	var vs []Violation
	add := func(format string, args ...any) {
		vs = append(vs, Violationf("commitment_incomplete", item, "%s: %s", label, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(c.Title) == "" {
		add("the title is missing")
	}
	dates := []struct {
		name string
		on   Date
	}{{"start date", c.StartsOn}, {"end date", c.EndsOn}}
	datesOK := true
	for _, d := range dates {
		_, err := ParseDate(string(d.on))
		switch {
		case d.on == "" || err != nil:
			add("the %s is missing", d.name)
			datesOK = false
		case d.on < p.StartsOn || d.on > p.EndsOn:
			add("the %s %s is outside the plan's period, %s to %s", d.name, d.on, p.StartsOn, p.EndsOn)
		}
	}
	if datesOK && c.EndsOn < c.StartsOn {
		add("the end date %s is before the start date %s", c.EndsOn, c.StartsOn)
	}
	for _, f := range []struct{ name, text string }{
		{"lead implementing agency", c.LeadAgency},
		{"problem statement", c.ProblemStatement},
		{"status quo (baseline)", c.StatusQuo},
		{"objective (what the commitment is)", c.Objective},
		{"explanation of how it will help solve the problem", c.HowItSolves},
	} {
		if strings.TrimSpace(f.text) == "" {
			add("the %s is missing", f.name)
		}
	}
	if len(c.Values) == 0 {
		add("the relevance to the OGP values is missing: name at least one of transparency, accountability, participation, with a justification")
	}
	for _, v := range c.Values {
		if _, err := ParseValue(string(v.Value)); err != nil {
			add("%q is not an OGP value", v.Value)
		} else if strings.TrimSpace(v.Justification) == "" {
			add("its relevance to %s has no justification", v.Value)
		}
	}
	return vs
}

// milestoneViolations lists what keeps a milestone from being specific
// and measurable.
func milestoneViolations(c Commitment, m Milestone, p PlanContext) []Violation {
	item := fmt.Sprintf("milestone:%d", m.ID)
	label := fmt.Sprintf("milestone %q of %s", m.Title, commitmentLabel(c))
	var vs []Violation
	var missing []string
	if strings.TrimSpace(m.Indicator) == "" {
		missing = append(missing, "an indicator")
	}
	if strings.TrimSpace(m.Target) == "" {
		missing = append(missing, "a target")
	}
	if len(missing) > 0 {
		vs = append(vs, Violationf("milestone_not_measurable", item, "%s is not measurable: it needs %s", label, strings.Join(missing, " and ")))
	}
	missing = missing[:0]
	for _, f := range []struct{ name, text string }{{"a title", m.Title}, {"a deliverable", m.Deliverable}, {"a responsible person", m.Responsible}} {
		if strings.TrimSpace(f.text) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		vs = append(vs, Violationf("milestone_incomplete", item, "%s needs %s", label, strings.Join(missing, " and ")))
	}
	if err := checkSolutionDates("milestone_dates", "due_on", m.StartsOn, m.DueOn, true, p); err != nil {
		vs = append(vs, Violationf("milestone_dates", item, "%s: %s", label, err.Error()))
	}
	return vs
}

// checkSolutions is step 5's gate: a commitment for every selected problem
// and for no other, at most MaxCommitments, each complete by the template
// and with specific, measurable milestones inside the plan's period.
func checkSolutions(p PlanContext, c Content) []Violation {
	var vs []Violation
	addressed := map[int64]bool{}
	for _, cm := range c.Commitments {
		addressed[cm.ProblemID] = true
	}
	selected := map[int64]bool{}
	for _, pr := range c.Problems {
		if !pr.Selected {
			continue
		}
		selected[pr.ID] = true
		if !addressed[pr.ID] {
			vs = append(vs, Violationf("selected_problem_without_commitment", fmt.Sprintf("problem:%d", pr.ID),
				"the selected problem %q has no commitment: write one that addresses it", pr.Title))
		}
	}
	if n := len(c.Commitments); n > MaxCommitments {
		vs = append(vs, Violationf("too_many_commitments", "", "the plan has %d commitments; OGP Local allows at most %d", n, MaxCommitments))
	}
	for _, cm := range c.Commitments {
		if !selected[cm.ProblemID] {
			vs = append(vs, Violationf("commitment_problem_not_selected", fmt.Sprintf("commitment:%d", cm.ID),
				"%s addresses problem %d, which is not one of the problems selected in step 4", commitmentLabel(cm), cm.ProblemID))
		}
		vs = append(vs, CommitmentTemplateViolations(cm, p)...)
		if len(cm.Milestones) == 0 {
			vs = append(vs, Violationf("commitment_without_milestone", fmt.Sprintf("commitment:%d", cm.ID),
				"%s has no milestone: add at least one specific, measurable milestone", commitmentLabel(cm)))
		}
		for _, m := range cm.Milestones {
			vs = append(vs, milestoneViolations(cm, m, p)...)
		}
	}
	return vs
}
