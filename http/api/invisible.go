package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// ApiEntryVerify is POST /api/v1/entries/{id}/verify: whether the usable-but-invisible entry holds
// a record with the values given ({"values": {item: value}}, at least one key item) →
// {"match": true|false}. Sign-in, a purpose (X-Purpose, or the grant's) and the read rules
// apply; each verification spends a little of the caller's privacy budget and is recorded.
func (s *Server) ApiEntryVerify(w http.ResponseWriter, r *http.Request) error {
	if s.Privacy == nil {
		return errNoData
	}
	e, _, err := s.dataEntry(r)
	if err != nil {
		return err
	}
	var req pubdata.VerifyRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	ok, err := s.Reader().Verify(r.Context(), e, req, access.RequestPurpose(r.Context()))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]bool{"match": ok})
	return nil
}

// ApiAggregate is POST /api/v1/entries/{id}/aggregate: noisy counts, sums, means and
// quantiles of the usable-but-invisible entry, grouped by a column its provider allows,
// spending the request's epsilon of the caller's privacy budget (pubdata.AggregateRequest →
// pubdata.AggregateResult). No row is returned.
func (s *Server) ApiAggregate(w http.ResponseWriter, r *http.Request) error {
	if s.Privacy == nil {
		return errNoData
	}
	e, _, err := s.dataEntry(r)
	if err != nil {
		return err
	}
	var req pubdata.AggregateRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	res, err := s.Reader().Aggregate(r.Context(), e, req, access.RequestPurpose(r.Context()))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, res)
	return nil
}
