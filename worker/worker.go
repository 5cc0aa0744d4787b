// Package worker registers the workflows and activities on one task queue,
// in one place, so `ogp worker` and `ogp dev` run exactly the same code.
package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/activities"
	"github.com/ogplocal/ogp/workflows"
)

// New returns a worker for taskQueue with every workflow and activity
// registered under its stable name. The caller starts and stops it.
func New(c client.Client, taskQueue string, acts *activities.Activities, opts sdkworker.Options) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, opts)
	Register(w, acts)
	return w
}

// Register registers the workflows, and the activities when acts is not
// nil, on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	RegisterWorkflows(r)
	if acts != nil {
		r.RegisterActivityWithOptions(acts.ProjectPlan, activity.RegisterOptions{Name: workflows.ActivityProjectPlan})
		r.RegisterActivityWithOptions(acts.Notify, activity.RegisterOptions{Name: workflows.ActivityNotify})
		r.RegisterActivityWithOptions(acts.Deliver, activity.RegisterOptions{Name: workflows.ActivityDeliver})
		r.RegisterActivityWithOptions(acts.MarkUndeliverable, activity.RegisterOptions{Name: workflows.ActivityMarkUndeliverable})
		r.RegisterActivityWithOptions(acts.CheckStep, activity.RegisterOptions{Name: workflows.ActivityCheckStep})
		r.RegisterActivityWithOptions(acts.LoadCommitments, activity.RegisterOptions{Name: workflows.ActivityLoadCommitments})
		r.RegisterActivityWithOptions(acts.OpenRounds, activity.RegisterOptions{Name: workflows.ActivityOpenRounds})
		r.RegisterActivityWithOptions(acts.ProjectCommitment, activity.RegisterOptions{Name: workflows.ActivityProjectCommitment})
		r.RegisterActivityWithOptions(acts.SendDigest, activity.RegisterOptions{Name: workflows.ActivitySendDigest})
		r.RegisterActivityWithOptions(acts.CollectEvidence, activity.RegisterOptions{Name: workflows.ActivityCollectEvidence})
		r.RegisterActivityWithOptions(acts.ProjectRound, activity.RegisterOptions{Name: workflows.ActivityProjectRound})
		r.RegisterActivityWithOptions(acts.OpenScheduledRound, activity.RegisterOptions{Name: workflows.ActivityOpenScheduledRound})
	}
}

// RegisterWorkflows registers every workflow under its stable name; the
// replay tests use it too, so what is replayed is what runs.
func RegisterWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.ActionPlanWorkflow, workflow.RegisterOptions{Name: ogp.WorkflowActionPlan})
	r.RegisterWorkflowWithOptions(workflows.CommitmentWorkflow, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	r.RegisterWorkflowWithOptions(workflows.DigestWorkflow, workflow.RegisterOptions{Name: workflows.WorkflowDigest})
	r.RegisterWorkflowWithOptions(workflows.AssessmentRoundWorkflow, workflow.RegisterOptions{Name: ogp.WorkflowAssessmentRound})
	r.RegisterWorkflowWithOptions(workflows.AccountLinkWorkflow, workflow.RegisterOptions{Name: workflows.WorkflowAccountLink})
}
