package http

import (
	"slices"
	"testing"

	"github.com/pubdata/pubdata/http/ckan"
)

// TestDataRoutesDeclared: the routes a stopped organisation loses are declared where they are
// registered (handleData, handleUpload) — exactly the data routes the sanctions have always
// covered; every other route (catalogue, account, the sanctions page itself) stays open.
func TestDataRoutesDeclared(t *testing.T) {
	e := newEnv(t)
	want := []string{
		"POST /api/v1/entries/{id}/data",
		"POST /api/v1/entries/{id}/verify",
		"GET /catalog/{ref}/use",
		"POST /catalog/{ref}/use",
		"POST /api/v1/entries/{id}/aggregate",
		"GET /api/v1/entries/{id}/rows",
		"PUT /api/v1/entries/{id}/rows/{key}",
		"DELETE /api/v1/entries/{id}/rows/{key}",
		"POST /api/v1/batches/{id}/retry",
		"GET /datastore/dump/{id}",
		"GET /downloads/{id}/{format}",
		"GET /api/v1/entries/{id}/call/{path...}",
		"POST /api/v1/entries/{id}/call/{path...}",
		"PUT /api/v1/entries/{id}/call/{path...}",
		"PATCH /api/v1/entries/{id}/call/{path...}",
		"DELETE /api/v1/entries/{id}/call/{path...}",
		"GET /console/entries/{id}/data",
		"GET /console/entries/{id}/data/upload",
		"POST /console/entries/{id}/data/upload",
		"GET /api/v1/subjects",
		"POST /api/v1/extracts",
		"GET /console/subjects",
		"POST /console/subjects",
		"GET /console/extracts",
		"POST /console/extracts",
		"POST /api/v1/applications",
		"GET /api/v1/applications",
		"GET /api/v1/applications/{id}",
		"POST /api/v1/applications/{id}/decide",
		"POST /api/v1/applications/{id}/dispute",
		"POST /api/v1/applications/{id}/withdraw",
		"GET /api/v1/grants",
		"GET /api/v1/grants/{id}",
		"POST /api/v1/grants/{id}/revoke",
		"GET /console/applications/catalog",
		"GET /console/applications/new",
		"POST /console/applications/new",
		"GET /console/applications",
		"GET /console/applications/{id}",
		"POST /console/applications/{id}/decide",
		"POST /console/applications/{id}/dispute",
		"POST /console/applications/{id}/withdraw",
		"GET /console/grants",
		"GET /console/grants/{id}",
		"POST /console/grants/{id}/revoke",
		// Files of file entries: the uploads and the downloads.
		"POST /api/v1/entries/{id}/files",
		"POST /api/v1/entries/{id}/files/{fileID}/versions",
		"GET /downloads/{id}/files/{fileID}",
		"POST /console/entries/{id}/files",
		"POST /console/entries/{id}/files/{fileID}/versions",
		// The citizen's pages of applications and grants.
		"GET /account/applications",
		"GET /account/applications/{id}",
		"POST /account/applications/{id}/dispute",
		"POST /account/applications/{id}/withdraw",
		"GET /account/grants",
		"GET /account/grants/{id}",
		// Leak tracing: uploads of a leaked copy (an upload is a data route).
		"POST /api/v1/entries/{id}/trace",
		"POST /console/trace",
		// Work inside development spaces and products' content (issue 16 items 3 and 4).
		"POST /api/v1/devspaces/{id}/anonymise",
		"POST /api/v1/devspaces/{id}/aggregate",
		"GET /api/v1/devspaces/{id}/entries/{entry}/rows",
		"GET /api/v1/devspaces/{id}/runs/{run}/table",
		"GET /api/v1/products/{id}/content",
		"POST /devspaces/{id}/anonymise",
		// A product's content from its page, and a product registered with its content (an
		// upload: issue 16's last gaps).
		"GET /products/{id}/content",
		"POST /api/v1/devspaces/{id}/products",
		// A traded product's delivery (issue 16 item 5).
		"GET /api/v1/deliveries/{id}/content",
		// Federation: applications and reads across platforms, and a peer's reads (issue 17).
		"GET /api/v1/federation/applications",
		"POST /api/v1/federation/applications",
		"GET /api/v1/federation/entries/{id}/rows",
		"POST /console/federation/apply",
		"GET /api/v1/federation/peer/entries/{id}/rows",
		"GET /api/v1/federation/peer/flowbacks/{entry}/batches/{seq}",
	}
	var got []string
	for _, p := range e.srv.Routes {
		if e.srv.DataRoutes[p] {
			got = append(got, p)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("data routes:\n got %q\nwant %q", got, want)
	}
	for _, name := range []string{"datastore_search", "datastore_search_sql", "datastore_info"} {
		if !ckan.CkanDataActions[name] {
			t.Errorf("CKAN action %s is not a data action", name)
		}
	}
}
