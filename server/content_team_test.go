package server

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ogplocal/ogp"
)

// TestTeamOpenAPISchemasMatchGoTypes keeps the fragment of steps 1 and 3
// true to the Go types the handlers decode and encode.
func TestTeamOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema  string
		typ     any
		request bool
	}{
		{"TeamMember", TeamMemberResponse{}, false},
		{"TeamMemberList", struct {
			Items []TeamMemberResponse `json:"items"`
		}{}, false},
		{"TeamMemberRequest", teamMemberRequest{}, true},
		{"Forum", ForumResponse{}, false},
		{"ForumRequest", forumRequest{}, true},
		{"ForumMember", ForumMemberResponse{}, false},
		{"ForumMemberRequest", forumMemberRequest{}, true},
		{"ForumMeeting", ForumMeetingResponse{}, false},
		{"ForumMeetingRequest", forumMeetingRequest{}, true},
		{"MonitoringBody", MonitoringBodyResponse{}, false},
		{"MonitoringBodyMember", MonitoringBodyMemberResponse{}, false},
		{"MonitoringBodyRequest", monitoringBodyRequest{}, true},
		{"AwarenessActivity", AwarenessActivityResponse{}, false},
		{"AwarenessActivityList", struct {
			Items []AwarenessActivityResponse `json:"items"`
		}{}, false},
		{"AwarenessActivityRequest", awarenessRequest{}, true},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), c.request)
	}
	enum := func(name string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[name].Value.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	for name, c := range map[string]struct {
		want  []string
		parse func(string) error
	}{
		"ForumSector": {[]string{string(ogp.ForumGovernment), string(ogp.ForumNonGovernment)},
			func(s string) error { _, err := ogp.ParseForumSector(s); return err }},
		"MonitoringBodyKind": {[]string{string(ogp.MonitoringPerson), string(ogp.MonitoringGroup), string(ogp.MonitoringOrganisation)},
			func(s string) error { _, err := ogp.ParseMonitoringBodyKind(s); return err }},
		"AwarenessKind": {[]string{string(ogp.AwarenessEvent), string(ogp.AwarenessCampaign), string(ogp.AwarenessMedia), string(ogp.AwarenessOnline), string(ogp.AwarenessOther)},
			func(s string) error { _, err := ogp.ParseAwarenessKind(s); return err }},
	} {
		got := enum(name)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s enum = %v, want %v", name, got, c.want)
		}
		for _, v := range got {
			if err := c.parse(v); err != nil {
				t.Errorf("%s %q is refused: %v", name, v, err)
			}
		}
	}
	// Length limits are the domain's.
	for _, c := range []struct {
		schema, field string
		want          int
	}{
		{"TeamMemberRequest", "title", ogp.MaxTeamNameLen},
		{"TeamMemberRequest", "organisation", ogp.MaxTeamNameLen},
		{"ForumRequest", "name", ogp.MaxTeamNameLen},
		{"ForumRequest", "purpose", ogp.MaxTeamProseLen},
		{"ForumRequest", "meeting_cadence", ogp.MaxTeamNameLen},
		{"ForumMemberRequest", "name", ogp.MaxTeamNameLen},
		{"ForumMemberRequest", "organisation", ogp.MaxTeamNameLen},
		{"ForumMeetingRequest", "agenda", ogp.MaxTeamProseLen},
		{"ForumMeetingRequest", "minutes", ogp.MaxTeamProseLen},
		{"ForumMeetingRequest", "minutes_url", ogp.MaxURLLen},
		{"MonitoringBodyRequest", "name", ogp.MaxTeamNameLen},
		{"MonitoringBodyRequest", "independence_statement", ogp.MaxTeamProseLen},
		{"AwarenessActivityRequest", "audience", ogp.MaxTeamNameLen},
		{"AwarenessActivityRequest", "description", ogp.MaxTeamProseLen},
		{"AwarenessActivityRequest", "evidence_url", ogp.MaxURLLen},
	} {
		p := doc.Components.Schemas[c.schema].Value.Properties[c.field]
		if p == nil || p.Value.MaxLength == nil || int(*p.Value.MaxLength) != c.want {
			t.Errorf("%s.%s maxLength is not %d", c.schema, c.field, c.want)
		}
	}
}
