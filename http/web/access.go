package web

import (
	"context"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"net/http"
)

// Every read of an entry's data (rows in every format, CKAN's datastore, previews, charts,
// extracts, subject lookups, service calls) goes through package access, the one read path:
// the handlers open a Read for the caller, the entry and the request's purpose (X-Purpose,
// X-Grant), and take its rows, pages, streams or counts from a Selection, restricted, masked,
// recorded and counted there. The server holds no raw row reader: Server.Reads is an
// *access.Reader, and pubdata.DataService has no row-returning method
// (TestNoRawRowReader).

// OpenRead opens the request's read of the published entry e (which the caller may see),
// with the purpose of the request's X-Purpose and X-Grant headers.
func (s *Server) OpenRead(r *http.Request, e *pubdata.Entry) (*access.Read, error) {
	return s.Reader().Open(r.Context(), e, access.RequestPurpose(r.Context()))
}

// OpenReadFor is openRead with the purpose text given (the request's X-Grant still names
// the grant).
func (s *Server) OpenReadFor(ctx context.Context, e *pubdata.Entry, purpose string) (*access.Read, error) {
	p := access.RequestPurpose(ctx)
	p.Text = purpose
	return s.Reader().Open(ctx, e, p)
}
