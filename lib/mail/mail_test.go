package mail_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/lib/mail"
	"github.com/pubdata/pubdata/sqlstore"
)

// server is a small SMTP server speaking the protocol over TCP: EHLO (offering AUTH
// PLAIN), AUTH, MAIL, RCPT, DATA, QUIT. fail makes DATA answer 451.
type server struct {
	addr string
	mu   sync.Mutex
	auth []string // decoded AUTH PLAIN credentials
	msgs []msg
	fail bool
}

type msg struct {
	to   []string
	data string
}

func newServer(t *testing.T) *server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &server{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *server) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { c.Write([]byte(l + "\r\n")) }
	say("220 test ESMTP")
	var m msg
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-test")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(cmd, "AUTH PLAIN "):
			b, _ := base64.StdEncoding.DecodeString(line[len("AUTH PLAIN "):])
			s.mu.Lock()
			s.auth = append(s.auth, string(b))
			s.mu.Unlock()
			say("235 ok")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = msg{}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = append(m.to, strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>"))
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			fail := s.fail
			if !fail {
				m.data = b.String()
				s.msgs = append(s.msgs, m)
			}
			s.mu.Unlock()
			if fail {
				say("451 try later")
			} else {
				say("250 queued")
			}
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *server) messages() []msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]msg(nil), s.msgs...)
}

func TestSendMailPlainAuthUTF8(t *testing.T) {
	srv := newServer(t)
	m := &mail.SMTP{Addr: srv.addr, From: "noreply@example.cn", Username: "platform", Password: "s3cret"}
	if strings.Contains(m.String(), "s3cret") {
		t.Fatal("String shows the password")
	}
	if err := m.SendMail(context.Background(), []string{"a@example.cn"}, "数据通知", "您好，数据已开放。\n第二行"); err != nil {
		t.Fatal(err)
	}
	got := srv.messages()
	if len(got) != 1 || got[0].to[0] != "a@example.cn" || len(srv.auth) != 1 || srv.auth[0] != "\x00platform\x00s3cret" {
		t.Fatalf("messages %v auth %q", got, srv.auth)
	}
	head, body, _ := strings.Cut(got[0].data, "\r\n\r\n")
	dec, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(body, "\r\n", ""))
	if !strings.Contains(head, "Subject: =?UTF-8?b?") || !strings.Contains(head, "charset=UTF-8") || string(dec) != "您好，数据已开放。\r\n第二行" {
		t.Fatalf("message: %q / %q", head, dec)
	}
	if err := m.SendMail(context.Background(), []string{"x@example.cn\r\nRCPT TO:<y@example.cn>"}, "s", "b"); err == nil {
		t.Fatal("header injection in an address was sent")
	}
}

// TestOutboxSendsOnce: a notification for a user with a verified address is mailed once,
// even with two outboxes (servers) running; a failed send is retried later; users without
// a verified address get nothing.
func TestOutboxSendsOnce(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testOutbox(t, testdb.SQLite(t)) })
	t.Run("PostgreSQL", func(t *testing.T) {
		testdb.RequirePostgres(t)
		testOutbox(t, testdb.Postgres(t))
	})
}

func testOutbox(t *testing.T, dsn string) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	db.Now = func() time.Time { return now }
	acc := sqlstore.NewAccountService(db, division.Default())
	sys := pubdata.NewContextWithActor(ctx, &pubdata.Actor{})
	for _, name := range []string{"han.mei", "li.lei"} {
		if _, err := acc.Register(sys, &pubdata.Registration{Username: name, DisplayName: name, Password: "password-" + name, Email: name + "@example.cn"}); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := sqlstore.NewUserService(db).FindUserByUsername(ctx, "han.mei")
	_, secret, err := acc.IssueEmailVerification(sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acc.VerifyEmail(sys, secret); err != nil {
		t.Fatal(err)
	}
	// The store's other account steps on this database: resets only to a verified address,
	// usage counts adding up across flushes.
	if email, sec, err := acc.IssuePasswordReset(sys, "li.lei"); err != nil || email != "" || sec != "" {
		t.Fatalf("reset of an unverified account: %q %v", email, err)
	}
	email, sec, err := acc.IssuePasswordReset(sys, "han.mei@example.cn")
	if err != nil || email != "han.mei@example.cn" {
		t.Fatalf("reset: %q %v", email, err)
	}
	if _, err := acc.ResetPassword(sys, sec, "a new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.ResetPassword(sys, sec, "another password"); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("second use of a reset token: %v", err)
	}
	tokens := sqlstore.NewTokenService(db)
	tok, _, err := tokens.CreateToken(sys, u.ID, "app", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := acc.RecordTokenUsage(ctx, map[string]pubdata.TokenUsage{tok.ID: {Requests: 3, LastUsed: now}}); err != nil {
			t.Fatal(err)
		}
	}
	if ts, _ := tokens.FindTokens(ctx, u.ID); len(ts) != 1 || ts[0].Requests != 6 || ts[0].LastUsedAt == nil {
		t.Fatalf("usage: %+v", ts)
	}
	for i, to := range []string{"han.mei", "li.lei"} {
		if err := db.Exec(ctx, "INSERT INTO notifications (id, username, nkey, params, link, created_at) VALUES (?, ?, 'application.approved', '{\"entry\":\"企业登记\",\"until\":\"2026-12-31\"}', '/console/applications/x', ?)",
			"n"+string(rune('1'+i)), to, now.UTC().Format("2006-01-02T15:04:05.000000Z")); err != nil {
			t.Fatal(err)
		}
	}
	srv := newServer(t)
	m := &mail.SMTP{Addr: srv.addr, From: "noreply@example.cn"}
	box := func() *mail.Outbox {
		return &mail.Outbox{Store: acc, Mailer: m, BaseURL: "https://data.example.cn"}
	}
	srv.fail = true
	if n, err := box().Deliver(ctx); err != nil || n != 0 {
		t.Fatalf("failing round: %d %v", n, err)
	}
	if n, _ := box().Deliver(ctx); n != 0 {
		t.Fatal("a failed notification was claimed again before its retry time")
	}
	srv.mu.Lock()
	srv.fail = false
	srv.mu.Unlock()
	now = now.Add(6 * time.Minute)
	var wg sync.WaitGroup
	sent, errs := make([]int, 2), make([]error, 2)
	for i := range sent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent[i], errs[i] = box().Deliver(ctx)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if got := srv.messages(); sent[0]+sent[1] != 1 || len(got) != 1 || got[0].to[0] != "han.mei@example.cn" {
		t.Fatalf("sent %v, messages %v", sent, got)
	}
	body := srv.messages()[0].data
	_, b64, _ := strings.Cut(body, "\r\n\r\n")
	dec, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, "\r\n", ""))
	if !strings.Contains(string(dec), "您对“企业登记”的申请已获批准，可使用至2026-12-31。") || !strings.Contains(string(dec), "Your application for “企业登记” was approved") || !strings.Contains(string(dec), "https://data.example.cn/console/applications/x") {
		t.Fatalf("body: %s", dec)
	}
	now = now.Add(time.Hour)
	if n, _ := box().Deliver(ctx); n != 0 || len(srv.messages()) != 1 {
		t.Fatal("a notification was mailed twice")
	}
}
