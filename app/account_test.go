package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/notify/notifytest"
)

// Account links through the whole product: the invitation and the reset
// link leave by e-mail through AccountLinkWorkflow (a reset even for a
// user who turned e-mail off and chose the digest), each sets the password
// once, and no live link is kept in the inbox when e-mail works.
func TestAccountLinksByEmail(t *testing.T) {
	smtp := notifytest.StartSMTP(t)
	cfg := stackConfig(t, t.TempDir(), "")
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS = smtp.Host, smtp.Port, "none"
	cfg.SMTPFrom = "OGP Local <noreply@ogp.example>"
	cfg.PublicURL = "https://ogp.example"
	st := startDev(t, cfg)
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	ctx := context.Background()

	var ana struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	admin.do("POST", "/api/v1/users", map[string]any{"name": "Ana", "email": "ana@example.org"}, 201, &ana)
	admin.do("POST", "/api/v1/users/"+strconv.FormatInt(ana.ID, 10)+"/invitation", nil, 202, nil)
	link := waitForLinkMail(t, smtp, 1, "Your invitation")
	anon.do("POST", "/api/v1/account/password", map[string]any{"token": link, "password": "a long and memorable passphrase"}, 204, nil)
	anon.problem("POST", "/api/v1/account/password", map[string]any{"token": link, "password": "another long passphrase"}, 404, "invalid_link")
	if _, err := st.DB.Authenticate(ctx, "ana@example.org", "a long and memorable passphrase"); err != nil {
		t.Fatalf("sign-in with the invited password: %v", err)
	}

	admin.as(ana.Token).do("PUT", "/api/v1/me/notification-settings", map[string]any{"email": false, "in_app": true, "digest": true}, 200, nil)
	anon.do("POST", "/api/v1/password-reset", map[string]any{"email": "ana@example.org"}, 202, nil)
	anon.do("POST", "/api/v1/password-reset", map[string]any{"email": "nobody@example.org"}, 202, nil)
	link = waitForLinkMail(t, smtp, 2, "Reset your OGP Local password")
	anon.do("POST", "/api/v1/account/password", map[string]any{"token": link, "password": "another long passphrase"}, 204, nil)
	if _, err := st.DB.Authenticate(ctx, "ana@example.org", "another long passphrase"); err != nil {
		t.Fatalf("sign-in with the reset password: %v", err)
	}
	var inbox struct {
		Total int `json:"total"`
	}
	admin.as(ana.Token).do("GET", "/api/v1/notifications", nil, 200, &inbox)
	if inbox.Total != 0 {
		t.Errorf("%d account links kept in the inbox although e-mail works", inbox.Total)
	}
	time.Sleep(time.Second)
	if n := len(smtp.Mails()); n != 2 {
		t.Errorf("%d e-mails, want 2 (nothing for an unknown address)", n)
	}
}

// Without SMTP the link cannot leave: the server logs it at WARN for the
// developer, and it reaches the in-app inbox.
func TestAccountLinksWithoutSMTP(t *testing.T) {
	logs := &lockedBuffer{}
	cfg := stackConfig(t, t.TempDir(), "")
	cfg.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.PublicURL = "http://localhost:8080"
	st := startDev(t, cfg)
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)

	var ana struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	admin.do("POST", "/api/v1/users", map[string]any{"name": "Ana", "email": "ana@example.org"}, 201, &ana)
	admin.do("POST", "/api/v1/users/"+strconv.FormatInt(ana.ID, 10)+"/invitation", nil, 202, nil)
	m := regexp.MustCompile(`no SMTP configured; account link for ana@example.org: (http://localhost:8080/account/password\?token=ogpl_[A-Za-z0-9_-]+)`).
		FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("the link is not in the log:\n%s", logs.String())
	}
	waitForInbox(t, admin.as(ana.Token), models.NotificationAccountLink, 1)
	u, _ := url.Parse(m[1])
	admin.as("").do("POST", "/api/v1/account/password", map[string]any{"token": u.Query().Get("token"), "password": "a long and memorable passphrase"}, 204, nil)
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var mailedLink = regexp.MustCompile(`/account/password\?token=(ogpl_[A-Za-z0-9_-]+)`)

// waitForLinkMail waits for the n-th e-mail and returns the link token in it.
func waitForLinkMail(t *testing.T, s *notifytest.SMTPServer, n int, subject string) string {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		mails := s.Mails()
		if len(mails) < n {
			continue
		}
		// Undo quoted-printable soft breaks and escapes.
		data := strings.ReplaceAll(strings.ReplaceAll(mails[n-1].Data, "=\r\n", ""), "=3D", "=")
		if !strings.Contains(data, subject) {
			t.Fatalf("e-mail %d is not %q:\n%s", n, subject, data)
		}
		m := mailedLink.FindStringSubmatch(data)
		if m == nil {
			t.Fatalf("no link in e-mail %d:\n%s", n, data)
		}
		return m[1]
	}
	t.Fatalf("no e-mail %d within a minute", n)
	return ""
}
