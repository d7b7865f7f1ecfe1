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

// runUsageFlush writes the API tokens' usage counted in this server's memory every
// web.UsageFlushInterval until ctx ends (per process). E-mailing notifications is a periodic
// job of the queue (deliverMail, jobs.go).
func (a *app) runUsageFlush(ctx context.Context) {
	flush := time.NewTicker(web.UsageFlushInterval)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			a.flushUsage(ctx)
		}
	}
}

// deliverMail e-mails the notifications not yet sent, each claimed in the database for the
// time of its sending (mail.Outbox), so that a job rescued while its first run still sends
// never sends one twice.
func (a *app) deliverMail(ctx context.Context) {
	box := a.outbox()
	if box == nil {
		return
	}
	if n, err := box.Deliver(ctx); err != nil {
		a.logger.Error("e-mailing notifications", "error", err)
	} else if n > 0 {
		a.logger.Info("e-mailed notifications", "sent", n)
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
