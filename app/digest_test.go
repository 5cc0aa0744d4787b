package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/notify/notifytest"
)

// TestDigestSQLite: a user with the digest on gets the step reminder in
// the inbox at once, no single e-mail, and one digest e-mail listing it.
func TestDigestSQLite(t *testing.T) {
	t.Parallel()
	digestFlow(t, "")
}

// TestDigestPostgres is the same on PostgreSQL.
func TestDigestPostgres(t *testing.T) {
	t.Parallel()
	digestFlow(t, modelstest.PostgresURL(t))
}

func digestFlow(t *testing.T, databaseURL string) {
	smtp := notifytest.StartSMTP(t)
	cfg := stackConfig(t, t.TempDir(), databaseURL)
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS = smtp.Host, smtp.Port, "none"
	cfg.SMTPFrom = "OGP Local <noreply@ogp.example>"
	cfg.PublicURL = "https://ogp.example"
	// Digests every few seconds instead of daily (OGP_DIGEST_INTERVAL).
	const interval = 4 * time.Second
	cfg.DigestInterval = interval
	st := startDev(t, cfg)
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	p := cast(t, admin)

	type settings struct {
		Email      bool `json:"email"`
		InApp      bool `json:"in_app"`
		Digest     bool `json:"digest"`
		DigestHour int  `json:"digest_hour"`
	}
	var got settings
	p.coordinator.do("GET", "/api/v1/me/notification-settings", nil, 200, &got)
	if got != (settings{Email: true, InApp: true, DigestHour: 7}) {
		t.Errorf("default settings %+v", got)
	}
	p.coordinator.problem("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": true, "digest": true, "digest_hour": 24}, 422, "invalid_digest_hour")
	p.coordinator.problem("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": true, "digest": "yes"}, 400, "invalid_field")
	p.coordinator.do("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": true, "digest": true, "digest_hour": 6}, 200, &got)
	if got != (settings{Email: true, InApp: true, Digest: true, DigestHour: 6}) {
		t.Errorf("settings after PUT %+v", got)
	}
	// Omitted digest fields stay as they are.
	p.coordinator.do("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": true}, 200, &got)
	if !got.Digest || got.DigestHour != 6 {
		t.Errorf("settings after a PUT without digest fields %+v", got)
	}

	lastYear := time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	id := p.createPlan(t, lastYear)
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	p.coordinator.do("PUT", base+"/steps/1/due-date", map[string]any{"due_on": yesterday}, 200, nil)
	// In-app stays immediate.
	waitForInbox(t, p.coordinator, "step_reminder", 1)

	deadline := time.Now().Add(60 * time.Second)
	for len(smtp.Mails()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no digest e-mail after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Two more digest rounds with nothing queued: no more e-mail.
	time.Sleep(2*interval + time.Second)
	mails := smtp.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d e-mails, want one digest", len(mails))
	}
	m := mails[0]
	if len(m.To) != 1 || m.To[0] != "sofia@example.org" {
		t.Errorf("digest to %v", m.To)
	}
	for _, want := range []string{"daily digest (1 notification)", "step 1 is overdue", "was due on " + yesterday,
		fmt.Sprintf("https://ogp.example/api/v1/action-plans/%d", id), "text/plain", "text/html"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("digest lacks %q:\n%s", want, m.Data)
		}
	}

	// Turning the digest off ends the workflow; e-mails come one by one again.
	p.coordinator.do("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": true, "digest": false}, 200, &got)
	if got.Digest {
		t.Errorf("settings after turning the digest off %+v", got)
	}
	if databaseURL == "" {
		time.Sleep(time.Second)
		recordHistory(t, st, fmt.Sprintf("digest-user-%d", p.ids["Sofia"]))
	}
	// Turning it off again (no workflow running any more) is fine.
	p.coordinator.do("PUT", "/api/v1/me/notification-settings", map[string]any{"email": true, "in_app": true, "digest": false}, 200, &got)
}
