package http

import (
	"fmt"
	"net/url"
	"strings"
)

// Page languages.
const (
	LangZH = "zh-CN" // the default
	LangEN = "en"
)

// languages lists the page languages, the default first.
var languages = []string{LangZH, LangEN}

// msg is one entry of the message catalog: the text in each language. Texts may hold
// fmt verbs filled by the template's arguments.
type msg struct {
	zh, en string
}

// missingMarker wraps a key that has no translation; tests fail on it.
const missingMarker = "⟦missing:"

// translate returns the text of key in lang, formatted with args. A key missing from the
// catalog, or without text in lang, comes back marked so that tests catch it.
func translate(lang, key string, args ...any) string {
	m, ok := messages[key]
	text := m.zh
	if lang == LangEN {
		text = m.en
	}
	if !ok || text == "" {
		return missingMarker + key + "⟧"
	}
	if len(args) > 0 {
		return fmt.Sprintf(text, args...)
	}
	return text
}

// langURL returns the current page's URL with ?lang= set to lang, keeping the path and the
// other parameters.
func langURL(u *url.URL, lang string) string {
	q := u.Query()
	q.Set("lang", lang)
	return u.EscapedPath() + "?" + q.Encode()
}

// htmlLang is the value of <html lang> for a page language.
func htmlLang(lang string) string {
	if lang == LangEN {
		return "en"
	}
	return "zh-CN"
}

// localPath returns next when it is a path on this site ("/console/x?y"), else fallback.
// It refuses absolute and protocol-relative URLs and backslashes, which browsers may
// treat as slashes.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return next
}
