package workflows

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"
)

// Names of the per-user digest workflow, its signal and its activity.
const (
	// WorkflowDigest is the registered name of DigestWorkflow.
	WorkflowDigest = "DigestWorkflow"
	// SignalDigestSettings carries a user's new DigestSettings: it wakes
	// the workflow, which reschedules, or flushes and ends when the digest
	// was turned off.
	SignalDigestSettings = "digest_settings"
	// ActivitySendDigest sends a user's digest of queued e-mails.
	ActivitySendDigest = "SendDigest"
)

// DefaultDigestInterval is the time between two digests: daily.
const DefaultDigestInterval = 24 * time.Hour

// digestRunsPerExecution bounds the history: after this many digest
// rounds (a month with the daily interval) the workflow continues as new.
const digestRunsPerExecution = 30

// flushMargin widens the final digest sent when the digest is turned off:
// any entry still queued then was recorded before the switch, whatever the
// clock skew between the workers and Temporal.
const flushMargin = time.Hour

// DigestWorkflowID is the ID of a user's digest workflow: one per user.
func DigestWorkflowID(userID int64) string {
	return "digest-user-" + strconv.FormatInt(userID, 10)
}

// DigestSettings is a user's digest choice, as the settings API stored it.
type DigestSettings struct {
	Enabled bool `json:"enabled"`
	// Hour is the hour (0-23, UTC) of the digest.
	Hour int `json:"hour"`
}

// DigestInput starts (or continues) a user's digest workflow.
type DigestInput struct {
	UserID   int64          `json:"user_id"`
	Settings DigestSettings `json:"settings"`
	// Interval is the time between digests; 0 means daily. Operators may
	// shorten it (OGP_DIGEST_INTERVAL) for tests and demonstrations.
	Interval time.Duration `json:"interval"`
}

// SendDigestResult says what a digest did.
type SendDigestResult struct {
	// Entries is the number of notifications listed (0: no e-mail).
	Entries int `json:"entries"`
	// AlreadySent is true when a retry found the digest recorded.
	AlreadySent bool `json:"already_sent"`
}

// NextDigest is the first digest instant strictly after now: hour:00 UTC
// of today or tomorrow with the daily interval. With a shorter interval
// (tests) the digests fall on the multiples of the interval, shifted by
// the hour, since Go's zero time.
func NextDigest(now time.Time, hour int, interval time.Duration) time.Time {
	if interval <= 0 {
		interval = DefaultDigestInterval
	}
	offset := time.Duration(hour) * time.Hour % interval
	next := now.UTC().Add(-offset).Truncate(interval).Add(offset)
	for !next.After(now) {
		next = next.Add(interval)
	}
	return next
}

// DigestWorkflow is a user's durable daily digest: it sleeps until the
// next digest time (a timer, not a cron), then sends the e-mails queued
// since the last digest as one message. A digest_settings signal wakes it:
// a new hour reschedules the next digest; the digest turned off sends
// what is queued at once and ends the workflow. A digest that fails for
// good is logged; its entries stay queued for the next one.
func DigestWorkflow(ctx workflow.Context, in DigestInput) error {
	interval := in.Interval
	if interval <= 0 {
		interval = DefaultDigestInterval
	}
	settings := in.Settings
	signals := workflow.GetSignalChannel(ctx, SignalDigestSettings)
	// drain applies the latest of the waiting signals.
	drain := func() {
		var s DigestSettings
		for signals.ReceiveAsync(&s) {
			settings = s
		}
	}
	actx := workflow.WithActivityOptions(ctx, deliverOptions)
	send := func(until time.Time) {
		var res SendDigestResult
		if err := workflow.ExecuteActivity(actx, ActivitySendDigest, in.UserID, until).Get(ctx, &res); err != nil {
			workflow.GetLogger(ctx).Error("digest not sent; its entries stay queued", "user_id", in.UserID, "until", until, "error", err)
		}
	}
	for round := 0; ; round++ {
		drain()
		if !settings.Enabled {
			send(workflow.Now(ctx).Add(flushMargin))
			return nil
		}
		if round >= digestRunsPerExecution || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			drain()
			return workflow.NewContinueAsNewError(ctx, WorkflowDigest, DigestInput{UserID: in.UserID, Settings: settings, Interval: in.Interval})
		}
		now := workflow.Now(ctx)
		next := NextDigest(now, settings.Hour, interval)
		signalled, err := workflow.AwaitWithTimeout(ctx, next.Sub(now), func() bool { return signals.Len() > 0 })
		if err != nil {
			return err
		}
		if signalled {
			// Recompute from the new settings: the round is not spent.
			round--
			continue
		}
		send(next)
	}
}
