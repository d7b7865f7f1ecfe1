package http

import (
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata/http/web"
)

// TestCatalogSearchPartial: issue 11 item 6 on the portal, with the demo catalogue's titles
// and keywords: q=公交车站, q=bus and q=医生 find the bus-stop and doctor entries; a search
// that finds nothing offers other spellings and the demand form; the public sees no share
// class facet and the category facet by name.
func TestCatalogSearchPartial(t *testing.T) {
	e := newEnv(t)
	bus := entryBody("公交站点信息", "unconditional", "unconditional")
	bus["summary"] = "全省城市公交和城乡公交的站点名称、位置和途经线路。"
	bus["keywords"] = []string{"公交", "站点", "出行"}
	bus["items"] = []map[string]any{{"name": "stop_id", "title": "站点编号", "type": "string", "key": true}, {"name": "stop_name", "title": "站点名称", "type": "string"}}
	busID := e.publish(pbEditor, e.createEntry(pbEditor, bus).ID)
	doc := entryBody("执业医师注册信息", "unconditional", "unconditional")
	doc["summary"] = "医师执业注册的执业地点、类别和范围。"
	doc["keywords"] = []string{"医师", "执业注册"}
	docID := e.publish(pbEditor, e.createEntry(pbEditor, doc).ID)

	for _, lang := range []string{web.LangZH, web.LangEN} {
		for q, id := range map[string]string{"公交车站": busID.ID, "bus": busID.ID, "Bus stops": busID.ID, "医生": docID.ID, "doctor": docID.ID} {
			w := e.page("GET", "/catalog?q="+url.QueryEscape(q), nil, lang, nil)
			body := w.Body.String()
			first := strings.Index(body, `<li class="result">`)
			if w.Code != 200 || first < 0 || !strings.Contains(body[first:first+300], `href="/catalog/`+id+`"`) {
				t.Errorf("%s q=%s: %d, the entry is not the first result:\n%s", lang, q, w.Code, body)
			}
			if strings.Contains(body, `id="facet-share_class"`) {
				t.Errorf("%s q=%s: the public sees the share class facet", lang, q)
			}
		}
		w := e.page("GET", "/catalog?q=buss", nil, lang, nil)
		body := w.Body.String()
		want := []string{`href="/catalog?q=bus"`, `href="/demands#demand-new"`, `href="/catalog/` + busID.ID + `"`}
		want = append(want, map[string][]string{web.LangZH: {"您是不是要找", "提交数据需求"}, web.LangEN: {"Did you mean", "Post a data demand"}}[lang]...)
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s q=buss: no %q:\n%s", lang, s, body)
			}
		}
		w = e.page("GET", "/catalog", nil, lang, nil)
		body = w.Body.String()
		if name := map[string]string{web.LangZH: "经济建设", web.LangEN: "Economic"}[lang]; !strings.Contains(body, `id="facet-category"`) || strings.Contains(body, "· 3 <") {
			t.Errorf("%s: category facet by name (%s): %s", lang, name, body)
		}
	}
}
