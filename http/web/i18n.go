package web

import (
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
)

// Page languages.
const (
	LangZH = locale.ZH // the default
	LangEN = locale.EN
)

// Languages lists the page languages, the default first.
var Languages = locale.Languages

// MissingMarker starts the text of a key that has no translation; tests fail on it.
const MissingMarker = locale.MissingMarker

// Translate returns the message of key in lang (see package locale), filled with args:
// pairs of a placeholder name and its value, e.g. translate(lang, "common.total",
// "Count", n).
func Translate(lang, key string, args ...any) string {
	return locale.Text(lang, key, args...)
}

// langURL returns the current page's URL with ?lang= set to lang, keeping the path and the
// other parameters.
func langURL(u *url.URL, lang string) string {
	q := u.Query()
	q.Set("lang", lang)
	return u.EscapedPath() + "?" + q.Encode()
}

// HtmlLang is the value of <html lang> for a page language.
func HtmlLang(lang string) string {
	if lang == LangEN {
		return "en"
	}
	return "zh-CN"
}

// LocalPath returns next when it is a path on this site ("/console/x?y"), else fallback.
// It refuses absolute and protocol-relative URLs and backslashes, which browsers may
// treat as slashes.
func LocalPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return next
}

// DecisionText is why an access decision refuses, in lang (its message when it names one,
// else its English sentence).
func DecisionText(lang string, d pubdata.AccessDecision) string {
	if d.Msg != nil {
		return locale.Render(lang, d.Msg)
	}
	return d.Message
}
