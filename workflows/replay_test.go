package workflows_test

import (
	"path/filepath"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/ogplocal/ogp/worker"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (testdata/*.json) against today's workflow code: a change that is not
// deterministic, or not versioned with workflow.GetVersion, fails here
// before it can break a running plan. Re-record with OGP_RECORD_HISTORY
// (see app/integration_test.go) only for a deliberate, versioned change.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
