package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ogplocal/ogp"
)

// TestProblemSchemasMatchGoTypes keeps step 4's fragment true to the
// types its handlers encode and decode.
func TestProblemSchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema  string
		typ     any
		request bool
	}{
		{"ProblemItem", ProblemResponse{}, false},
		{"ProblemList", ProblemList{}, false},
		{"ProblemProposalAccepted", ProposalResponse{}, false},
		{"ProblemCreateRequest", problemRequest{}, true},
		{"ProblemUpdateRequest", problemRequest{}, true},
		{"ProblemProposalRequest", proposalRequest{}, true},
		{"ProblemModerationRequest", moderationRequest{}, true},
		{"ProblemScoreRequest", scoreRequest{}, true},
		{"ProblemSelectionRequest", selectionRequest{}, true},
		{"ProblemReasonedResponseRequest", reasonedResponseRequest{}, true},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), c.request)
	}
}

// TestProblemEnumsAndLimitsMatchDomain keeps the documented enums and
// lengths equal to the domain's.
func TestProblemEnumsAndLimitsMatchDomain(t *testing.T) {
	doc := openapiDoc(t)
	enum := func(schema, field string) []string {
		s := doc.Components.Schemas[schema].Value
		if field != "" {
			s = s.Properties[field].Value
		}
		var out []string
		for _, v := range s.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	for _, c := range []struct {
		schema, field string
		want          []string
	}{
		{"ProblemSource", "", []string{string(ogp.SourceTeam), string(ogp.SourceForum), string(ogp.SourcePublic)}},
		{"ProblemStatus", "", []string{string(ogp.ProblemPending), string(ogp.ProblemPublished), string(ogp.ProblemHidden)}},
		{"ProblemModerationRequest", "decision", []string{string(ogp.ModerationPublish), string(ogp.ModerationHide)}},
		{"ProblemCreateRequest", "source", []string{string(ogp.SourceTeam), string(ogp.SourceForum)}},
	} {
		if got := enum(c.schema, c.field); !slices.Equal(got, c.want) {
			t.Errorf("%s.%s enum = %v, want %v", c.schema, c.field, got, c.want)
		}
	}
	for _, v := range enum("ProblemCreateRequest", "source") {
		if _, err := ogp.ParseProblemSource(v); err != nil {
			t.Errorf("source %q is documented but refused: %v", v, err)
		}
	}
	for _, c := range []struct {
		schema, field string
		want          int
	}{
		{"ProblemCreateRequest", "title", ogp.MaxTitleLen},
		{"ProblemCreateRequest", "description", ogp.MaxProblemDescriptionLen},
		{"ProblemCreateRequest", "policy_area", ogp.MaxPolicyAreaLen},
		{"ProblemCreateRequest", "submitter", ogp.MaxSubmitterLen},
		{"ProblemUpdateRequest", "title", ogp.MaxTitleLen},
		{"ProblemUpdateRequest", "description", ogp.MaxProblemDescriptionLen},
		{"ProblemUpdateRequest", "policy_area", ogp.MaxPolicyAreaLen},
		{"ProblemUpdateRequest", "submitter", ogp.MaxSubmitterLen},
		{"ProblemProposalRequest", "title", ogp.MaxTitleLen},
		{"ProblemProposalRequest", "description", ogp.MaxProblemDescriptionLen},
		{"ProblemProposalRequest", "policy_area", ogp.MaxPolicyAreaLen},
		{"ProblemProposalRequest", "name", ogp.MaxSubmitterLen},
		{"ProblemProposalRequest", "email", ogp.MaxEmailLen},
		{"ProblemModerationRequest", "reason", ogp.MaxModerationReasonLen},
		{"ProblemReasonedResponseRequest", "text", ogp.MaxReasonedResponseLen},
	} {
		if m := doc.Components.Schemas[c.schema].Value.Properties[c.field].Value.MaxLength; m == nil || int(*m) != c.want {
			t.Errorf("%s.%s maxLength = %v, want %d", c.schema, c.field, m, c.want)
		}
	}
	score := doc.Components.Schemas["ProblemScoreRequest"].Value.Properties["score"].Value
	if score.Min == nil || *score.Min != ogp.MinScore || score.Max == nil || *score.Max != ogp.MaxScore {
		t.Errorf("score bounds %v..%v, want %d..%d", score.Min, score.Max, ogp.MinScore, ogp.MaxScore)
	}
	if r := doc.Components.Responses["TooManyRequests"]; r == nil || r.Value.Headers["Retry-After"] == nil {
		t.Error("components.responses.TooManyRequests must document Retry-After")
	}
}

// TestProposalRateLimitAnswer checks the 429 answer itself, which the
// handler writes without the central error handler.
func TestProposalRateLimitAnswer(t *testing.T) {
	s := New(&openapiStore{}, &openapiEngine{}, nil)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/action-plans/1/problems/proposals", nil)
	rec := httptest.NewRecorder()
	c := s.echo.NewContext(req, rec)
	if err := rateLimited(c, 90_500_000_000); err != nil { // 90.5 s
		t.Fatal(err)
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "91" ||
		rec.Header().Get("Content-Type") != problemJSON || !strings.Contains(rec.Body.String(), `"code":"rate_limited"`) {
		t.Errorf("%d %v %s", rec.Code, rec.Header(), rec.Body.String())
	}
}
