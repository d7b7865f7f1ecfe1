package locale

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// action is a template action of a message; field a placeholder named in it.
var (
	action = regexp.MustCompile(`\{\{.*?\}\}`)
	field  = regexp.MustCompile(`\.([A-Za-z_][A-Za-z0-9_]*)`)
)

// forms returns the raw messages of a file: key → plural form → text ("other" for a plain
// message).
func forms(t *testing.T, lang string) map[string]map[string]string {
	t.Helper()
	b, err := files.ReadFile(lang + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := toml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s.toml: %v", lang, err)
	}
	out := map[string]map[string]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = map[string]string{"other": v}
		case map[string]any:
			out[k] = map[string]string{}
			for f, s := range v {
				text, ok := s.(string)
				if !ok {
					t.Errorf("%s.toml: %q.%s is not text", lang, k, f)
				}
				out[k][f] = text
			}
		default:
			t.Errorf("%s.toml: %q is neither a text nor a table of plural forms", lang, k)
		}
	}
	return out
}

// TestFilesAgree fails when a key of one language file is missing in another, when the
// languages of a message name different placeholders, or when a plural table is malformed.
func TestFilesAgree(t *testing.T) {
	all := map[string]map[string]map[string]string{}
	for _, lang := range Languages {
		all[lang] = forms(t, lang)
		if len(all[lang]) < 100 {
			t.Fatalf("%s.toml has only %d messages", lang, len(all[lang]))
		}
		if got := len(Keys(lang)); got != len(all[lang]) {
			t.Errorf("%s: go-i18n read %d messages, the file has %d", lang, got, len(all[lang]))
		}
	}
	names := func(fs map[string]string) []string {
		set := map[string]bool{}
		for _, s := range fs {
			for _, a := range action.FindAllString(s, -1) {
				for _, m := range field.FindAllStringSubmatch(a, -1) {
					set[m[1]] = true
				}
			}
		}
		return slices.Sorted(maps.Keys(set))
	}
	def := all[ZH]
	for _, lang := range Languages {
		for key, fs := range all[lang] {
			if _, ok := def[key]; !ok {
				t.Errorf("key %q is in %s.toml but not in %s.toml", key, lang, ZH)
			}
			if strings.TrimSpace(fs["other"]) == "" {
				t.Errorf("%s.toml: %q has no text (or no \"other\" form)", lang, key)
			}
			for f := range fs {
				switch f {
				case "zero", "one", "two", "few", "many", "other":
				default:
					t.Errorf("%s.toml: %q has the unknown plural form %q", lang, key, f)
				}
			}
			if len(fs) > 1 && !slices.Contains(names(fs), PluralArg) {
				t.Errorf("%s.toml: %q has plural forms but no {{.%s}}", lang, key, PluralArg)
			}
		}
		for key, fs := range def {
			other, ok := all[lang][key]
			if !ok {
				t.Errorf("key %q is in %s.toml but not in %s.toml", key, ZH, lang)
				continue
			}
			// A singular form may leave the count out ("Every minute"); the other form names
			// every placeholder.
			want, got := names(map[string]string{"other": fs["other"]}), names(map[string]string{"other": other["other"]})
			if !slices.Equal(want, got) {
				t.Errorf("%q: %s names placeholders %v, %s %v", key, ZH, want, lang, got)
			}
		}
	}
}

// TestNotice renders a notification from its key and parameters in each language; the
// outcome of an objection is a code the message turns into words.
func TestNotice(t *testing.T) {
	p := map[string]string{"applicant": "福州市公安局", "entry": "企业登记", "due": "2026-10-09"}
	if got := Notice(ZH, "application.new", p); got != "福州市公安局申请使用“企业登记”，请在2026-10-09前答复。" {
		t.Errorf("zh: %q", got)
	}
	if got := Notice(EN, "application.new", p); got != "福州市公安局 applied for “企业登记”; answer by 2026-10-09." {
		t.Errorf("en: %q", got)
	}
	p = map[string]string{"entry": "企业登记", "outcome": "rejected", "note": ""}
	if got := Notice(ZH, "objection.resolved", p); got != "您对“企业登记”记录的异议已处理：未予采纳。" {
		t.Errorf("zh: %q", got)
	}
	// A security alert names its rule in the reader's language, not by its code (issue 15).
	p = map[string]string{"kind": "bulk_read", "subject": "grant:g1", "count": "240"}
	if got := Notice(ZH, "security.alert", p); !strings.Contains(got, "个人信息批量读取") || strings.Contains(got, "bulk_read") {
		t.Errorf("zh alert: %q", got)
	}
	if got := Notice(EN, "security.alert", p); !strings.Contains(got, "Bulk reads of personal data") || strings.Contains(got, "bulk_read") {
		t.Errorf("en alert: %q", got)
	}
	p["kind"] = "a_rule_of_tomorrow" // no label: the code as it is
	if got := Notice(EN, "security.alert", p); !strings.Contains(got, "a_rule_of_tomorrow") {
		t.Errorf("unlabelled rule: %q", got)
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		lang, key string
		args      []any
		want      string
	}{
		{EN, "home.topic.count", []any{"Count", 1}, "1 entry"},
		{EN, "home.topic.count", []any{"Count", 2}, "2 entries"},
		{EN, "home.topic.count", []any{"Count", 0}, "0 entries"},
		{ZH, "home.topic.count", []any{"Count", 1}, "1 个数据目录"},
		{EN, "versions.diff", []any{"From", 2, "To", 3}, "Differences between version 2 and version 3"},
		{"fr", "site.name", nil, "公共数据开放平台"}, // a language without a file: the default
	} {
		if got := Text(c.lang, c.key, c.args...); got != c.want {
			t.Errorf("Text(%s, %s, %v) = %q, want %q", c.lang, c.key, c.args, got, c.want)
		}
	}
	for _, bad := range [][]any{
		{"no.such.key"},
		{"versions.diff", "From", 2},          // a placeholder left unfilled
		{"versions.diff", "From", 2, "To"},    // odd pairs
		{"versions.diff", 2, "From", 3, "To"}, // a value where a name belongs
	} {
		if got := Text(EN, bad[0].(string), bad[1:]...); !strings.HasPrefix(got, MissingMarker) {
			t.Errorf("Text(%v) = %q, without the marker", bad, got)
		}
	}
}

// TestTextCache: the rendered-message cache gives each language, key and arguments their
// own text, whatever the order of the arguments.
func TestTextCache(t *testing.T) {
	for range 2 { // the second round reads the cache
		one, many := Text(EN, "common.total", "Count", 1), Text(EN, "common.total", "Count", 5)
		zh := Text(ZH, "common.total", "Count", 5)
		if one == many || many == zh || !strings.Contains(many, "5") {
			t.Fatalf("cached texts mixed up: %q %q %q", one, many, zh)
		}
	}
	a, _ := fingerprint(EN, "k", []any{"A", "1", "B", 2})
	b, _ := fingerprint(EN, "k", []any{"B", 2, "A", "1"})
	if a != b {
		t.Error("the fingerprint depends on the arguments' order")
	}
	if _, ok := fingerprint(EN, "k", []any{"A", []string{"x"}}); ok {
		t.Error("a value that is not plain is cached")
	}
}
