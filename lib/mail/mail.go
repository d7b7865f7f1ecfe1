// Package mail sends the platform's e-mail: UTF-8 plain-text messages over SMTP (net/smtp),
// with STARTTLS when the server offers it and PLAIN authentication when a username is set;
// and the outbox that e-mails notifications.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

var _ pubdata.Mailer = (*SMTP)(nil)

// SMTP is a mail server to send through. Password is a secret: it is never logged or
// shown (String omits it).
type SMTP struct {
	Addr     string // host:port
	From     string // the sender's address
	Username string // "" sends without authentication
	Password string
	// TLSConfig is used for STARTTLS; nil verifies the server's certificate for its host.
	TLSConfig *tls.Config
	// Timeout bounds one message's exchange; 0 means 30 s.
	Timeout time.Duration
}

// String describes the server without the password.
func (m *SMTP) String() string { return fmt.Sprintf("smtp://%s (from %s)", m.Addr, m.From) }

// SendMail implements pubdata.Mailer: one message to the recipients, in one SMTP session.
func (m *SMTP) SendMail(ctx context.Context, to []string, subject, body string) error {
	if len(to) == 0 {
		return errors.New("mail: no recipients")
	}
	for _, a := range append([]string{m.From}, to...) {
		if strings.ContainsAny(a, "\r\n<>") {
			return fmt.Errorf("mail: bad address %q", a)
		}
	}
	msg, err := Compose(m.From, to, subject, body, time.Now())
	if err != nil {
		return err
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("mail: connect %s: %w", m.Addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(m.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("mail: %s: %w", m.Addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("mail: STARTTLS with %s: %w", m.Addr, err)
		}
	}
	if m.Username != "" {
		// net/smtp's PLAIN refuses to send the password unencrypted except to localhost.
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("mail: authentication with %s as %s: %w", m.Addr, m.Username, err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	for _, a := range to {
		if err := c.Rcpt(a); err != nil {
			return fmt.Errorf("mail: RCPT TO %s: %w", a, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	return c.Quit()
}

// Compose returns the message in RFC 5322 form: UTF-8 text in base64, the subject
// RFC 2047-encoded, CRLF line ends.
func Compose(from string, to []string, subject, body string, now time.Time) ([]byte, error) {
	id := make([]byte, 12)
	rand.Read(id)
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from)
	h("To", strings.Join(to, ", "))
	h("Subject", mime.BEncoding.Encode("UTF-8", strings.ReplaceAll(strings.ReplaceAll(subject, "\r", ""), "\n", " ")))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64Lines(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString(enc)
	return []byte(b.String()), nil
}
