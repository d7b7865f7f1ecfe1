package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDemoInvisible: the demo holds a usable-but-invisible entry (issue 16 item 2) whose
// use page a public body's member reaches from the entry page, with its group columns.
func TestDemoInvisible(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemoProvince(ctx, a); err != nil {
			t.Fatal(err)
		}
		e, err := a.entries.FindPublishedEntry(ctx, "202001/00009")
		if err != nil {
			t.Fatal(err)
		}
		if !e.Invisible || len(e.InvisibleTerms.GroupColumns) != 3 {
			t.Fatalf("202001/00009: invisible %v, terms %+v", e.Invisible, e.InvisibleTerms)
		}
		u, err := a.users.FindUserByUsername(ctx, "scjg-member")
		if err != nil {
			t.Fatal(err)
		}
		session, err := a.tokens.CreateSession(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		h, err := a.handler()
		if err != nil {
			t.Fatal(err)
		}
		get := func(path string) (int, string) {
			r := httptest.NewRequest("GET", path, nil)
			r.AddCookie(&http.Cookie{Name: "pubdata_session", Value: session})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w.Code, w.Body.String()
		}
		if code, body := get("/catalog/" + e.Code); code != 200 || !strings.Contains(body, "/catalog/"+e.ID+"/use") {
			t.Fatalf("entry page: %d, links the use page: %v", code, strings.Contains(body, "/use"))
		}
		code, body := get("/catalog/" + e.ID + "/use")
		if code != 200 || !strings.Contains(body, "county") || !strings.Contains(body, "monthly_amount") {
			t.Fatalf("use page: %d %.500s", code, body)
		}
	})
}
