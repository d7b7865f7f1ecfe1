package api

import (
	"io"
	"net/http"
	"os"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// Development spaces and data products (issue 16 items 3 and 4, devspace.go, product.go):
// developers apply and work in their spaces, providers decide their conditional entries,
// the authority decides, suspends and reinstates, first-level operators see every space.

// ApiDevSpaces is GET /api/v1/devspaces?role=mine|provider|review&status=: the spaces the
// caller sees in that role (default: every role the caller has, deduplicated).
func (s *Server) ApiDevSpaces(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	status := pubdata.DevSpaceStatus(q.Get("status"))
	if status != "" && !validSpaceStatus(status) {
		return pubdata.FieldErrorf("status", "Status %q is not one of pending, approved, refused, suspended, closed.", status).Keyed("error.devspace.status", "Status", string(status))
	}
	lists, err := s.SpacesFor(r, status)
	if err != nil {
		return err
	}
	var items []*pubdata.DevSpace
	switch role := q.Get("role"); role {
	case "mine":
		items = lists.Mine
	case "provider":
		items = lists.Provider
	case "review":
		items = lists.Review
	case "":
		seen := map[string]bool{}
		for _, l := range [][]*pubdata.DevSpace{lists.Mine, lists.Provider, lists.Review} {
			for _, sp := range l {
				if !seen[sp.ID] {
					seen[sp.ID] = true
					items = append(items, sp)
				}
			}
		}
	default:
		return pubdata.FieldErrorf("role", "Role %q is not one of mine, provider, review.", role).Keyed("error.devspace.role", "Role", role)
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(items, len(items), ""))
	return nil
}

func validSpaceStatus(st pubdata.DevSpaceStatus) bool {
	switch st {
	case pubdata.SpacePending, pubdata.SpaceApproved, pubdata.SpaceRefused, pubdata.SpaceSuspended, pubdata.SpaceClosed:
		return true
	}
	return false
}

// ApiDevSpaceApply is POST /api/v1/devspaces (pubdata.DevSpaceApplication) → the space,
// pending.
func (s *Server) ApiDevSpaceApply(w http.ResponseWriter, r *http.Request) error {
	if err := s.SpacesAvailable(); err != nil {
		return err
	}
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var app pubdata.DevSpaceApplication
	if err := web.DecodeJSON(r, &app); err != nil {
		return err
	}
	sp, err := s.DevSpaces.ApplyForSpace(r.Context(), &app)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, sp)
	return nil
}

// ApiDevSpace is GET /api/v1/devspaces/{id}: the space with its entries, reports, runs and
// products, for whoever sees it.
func (s *Server) ApiDevSpace(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	reports, err := s.DevSpaces.SpaceReports(r.Context(), sp.ID)
	if err != nil {
		return err
	}
	runs, err := s.DevSpaces.SpaceRuns(r.Context(), sp.ID)
	if err != nil {
		return err
	}
	products, err := s.ProductsFor(r, sp)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, struct {
		*pubdata.DevSpace
		State    string                    `json:"state"`
		Reports  []*pubdata.DevSpaceReport `json:"reports"`
		Runs     []*pubdata.DevSpaceRun    `json:"runs"`
		Products []*pubdata.Product        `json:"products"`
	}{sp, sp.StateAt(s.Now()), reports, runs, products})
	return nil
}

// decision reads {"decision":"approve|refuse","reason"} ("reject" is refuse too).
func decision(r *http.Request) (bool, string, error) {
	var req struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		return false, "", err
	}
	switch req.Decision {
	case "approve":
		return true, req.Reason, nil
	case "refuse", "reject":
		return false, req.Reason, nil
	}
	return false, "", pubdata.FieldErrorf("decision", "Decision %q is not approve or refuse.", req.Decision).Keyed("error.devspace.decision", "Decision", req.Decision)
}

// ApiDevSpaceDecide is POST /api/v1/devspaces/{id}/decide {"decision","reason"}: the
// authority's decision.
func (s *Server) ApiDevSpaceDecide(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	ok, reason, err := decision(r)
	if err != nil {
		return err
	}
	if sp, err = s.DevSpaces.DecideSpace(r.Context(), sp.ID, ok, reason); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, sp)
	return nil
}

// ApiDevSpaceEntryDecide is POST /api/v1/devspaces/{id}/entries/{entry}/decide
// {"decision","reason"}: the provider's decision on its conditional entry.
func (s *Server) ApiDevSpaceEntryDecide(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	ok, reason, err := decision(r)
	if err != nil {
		return err
	}
	if sp, err = s.DevSpaces.DecideSpaceEntry(r.Context(), sp.ID, r.PathValue("entry"), ok, reason); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, sp)
	return nil
}

