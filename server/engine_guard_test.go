package server

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ogplocal/ogp"
)

// hangingClient is a Temporal client whose frontend is gone: the health
// check fails at once, and an update waits until its context ends, as the
// SDK's retries do when the server does not answer.
type hangingClient struct {
	client.Client
	healthy bool
}

func (c hangingClient) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	if c.healthy {
		return &client.CheckHealthResponse{}, nil
	}
	return nil, errors.New("connection refused")
}

func (hangingClient) UpdateWorkflow(ctx context.Context, _ client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func shortEngineTimes(t *testing.T) {
	after, every, timeout := engineCheckAfter, engineCheckEvery, engineCallTimeout
	engineCheckAfter, engineCheckEvery, engineCallTimeout = 50*time.Millisecond, 50*time.Millisecond, 2*time.Second
	t.Cleanup(func() { engineCheckAfter, engineCheckEvery, engineCallTimeout = after, every, timeout })
}

// TestUpdateFailsFastWhenTemporalIsDown: a call that needs Temporal while
// its frontend is unreachable answers 503 engine_unavailable within a
// health check, not after the SDK's minute of retries (issue 8, fault 2).
func TestUpdateFailsFastWhenTemporalIsDown(t *testing.T) {
	shortEngineTimes(t)
	e := &TemporalEngine{Client: hangingClient{}}
	start := time.Now()
	_, err := e.Update(context.Background(), 1, "decide", "", nil)
	if took := time.Since(start); took > time.Second {
		t.Errorf("update took %s with Temporal down", took)
	}
	de := toDomain(err)
	if statusByKind[de.Kind] != http.StatusServiceUnavailable || de.Code != "engine_unavailable" {
		t.Errorf("update with Temporal down: %v -> %s %s, want 503 engine_unavailable", err, de.Kind, de.Code)
	}
	if _, err := e.UpdateCommitment(context.Background(), 1, "progress", "", nil); toDomain(err).Code != "engine_unavailable" {
		t.Errorf("commitment update with Temporal down: %v", err)
	}
	if _, err := e.UpdateRound(context.Background(), 1, "assess", "", nil); toDomain(err).Code != "engine_unavailable" {
		t.Errorf("round update with Temporal down: %v", err)
	}
}

// TestUpdateTimesOutWhenTemporalDoesNotAnswer: a frontend that is up but
// never completes the update (history down) ends in 503 engine_timeout
// after engineCallTimeout.
func TestUpdateTimesOutWhenTemporalDoesNotAnswer(t *testing.T) {
	shortEngineTimes(t)
	engineCallTimeout = 300 * time.Millisecond
	e := &TemporalEngine{Client: hangingClient{healthy: true}}
	_, err := e.Update(context.Background(), 1, "decide", "", nil)
	de := toDomain(err)
	if de.Kind != ogp.EUnavailable || de.Code != "engine_timeout" {
		t.Errorf("update that never completes: %v -> %s %s, want 503 engine_timeout", err, de.Kind, de.Code)
	}
}
