package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/workflows"
)

// A user with the digest on gets no single e-mail: the entries are queued,
// and SendDigest sends them as one e-mail, marks them delivered, and is a
// no-op when retried.
func TestDigestCollectAndMark(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if _, err := db.SaveNotificationSettings(ctx, models.NotificationSettings{UserID: f.ann.ID, Email: true, InApp: true, Digest: true, DigestHour: 7}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveNotificationSettings(ctx, models.NotificationSettings{UserID: f.ann.ID, Email: true, InApp: true, Digest: true, DigestHour: 24}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("digest hour 24: %v, want ErrInvalid", err)
		}
		st, err := db.GetNotificationSettings(ctx, f.ann.ID)
		if err != nil || !st.Digest || st.DigestHour != 7 {
			t.Fatalf("settings %+v, %v", st, err)
		}
		if def, err := db.GetNotificationSettings(ctx, f.coord.ID); err != nil || def.Digest || def.DigestHour != models.DefaultDigestHour {
			t.Fatalf("default settings %+v, %v", def, err)
		}

		n1, n2 := f.note(f.ann, "k/1"), f.note(f.ann, "k/2")
		n2.Subject = "Open Athens: step 3 is overdue"
		res, err := f.acts.Notify(ctx, workflows.NotifyInput{Notifications: []ogp.Notification{n1, n2, f.note(f.coord, "k/1")}})
		if err != nil {
			t.Fatal(err)
		}
		// In-app stays immediate for both; only Sofia's e-mail is pending.
		if res.Delivered != 3 || len(res.Pending) != 1 {
			t.Fatalf("Notify = %+v, want 3 inbox rows and 1 pending e-mail (Ann's are queued)", res)
		}
		until := time.Now().Add(time.Minute).UTC().Truncate(time.Second)

		// Nothing queued for Sofia: no e-mail.
		if r, err := f.acts.SendDigest(ctx, f.coord.ID, until); err != nil || r.Entries != 0 {
			t.Fatalf("SendDigest of Sofia = %+v, %v", r, err)
		}
		// Up to an instant before the entries: nothing either.
		if r, err := f.acts.SendDigest(ctx, f.ann.ID, time.Now().Add(-time.Hour)); err != nil || r.Entries != 0 {
			t.Fatalf("SendDigest before the entries = %+v, %v", r, err)
		}
		if got := len(f.smtp.Mails()); got != 0 {
			t.Fatalf("%d e-mails before the digest", got)
		}

		r, err := f.acts.SendDigest(ctx, f.ann.ID, until)
		if err != nil || r.Entries != 2 || r.AlreadySent {
			t.Fatalf("SendDigest = %+v, %v, want 2 entries", r, err)
		}
		mails := f.smtp.Mails()
		if len(mails) != 1 || mails[0].To[0] != "ann@example.org" {
			t.Fatalf("%d e-mails %+v, want one to Ann", len(mails), mails)
		}
		for _, want := range []string{"daily digest (2 notifications)", "step 2 is overdue", "step 3 is overdue", "text/plain", "text/html",
			"https://ogp.example.org/api/v1/action-plans/"} {
			if !strings.Contains(mails[0].Data, want) {
				t.Errorf("digest lacks %q:\n%s", want, mails[0].Data)
			}
		}
		var statuses []string
		if err := db.Gorm.Model(&models.OutboxEntry{}).Where("user_id = ? AND channel = ?", f.ann.ID, models.ChannelEmail).
			Order("id").Pluck("status", &statuses).Error; err != nil {
			t.Fatal(err)
		}
		if len(statuses) != 2 || statuses[0] != models.OutboxDelivered || statuses[1] != models.OutboxDelivered {
			t.Fatalf("Ann's e-mail entries %v, want both delivered", statuses)
		}

		// A retry of the same digest is a no-op, even with new entries queued.
		if _, err := f.acts.Notify(ctx, workflows.NotifyInput{Notifications: []ogp.Notification{f.note(f.ann, "k/3")}}); err != nil {
			t.Fatal(err)
		}
		if r, err := f.acts.SendDigest(ctx, f.ann.ID, until); err != nil || !r.AlreadySent || r.Entries != 0 {
			t.Fatalf("retried SendDigest = %+v, %v, want already sent", r, err)
		}
		if got := len(f.smtp.Mails()); got != 1 {
			t.Fatalf("%d e-mails after a retry, want 1", got)
		}
		// The next digest takes the new entry.
		r, err = f.acts.SendDigest(ctx, f.ann.ID, until.Add(24*time.Hour))
		if err != nil || r.Entries != 1 {
			t.Fatalf("next SendDigest = %+v, %v", r, err)
		}
		if got := len(f.smtp.Mails()); got != 2 || !strings.Contains(f.smtp.Mails()[1].Data, "(1 notification)") {
			t.Fatalf("%d e-mails after the next digest", got)
		}
		// Concurrent retry that finds the digest recorded marks nothing.
		if ok, err := db.FinishDigest(ctx, f.ann.ID, models.DigestKey(f.ann.ID, until), until, []int64{1}); err != nil || ok {
			t.Fatalf("FinishDigest again = %v, %v", ok, err)
		}
	})
}

// A failing SMTP server is retryable and leaves the entries queued.
func TestDigestSMTPFailureKeepsQueued(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if _, err := db.SaveNotificationSettings(ctx, models.NotificationSettings{UserID: f.ann.ID, Email: true, InApp: false, Digest: true, DigestHour: 0}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.acts.Notify(ctx, workflows.NotifyInput{Notifications: []ogp.Notification{f.note(f.ann, "k/1")}}); err != nil {
			t.Fatal(err)
		}
		until := time.Now().Add(time.Minute).UTC().Truncate(time.Second)
		f.smtp.SetFail(true)
		_, err := f.acts.SendDigest(ctx, f.ann.ID, until)
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.NonRetryable() {
			t.Fatalf("SendDigest with SMTP down: %v, want a retryable error", err)
		}
		f.smtp.SetFail(false)
		if r, err := f.acts.SendDigest(ctx, f.ann.ID, until); err != nil || r.Entries != 1 {
			t.Fatalf("SendDigest retried = %+v, %v", r, err)
		}
	})
}
