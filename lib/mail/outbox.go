package mail

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
)

// Outbox e-mails notifications: it claims unsent ones from the store, sends each to the
// verified addresses of the users it is for and marks it sent; a failure leaves it for a
// later round (RetryAfter). Sending happens outside any transaction of the store.
type Outbox struct {
	Store  pubdata.NotificationOutbox
	Mailer pubdata.Mailer
	// BaseURL is the platform's public address, put before the notifications' links.
	BaseURL string
	Logger  *slog.Logger
	// Batch is how many notifications one round claims (0: 50); Lease how long a claim
	// holds (0: 5 minutes); RetryAfter how long a failed one waits (0: 5 minutes).
	Batch      int
	Lease      time.Duration
	RetryAfter time.Duration
}

// Interval is how often pubdata serve runs the outbox.
const Interval = 30 * time.Second

// Deliver runs one round and returns how many notifications were sent.
func (o *Outbox) Deliver(ctx context.Context) (int, error) {
	batch, lease, retry := o.Batch, o.Lease, o.RetryAfter
	if batch <= 0 {
		batch = 50
	}
	if lease <= 0 {
		lease = 5 * time.Minute
	}
	if retry <= 0 {
		retry = 5 * time.Minute
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ns, err := o.Store.ClaimNotifications(ctx, batch, lease)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, n := range ns {
		var failed error
		for _, to := range n.To { // one message per person: addresses are not shown to others
			subject, body := o.Message(n)
			if err := o.Mailer.SendMail(ctx, []string{to}, subject, body); err != nil {
				failed = err
				break
			}
		}
		if failed != nil {
			logger.Warn("e-mailing a notification failed; it will be tried again", "notification", n.ID, "error", failed)
			if err := o.Store.NotificationMailFailed(ctx, n, retry); err != nil {
				return sent, err
			}
			continue
		}
		if err := o.Store.MarkNotificationMailed(ctx, n); err != nil {
			return sent, err
		}
		if len(n.To) > 0 {
			sent++
		}
	}
	return sent, nil
}

// Message returns the subject and body of a notification's e-mail: Chinese, then English.
func (o *Outbox) Message(n *pubdata.OutgoingNotification) (string, string) {
	subject := "公共数据开放平台通知 / Public Data Platform notice"
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n", locale.Notice(locale.ZH, n.Key, n.Params), locale.Notice(locale.EN, n.Key, n.Params))
	if n.Link != "" {
		fmt.Fprintf(&b, "\n%s%s\n", strings.TrimRight(o.BaseURL, "/"), n.Link)
	}
	b.WriteString("\n—\n公共数据开放平台 · Public Data Platform\n")
	return subject, b.String()
}
