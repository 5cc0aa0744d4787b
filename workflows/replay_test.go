package workflows_test

import (
	"path/filepath"
	"strings"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/ogplocal/ogp/worker"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// against today's workflow code: the latest recordings (testdata/*.json)
// and those kept from before a versioned change (testdata/*/*.json, the
// folder named after the change). A change that is not
// deterministic, or not versioned with workflow.GetVersion, fails here
// before it can break a running plan. Re-record with OGP_RECORD_HISTORY
// (see app/integration_test.go) only for a deliberate, versioned change.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	older, err := filepath.Glob("testdata/*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, older...)
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata")
	}
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, "testdata/"), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
