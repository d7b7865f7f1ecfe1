// Package locale holds every message a reader sees — page texts, form and batch-report
// problems, domain errors, notifications — in one file per language (zh-CN.toml, the
// default, and en.toml), read with go-i18n v2: CLDR plural forms and named placeholders
// ({{.Name}}). Code names a message by key and passes its arguments as name/value pairs:
//
//	locale.Text(lang, "common.total", "Count", n)
//
// A translator adds a language by copying en.toml to <tag>.toml (a BCP 47 tag such as
// "ug" or "zh-TW"), translating its values and adding the tag to Languages; the test of
// this package fails while a key of one file is missing in another.
package locale

import (
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"github.com/pubdata/pubdata"
	"golang.org/x/text/language"
)

// Languages.
const (
	ZH = "zh-CN" // the default
	EN = "en"
)

// Languages lists the languages of the message files, the default first.
var Languages = []string{ZH, EN}

// MissingMarker starts the text of a key that has no message in a language, or whose
// arguments do not fill it; tests fail on it.
const MissingMarker = "⟦missing:"

// PluralArg is the name of the argument that chooses a message's plural form.
const PluralArg = "Count"

//go:embed *.toml
var files embed.FS

type catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	keys       map[string]map[string]bool // language → keys
	plural     map[string]map[string]bool // language → keys with plural forms
}

var load = sync.OnceValue(func() *catalog {
	c := &catalog{
		bundle:     i18n.NewBundle(language.Make(ZH)),
		localizers: map[string]*i18n.Localizer{},
		keys:       map[string]map[string]bool{},
		plural:     map[string]map[string]bool{},
	}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, lang := range Languages {
		name := lang + ".toml"
		b, err := files.ReadFile(name)
		if err != nil {
			panic("locale: " + err.Error())
		}
		f, err := c.bundle.ParseMessageFileBytes(b, name)
		if err != nil {
			panic("locale: " + name + ": " + err.Error())
		}
		c.keys[lang], c.plural[lang] = map[string]bool{}, map[string]bool{}
		for _, m := range f.Messages {
			c.keys[lang][m.ID] = true
			c.plural[lang][m.ID] = m.Zero+m.One+m.Two+m.Few+m.Many != ""
		}
		c.localizers[lang] = i18n.NewLocalizer(c.bundle, lang)
	}
	return c
})

// strict fails on a placeholder the arguments do not name, rather than print "<no value>".
var strict = &template.TextParser{Option: "missingkey=error"}

// Text returns the message of key in lang (the default language for one without files)
// filled with args, pairs of a placeholder name and its value; an argument named Count
// chooses the plural form of a message that has plural forms in lang. A key missing in lang, or arguments that do not fill the
// message, give a text starting with MissingMarker.
func Text(lang, key string, args ...any) string {
	fp, cacheable := fingerprint(lang, key, args)
	if cacheable {
		if s, ok := texts.get(fp); ok {
			return s
		}
	}
	s := text(lang, key, args...)
	if cacheable && !strings.HasPrefix(s, MissingMarker) {
		texts.put(fp, s)
	}
	return s
}

// texts keeps rendered messages: a batch of a million rows renders the same few problems
// ("row.type" of one column) thousands of times, and go-i18n's template takes ~15 µs each.
var texts = &textCache{m: map[string]string{}}

// textCacheMax bounds the cache; past it the cache starts again.
const textCacheMax = 8192

type textCache struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *textCache) get(k string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[k]
	return s, ok
}

func (c *textCache) put(k, s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= textCacheMax {
		clear(c.m)
	}
	c.m[k] = s
}

// fingerprint is the cache key of a message: language, key and the arguments sorted by
// name; ok is false when an argument is not a plain value (its text could change).
func fingerprint(lang, key string, args []any) (string, bool) {
	if len(args)%2 != 0 {
		return "", false
	}
	type pair struct{ name, value string }
	pairs := make([]pair, 0, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			return "", false
		}
		var v string
		switch x := args[i+1].(type) {
		case string:
			v = x
		case int:
			v = strconv.Itoa(x)
		case int64:
			v = strconv.FormatInt(x, 10)
		case float64:
			v = strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			v = strconv.FormatBool(x)
		default:
			return "", false
		}
		pairs = append(pairs, pair{name, v})
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].name < pairs[j].name })
	var b strings.Builder
	b.WriteString(lang)
	b.WriteByte(0)
	b.WriteString(key)
	for _, p := range pairs {
		b.WriteByte(0)
		b.WriteString(p.name)
		b.WriteByte(1)
		b.WriteString(p.value)
	}
	return b.String(), true
}

// text renders key in lang with args (Text without the cache).
func text(lang, key string, args ...any) string {
	c := load()
	if _, ok := c.localizers[lang]; !ok {
		lang = ZH
	}
	if !c.keys[lang][key] {
		return MissingMarker + key + "⟧"
	}
	lc := &i18n.LocalizeConfig{MessageID: key, TemplateParser: strict}
	if len(args) > 0 {
		data, err := Args(args...)
		if err != nil {
			return MissingMarker + key + ": " + err.Error() + "⟧"
		}
		lc.TemplateData = data
		if n, ok := data[PluralArg]; ok && c.plural[lang][key] {
			lc.PluralCount = n
		}
	}
	s, err := c.localizers[lang].Localize(lc)
	if err != nil {
		return MissingMarker + key + ": " + err.Error() + "⟧"
	}
	return s
}

// NoticePrefix starts the message key of a notification: its message is NoticePrefix + the
// notification's key.
const NoticePrefix = "notice."

// NoticeLabels names the parameters of notifications that hold a code with a label in the
// message files: notification key → parameter → the prefix of the label's key. Notice shows
// the label in the reader's language instead of the code (a security alert's rule:
// "bulk_read" → "alerts.kind.bulk_read", 个人数据批量读取); a code without a label stays as
// it is. Notifications keep the code, so those already stored read the same way.
var NoticeLabels = map[string]map[string]string{
	"security.alert":            {"kind": "alerts.kind."},
	"security.incident":         {"severity": "incidents.severity."},
	"security.incident_overdue": {"severity": "incidents.severity."},
}

// Notice returns the text of the notification of key with params in lang.
func Notice(lang, key string, params map[string]string) string {
	args := make([]any, 0, 2*len(params))
	labels := NoticeLabels[key]
	for name, v := range params {
		if prefix, ok := labels[name]; ok && Has(lang, prefix+v) {
			v = Text(lang, prefix+v)
		}
		args = append(args, name, v)
	}
	return Text(lang, NoticePrefix+key, args...)
}

// Render returns the text of m in lang: its Sub messages rendered first, then m's message
// filled with them and its Args.
func Render(lang string, m *pubdata.Message) string {
	args := make([]any, 0, 2*(len(m.Args)+len(m.Sub)))
	for name, v := range m.Args {
		args = append(args, name, v)
	}
	for name, s := range m.Sub {
		args = append(args, name, Render(lang, s))
	}
	return Text(lang, m.Key, args...)
}

// Args turns name/value pairs into the map of a message's placeholders.
func Args(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("odd number of arguments %v", pairs)
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("argument %d is not a name: %v", i, pairs[i])
		}
		m[name] = pairs[i+1]
	}
	return m, nil
}

// Has reports whether key has a message in lang.
func Has(lang, key string) bool {
	return load().keys[lang][key]
}

// Keys returns the keys of lang's file, sorted.
func Keys(lang string) []string {
	var out []string
	for k := range load().keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
