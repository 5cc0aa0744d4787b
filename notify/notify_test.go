package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/notify"
	"github.com/ogplocal/ogp/notify/notifytest"
)

const (
	testUser = "ogp-mailer"
	testPass = "s3cret-Pa55"
)

func send(t *testing.T, cfg notify.SMTPConfig) error {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "OGP Local <ogp@example.org>"
	}
	m, err := notify.NewSMTPMailer(cfg)
	if err != nil {
		t.Fatalf("NewSMTPMailer: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return m.Send(ctx, notify.Email{To: "ana@example.org", Subject: "Milestone due", Text: "Step 3 is due.", HTML: "<p>Step 3 is due.</p>"})
}

func checkDelivered(t *testing.T, srv *notifytest.SMTPServer, user string) {
	t.Helper()
	mails := srv.Mails()
	if len(mails) != 1 {
		t.Fatalf("server received %d messages, want 1", len(mails))
	}
	got := mails[0]
	if !got.TLS {
		t.Error("message came over a plain connection, want TLS")
	}
	if got.Username != user {
		t.Errorf("authenticated as %q, want %q", got.Username, user)
	}
	if got.From != "ogp@example.org" || len(got.To) != 1 || got.To[0] != "ana@example.org" {
		t.Errorf("envelope from %q to %q", got.From, got.To)
	}
	if !strings.Contains(got.Data, "Subject: Milestone due") || !strings.Contains(got.Data, "Step 3 is due.") {
		t.Errorf("message lacks subject or body:\n%s", got.Data)
	}
}

func TestSMTPStartTLSWithAuth(t *testing.T) {
	srv := notifytest.StartSMTP(t, notifytest.WithSTARTTLS(), notifytest.WithAuth(testUser, testPass))
	err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: notify.TLSStartTLS,
		Username: testUser, Password: testPass, RootCAs: srv.RootCAs})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivered(t, srv, testUser)
}

func TestSMTPStartTLSIsTheDefault(t *testing.T) {
	srv := notifytest.StartSMTP(t, notifytest.WithSTARTTLS())
	if err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, RootCAs: srv.RootCAs}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivered(t, srv, "")
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Run("no auth", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.WithImplicitTLS())
		if err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: notify.TLSImplicit, RootCAs: srv.RootCAs}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		checkDelivered(t, srv, "")
	})
	t.Run("auth", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.WithImplicitTLS(), notifytest.WithAuth(testUser, testPass))
		err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: notify.TLSImplicit,
			Username: testUser, Password: testPass, RootCAs: srv.RootCAs})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		checkDelivered(t, srv, testUser)
	})
}

// Wrong credentials fail the send with an error. Mailer errors are
// retryable (activities.Deliver marks only a missing mailer, user or
// address as permanent), so Temporal retries until an operator fixes the
// password or the attempts run out.
func TestSMTPWrongCredentials(t *testing.T) {
	for _, mode := range []string{notify.TLSStartTLS, notify.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			opt := notifytest.WithSTARTTLS()
			if mode == notify.TLSImplicit {
				opt = notifytest.WithImplicitTLS()
			}
			srv := notifytest.StartSMTP(t, opt, notifytest.WithAuth(testUser, testPass))
			err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: mode,
				Username: testUser, Password: "wrong-password", RootCAs: srv.RootCAs})
			if err == nil {
				t.Fatal("Send with a wrong password succeeded")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), "535") {
				t.Errorf("error %q does not carry the server's 535", err)
			}
			if strings.Contains(err.Error(), "wrong-password") {
				t.Errorf("error %q reveals the password", err)
			}
			if n := len(srv.Mails()); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.WithSTARTTLS(), notifytest.WithAuth(testUser, testPass))
		err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: notify.TLSStartTLS, RootCAs: srv.RootCAs})
		if err == nil {
			t.Fatal("Send without credentials to a server requiring AUTH succeeded")
		}
		t.Logf("error: %v", err)
		if n := len(srv.Mails()); n != 0 {
			t.Errorf("server received %d messages", n)
		}
	})
}

// With starttls configured, a server that does not offer STARTTLS must
// not get the message (nor the password) in clear text.
func TestSMTPStartTLSRequired(t *testing.T) {
	for _, tc := range []struct{ name, user, pass string }{{"no auth", "", ""}, {"auth", testUser, testPass}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := notifytest.StartSMTP(t) // no TLS at all
			err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: notify.TLSStartTLS,
				Username: tc.user, Password: tc.pass})
			if err == nil {
				t.Fatal("Send over a server without STARTTLS succeeded: silent downgrade")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), "STARTTLS") {
				t.Errorf("error %q does not say STARTTLS is missing", err)
			}
			if n := len(srv.Mails()); n != 0 {
				t.Errorf("server received %d messages in clear text", n)
			}
		})
	}
}

// Implicit TLS against a plain server fails rather than falling back.
func TestSMTPImplicitTLSAgainstPlainServer(t *testing.T) {
	srv := notifytest.StartSMTP(t)
	if err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: notify.TLSImplicit}); err == nil {
		t.Fatal("implicit TLS to a plain server succeeded")
	}
	if n := len(srv.Mails()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

// The certificate is verified: without the test CA the handshake fails.
func TestSMTPUntrustedCertificate(t *testing.T) {
	for _, mode := range []string{notify.TLSStartTLS, notify.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			opt := notifytest.WithSTARTTLS()
			if mode == notify.TLSImplicit {
				opt = notifytest.WithImplicitTLS()
			}
			srv := notifytest.StartSMTP(t, opt)
			err := send(t, notify.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: mode})
			if err == nil {
				t.Fatal("Send to a server with an untrusted certificate succeeded")
			}
			t.Logf("error: %v", err)
			if n := len(srv.Mails()); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
}
