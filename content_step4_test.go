package ogp

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func publishedProblem(id int64, selected bool, response string) Problem {
	return Problem{ID: id, Title: "Problem", Description: "d", PolicyArea: "mobility", Source: SourceTeam,
		Status: ProblemPublished, Selected: selected, ReasonedResponse: response}
}

func problemViolationCodes(vs []Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Code+"@"+v.Item)
	}
	return out
}

func TestCheckOpportunityAreas(t *testing.T) {
	pending := Problem{ID: 7, Title: "Bins", Source: SourcePublic, Status: ProblemPending}
	hidden := Problem{ID: 8, Title: "Spam", Source: SourcePublic, Status: ProblemHidden, ModerationReason: "advertising"}
	for _, c := range []struct {
		name        string
		problems    []Problem
		commitments []Commitment
		want        []string
	}{
		{"one selected, the other answered", []Problem{publishedProblem(1, true, ""), publishedProblem(2, false, "Covered by the city's budget portal")}, nil, nil},
		{"a selected problem may also carry a response", []Problem{publishedProblem(1, true, "Top priority of the forum")}, nil, nil},
		{"nothing at all", nil, nil, []string{"no_problem_selected@"}},
		{"nothing selected", []Problem{publishedProblem(1, false, "Out of the city's remit")}, nil, []string{"no_problem_selected@"}},
		{"five selected is the cap", []Problem{publishedProblem(1, true, ""), publishedProblem(2, true, ""), publishedProblem(3, true, ""), publishedProblem(4, true, ""), publishedProblem(5, true, "")}, nil, nil},
		{"six selected", []Problem{publishedProblem(1, true, ""), publishedProblem(2, true, ""), publishedProblem(3, true, ""), publishedProblem(4, true, ""), publishedProblem(5, true, ""), publishedProblem(6, true, "")}, nil,
			[]string{"too_many_selected@"}},
		{"commitments for other problems count towards the cap",
			[]Problem{publishedProblem(1, true, ""), publishedProblem(2, true, ""), publishedProblem(3, true, "")},
			[]Commitment{{ID: 1, ProblemID: 1}, {ID: 2, ProblemID: 90}, {ID: 3, ProblemID: 91}, {ID: 4}},
			[]string{"too_many_selected@"}},
		{"commitments for selected problems do not count twice",
			[]Problem{publishedProblem(1, true, ""), publishedProblem(2, true, ""), publishedProblem(3, true, "")},
			[]Commitment{{ID: 1, ProblemID: 1}, {ID: 2, ProblemID: 2}, {ID: 3, ProblemID: 3}, {ID: 4, ProblemID: 90}},
			nil},
		{"a published problem not selected needs a reasoned response",
			[]Problem{publishedProblem(1, true, ""), publishedProblem(2, false, ""), publishedProblem(3, false, "  \n\t")}, nil,
			[]string{"reasoned_response_missing@problem:2", "reasoned_response_missing@problem:3"}},
		{"a pending proposal must be moderated first",
			[]Problem{publishedProblem(1, true, ""), pending}, nil,
			[]string{"problem_awaiting_moderation@problem:7"}},
		{"hidden problems need no response", []Problem{publishedProblem(1, true, ""), hidden}, nil, nil},
		{"a selected problem must be published",
			[]Problem{{ID: 8, Title: "Spam", Status: ProblemHidden, Selected: true}, {ID: 9, Title: "New", Status: ProblemPending, Selected: true}}, nil,
			[]string{"selected_problem_not_published@problem:8", "problem_awaiting_moderation@problem:9", "selected_problem_not_published@problem:9"}},
		{"every unmet rule at once",
			[]Problem{publishedProblem(1, false, ""), pending, hidden}, nil,
			[]string{"no_problem_selected@", "reasoned_response_missing@problem:1", "problem_awaiting_moderation@problem:7"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			vs := CheckStep(4, PlanContext{}, Content{Problems: c.problems, Commitments: c.commitments})
			if got := problemViolationCodes(vs); !slices.Equal(got, c.want) {
				t.Errorf("violations %v, want %v", got, c.want)
			}
			for _, v := range vs {
				if v.Message == "" {
					t.Errorf("%s has no message", v.Code)
				}
			}
		})
	}
}

