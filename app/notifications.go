package app

import (
	"fmt"

	"github.com/ogplocal/ogp/activities"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/notify"
)

// activities builds the worker's activities with the configured delivery
// channels: e-mail only when an SMTP host is set.
func (c *Config) activities(db *models.DB) (*activities.Activities, error) {
	acts := &activities.Activities{Store: db, PublicURL: c.PublicURL}
	if c.SMTPHost == "" {
		c.Log.Info("e-mail notifications are off: no OGP_SMTP_HOST")
		return acts, nil
	}
	m, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername,
		Password: c.SMTPPassword, From: c.SMTPFrom, TLS: c.SMTPTLS})
	if err != nil {
		return nil, fmt.Errorf("e-mail (OGP_SMTP_*): %w", err)
	}
	acts.Mailer = m
	return acts, nil
}
