package activities_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/activities"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/notify"
	"github.com/ogplocal/ogp/notify/notifytest"
	"github.com/ogplocal/ogp/webhook"
	"github.com/ogplocal/ogp/workflows"
)

// receiver is an httptest webhook endpoint that verifies signatures and
// answers with the next status of its script (200 once the script ends).
type receiver struct {
	mu     sync.Mutex
	script []int
	bodies [][]byte
	bad    int
}

func (r *receiver) serve(secret string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := webhook.VerifyWebhookSignature(secret, req.Header.Get(webhook.HeaderTimestamp), body,
			req.Header.Get(webhook.HeaderSignature), time.Now(), 5*time.Minute); err != nil {
			r.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		status := http.StatusOK
		if len(r.script) > 0 {
			status, r.script = r.script[0], r.script[1:]
		}
		if status < 300 {
			r.bodies = append(r.bodies, body)
		}
		w.WriteHeader(status)
	}))
}

type fixture struct {
	db         *models.DB
	acts       *activities.Activities
	smtp       *notifytest.SMTPServer
	plan       models.ActionPlan
	coord, ann models.User
}

func newFixture(t *testing.T, db *models.DB) fixture {
	ctx := context.Background()
	coord, err := db.CreateUser(ctx, "Sofia", "sofia@example.org", false, "")
	if err != nil {
		t.Fatal(err)
	}
	ann, err := db.CreateUser(ctx, "Ann", "ann@example.org", false, "")
	if err != nil {
		t.Fatal(err)
	}
	plan := models.ActionPlan{Title: "Open Athens", Member: "Athens", StartsOn: "2026-01-01", EndsOn: "2028-06-30",
		CoordinatorID: coord.ID, CreatedBy: coord.ID}
	if _, err := db.CreatePlan(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	srv := notifytest.StartSMTP(t)
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, From: "OGP Local <ogp@example.org>", TLS: notify.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Store: db, Mailer: mailer, PublicURL: "https://ogp.example.org"}
	return fixture{db: db, acts: acts, smtp: srv, plan: plan, coord: coord, ann: ann}
}

func (f fixture) note(user models.User, key string) ogp.Notification {
	return ogp.Notification{UserID: user.ID, PlanID: f.plan.ID, Step: 2, Kind: ogp.NotificationStepReminder,
		Subject: "Open Athens: step 2 is overdue", Body: "Step 2 (roadmap) was due on 2027-03-31 and has not been submitted.", DedupKey: key}
}

func TestNotifyAndDeliver(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var rec receiver
		rec.script = []int{500, 200}
		srv := rec.serve("0123456789abcdef")
		defer srv.Close()
		hook := models.PlanWebhook{PlanID: f.plan.ID, URL: srv.URL, Secret: "0123456789abcdef"}
		if err := db.CreateWebhook(ctx, &hook); err != nil {
			t.Fatal(err)
		}
		// A webhook for other kinds hears nothing of a reminder.
		other := models.PlanWebhook{PlanID: f.plan.ID, URL: srv.URL, Secret: "0123456789abcdef", Events: ogp.NotificationStepApproved}
		if err := db.CreateWebhook(ctx, &other); err != nil {
			t.Fatal(err)
		}
		// Ann wants e-mail only.
		if _, err := db.PutNotificationSettings(ctx, f.ann.ID, true, false); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutNotificationSettings(ctx, f.ann.ID, false, false); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("no channel at all: %v, want ErrInvalid", err)
		}
		in := workflows.NotifyInput{Notifications: []ogp.Notification{f.note(f.coord, "k/1"), f.note(f.ann, "k/1")}}
		res, err := f.acts.Notify(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// Inbox: Sofia only; e-mail: both; webhook: one call for the occasion.
		if res.Delivered != 1 || len(res.Pending) != 3 {
			t.Fatalf("Notify = %+v, want 1 inbox row and 3 pending deliveries", res)
		}
		again, err := f.acts.Notify(ctx, in)
		if err != nil || again.Delivered != 0 || len(again.Pending) != 3 || again.Pending[0] != res.Pending[0] {
			t.Fatalf("Notify again = %+v, %v: want nothing new and the same pending entries", again, err)
		}
		if ns, total, _ := db.ListNotifications(ctx, f.ann.ID, false, 0, 0); total != 0 {
			t.Errorf("Ann chose e-mail only but has inbox rows: %+v", ns)
		}

		for _, id := range res.Pending {
			err := f.acts.Deliver(ctx, id)
			e, _ := db.GetOutboxEntry(ctx, id)
			if e.Channel == models.ChannelWebhook {
				// The first call gets a 500: an error to retry, recorded.
				var app *temporal.ApplicationError
				if !errors.As(err, &app) || app.NonRetryable() || !strings.Contains(app.Message(), "500") {
					t.Fatalf("webhook's first attempt: %v, want a retryable error", err)
				}
				if e.Status != models.OutboxPending || e.Attempts != 1 || !strings.Contains(e.LastError, "500") {
					t.Errorf("after a failed attempt: %+v", e)
				}
				if err := f.acts.Deliver(ctx, id); err != nil {
					t.Fatalf("webhook's second attempt: %v", err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("deliver %d: %v", id, err)
			}
		}
		for _, id := range res.Pending {
			// Delivered entries are no-ops from now on.
			if err := f.acts.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			e, _ := db.GetOutboxEntry(ctx, id)
			if e.Status != models.OutboxDelivered || e.DeliveredAt == nil || e.LastError != "" {
				t.Errorf("entry %d after delivery: %+v", id, e)
			}
		}

		mails := f.smtp.Mails()
		if len(mails) != 2 {
			t.Fatalf("%d e-mails, want 2: %+v", len(mails), mails)
		}
		for _, m := range mails {
			for _, want := range []string{"Subject: Open Athens: step 2 is overdue", "text/plain", "text/html",
				"was due on 2027-03-31", "https://ogp.example.org/api/v1/action-plans/", "Since "} {
				if !strings.Contains(m.Data, want) {
					t.Errorf("e-mail to %v lacks %q:\n%s", m.To, want, m.Data)
				}
			}
		}
		if len(rec.bodies) != 1 || rec.bad != 0 {
			t.Fatalf("webhook got %d bodies, %d badly signed", len(rec.bodies), rec.bad)
		}
		for _, want := range []string{`"kind":"step_reminder"`, `"key":"k/1"`, `"step":2`, `"created_at":"`} {
			if !strings.Contains(string(rec.bodies[0]), want) {
				t.Errorf("payload %s lacks %s", rec.bodies[0], want)
			}
		}
		log, total, err := db.ListWebhookDeliveries(ctx, f.plan.ID, hook.ID, 0, 0)
		if err != nil || total != 2 || !log[0].Delivered || log[1].Delivered || *log[1].StatusCode != 500 || log[0].DedupKey != "k/1" || log[0].Attempt != 2 {
			t.Errorf("delivery log %+v (total %d, %v)", log, total, err)
		}
		if _, _, err := db.ListWebhookDeliveries(ctx, f.plan.ID+1, hook.ID, 0, 0); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another plan's webhook log: %v", err)
		}
	})
}

