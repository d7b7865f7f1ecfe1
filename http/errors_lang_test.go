package http

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// TestErrorLanguage: a domain error with a key reaches each reader in their language: on a
// page in the page language, in an API reply (message and each field's message) in ?lang=,
// else Accept-Language, else English; an error without a key keeps its English sentence.
func TestErrorLanguage(t *testing.T) {
	e := newEnv(t)
	keyed := func() error {
		one := pubdata.FieldErrorf("body", "Request body is larger than %d bytes.", 10).Keyed("error.too_large.body", "Limit", 10)
		two := pubdata.FieldErrorf("other", "Request body is larger than %d bytes.", 20).Keyed("error.too_large.body", "Limit", 20)
		return pubdata.WithFieldError(one, two)
	}
	const zh, en = "请求内容超过 10 字节。", "Request body is larger than 10 bytes."
	for _, lang := range web.Languages {
		r := httptest.NewRequest("POST", "/console/x", nil)
		r = r.WithContext(context.WithValue(r.Context(), web.LangKey{}, lang))
		w := httptest.NewRecorder()
		e.srv.RenderError(w, r, keyed())
		want, not := zh, en
		if lang == web.LangEN {
			want, not = en, zh
		}
		if body := w.Body.String(); w.Code != 400 || !strings.Contains(body, want) || strings.Contains(body, not) {
			t.Errorf("%s page: %d, want %q: %.600s", lang, w.Code, want, body)
		}
	}
	for _, c := range []struct{ query, accept, want, want2 string }{
		{"?lang=zh-CN", "en", zh, "请求内容超过 20 字节。"},
		{"?lang=en", "zh-CN", en, "Request body is larger than 20 bytes."},
		{"", "zh-CN,zh;q=0.9", zh, "请求内容超过 20 字节。"},
		{"", "", en, "Request body is larger than 20 bytes."},
	} {
		r := httptest.NewRequest("POST", "/api/v1/x"+c.query, nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		w := httptest.NewRecorder()
		e.srv.RenderError(w, r, keyed())
		var body web.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(body.Error.Message, c.want) || body.Error.Fields["body"] != c.want || body.Error.Fields["other"] != c.want2 {
			t.Errorf("API %q %q: %+v", c.query, c.accept, body.Error)
		}
	}
	// Without a key, the English sentence, in any language.
	r := httptest.NewRequest("GET", "/api/v1/x?lang=zh-CN", nil)
	w := httptest.NewRecorder()
	e.srv.RenderError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "No such thing."))
	if !strings.Contains(w.Body.String(), `"message":"No such thing."`) {
		t.Errorf("unkeyed: %s", w.Body)
	}
}
