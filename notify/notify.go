// Package notify delivers notifications outside the application: e-mail
// over SMTP and signed webhook calls. It only sends; what to send, to
// whom and how often is decided by the outbox (package models) and the
// workflows' retry policy.
package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/ogplocal/ogp/webhook"
)

// TLS modes of the SMTP connection.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// SMTPConfig is the SMTP server e-mail goes through.
type SMTPConfig struct {
	Host     string
	Port     int // 0: 25 (none), 587 (starttls) or 465 (tls)
	Username string
	Password string
	From     string
	// TLS is none, starttls (required, the default) or tls (implicit).
	TLS string
	// RootCAs verifies the server's certificate; nil uses the system's
	// roots. Tests set it to trust their own certificate.
	RootCAs *x509.CertPool
}

// Email is one message to one person.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends e-mail.
type Mailer interface {
	Send(ctx context.Context, m Email) error
}

// SMTPMailer sends each message over its own SMTP connection: reminders
// are rare, and a fresh connection never trips over a server's idle
// timeout.
type SMTPMailer struct {
	cfg  SMTPConfig
	opts []mail.Option
}

// NewSMTPMailer checks the configuration and returns a mailer.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("smtp: no host")
	}
	if cfg.From == "" {
		return nil, fmt.Errorf("smtp: OGP_SMTP_FROM is required with OGP_SMTP_HOST")
	}
	if err := mail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("smtp: sender %q: %w", cfg.From, err)
	}
	opts := []mail.Option{mail.WithTimeout(30 * time.Second)}
	port := cfg.Port
	switch strings.ToLower(cfg.TLS) {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		if port == 0 {
			port = 25
		}
	case TLSStartTLS, "":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
		if port == 0 {
			port = 465
		}
	default:
		return nil, fmt.Errorf("smtp: TLS mode %q: want none, starttls or tls", cfg.TLS)
	}
	opts = append(opts, mail.WithPort(port), mail.WithTLSConfig(&tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs}))
	if cfg.Username != "" {
		// PLAIN refuses to send the password over a connection that is not
		// encrypted (except to localhost), which is what we want.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	cfg.Port = port
	return &SMTPMailer{cfg: cfg, opts: opts}, nil
}

// Send sends one message with a plain-text and an HTML alternative.
func (m *SMTPMailer) Send(ctx context.Context, e Email) error {
	msg := mail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return err
	}
	if err := msg.To(e.To); err != nil {
		return fmt.Errorf("recipient %q: %w", e.To, err)
	}
	msg.Subject(e.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	c, err := mail.NewClient(m.cfg.Host, m.opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// Message is what a notification says, as the outbox recorded it.
type Message struct {
	Kind      string
	Subject   string
	Body      string
	PlanID    int64
	Step      int
	Key       string
	CreatedAt time.Time
}

// PlanURL is the link to the plan for people.
func PlanURL(publicURL string, planID int64) string {
	return strings.TrimRight(publicURL, "/") + "/api/v1/action-plans/" + strconv.FormatInt(planID, 10)
}

var htmlEmail = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif; max-width: 40em">
<h1 style="font-size: 1.2em">{{.Subject}}</h1>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}<p>Since {{.Since}}.</p>
{{if .Link}}<p><a href="{{.Link}}">Open the action plan</a></p>
{{end}}<hr><p style="color: #666; font-size: 0.9em">OGP Local action plans. You receive this because you take part in the plan; choose your channels with PUT /api/v1/me/notification-settings.</p>
</body></html>
`))

// RenderEmail words a notification as an e-mail: what is due (the body
// says it, with its date), since when the message stands, and a link.
func RenderEmail(to string, m Message, publicURL string) (Email, error) {
	since := m.CreatedAt.UTC().Format("2 January 2006, 15:04 UTC")
	link := ""
	if m.PlanID > 0 {
		link = PlanURL(publicURL, m.PlanID)
	}
	var text strings.Builder
	text.WriteString(m.Body)
	fmt.Fprintf(&text, "\n\nSince %s.\n", since)
	if link != "" {
		fmt.Fprintf(&text, "\nThe action plan: %s\n", link)
	}
	text.WriteString("\n-- \nOGP Local action plans. Choose your channels with PUT /api/v1/me/notification-settings.\n")
	var html bytes.Buffer
	err := htmlEmail.Execute(&html, map[string]any{"Subject": m.Subject, "Paragraphs": strings.Split(m.Body, "\n\n"), "Since": since, "Link": link})
	if err != nil {
		return Email{}, err
	}
	return Email{To: to, Subject: m.Subject, Text: text.String(), HTML: html.String()}, nil
}

// WebhookPayload is the JSON body of a webhook call: one plan event.
type WebhookPayload struct {
	Kind      string `json:"kind"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	PlanID    int64  `json:"plan_id"`
	Step      *int   `json:"step"`
	Key       string `json:"key"`
	CreatedAt string `json:"created_at"`
}

// WebhookBody is the exact body of the call for a message: the same
// bytes on every attempt, so a receiver can deduplicate by key.
func WebhookBody(m Message) ([]byte, error) {
	p := WebhookPayload{Kind: m.Kind, Subject: m.Subject, Body: m.Body, PlanID: m.PlanID, Key: m.Key,
		CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339)}
	if m.Step > 0 {
		step := m.Step
		p.Step = &step
	}
	return json.Marshal(p)
}

// WebhookTimeout bounds one call, answer included.
const WebhookTimeout = 10 * time.Second

// CallWebhook POSTs body to url, signed with secret at now. It returns the
// HTTP status when the endpoint answered; any status but 2xx is an error.
func CallWebhook(ctx context.Context, hc *http.Client, url, secret string, body []byte, now time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ogp-webhook/1")
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, ts, body))
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// NewWebhookClient is the HTTP client for webhook calls: no redirects
// (a signed call must reach the registered URL, not wherever it points).
func NewWebhookClient() *http.Client {
	return &http.Client{
		Timeout: WebhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
