package workflows

import (
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// WorkflowAccountLink is the registered name of AccountLinkWorkflow.
const WorkflowAccountLink = "AccountLinkWorkflow"

// NotificationAccountLink is the kind of the message carrying an account
// link (models.NotificationAccountLink).
const NotificationAccountLink = "account_link"

// Purposes of account links (models.LinkInvitation, models.LinkPasswordReset).
const (
	AccountLinkInvitation    = "invitation"
	AccountLinkPasswordReset = "password_reset"
)

// AccountLinkWorkflowID is the ID of the workflow sending one link: one
// per link, so a retried start sends nothing twice.
func AccountLinkWorkflowID(linkID int64) string {
	return "account-link-" + strconv.FormatInt(linkID, 10)
}

// AccountLinkInput asks AccountLinkWorkflow to send one account link to
// its user.
type AccountLinkInput struct {
	LinkID int64 `json:"link_id"`
	UserID int64 `json:"user_id"`
	// Purpose is AccountLinkInvitation or AccountLinkPasswordReset.
	Purpose string `json:"purpose"`
	// URL is the link, token included. It stays in this workflow's
	// history for the namespace's retention period; the token is single
	// use and short-lived, and the database keeps only its hash.
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// AccountLinkNotification words the message carrying an account link.
func AccountLinkNotification(in AccountLinkInput) (ogp.Notification, error) {
	if in.LinkID <= 0 || in.UserID <= 0 || in.URL == "" {
		return ogp.Notification{}, fmt.Errorf("account link %d of user %d: link id, user id and URL are required", in.LinkID, in.UserID)
	}
	expires := in.ExpiresAt.UTC().Format("Monday 2 January 2006 at 15:04 UTC")
	var subject, body string
	switch in.Purpose {
	case AccountLinkInvitation:
		subject = "Your invitation to OGP Local action plans"
		body = fmt.Sprintf("An administrator of OGP Local action plans has invited you to sign in with this e-mail address. "+
			"Choose your password with this link:\n\n%s\n\n"+
			"The link works once and expires on %s. If it expires, an administrator can send you a new one.\n\n"+
			"If you did not expect this invitation, you can ignore this message: nothing happens without the link.",
			in.URL, expires)
	case AccountLinkPasswordReset:
		subject = "Reset your OGP Local password"
		body = fmt.Sprintf("Someone asked to reset the password of your OGP Local account. "+
			"Choose a new password with this link:\n\n%s\n\n"+
			"The link works once and expires on %s. Choosing a new password signs you out on every device.\n\n"+
			"If you did not ask for this, you can ignore this message: your password stays as it is.",
			in.URL, expires)
	default:
		return ogp.Notification{}, fmt.Errorf("account link %d: unknown purpose %q", in.LinkID, in.Purpose)
	}
	return ogp.Notification{UserID: in.UserID, Kind: NotificationAccountLink, Subject: subject, Body: body,
		DedupKey: "account-link/" + strconv.FormatInt(in.LinkID, 10)}, nil
}

// AccountLinkWorkflow sends one account link (an invitation, a password
// reset) to its user through the notification service: Notify records it
// in the outbox (the in-app inbox at once), then each external delivery
// (the e-mail) runs with its retries, as for every other notification.
// The workflow ends once the deliveries are done or given up. Its ID is
// AccountLinkWorkflowID, and the notification is keyed by the link, so
// neither a retried start nor a retried activity sends the link twice.
func AccountLinkWorkflow(ctx workflow.Context, in AccountLinkInput) error {
	note, err := AccountLinkNotification(in)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "invalid_account_link", nil)
	}
	d := deliveries{root: ctx}
	d.local, d.durableReminders = localWrites(ctx)
	if err := d.notify(ctx, []ogp.Notification{note}); err != nil {
		return err
	}
	return workflow.Await(ctx, d.idle)
}
