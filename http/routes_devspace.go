package http

import (
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/console"
	"github.com/pubdata/pubdata/http/portal"
	"github.com/pubdata/pubdata/http/web"
)

// devSpaceRoutes are the routes of development spaces and data products (issue 16 items 3
// and 4). The work inside a space (the anonymiser, aggregates, rows, the runs' tables,
// products' content) is data: an organisation whose data service is stopped loses it.
func devSpaceRoutes(a *api.Server, c *console.Server, p *portal.Server) []web.Route {
	return []web.Route{
		route("GET /api/v1/devspaces", signedIn, plain, a.ApiDevSpaces),
		route("POST /api/v1/devspaces", signedIn, plain, a.ApiDevSpaceApply),
		route("GET /api/v1/devspaces/{id}", signedIn, plain, a.ApiDevSpace),
		route("POST /api/v1/devspaces/{id}/decide", signedIn, plain, a.ApiDevSpaceDecide),
		route("POST /api/v1/devspaces/{id}/entries/{entry}/decide", signedIn, plain, a.ApiDevSpaceEntryDecide),
		route("POST /api/v1/devspaces/{id}/suspend", signedIn, plain, a.ApiDevSpaceStatus("suspend")),
		route("POST /api/v1/devspaces/{id}/reinstate", signedIn, plain, a.ApiDevSpaceStatus("reinstate")),
		route("POST /api/v1/devspaces/{id}/close", signedIn, plain, a.ApiDevSpaceStatus("close")),
		route("GET /api/v1/devspaces/{id}/reports", signedIn, plain, a.ApiDevSpaceReports),
		route("POST /api/v1/devspaces/{id}/reports", signedIn, plain, a.ApiDevSpaceReport),
		route("POST /api/v1/devspaces/{id}/anonymise", signedIn, data, a.ApiDevSpaceAnonymise),
		route("GET /api/v1/devspaces/{id}/runs", signedIn, plain, a.ApiDevSpaceRuns),
		route("GET /api/v1/devspaces/{id}/runs/{run}/table", signedIn, data, a.ApiDevSpaceRunTable),
		route("POST /api/v1/devspaces/{id}/aggregate", signedIn, data, a.ApiDevSpaceAggregate),
		route("GET /api/v1/devspaces/{id}/entries/{entry}/rows", signedIn, data, a.ApiDevSpaceRows),
		route("GET /api/v1/devspaces/{id}/products", signedIn, plain, a.ApiDevSpaceProducts),
		route("POST /api/v1/devspaces/{id}/products", signedIn, upload, a.ApiDevSpaceProductRegister),
		route("GET /api/v1/products", signedIn, plain, a.ApiProducts),
		route("GET /api/v1/products/{id}", signedIn, plain, a.ApiProduct),
		route("GET /api/v1/products/{id}/content", signedIn, data, a.ApiProductContent),
		route("GET /api/v1/devspace-operators", signedIn, plain, a.ApiDevSpaceOperators),
		route("PUT /api/v1/devspace-operators/{org}", signedIn, plain, a.ApiDevSpaceOperatorPut(true)),
		route("DELETE /api/v1/devspace-operators/{org}", signedIn, plain, a.ApiDevSpaceOperatorPut(false)),
		// The portal: developers
		route("GET /devspaces", signedIn, plain, p.PageDevSpaces),
		route("GET /devspaces/new", signedIn, plain, p.PageDevSpaceNew),
		route("POST /devspaces", signedIn, plain, p.PageDevSpaceApply),
		route("GET /devspaces/{id}", signedIn, plain, p.PageDevSpace),
		route("POST /devspaces/{id}/reports", signedIn, plain, p.PageDevSpaceReport),
		route("POST /devspaces/{id}/anonymise", signedIn, data, p.PageDevSpaceAnonymise),
		route("POST /devspaces/{id}/products", signedIn, plain, p.PageDevSpaceProduct),
		route("GET /products/{id}", signedIn, plain, p.PageProduct),
		route("GET /products/{id}/content", signedIn, data, p.PageProductContent),
		// The console: the authority, providers, operators
		route("GET /console/devspaces", signedIn, plain, c.PageDevSpaces),
		route("GET /console/devspaces/{id}", signedIn, plain, c.PageDevSpace),
		route("POST /console/devspaces/{id}/decide", signedIn, plain, c.PageDevSpaceStep("decide")),
		route("POST /console/devspaces/{id}/entries/{entry}/decide", signedIn, plain, c.PageDevSpaceStep("entry")),
		route("POST /console/devspaces/{id}/suspend", signedIn, plain, c.PageDevSpaceStep("suspend")),
		route("POST /console/devspaces/{id}/reinstate", signedIn, plain, c.PageDevSpaceStep("reinstate")),
		route("POST /console/devspaces/{id}/close", signedIn, plain, c.PageDevSpaceStep("close")),
		route("GET /console/products/{id}", signedIn, plain, c.PageProduct),
	}
}
