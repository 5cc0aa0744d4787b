package server

import "testing"

func TestParseJSON(t *testing.T) {
	tests := []struct {
		body string
		code string
	}{
		{`{"decision":"approve","comment":"fine"}`, ""},
		{`  {"decision":"approve"}  `, ""},
		{``, "empty_body"},
		{`null`, "malformed_json"},
		{`[]`, "malformed_json"},
		{`"approve"`, "malformed_json"},
		{`{"Decision":"approve"}`, "unknown_field"},
		{`{"decision":"approve","approver":2}`, "unknown_field"},
		{`{"decision":1}`, "invalid_field"},
		{`{"decision":"approve"} {}`, "malformed_json"},
		{`{"decision":"approve"`, "malformed_json"},
	}
	for _, tt := range tests {
		var req decideRequest
		err := parseJSON([]byte(tt.body), &req)
		got := ""
		if err != nil {
			got = toDomain(err).Code
		}
		if got != tt.code {
			t.Errorf("parseJSON(%q): code %q, want %q (%v)", tt.body, got, tt.code, err)
		}
	}
}

func TestUpdateIDScopedToRequest(t *testing.T) {
	a := updateID("decide_step", 1, 2, "k", "/api/v1/action-plans/1/steps/1/decisions", []byte(`{"decision":"approve"}`))
	if a != updateID("decide_step", 1, 2, "k", "/api/v1/action-plans/1/steps/1/decisions", []byte(`{"decision":"approve"}`)) {
		t.Error("the same request must map to the same update ID")
	}
	for _, other := range []string{
		updateID("decide_step", 1, 2, "k", "/api/v1/action-plans/1/steps/2/decisions", []byte(`{"decision":"approve"}`)),
		updateID("decide_step", 1, 2, "k", "/api/v1/action-plans/1/steps/1/decisions", []byte(`{"decision":"request_changes","comment":"x"}`)),
		updateID("decide_step", 1, 3, "k", "/api/v1/action-plans/1/steps/1/decisions", []byte(`{"decision":"approve"}`)),
	} {
		if other == a {
			t.Errorf("a different request reused update ID %s", a)
		}
	}
	if updateID("decide_step", 1, 2, "", "/p", nil) != "" {
		t.Error("no key, no update ID: Temporal picks a fresh one")
	}
}
