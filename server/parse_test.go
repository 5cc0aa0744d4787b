package server

import (
	"encoding/json"
	"testing"
	"testing/fstest"
)

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

func TestMergeOpenAPIRefusesDuplicates(t *testing.T) {
	base := []byte(`{"openapi":"3.0.3","paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`)
	ok := fstest.MapFS{"openapi/b.json": {Data: []byte(`{"paths":{"/b":{}},"components":{"schemas":{"B":{}}},"tags":[{"name":"b"}]}`)}}
	merged, err := mergeOpenAPI(base, ok)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
		Tags []any `json:"tags"`
	}
	if err := json.Unmarshal(merged, &doc); err != nil || len(doc.Paths) != 2 || len(doc.Components.Schemas) != 2 || len(doc.Tags) != 1 {
		t.Errorf("merged %s (%v)", merged, err)
	}
	for name, frag := range map[string]string{
		"path twice":   `{"paths":{"/a":{}}}`,
		"schema twice": `{"components":{"schemas":{"A":{}}}}`,
	} {
		if _, err := mergeOpenAPI(base, fstest.MapFS{"openapi/x.json": {Data: []byte(frag)}}); err == nil {
			t.Errorf("%s: merged without error", name)
		}
	}
}
