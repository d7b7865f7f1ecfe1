package http

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
)

func TestDCAT(t *testing.T) {
	e := newEnv(t)
	b := entryBody("企业登记信息", "unconditional", "unconditional")
	b["summary"] = "名称中含有\"引号\"与\n换行。"
	b["related"] = []string{"399999/00001"}
	open := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	cb := entryBody("道路运输许可", "unconditional", "conditional")
	cb["related"] = []string{open.Code}
	cond := e.publish(pbEditor, e.createEntry(pbEditor, cb).ID)
	closed := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("户籍人口信息", "conditional", "none")).ID)
	draft := e.createEntry(pbEditor, entryBody("草稿", "unconditional", "unconditional"))

	base := "http://example.com"
	for _, as := range []string{anonymous, pbMember, authAdmin} {
		w := e.do(req{path: "/catalog.ttl", as: as})
		body := w.Body.String()
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/turtle") {
			t.Fatalf("catalog.ttl as %q: %d %v", as, w.Code, w.Header())
		}
		for _, want := range []string{
			"<" + base + "/dataset/" + open.ID + ">\n    a dcat:Dataset",
			"<" + base + "/dataset/" + cond.ID + ">\n    a dcat:Dataset",
			`dct:description "名称中含有\"引号\"与\n换行。"@zh`,
			"dct:identifier \"" + open.Code + "\"",
			"access-right/PUBLIC>", "access-right/RESTRICTED>", "frequency/DAILY>",
			"dct:publisher <" + base + "/api/v1/orgs/fj-gat>",
			"foaf:name \"福建省公安厅\"@zh",
			"dct:publisher <" + base + "/api/v1/orgs/fj-dsj>", // the catalogue's: the province's authority
			"dct:relation <" + base + "/dataset/" + open.ID + ">",
			"hydra:totalItems \"2\"^^xsd:nonNegativeInteger",
			"hydra:first <" + base + "/catalog.ttl?page=1>",
			"hydra:last <" + base + "/catalog.ttl?page=1>",
			"dcat:accessURL <" + base + "/api/v1/entries/" + open.ID + "/rows>",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("catalog.ttl as %q lacks %q", as, want)
			}
		}
		for _, id := range []string{closed.ID, draft.ID} {
			if strings.Contains(body, id) {
				t.Errorf("catalog.ttl as %q shows %s, which is not open", as, id)
			}
		}
		if strings.Contains(body, "399999/00001") || strings.Contains(body, "hydra:next") {
			t.Errorf("unresolved relation or a next page: %s", body)
		}
	}
	w := e.do(req{path: "/catalog.jsonld"})
	var doc struct {
		Context map[string]string `json:"@context"`
		Graph   []map[string]any  `json:"@graph"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Code != 200 || w.Header().Get("Content-Type") != "application/ld+json" || doc.Context["dcat"] == "" || len(doc.Graph) < 5 {
		t.Fatalf("catalog.jsonld: %d %v %s", w.Code, err, w.Body)
	}
	w = e.do(req{path: "/catalog.rdf"})
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/rdf+xml" {
		t.Fatalf("catalog.rdf: %d", w.Code)
	}
	dec := xml.NewDecoder(strings.NewReader(w.Body.String()))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("catalog.rdf is not well-formed: %v", err)
		}
	}
	if !strings.Contains(w.Body.String(), `<rdf:Description rdf:about="`+base+`/dataset/`+open.ID+`">`) {
		t.Errorf("catalog.rdf lacks the dataset")
	}

	// Paging.
	wantText := func(path string, status int) {
		t.Helper()
		w := e.do(req{path: path})
		if w.Code != status || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %v, want %d", path, w.Code, w.Header().Get("Content-Type"), status)
		}
	}
	wantText("/catalog.ttl?page=2", http.StatusNotFound)
	wantText("/catalog.ttl?page=0", http.StatusBadRequest)
	wantText("/catalog.ttl?modified_since=yesterday", http.StatusBadRequest)
	if w := e.do(req{path: "/catalog.ttl?modified_since=2999-01-01"}); w.Code != 200 || strings.Contains(w.Body.String(), "dcat:Dataset") {
		t.Errorf("modified_since in the future: %d", w.Code)
	}

	// One dataset.
	w = e.do(req{path: "/dataset/" + cond.ID + ".ttl"})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<"+base+"/dataset/"+cond.ID+">\n    a dcat:Dataset") || strings.Contains(w.Body.String(), "dcat:Catalog") {
		t.Errorf("dataset.ttl: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(w.Body.String(), `rdfs:label "有条件开放：签订数据使用协议"@zh`) {
		t.Errorf("conditions not exported: %s", w.Body)
	}
	for _, ext := range []string{"jsonld", "rdf"} {
		if w := e.do(req{path: "/dataset/" + cond.ID + "." + ext}); w.Code != 200 {
			t.Errorf("dataset.%s: %d", ext, w.Code)
		}
	}
	wantText("/dataset/"+closed.ID+".ttl", http.StatusNotFound)
	wantText("/dataset/"+draft.ID+".ttl", http.StatusNotFound)
	wantText("/dataset/"+open.ID+".csv", http.StatusNotFound)
	// /dataset/{id} without an extension negotiates (license_test.go).
	if w := e.do(req{path: "/dataset/" + closed.ID + ".ttl", as: authAdmin}); w.Code != 404 {
		t.Errorf("non-open dataset for an authority: %d", w.Code)
	}
	// Behind a TLS proxy the IRIs are https.
	w = e.do(req{path: "/catalog.ttl", header: http.Header{"X-Forwarded-Proto": {"https"}}})
	if !strings.Contains(w.Body.String(), "<https://example.com/catalog>") {
		t.Errorf("X-Forwarded-Proto ignored")
	}
}

func TestDCATPaging(t *testing.T) {
	e := newEnv(t)
	gat, err := e.srv.Orgs.FindOrgByCode(system, "fj-gat")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < api.DcatPageSize+1; i++ {
		f := pubdata.EntryFields{Title: fmt.Sprintf("数据集 %03d", i), Category: "3", Format: "file", UpdateCycle: "yearly",
			ShareClass: "unconditional", OpenClass: "unconditional", Division: gat.Division}
		x, err := e.srv.Entries.CreateEntry(system, gat.Code, "", &f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.srv.Entries.SubmitEntry(system, x.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.srv.Entries.ReviewEntry(system, x.ID, true, ""); err != nil {
			t.Fatal(err)
		}
	}
	base := "http://example.com/catalog.ttl?"
	w := e.do(req{path: "/catalog.ttl?modified_since=2000-01-01"})
	body := w.Body.String()
	for _, want := range []string{
		"hydra:totalItems \"101\"^^xsd:nonNegativeInteger",
		"<" + base + "modified_since=2000-01-01&page=1>\n    a hydra:PartialCollectionView",
		"hydra:next <" + base + "modified_since=2000-01-01&page=2>",
		"hydra:last <" + base + "modified_since=2000-01-01&page=2>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page 1 lacks %q", want)
		}
	}
	if n := strings.Count(body, "a dcat:Dataset"); n != api.DcatPageSize {
		t.Errorf("page 1 has %d datasets", n)
	}
	w = e.do(req{path: "/catalog.ttl?page=2&modified_since=2000-01-01"})
	body = w.Body.String()
	if n := strings.Count(body, "a dcat:Dataset"); w.Code != 200 || n != 1 || !strings.Contains(body, "hydra:previous <"+base+"modified_since=2000-01-01&page=1>") || strings.Contains(body, "hydra:next") {
		t.Errorf("page 2: %d, %d datasets: %s", w.Code, n, body)
	}
}
