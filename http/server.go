// Package http assembles pubdata's web server from its audiences, each a package below it:
//
//   - api: the JSON API under /api/v1, health, metrics and the DCAT-AP export;
//   - ckan: the CKAN action API (/api/3/action/…) and the datastore dump;
//   - console: the government console's pages under /console;
//   - portal: the public portal's pages (catalogue, entry pages, account, registration);
//   - web: what they share — the Server with its services and settings, the template
//     engine and base view, rendering and errors, form decoding, paging, the middleware, and
//     the operations both the API and the pages perform.
//
// routes.go is the one route table: every route with who may call it and whether it is a
// data route. No package here reads an entry's rows except through package access.
package http

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/console"
	"github.com/pubdata/pubdata/http/portal"
	"github.com/pubdata/pubdata/http/web"
)

// Server is the web server's services and settings (package web); set its fields, then call
// NewHandler once.
type Server = web.Server

// NewHandler checks the server's fields, parses the embedded templates and assets (failing
// fast on any error), registers the routes of the route table (routes.go) and the metrics
// and returns the root handler with its middleware. Call it once per Server.
func NewHandler(s *Server) (http.Handler, error) {
	if err := api.CheckOpenAPI(); err != nil {
		return nil, err
	}
	return s.Build(func(reg *prometheus.Registry) []web.Route { return routeTable(s, reg) }, console.Templates, portal.Templates)
}

// NewHTTPServer returns an http.Server for h with timeouts that protect against slow
// clients while leaving room for uploads and downloads of up to a few minutes.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
}