func TestMarkUndeliverableReportsFailingWebhook(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var rec receiver
		rec.script = []int{503, 503, 503}
		srv := rec.serve("0123456789abcdef")
		defer srv.Close()
		hook := models.PlanWebhook{PlanID: f.plan.ID, URL: srv.URL + "/secret-path", Secret: "0123456789abcdef"}
		if err := db.CreateWebhook(ctx, &hook); err != nil {
			t.Fatal(err)
		}
		// E-mail off: only the webhook is pending.
		f.acts.Mailer = nil
		res, err := f.acts.Notify(ctx, workflows.NotifyInput{Notifications: []ogp.Notification{f.note(f.coord, "k/2")}})
		if err != nil || len(res.Pending) != 1 {
			t.Fatalf("Notify = %+v, %v", res, err)
		}
		id := res.Pending[0]
		for range 3 {
			if err := f.acts.Deliver(ctx, id); err == nil {
				t.Fatal("a 503 was taken for a delivery")
			}
		}
		for range 2 { // a retried MarkUndeliverable reports once
			if err := f.acts.MarkUndeliverable(ctx, id, "webhook answered 503 Service Unavailable"); err != nil {
				t.Fatal(err)
			}
		}
		e, _ := db.GetOutboxEntry(ctx, id)
		if e.Status != models.OutboxFailed || e.Attempts != 3 || !strings.Contains(e.LastError, "503") {
			t.Errorf("given-up entry: %+v", e)
		}
		// Given up: Deliver does nothing more.
		if err := f.acts.Deliver(ctx, id); err != nil {
			t.Fatal(err)
		}
		ns, _, err := db.ListNotifications(ctx, f.coord.ID, false, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var failing []models.Notification
		for _, n := range ns {
			if n.Kind == models.NotificationWebhookFailing {
				failing = append(failing, n)
			}
		}
		if len(failing) != 1 || !strings.Contains(failing[0].Subject, "keeps failing") || strings.Contains(failing[0].Body, "secret-path") {
			t.Fatalf("coordinator's webhook_failing notifications: %+v", failing)
		}
		// Without SMTP nobody gets an e-mail entry.
		if len(f.smtp.Mails()) != 0 {
			t.Error("e-mail sent with e-mail off")
		}
		// Deleting the webhook drops its pending deliveries: Deliver is a no-op.
		res, _ = f.acts.Notify(ctx, workflows.NotifyInput{Notifications: []ogp.Notification{f.note(f.coord, "k/3")}})
		if err := db.DeleteWebhook(ctx, f.plan.ID, hook.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.acts.Deliver(ctx, res.Pending[0]); err != nil {
			t.Errorf("deliver to a deleted webhook: %v", err)
		}
		if err := db.DeleteWebhook(ctx, f.plan.ID, hook.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
	})
}

func TestEmailRetriedWhenServerRefuses(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		res, err := f.acts.Notify(ctx, workflows.NotifyInput{Notifications: []ogp.Notification{f.note(f.ann, "k/4")}})
		if err != nil || len(res.Pending) != 1 {
			t.Fatalf("Notify = %+v, %v", res, err)
		}
		f.smtp.SetFail(true)
		if err := f.acts.Deliver(ctx, res.Pending[0]); err == nil {
			t.Fatal("refused e-mail taken for delivered")
		}
		f.smtp.SetFail(false)
		if err := f.acts.Deliver(ctx, res.Pending[0]); err != nil {
			t.Fatal(err)
		}
		e, _ := db.GetOutboxEntry(ctx, res.Pending[0])
		if e.Status != models.OutboxDelivered || e.Attempts != 2 || len(f.smtp.Mails()) != 1 {
			t.Errorf("entry %+v, %d mails", e, len(f.smtp.Mails()))
		}
		// The e-mail channel switched off after recording: not retryable.
		f.acts.Mailer = nil
		res, _ = f.acts.Notify(ctx, workflows.NotifyInput{Notifications: []ogp.Notification{f.note(f.ann, "k/5")}})
		if len(res.Pending) != 0 {
			t.Fatalf("e-mail entry recorded with e-mail off: %+v", res)
		}
	})
}
