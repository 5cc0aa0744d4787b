package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/notify/notifytest"
	"github.com/ogplocal/ogp/webhook"
)

// TestNotificationChannelsSQLite: a step reminder reaches the inbox, an
// e-mail (in-process SMTP server) and a signed webhook, exactly once each.
func TestNotificationChannelsSQLite(t *testing.T) {
	t.Parallel()
	notificationChannels(t, "")
}

// TestNotificationChannelsPostgres is the same on PostgreSQL.
func TestNotificationChannelsPostgres(t *testing.T) {
	t.Parallel()
	notificationChannels(t, modelstest.PostgresURL(t))
}

// hookCalls records the signed calls a webhook endpoint received.
type hookCalls struct {
	mu     sync.Mutex
	bodies []string
	bad    int
}

func (h *hookCalls) snapshot() ([]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...), h.bad
}

func notificationChannels(t *testing.T, databaseURL string) {
	smtp := notifytest.StartSMTP(t)
	cfg := stackConfig(t, t.TempDir(), databaseURL)
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS = smtp.Host, smtp.Port, "none"
	cfg.SMTPFrom = "OGP Local <noreply@ogp.example>"
	cfg.PublicURL = "https://ogp.example"
	st := startDev(t, cfg)
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	p := cast(t, admin)

	// Channel settings: everything on by default; never none.
	var settings struct {
		Email bool `json:"email"`
		InApp bool `json:"in_app"`
	}
	p.gov.do("GET", "/api/v1/me/notification-settings", nil, 200, &settings)
	if !settings.Email || !settings.InApp {
		t.Errorf("default settings %+v", settings)
	}
	p.gov.problem("PUT", "/api/v1/me/notification-settings", map[string]any{"email": false, "in_app": false}, 422, "no_channel")
	p.gov.problem("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true}, 400, "missing_field")
	p.gov.problem("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": true, "sms": true}, 400, "unknown_field")
	p.gov.do("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": false}, 200, &settings)
	if !settings.Email || settings.InApp {
		t.Errorf("settings after PUT %+v", settings)
	}
	admin.as("").problem("GET", "/api/v1/me/notification-settings", nil, 401, "unauthorized")

	lastYear := time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	id := p.createPlan(t, lastYear)
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)

	// The webhook endpoint checks every signature.
	const secret = "a-shared-secret-of-the-city"
	calls := &hookCalls{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls.mu.Lock()
		defer calls.mu.Unlock()
		if err := webhook.VerifyWebhookSignature(secret, r.Header.Get(webhook.HeaderTimestamp), body, r.Header.Get(webhook.HeaderSignature), time.Now(), 5*time.Minute); err != nil {
			calls.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		calls.bodies = append(calls.bodies, string(body))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()

	// Webhooks: coordinators only, https (http to loopback), known events.
	p.gov.problem("POST", base+"/webhooks", map[string]any{"url": hook.URL}, 403, "not_coordinator")
	p.gov.problem("GET", base+"/webhooks", nil, 403, "not_coordinator")
	p.coordinator.problem("POST", base+"/webhooks", map[string]any{"url": "http://hooks.example.org/x"}, 422, "invalid_webhook_url")
	p.coordinator.problem("POST", base+"/webhooks", map[string]any{"url": "ftp://hooks.example.org/x"}, 422, "invalid_webhook_url")
	p.coordinator.problem("POST", base+"/webhooks", map[string]any{"url": hook.URL, "secret": "short"}, 422, "invalid_webhook_secret")
	p.coordinator.problem("POST", base+"/webhooks", map[string]any{"url": hook.URL, "events": []string{"everything"}}, 422, "invalid_webhook_event")
	p.coordinator.problem("POST", "/api/v1/action-plans/999999/webhooks", map[string]any{"url": hook.URL}, 404, "unknown_plan")
	var created struct {
		ID     int64    `json:"id"`
		URL    string   `json:"url"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
	}
	p.coordinator.do("POST", base+"/webhooks", map[string]any{"url": hook.URL + "/generated"}, 201, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || len(created.Secret) < 40 {
		t.Errorf("generated secret %q", created.Secret)
	}
	p.coordinator.do("DELETE", fmt.Sprintf("%s/webhooks/%d", base, created.ID), nil, 204, nil)
	p.coordinator.problem("DELETE", fmt.Sprintf("%s/webhooks/%d", base, created.ID), nil, 404, "unknown_webhook")
	p.coordinator.do("POST", base+"/webhooks", map[string]any{"url": hook.URL, "secret": secret, "events": []string{"step_reminder", "step_approved"}}, 201, &created)
	if created.Secret != secret || len(created.Events) != 2 {
		t.Errorf("created %+v", created)
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	p.coordinator.do("GET", base+"/webhooks", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0]["secret"] != nil {
		t.Errorf("webhook list %+v (the secret is shown once only)", list.Items)
	}

	// Step 1 was due yesterday: the coordinator is reminded at once.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	p.coordinator.do("PUT", base+"/steps/1/due-date", map[string]any{"due_on": yesterday}, 200, nil)
	waitForInbox(t, p.coordinator, "step_reminder", 1)

	deadline := time.Now().Add(60 * time.Second)
	for {
		bodies, _ := calls.snapshot()
		if len(smtp.Mails()) >= 1 && len(bodies) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %d e-mails, %d webhook calls", len(smtp.Mails()), len(bodies))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Nothing more arrives: exactly once each.
	time.Sleep(2 * time.Second)
	if got := inboxKinds(p.coordinator); got["step_reminder"] != 1 || len(got) != 1 {
		t.Errorf("coordinator inbox %v, want one step_reminder", got)
	}
	mails := smtp.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d e-mails, want 1", len(mails))
	}
	m := mails[0]
	if len(m.To) != 1 || m.To[0] != "sofia@example.org" || m.From != "noreply@ogp.example" {
		t.Errorf("e-mail envelope from %s to %v", m.From, m.To)
	}
	for _, want := range []string{"step 1 is overdue", "was due on " + yesterday, fmt.Sprintf("https://ogp.example/api/v1/action-plans/%d", id), "text/plain", "text/html"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("e-mail lacks %q:\n%s", want, m.Data)
		}
	}
	bodies, bad := calls.snapshot()
	if len(bodies) != 1 || bad != 0 {
		t.Fatalf("webhook: %d signed calls, %d badly signed; want 1 and 0", len(bodies), bad)
	}
	var payload map[string]any
	if err := json.Unmarshal([]byte(bodies[0]), &payload); err != nil {
		t.Fatal(err)
	}
	if payload["kind"] != "step_reminder" || payload["plan_id"] != float64(id) || payload["step"] != float64(1) || payload["key"] == "" || payload["created_at"] == "" {
		t.Errorf("payload %v", payload)
	}
	var log struct {
		Items []struct {
			Kind       string `json:"kind"`
			Delivered  bool   `json:"delivered"`
			StatusCode *int   `json:"status_code"`
			Attempt    int    `json:"attempt"`
		} `json:"items"`
		Total int64 `json:"total"`
	}
	p.coordinator.do("GET", fmt.Sprintf("%s/webhooks/%d/deliveries", base, created.ID), nil, 200, &log)
	if log.Total != 1 || !log.Items[0].Delivered || log.Items[0].StatusCode == nil || *log.Items[0].StatusCode != 204 || log.Items[0].Attempt != 1 || log.Items[0].Kind != "step_reminder" {
		t.Errorf("delivery log %+v", log)
	}
	p.coordinator.problem("GET", fmt.Sprintf("%s/webhooks/%d/deliveries", base, created.ID+100), nil, 404, "unknown_webhook")
	p.gov.problem("GET", fmt.Sprintf("%s/webhooks/%d/deliveries", base, created.ID), nil, 403, "not_coordinator")
}
