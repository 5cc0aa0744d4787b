package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/notify"
	"github.com/ogplocal/ogp/workflows"
)

// SendDigest sends the user's e-mails queued for the digest up to until as
// ONE e-mail, then records the digest and marks them delivered in one
// transaction. The digest is keyed by user and scheduled instant (one a
// day), so a retry after it was recorded is a no-op; nothing queued sends
// nothing. Like Deliver it is at least once: a crash between sending and
// recording sends the digest again on retry.
func (a *Activities) SendDigest(ctx context.Context, userID int64, until time.Time) (workflows.SendDigestResult, error) {
	key := models.DigestKey(userID, until)
	entries, sent, err := a.Store.CollectDigest(ctx, userID, key, until)
	if err != nil {
		return workflows.SendDigestResult{}, err
	}
	if sent {
		return workflows.SendDigestResult{AlreadySent: true}, nil
	}
	if len(entries) == 0 {
		return workflows.SendDigestResult{}, nil
	}
	undeliverable := func(err error) error {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("digest of user %d: %v", userID, err), "undeliverable", err)
	}
	if a.Mailer == nil {
		return workflows.SendDigestResult{}, undeliverable(errors.New("e-mail is not configured (OGP_SMTP_HOST)"))
	}
	u, err := a.Store.UserByID(ctx, userID)
	if errors.Is(err, models.ErrNotFound) {
		return workflows.SendDigestResult{}, undeliverable(fmt.Errorf("user %d no longer exists", userID))
	}
	if err != nil {
		return workflows.SendDigestResult{}, err
	}
	if u.Email == "" {
		return workflows.SendDigestResult{}, undeliverable(fmt.Errorf("user %d has no e-mail address", userID))
	}
	msgs := make([]notify.Message, 0, len(entries))
	ids := make([]int64, 0, len(entries))
	for _, e := range entries {
		m := notify.Message{Kind: e.Kind, Subject: e.Subject, Body: e.Body, Key: e.DedupKey, CreatedAt: e.CreatedAt}
		if e.PlanID != nil {
			m.PlanID = *e.PlanID
		}
		if e.StepNumber != nil {
			m.Step = *e.StepNumber
		}
		msgs = append(msgs, m)
		ids = append(ids, e.ID)
	}
	mail, err := notify.RenderDigest(u.Email, msgs, a.publicURL())
	if err != nil {
		return workflows.SendDigestResult{}, undeliverable(err)
	}
	if err := a.Mailer.Send(ctx, mail); err != nil {
		return workflows.SendDigestResult{}, temporal.NewApplicationError(fmt.Sprintf("digest of user %d: %v", userID, err), "delivery_failed")
	}
	recorded, err := a.Store.FinishDigest(ctx, userID, key, until, ids)
	if err != nil {
		return workflows.SendDigestResult{}, err
	}
	return workflows.SendDigestResult{Entries: len(ids), AlreadySent: !recorded}, nil
}