func TestTooManySelectedSaysHowMany(t *testing.T) {
	ps := []Problem{publishedProblem(1, true, ""), publishedProblem(2, true, "")}
	cs := []Commitment{{ProblemID: 80}, {ProblemID: 81}, {ProblemID: 82}, {ProblemID: 83}}
	vs := CheckStep(4, PlanContext{}, Content{Problems: ps, Commitments: cs})
	if len(vs) != 1 || !strings.Contains(vs[0].Message, "select at most 1") {
		t.Errorf("%+v", vs)
	}
}

func TestRankProblems(t *testing.T) {
	ps := []Problem{
		{ID: 1, Status: ProblemPublished, ScoreAverage: 4, ScoreCount: 2},
		{ID: 2, Status: ProblemPublished, ScoreAverage: 4, ScoreCount: 3}, // more scores wins a tie
		{ID: 3, Status: ProblemPending, ScoreAverage: 5, ScoreCount: 9},   // not ranked
		{ID: 4, Status: ProblemPublished, ScoreAverage: 14.0 / 3, ScoreCount: 3},
		{ID: 5, Status: ProblemPublished},                                 // unscored: last
		{ID: 6, Status: ProblemPublished, ScoreAverage: 4, ScoreCount: 2}, // same as 1: older first
		{ID: 7, Status: ProblemHidden, ScoreAverage: 5, ScoreCount: 1, Rank: 3},
		{ID: 8, Status: ProblemPublished, ScoreAverage: 28.0 / 6, ScoreCount: 6}, // equal average to 4, more scores
	}
	RankProblems(ps)
	want := map[int64]int{8: 1, 4: 2, 2: 3, 1: 4, 6: 5, 5: 6, 3: 0, 7: 0}
	for _, p := range ps {
		if p.Rank != want[p.ID] {
			t.Errorf("problem %d rank %d, want %d", p.ID, p.Rank, want[p.ID])
		}
	}
	if got := RoundScore(14.0 / 3); got != 4.67 {
		t.Errorf("RoundScore = %v", got)
	}
}

func TestPublishedProblemsKeepPrivateOut(t *testing.T) {
	ps := []Problem{
		{ID: 1, Status: ProblemPublished, ModerationReason: "checked by Sofia", Title: "Open budget"},
		{ID: 2, Status: ProblemPending, Title: "Secret proposal"},
		{ID: 3, Status: ProblemHidden, ModerationReason: "insults a neighbour", Title: "Rant"},
	}
	got := PublishedProblems(ps)
	if len(got) != 1 || got[0].ID != 1 || got[0].ModerationReason != "" {
		t.Fatalf("%+v", got)
	}
	if ps[0].ModerationReason == "" {
		t.Error("PublishedProblems changed its input")
	}
	b, _ := json.Marshal(ContentForStep(4, Content{Problems: ps}))
	for _, private := range []string{"Secret proposal", "Rant", "insults", "checked by Sofia", "pending", "hidden"} {
		if strings.Contains(string(b), private) {
			t.Errorf("step 4's snapshot shows %q: %s", private, b)
		}
	}
	for _, n := range []int{7, 8} {
		b, _ := json.Marshal(ContentForStep(n, Content{Problems: ps}))
		if strings.Contains(string(b), "Secret proposal") || strings.Contains(string(b), "insults") || !strings.Contains(string(b), "Open budget") {
			t.Errorf("step %d's snapshot: %s", n, b)
		}
	}
}

