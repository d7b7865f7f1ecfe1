package web

import (
	"context"
	"fmt"
	"github.com/pubdata/pubdata"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// FieldErrors returns the field problems of err for a form; problems of fields not in
// known go to the whole form ("").
func FieldErrors(lang string, err error, known ...string) FormErrors {
	errs := FormErrors{}
	for field, e := range pubdata.ErrorFields(err) {
		msg := FieldText(lang, e)
		if field == "" || !containsString(known, field) {
			field = ""
		}
		if errs[field] != "" {
			msg = errs[field] + " " + msg
		}
		errs[field] = msg
	}
	if len(errs) == 0 {
		errs[""] = ErrorText(lang, err)
	}
	return errs
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// LinkBase is the platform's public address for links in e-mail.
func (s *Server) LinkBase(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || s.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// SendVerification issues a verification token for the user's address and mails the link.
func (s *Server) SendVerification(ctx context.Context, r *http.Request, userID, lang string) error {
	email, secret, err := s.Accounts.IssueEmailVerification(ctx, userID)
	if err != nil {
		return err
	}
	link := s.LinkBase(r) + "/register/verify?token=" + url.QueryEscape(secret)
	body := fmt.Sprintf("%s\n\n%s\n\n%s\n", Translate(LangZH, "mail.verify.body"), link, Translate(LangEN, "mail.verify.body"))
	if err := s.Mail.SendMail(ctx, []string{email}, Translate(lang, "mail.verify.subject"), body); err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelWarn, "sending the verification e-mail failed",
			slog.String("request_id", RequestIDFrom(ctx)), slog.String("error", err.Error()))
		return err
	}
	return nil
}
