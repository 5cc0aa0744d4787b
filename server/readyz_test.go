package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type pingStore struct {
	Store
	err error
}

func (p pingStore) Ping(context.Context) error { return p.err }

type pingEngine struct {
	Engine
	err error
}

func (p pingEngine) Ping(context.Context) error { return p.err }

// TestReadyzNamesWhatIsDown: an orchestrator (and the person reading its
// events) must see which dependency is missing.
func TestReadyzNamesWhatIsDown(t *testing.T) {
	down := errors.New("connection refused")
	tests := []struct {
		name       string
		store, eng error
		status     int
		mentions   []string
	}{
		{"all up", nil, nil, 200, nil},
		{"database down", down, nil, 503, []string{"database"}},
		{"temporal down", nil, down, 503, []string{"temporal"}},
		{"both down", down, down, 503, []string{"database", "temporal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(pingStore{err: tt.store}, pingEngine{err: tt.eng}, nil)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 {
				return
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != "not_ready" {
				t.Fatalf("problem %+v (%v)", p, err)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(p.Detail, m) {
					t.Errorf("detail %q does not name %s", p.Detail, m)
				}
			}
		})
	}
	// /healthz only says the process is up, whatever the dependencies.
	s := New(pingStore{err: down}, pingEngine{err: down}, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
}
