package main

import (
	"context"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/mail"
)

// mailer returns the SMTP mailer of the settings, or nil when e-mail is off.
func (c *Config) mailer() pubdata.Mailer {
	if c.SMTPAddr == "" {
		return nil
	}
	return &mail.SMTP{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUsername, Password: c.SMTPPassword}
}

// outbox returns the notifications' e-mail outbox, or nil when e-mail is off.
func (a *app) outbox() *mail.Outbox {
	if a.mailer == nil {
		return nil
	}
	return &mail.Outbox{Store: a.accounts, Mailer: a.mailer, BaseURL: a.cfg.PublicURL, Logger: a.logger}
}

// runAccountJobs writes the API tokens' usage every web.UsageFlushInterval and, when
// e-mail is configured, e-mails notifications every mail.Interval, until ctx ends.
func (a *app) runAccountJobs(ctx context.Context) {
	flush := time.NewTicker(web.UsageFlushInterval)
	defer flush.Stop()
	var mailC <-chan time.Time
	box := a.outbox()
	if box != nil {
		t := time.NewTicker(mail.Interval)
		defer t.Stop()
		mailC = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			a.flushUsage(ctx)
		case <-mailC:
			if n, err := box.Deliver(ctx); err != nil {
				a.logger.Error("e-mailing notifications", "error", err)
			} else if n > 0 {
				a.logger.Info("e-mailed notifications", "sent", n)
			}
		}
	}
}

// flushUsage writes the usage counted since the last flush.
func (a *app) flushUsage(ctx context.Context) {
	if a.web == nil {
		return
	}
	if err := a.web.FlushUsage(ctx); err != nil {
		a.logger.Error("writing API tokens' usage", "error", err)
	}
}