// ApiDevSpaceStatus is POST /api/v1/devspaces/{id}/suspend|reinstate|close {"reason"} (the
// authority; close also a first-level operator's admins).
func (s *Server) ApiDevSpaceStatus(step string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sp, err := s.SpaceFor(r, r.PathValue("id"))
		if err != nil {
			return err
		}
		var req struct {
			Reason string `json:"reason"`
		}
		if err := web.DecodeJSON(r, &req); err != nil {
			return err
		}
		switch step {
		case "suspend":
			sp, err = s.DevSpaces.SuspendSpace(r.Context(), sp.ID, req.Reason)
		case "reinstate":
			sp, err = s.DevSpaces.ReinstateSpace(r.Context(), sp.ID, req.Reason)
		default:
			sp, err = s.DevSpaces.CloseSpace(r.Context(), sp.ID, req.Reason)
		}
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, sp)
		return nil
	}
}

// ApiDevSpaceReports is GET /api/v1/devspaces/{id}/reports.
func (s *Server) ApiDevSpaceReports(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := s.DevSpaces.SpaceReports(r.Context(), sp.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, len(list), ""))
	return nil
}

// ApiDevSpaceReport is POST /api/v1/devspaces/{id}/reports {"usage","outputs"}: the
// developer's usage report for the next due date.
func (s *Server) ApiDevSpaceReport(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Usage   string `json:"usage"`
		Outputs string `json:"outputs"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	rep, err := s.DevSpaces.FileSpaceReport(r.Context(), sp.ID, req.Usage, req.Outputs)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, rep)
	return nil
}

// ApiDevSpaceAnonymise is POST /api/v1/devspaces/{id}/anonymise (web.SpaceAnonymiseRequest:
// entry, k, suppression_limit, metric, quasi_identifiers [{column, spec}], sensitive
// [{column, l, l_kind, t, t_kind}], keep) → the run with the anonymiser's report; its table
// is kept for a product (GET …/runs/{run}/table).
func (s *Server) ApiDevSpaceAnonymise(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var req web.SpaceAnonymiseRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	run, err := s.SpaceAnonymise(r, sp, req)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, run)
	return nil
}

// ApiDevSpaceRuns is GET /api/v1/devspaces/{id}/runs.
func (s *Server) ApiDevSpaceRuns(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := s.DevSpaces.SpaceRuns(r.Context(), sp.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, len(list), ""))
	return nil
}

// ApiDevSpaceRunTable is GET /api/v1/devspaces/{id}/runs/{run}/table: the anonymised table
// (CSV), for the space's developer.
func (s *Server) ApiDevSpaceRunTable(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !pubdata.IsSpaceDeveloper(pubdata.ActorFromContext(r.Context()), sp) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the space's developer downloads its runs' tables.").Keyed("error.devspace.developer_only")
	}
	run, err := s.DevSpaces.SpaceRun(r.Context(), r.PathValue("run"))
	if err != nil {
		return err
	}
	if run.SpaceID != sp.ID || run.Blob == "" {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Run %q was not found.", run.ID).Keyed("error.devspace.run_not_found", "ID", run.ID)
	}
	return s.serveBlob(w, run.Blob, "text/csv; charset=utf-8", "run-"+run.ID+".csv")
}

// blobOpener opens a kept blob (package blob's Dir).
type blobOpener interface {
	Open(key string) (*os.File, error)
}

func (s *Server) serveBlob(w http.ResponseWriter, key, contentType, name string) error {
	o, ok := s.FileStore.(blobOpener)
	if !ok {
		return pubdata.Errorf(pubdata.ENOTFOUND, "This server keeps no files.").Keyed("error.file.not_available")
	}
	f, err := o.Open(key)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = io.Copy(w, f)
	return err
}

// ApiDevSpaceAggregate is POST /api/v1/devspaces/{id}/aggregate {"entry", …
// pubdata.AggregateRequest}: a usable-but-invisible aggregate under the space's budget.
func (s *Server) ApiDevSpaceAggregate(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Entry string `json:"entry"`
		pubdata.AggregateRequest
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	res, err := s.SpaceAggregate(r, sp, req.Entry, req.AggregateRequest)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, res)
	return nil
}

// ApiDevSpaceRows is GET /api/v1/devspaces/{id}/entries/{entry}/rows: the entry's rows as
// the developer reads them in a space that allows rows (the rows parameters; _format json
// or csv).
func (s *Server) ApiDevSpaceRows(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	params := r.URL.Query()
	format := params.Get("_format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		return pubdata.FieldErrorf("_format", "_format %q is not one of json, csv.", format).Keyed("error.data.format", "Format", format)
	}
	e, rd, err := s.SpaceRead(r, sp, r.PathValue("entry"))
	if err != nil {
		return err
	}
	q, err := pubdata.ParseRowQuery(e.Items, params, []string{"_format"}, format == "json")
	if err != nil {
		return s.RefuseSpaceUse(r.Context(), sp, e.ID, pubdata.SpaceUseRows, err)
	}
	sel, err := rd.Select(r.Context(), q, access.KindRows(format))
	if err != nil {
		return s.RefuseSpaceUse(r.Context(), sp, e.ID, pubdata.SpaceUseRows, err)
	}
	if err := sel.Record(r.Context()); err != nil {
		return err
	}
	// Selected and recorded: the read is the space's use.
	if err := s.RecordSpaceRowsUse(r.Context(), sp, e); err != nil {
		return err
	}
	if format == "json" {
		return s.Stream(w, r, sel, web.Download{ContentType: "application/json; charset=utf-8"}, &web.JSONRows{})
	}
	f := rowFormats[format]
	return s.Stream(w, r, sel, web.FileDownload(e, f), &web.FileRows{Format: f})
}

// ApiDevSpaceProducts is GET /api/v1/devspaces/{id}/products.
func (s *Server) ApiDevSpaceProducts(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := s.ProductsFor(r, sp)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, len(list), ""))
	return nil
}

// ApiDevSpaceProductRegister is POST /api/v1/devspaces/{id}/products
// (pubdata.ProductRegistration: title, description, kind, run for a table or an API serving
// its table, entries for another kind, processing, access_url, derived_from, declaration,
// quasi_identifiers and sensitive for a file table) → the product with its sources,
// processing and label. A multipart form carries the registration as its "product" part
// and the content as its "file" part.
func (s *Server) ApiDevSpaceProductRegister(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.SpaceFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	reg, err := s.ReadProductRegistration(r)
	if err != nil {
		return err
	}
	reg.SpaceID = sp.ID
	p, err := s.Products.CreateProduct(r.Context(), reg, s.PlatformName)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, p)
	return nil
}

// ApiProducts is GET /api/v1/products?space=&entry=: the products the caller sees (those of
// the spaces it sees).
func (s *Server) ApiProducts(w http.ResponseWriter, r *http.Request) error {
	if err := s.SpacesAvailable(); err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, _, err := web.PageParams(q)
	if err != nil {
		return err
	}
	list, err := s.Products.Products(r.Context(), pubdata.ProductFilter{SpaceID: q.Get("space"), Entry: q.Get("entry"), Limit: pubdata.MaxLimit})
	if err != nil {
		return err
	}
	op, err := s.IsSpaceOperator(r)
	if err != nil {
		return err
	}
	spaces := map[string]bool{}
	var out []*pubdata.Product
	for _, p := range list {
		seen, ok := spaces[p.SpaceID]
		if !ok {
			sp, err := s.DevSpaces.Space(r.Context(), p.SpaceID)
			if err != nil {
				return err
			}
			seen = pubdata.CanSeeProduct(a, sp, op)
			spaces[p.SpaceID] = seen
		}
		if seen && len(out) < limit {
			out = append(out, p)
		}
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(out, len(out), ""))
	return nil
}

// ApiProduct is GET /api/v1/products/{id}: a product with its sources, processing and label.
func (s *Server) ApiProduct(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.ProductFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

// ApiProductContent is GET /api/v1/products/{id}/content: the product's content kept on the
// platform, for the space's developers, the first-level operators, the covering authority
// and buyers under a delivery (web.ServeProductContent); 403 for anyone else.
func (s *Server) ApiProductContent(w http.ResponseWriter, r *http.Request) error {
	return s.ServeProductContent(w, r, r.PathValue("id"))
}

// ApiDevSpaceOperators is GET /api/v1/devspace-operators: the first-level operators.
func (s *Server) ApiDevSpaceOperators(w http.ResponseWriter, r *http.Request) error {
	if err := s.SpacesAvailable(); err != nil {
		return err
	}
	list, err := s.DevSpaces.Operators(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, len(list), ""))
	return nil
}

// ApiDevSpaceOperatorPut is PUT|DELETE /api/v1/devspace-operators/{org}: the platform
// authority's admins name or remove a first-level operator.
func (s *Server) ApiDevSpaceOperatorPut(designate bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.SpacesAvailable(); err != nil {
			return err
		}
		if _, err := web.RequireUser(r); err != nil {
			return err
		}
		var err error
		if designate {
			err = s.DevSpaces.DesignateOperator(r.Context(), r.PathValue("org"))
		} else {
			err = s.DevSpaces.RemoveOperator(r.Context(), r.PathValue("org"))
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
