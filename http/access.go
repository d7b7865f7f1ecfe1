package http

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/mask"
)

// Access to an entry's data on every read path (rows in every format, CKAN's datastore,
// service calls, the previews) is pubdata.DecideAccess's: the caller's live grants on the
// entry, the purpose (X-Purpose, or the grant's), the effective mask policy (the stricter of
// the platform's and the provider's) and the suspension of the caller's organisation go in;
// what comes out is applied here, the same way for every path:
//   - only the decision's columns are returned; naming another in _fields is refused;
//   - masked columns' values are masked (package mask) in every format;
//   - a filter, sort or key lookup on a masked or withheld column is refused, and full text
//     searches only the unmasked columns, so masked values cannot be probed;
//   - the grant's row filter is ANDed with the caller's;
//   - a shared read, and any read by the authority, is recorded with its purpose
//     ("data.read").

// decideAccess decides the request's read of the published entry e (which the caller may
// see), with the purpose of the request's X-Purpose header.
func (s *Server) decideAccess(r *http.Request, e *pubdata.Entry) (pubdata.AccessDecision, error) {
	return s.decideAccessFor(r.Context(), e, pubdata.RequestFromContext(r.Context()).Purpose)
}

// decideAccessFor is decideAccess with the purpose given.
func (s *Server) decideAccessFor(ctx context.Context, e *pubdata.Entry, purpose string) (pubdata.AccessDecision, error) {
	a := pubdata.ActorFromContext(ctx)
	req := pubdata.AccessRequest{Actor: a, Entry: e, Purpose: purpose, Now: s.now()}
	if a.Org != nil {
		req.Suspended = a.Org.DataServiceStopped()
	}
	if !pubdata.CanReadAllData(a, e) {
		var err error
		if req.Grants, err = s.liveGrants(ctx, a, e); err != nil {
			return pubdata.AccessDecision{}, err
		}
		if req.Policy, err = s.maskPolicyOf(ctx, e); err != nil {
			return pubdata.AccessDecision{}, err
		}
	}
	return pubdata.DecideAccess(req), nil
}

// maskPolicyOf is the effective mask policy of the entry's reads: the stricter of the
// platform's and its provider's (DefaultMaskPolicy without a MaskPolicyService).
func (s *Server) maskPolicyOf(ctx context.Context, e *pubdata.Entry) (pubdata.MaskPolicy, error) {
	if s.MaskPolicies == nil {
		return pubdata.DefaultMaskPolicy, nil
	}
	return s.MaskPolicies.Effective(ctx, e.Org)
}

// accessRefused is the error of a refused decision: 401 for an anonymous caller when
// signIn is set (the paths that ask callers to sign in), else 403 with the decision's
// sentence (the suspension's reason, the purpose or grant needed).
func accessRefused(a *pubdata.Actor, d pubdata.AccessDecision, signIn bool) error {
	if signIn && a.Anonymous() {
		return pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in, or send \"Authorization: Bearer <token>\": %s", d.Message)
	}
	return pubdata.Errorf(pubdata.EFORBIDDEN, "%s", d.Message)
}

// columnRefused is the refusal of a column the caller named.
func columnRefused(param, col, verb string, d pubdata.AccessDecision) error {
	msg := "Column " + col + " is not among the items you may read, so it cannot be " + verb + "."
	if _, masked := d.Masks[col]; masked {
		msg = "Column " + col + " is masked for you and cannot be " + verb + "."
	}
	return &pubdata.Error{Code: pubdata.EFORBIDDEN, Field: param, Message: msg}
}