func TestProblemInputValidation(t *testing.T) {
	ok := ProblemText{Title: "Late buses", Description: "Buses are late", PolicyArea: "mobility"}
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, c := range []struct {
		name string
		in   ProblemText
		code string
	}{
		{"valid", ok, ""},
		{"valid without submitter, at the limits", ProblemText{Title: long(MaxTitleLen), Description: long(MaxProblemDescriptionLen), PolicyArea: long(MaxPolicyAreaLen), Submitter: long(MaxSubmitterLen)}, ""},
		{"no title", ProblemText{Description: "d", PolicyArea: "p"}, "unprocessable:title_required"},
		{"no description", ProblemText{Title: "t", PolicyArea: "p"}, "unprocessable:description_required"},
		{"no policy area", ProblemText{Title: "t", Description: "d"}, "unprocessable:policy_area_required"},
		{"blank title after trimming", ProblemText{Title: "  ", Description: "d", PolicyArea: "p"}, "unprocessable:title_required"},
		{"long title", ProblemText{Title: long(MaxTitleLen + 1), Description: "d", PolicyArea: "p"}, "unprocessable:title_too_long"},
		{"long description", ProblemText{Title: "t", Description: long(MaxProblemDescriptionLen + 1), PolicyArea: "p"}, "unprocessable:description_too_long"},
		{"long policy area", ProblemText{Title: "t", Description: "d", PolicyArea: long(MaxPolicyAreaLen + 1)}, "unprocessable:policy_area_too_long"},
		{"long submitter", ProblemText{Title: "t", Description: "d", PolicyArea: "p", Submitter: long(MaxSubmitterLen + 1)}, "unprocessable:submitter_too_long"},
	} {
		err := ValidateProblemText(c.in.Normalize())
		if got := problemErrCode(err); got != c.code {
			t.Errorf("%s: code %q, want %q (%v)", c.name, got, c.code, err)
		}
	}
}

func problemErrCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		return "not a domain error"
	}
	return e.Kind + ":" + e.Code
}

func TestProblemParsers(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"team", func() error { _, err := ParseProblemSource("team"); return err }(), ""},
		{"forum", func() error { _, err := ParseProblemSource("forum"); return err }(), ""},
		{"public is reserved", func() error { _, err := ParseProblemSource("public"); return err }(), "unprocessable:public_source_reserved"},
		{"unknown source", func() error { _, err := ParseProblemSource("mayor"); return err }(), "invalid:invalid_source"},
		{"publish", func() error { _, err := ParseModerationDecision("publish"); return err }(), ""},
		{"unknown decision", func() error { _, err := ParseModerationDecision("delete"); return err }(), "invalid:invalid_moderation_decision"},
		{"score 1", ValidateScore(1), ""},
		{"score 5", ValidateScore(5), ""},
		{"score 0", ValidateScore(0), "unprocessable:score_out_of_range"},
		{"score 6", ValidateScore(6), "unprocessable:score_out_of_range"},
		{"hide with a reason", ValidateModeration(ModerationHide, "Advertising"), ""},
		{"hide without a reason", ValidateModeration(ModerationHide, "  "), "unprocessable:moderation_reason_required"},
		{"publish without a reason", ValidateModeration(ModerationPublish, ""), ""},
		{"long reason", ValidateModeration(ModerationPublish, strings.Repeat("x", MaxModerationReasonLen+1)), "unprocessable:moderation_reason_too_long"},
		{"response", ValidateReasonedResponse("Another programme covers it"), ""},
		{"blank response", ValidateReasonedResponse(" "), "unprocessable:reasoned_response_required"},
		{"long response", ValidateReasonedResponse(strings.Repeat("x", MaxReasonedResponseLen+1)), "unprocessable:reasoned_response_too_long"},
	} {
		if got := problemErrCode(c.err); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	for in, want := range map[string]string{"": "", " Ana@Example.org ": "ana@example.org"} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"not an address", "Ana <ana@example.org>", strings.Repeat("a", 320) + "@example.org"} {
		if _, err := NormalizeEmail(in); problemErrCode(err) != "unprocessable:invalid_email" {
			t.Errorf("NormalizeEmail(%q): %v", in, err)
		}
	}
}