// restrictQuery applies the decision to a parsed query before it runs: the caller's columns,
// filters and sort keys must be readable (filters and sort keys also unmasked), full text
// searches only unmasked columns, and the grant's row filter is added.
func restrictQuery(d pubdata.AccessDecision, items []pubdata.Item, q *pubdata.RowQuery) error {
	readable := func(c string) bool { return slices.Contains(d.Columns, c) }
	clear := func(c string) bool { _, m := d.Masks[c]; return readable(c) && !m }
	for _, c := range q.Fields {
		if !readable(c) {
			return columnRefused("_fields", c, "returned", d)
		}
	}
	for _, f := range q.Filters {
		if !clear(f.Column) {
			return columnRefused(f.Column, f.Column, "filtered", d)
		}
	}
	for _, k := range q.Sort {
		if !clear(k.Column) {
			return columnRefused("_sort", k.Column, "sorted", d)
		}
	}
	if len(d.Masks) > 0 || len(d.Columns) < len(items) {
		q.SearchColumns = []string{}
		for _, c := range d.Columns {
			if clear(c) {
				q.SearchColumns = append(q.SearchColumns, c)
			}
		}
	}
	if d.Filter != "" {
		params, err := url.ParseQuery(d.Filter)
		if err == nil {
			var gq *pubdata.RowQuery
			if gq, err = pubdata.ParseRowQuery(items, params, nil, false); err == nil {
				q.Filters = append(q.Filters, gq.Filters...)
			}
		}
		if err != nil {
			return pubdata.Errorf(pubdata.EFORBIDDEN, "Your grant's row filter (%s) cannot be applied to this entry (%s); ask the provider to correct the grant.", d.Filter, pubdata.ErrorMessage(err))
		}
	}
	return nil
}

// readQuery applies the decision to q and fixes its columns: those the caller asked for or
// else every readable column the table holds. It returns the columns, whether the entry
// has a table yet, and the masks of the columns' values (nil: none).
func (s *Server) readQuery(ctx context.Context, e *pubdata.Entry, items []pubdata.Item, d pubdata.AccessDecision, q *pubdata.RowQuery) ([]string, bool, *mask.Columns, error) {
	if err := restrictQuery(d, items, q); err != nil {
		return nil, false, nil, err
	}
	cols, hasTable, err := s.tableColumns(ctx, e, items, q)
	if err != nil {
		return nil, false, nil, err
	}
	cols = slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return !slices.Contains(d.Columns, c) })
	if len(cols) == 0 {
		return nil, false, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "None of this entry's items may be read by you.")
	}
	q.Fields = cols
	return cols, hasTable, mask.ForColumns(items, cols, d.Masks), nil
}

// recordRead records a shared read, and any read by the authority, with the decision's
// purpose (the X-Purpose sent, or the grant's), in a transaction of its own. details name
// the path or format; the columns, filters and grant are added.
func (s *Server) recordRead(ctx context.Context, e *pubdata.Entry, d pubdata.AccessDecision, q *pubdata.RowQuery, details map[string]any) error {
	if !d.Shared && d.Reason != pubdata.AccessAuthority {
		return nil
	}
	req := pubdata.RequestFromContext(ctx)
	req.Purpose = d.Purpose
	ctx = pubdata.NewContextWithRequest(context.WithoutCancel(ctx), req)
	details["reason"] = d.Reason
	if q != nil {
		details["columns"] = q.Fields
		if f := filterNames(q); len(f) > 0 {
			details["filter"] = f // columns and operators, not the values looked up
		}
	}
	if len(d.Masks) > 0 {
		details["masked"] = d.Masks
	}
	if d.Grant != nil {
		details["grant"] = d.Grant.ID
	}
	if d.Filter != "" {
		details["grant_filter"] = d.Filter
	}
	return s.Data.RecordRead(ctx, e, details)
}

// filterNames lists a query's conditions as col__op (and _q for full text).
func filterNames(q *pubdata.RowQuery) []string {
	var out []string
	for _, f := range q.Filters {
		out = append(out, f.Column+"__"+f.Op)
	}
	if q.Q != "" {
		out = append(out, "_q")
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// withPurpose returns ctx whose request information carries the decision's purpose (the
// grant's when the caller sent none), for the records written under it.
func withPurpose(ctx context.Context, d pubdata.AccessDecision) context.Context {
	req := pubdata.RequestFromContext(ctx)
	if strings.TrimSpace(req.Purpose) == "" && d.Purpose != "" {
		req.Purpose = d.Purpose
		return pubdata.NewContextWithRequest(ctx, req)
	}
	return ctx
}

// liveGrants returns the caller's live grants on the entry; none for an anonymous caller
// or without an ApplicationService.
func (s *Server) liveGrants(ctx context.Context, a *pubdata.Actor, e *pubdata.Entry) ([]*pubdata.Grant, error) {
	if a.Anonymous() || s.Applications == nil {
		return nil, nil
	}
	return s.Applications.LiveGrants(ctx, a, e.ID, s.now())
}
