package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/anonymise"
)

// Development spaces and data products (issue 16 items 3 and 4): what the API, the console
// and the portal share — who sees which spaces and products, and the work done inside a
// space: the anonymiser over an entry's rows read through the one read path under the
// space (access.Reader.InSpace), its table kept as a blob; usable-but-invisible aggregates
// under the space's budget; row reads where the space allows them. Each use is first
// recorded by the store with the space's checks (DevSpaceService.RecordSpaceUse).

// Bounds of the work done inside a space.
const (
	MaxSpaceAnonymiseRows = 200000
	MaxSpaceQuasi         = 8
	MaxSpaceK             = 1000
)

var errNoSpaces = pubdata.Errorf(pubdata.ENOTFOUND, "This server keeps no development spaces.").Keyed("error.devspace.not_available")

// SpacesAvailable reports whether the server keeps spaces (ENOTFOUND otherwise).
func (s *Server) SpacesAvailable() error {
	if s.DevSpaces == nil || s.Products == nil {
		return errNoSpaces
	}
	return nil
}

// IsSpaceOperator reports whether the caller's organisation is a first-level operator.
func (s *Server) IsSpaceOperator(r *http.Request) (bool, error) {
	a := pubdata.ActorFromContext(r.Context())
	if a.Org == nil || s.DevSpaces == nil {
		return false, nil
	}
	return s.DevSpaces.IsOperator(r.Context(), a.Org.Code)
}

// SpaceFor returns the space when the caller may see it; ENOTFOUND otherwise.
func (s *Server) SpaceFor(r *http.Request, id string) (*pubdata.DevSpace, error) {
	if err := s.SpacesAvailable(); err != nil {
		return nil, err
	}
	if _, err := RequireUser(r); err != nil {
		return nil, err
	}
	sp, err := s.DevSpaces.Space(r.Context(), id)
	if err != nil {
		return nil, err
	}
	op, err := s.IsSpaceOperator(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeSpace(pubdata.ActorFromContext(r.Context()), sp, op) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Development space %q was not found.", id).Keyed("error.devspace.not_found", "ID", id)
	}
	return sp, nil
}

// SpaceLists says which spaces a caller sees, by role.
type SpaceLists struct {
	Mine     []*pubdata.DevSpace // the caller's own (developer)
	Provider []*pubdata.DevSpace // spaces using the caller's organisation's entries
	Review   []*pubdata.DevSpace // the authority's reach, or every space for an operator
	Operator bool
}

// SpacesFor lists the spaces the caller sees, status filtering ("" all).
func (s *Server) SpacesFor(r *http.Request, status pubdata.DevSpaceStatus) (*SpaceLists, error) {
	if err := s.SpacesAvailable(); err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	out := &SpaceLists{}
	if out.Operator, err = s.IsSpaceOperator(r); err != nil {
		return nil, err
	}
	switch {
	case a.Org == nil:
		out.Mine, err = s.DevSpaces.Spaces(ctx, pubdata.DevSpaceFilter{Applicant: a.User.Username, Status: status})
	case a.Org.Kind != pubdata.KindAuthority:
		out.Mine, err = s.DevSpaces.Spaces(ctx, pubdata.DevSpaceFilter{Org: a.Org.Code, Status: status})
	}
	if err != nil {
		return nil, err
	}
	if a.Org != nil && a.Org.Kind != pubdata.KindAuthority {
		if out.Provider, err = s.DevSpaces.Spaces(ctx, pubdata.DevSpaceFilter{Provider: a.Org.Code, Status: status}); err != nil {
			return nil, err
		}
	}
	switch {
	case out.Operator:
		out.Review, err = s.DevSpaces.Spaces(ctx, pubdata.DevSpaceFilter{Status: status})
	case a.IsAuthority():
		sc := pubdata.AuthorityScope(a)
		out.Review, err = s.DevSpaces.Spaces(ctx, pubdata.DevSpaceFilter{Scope: &sc, Status: status})
	}
	return out, err
}

// ProductFor returns the product when the caller may see it (whoever sees its space).
func (s *Server) ProductFor(r *http.Request, id string) (*pubdata.Product, *pubdata.DevSpace, error) {
	if err := s.SpacesAvailable(); err != nil {
		return nil, nil, err
	}
	p, err := s.Products.Product(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	sp, err := s.SpaceFor(r, p.SpaceID)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Data product %q was not found.", id).Keyed("error.product.not_found", "ID", id)
	}
	return p, sp, err
}

// SpaceAnonymiseRequest asks for an anonymiser run over an entry of a space.
type SpaceAnonymiseRequest struct {
	Entry string `json:"entry"`
	pubdata.SpaceRunConfig
}

// checkAnonymise checks a run's request against the table's columns.
func checkAnonymise(req *SpaceAnonymiseRequest, columns []string) error {
	var p []string
	has := func(c string) bool { return slices.Contains(columns, c) }
	if req.K < 1 || req.K > MaxSpaceK {
		p = append(p, fmt.Sprintf("k %d is not between 1 and %d", req.K, MaxSpaceK))
	}
	if req.SuppressionLimit < 0 || req.SuppressionLimit > 1 {
		p = append(p, fmt.Sprintf("the suppression limit %g is not between 0 and 1", req.SuppressionLimit))
	}
	if req.Metric == "" {
		req.Metric = string(anonymise.MetricLoss)
	}
	if req.Metric != string(anonymise.MetricLoss) && req.Metric != string(anonymise.MetricDiscernibility) {
		p = append(p, fmt.Sprintf("metric %q is not loss or discernibility", req.Metric))
	}
	if n := len(req.QuasiIdentifiers); n == 0 || n > MaxSpaceQuasi {
		p = append(p, fmt.Sprintf("name 1 to %d quasi-identifiers", MaxSpaceQuasi))
	}
	seen := map[string]bool{}
	check := func(c, what string) {
		switch {
		case !has(c):
			p = append(p, fmt.Sprintf("%s %q is not a column you read (columns: %s)", what, c, strings.Join(columns, ", ")))
		case seen[c]:
			p = append(p, fmt.Sprintf("column %q is named twice", c))
		}
		seen[c] = true
	}
	for _, q := range req.QuasiIdentifiers {
		check(q.Column, "quasi-identifier")
	}
	for i, x := range req.Sensitive {
		check(x.Column, "sensitive attribute")
		if x.L < 0 || x.L > 100 || x.T < 0 || x.T > 1 {
			p = append(p, fmt.Sprintf("sensitive attribute %q: l must be 0…100 and t 0…1", x.Column))
		}
		if x.LKind == "" {
			req.Sensitive[i].LKind = string(anonymise.LDistinct)
		} else if x.LKind != string(anonymise.LDistinct) && x.LKind != string(anonymise.LEntropy) {
			p = append(p, fmt.Sprintf("sensitive attribute %q: l_kind %q is not distinct or entropy", x.Column, x.LKind))
		}
		if x.TKind == "" {
			req.Sensitive[i].TKind = string(anonymise.TEqual)
		} else if x.TKind != string(anonymise.TEqual) && x.TKind != string(anonymise.TOrdered) {
			p = append(p, fmt.Sprintf("sensitive attribute %q: t_kind %q is not equal or ordered", x.Column, x.TKind))
		}
	}
	for _, c := range req.Keep {
		check(c, "kept column")
	}
	if len(p) > 0 {
		msg := strings.Join(p, "; ") + "."
		return pubdata.Errorf(pubdata.EINVALID, "The anonymisation cannot run: %s", msg).Keyed("error.devspace.anonymise_bad", "Problem", msg)
	}
	return nil
}

// SpaceAnonymise runs the anonymiser inside the space over the entry's rows as the
// developer reads them under the space (masks apply), keeps the anonymised table (CSV) as a
// blob and the run with its configuration and report; the completed run is the space's use
// (AddSpaceRun counts and records it). A request refused — by the space's checks, its
// validation, the read path or the anonymiser — counts no use: it is recorded as a refusal.
func (s *Server) SpaceAnonymise(r *http.Request, sp *pubdata.DevSpace, req SpaceAnonymiseRequest) (*pubdata.DevSpaceRun, error) {
	if s.FileStore == nil {
		return nil, errNoSpaces
	}
	run, err := s.spaceAnonymise(r, sp, req)
	if err != nil {
		return nil, s.RefuseSpaceUse(r.Context(), sp, req.Entry, pubdata.SpaceUseAnonymise, err)
	}
	return run, nil
}

// refusable reports whether err refuses the request (a client's error, recorded as a
// refusal) rather than failing the server.
func (s *Server) refusable(err error) bool {
	switch pubdata.ErrorCode(err) {
	case pubdata.EINVALID, pubdata.EFORBIDDEN, pubdata.ECONFLICT, pubdata.ENOTFOUND, pubdata.EUNAUTHORIZED:
		return true
	}
	return false
}

// checkSpaceUse refuses, before any read, a use the space does not allow now: the caller
// is not its developer, or the space or the entry may not be used (DevSpace.CheckUse).
func (s *Server) checkSpaceUse(ctx context.Context, sp *pubdata.DevSpace, entry, use string) error {
	if !pubdata.IsSpaceDeveloper(pubdata.ActorFromContext(ctx), sp) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the space's developer works in it.").Keyed("error.devspace.developer_only")
	}
	return sp.CheckUse(s.Now(), entry, use)
}

func (s *Server) spaceAnonymise(r *http.Request, sp *pubdata.DevSpace, req SpaceAnonymiseRequest) (*pubdata.DevSpaceRun, error) {
	ctx := r.Context()
	e, err := s.Entries.FindPublishedEntry(ctx, req.Entry)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, NotFoundEntry(req.Entry)
	} else if err != nil {
		return nil, err
	}
	if err := s.checkSpaceUse(ctx, sp, e.ID, pubdata.SpaceUseAnonymise); err != nil {
		return nil, err
	}
	asOf := s.Now().UTC()
	stats, err := s.Data.TableStats(ctx, e.ID)
	if err != nil && !ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, err
	}
	rd, err := s.Reader().InSpace(sp).Open(ctx, e, access.SpacePurpose(sp))
	if err != nil {
		return nil, err
	}
	sel, err := rd.Select(ctx, &pubdata.RowQuery{}, access.KindSpaceAnonymise)
	if err != nil {
		return nil, err
	}
	if err := checkAnonymise(&req, sel.Columns); err != nil {
		return nil, err
	}
	t := anonymise.Table{Columns: sel.Columns}
	errTooMany := errors.New("too many rows")
	_, err = sel.Each(ctx, func(values []any) error {
		if len(t.Rows) >= MaxSpaceAnonymiseRows {
			return errTooMany
		}
		row := make([]string, len(values))
		for i, v := range values {
			row[i] = cellText(v)
		}
		t.Rows = append(t.Rows, row)
		return nil
	})
	if errors.Is(err, errTooMany) {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The entry holds more than %d rows: a space anonymises at most that many at once.", MaxSpaceAnonymiseRows).
			Keyed("error.devspace.too_many_rows", "Max", MaxSpaceAnonymiseRows)
	} else if err != nil {
		return nil, err
	}
	cfg := anonymise.Config{K: req.K, SuppressionLimit: req.SuppressionLimit, Metric: anonymise.Metric(req.Metric), Keep: req.Keep}
	for i, q := range req.QuasiIdentifiers {
		h, spec, err := anonymise.HierarchyFor(q.Spec, t.Distinct(t.Column(q.Column)))
		if err != nil {
			return nil, pubdata.Errorf(pubdata.EINVALID, "Quasi-identifier %q: %v.", q.Column, err).Keyed("error.devspace.hierarchy", "Column", q.Column, "Problem", err.Error())
		}
		req.QuasiIdentifiers[i].Spec = spec
		cfg.QuasiIdentifiers = append(cfg.QuasiIdentifiers, anonymise.QuasiIdentifier{Column: q.Column, Hierarchy: h})
	}
	for _, x := range req.Sensitive {
		cfg.Sensitive = append(cfg.Sensitive, anonymise.Sensitive{Column: x.Column, L: x.L, LKind: anonymise.LKind(x.LKind), T: x.T, TKind: anonymise.TKind(x.TKind)})
	}
	res, err := anonymise.Anonymise(t, cfg)
	if errors.Is(err, anonymise.ErrNoSolution) {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "No generalisation satisfies the criteria within the suppression limit: raise the limit, lower k, l or t, or choose coarser hierarchies.").Keyed("error.devspace.no_solution")
	} else if err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The anonymisation cannot run: %v.", err).Keyed("error.devspace.anonymise_bad", "Problem", err.Error())
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(res.Table.Columns)
	_ = cw.WriteAll(res.Table.Rows)
	if err := cw.Error(); err != nil {
		return nil, err
	}
	sp2, err := s.FileStore.Spool(&buf)
	if err != nil {
		return nil, err
	}
	if err := sp2.Keep(); err != nil {
		return nil, err
	}
	cj, _ := json.Marshal(req.SpaceRunConfig)
	rj, _ := json.Marshal(res.Report)
	run := &pubdata.DevSpaceRun{SpaceID: sp.ID, EntryID: e.ID, Kind: pubdata.SpaceUseAnonymise, Config: cj, Report: rj, Blob: sp2.Key, SHA256: sp2.SHA256,
		SM3: sp2.SM3, Size: sp2.Size, Rows: int64(len(res.Table.Rows)), EntryVersion: e.Version, AsOf: asOf}
	if stats != nil {
		run.BatchID = stats.LastBatch
	}
	return s.DevSpaces.AddSpaceRun(ctx, run)
}

// cellText is a value as the anonymiser reads it.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.Format(pubdata.DateFormat)
	default:
		return fmt.Sprint(x)
	}
}

// SpaceAggregate answers a usable-but-invisible aggregate inside the space, under its
// budget, as the read path records it; once answered it is recorded as the space's use. A
// refused aggregate counts no use: it is recorded as a refusal.
func (s *Server) SpaceAggregate(r *http.Request, sp *pubdata.DevSpace, entry string, req pubdata.AggregateRequest) (*pubdata.AggregateResult, error) {
	ctx := r.Context()
	refuse := func(err error) error { return s.RefuseSpaceUse(ctx, sp, entry, pubdata.SpaceUseAggregate, err) }
	e, err := s.Entries.FindPublishedEntry(ctx, entry)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, refuse(NotFoundEntry(entry))
	} else if err != nil {
		return nil, err
	}
	if err := s.checkSpaceUse(ctx, sp, e.ID, pubdata.SpaceUseAggregate); err != nil {
		return nil, refuse(err)
	}
	var measures []string
	for _, m := range req.Measures {
		measures = append(measures, m.Op+"("+m.Column+")")
	}
	res, err := s.Reader().InSpace(sp).Aggregate(ctx, e, req, access.SpacePurpose(sp))
	if err != nil {
		return nil, refuse(err)
	}
	if _, err := s.DevSpaces.RecordSpaceUse(ctx, sp.ID, e.ID, pubdata.SpaceUseAggregate, map[string]any{"group_by": req.GroupBy, "measures": measures}); err != nil {
		return nil, err
	}
	return res, nil
}

// SpaceRead opens a row read of the entry inside the space (a space that allows rows). The
// caller records the use (RecordSpaceRowsUse) once the read is selected, and a refusal
// (RecordSpaceRefusal) when it is refused.
func (s *Server) SpaceRead(r *http.Request, sp *pubdata.DevSpace, entry string) (*pubdata.Entry, *access.Read, error) {
	ctx := r.Context()
	e, err := s.Entries.FindPublishedEntry(ctx, entry)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, s.RefuseSpaceUse(ctx, sp, entry, pubdata.SpaceUseRows, NotFoundEntry(entry))
	} else if err != nil {
		return nil, nil, err
	}
	if err := s.checkSpaceUse(ctx, sp, e.ID, pubdata.SpaceUseRows); err != nil {
		return nil, nil, s.RefuseSpaceUse(ctx, sp, entry, pubdata.SpaceUseRows, err)
	}
	rd, err := s.Reader().InSpace(sp).Open(ctx, e, access.SpacePurpose(sp))
	if err != nil {
		return nil, nil, s.RefuseSpaceUse(ctx, sp, entry, pubdata.SpaceUseRows, err)
	}
	return e, rd, nil
}

// RefuseSpaceUse records err as a refusal of the use inside the space when it is the
// client's (a server's failure is not a refusal) and returns it.
func (s *Server) RefuseSpaceUse(ctx context.Context, sp *pubdata.DevSpace, entry, use string, err error) error {
	if err != nil && s.refusable(err) {
		if rerr := s.DevSpaces.RecordSpaceRefusal(context.WithoutCancel(ctx), sp.ID, entry, use, err); rerr != nil {
			return rerr
		}
	}
	return err
}

// RecordSpaceRowsUse records a row read inside the space, once selected, as its use.
func (s *Server) RecordSpaceRowsUse(ctx context.Context, sp *pubdata.DevSpace, e *pubdata.Entry) error {
	_, err := s.DevSpaces.RecordSpaceUse(ctx, sp.ID, e.ID, pubdata.SpaceUseRows, nil)
	return err
}

// ProductsFor lists the products of a space the caller sees.
func (s *Server) ProductsFor(r *http.Request, sp *pubdata.DevSpace) ([]*pubdata.Product, error) {
	return s.Products.Products(r.Context(), pubdata.ProductFilter{SpaceID: sp.ID})
}

// maxProductField bounds the "product" part of a product's upload form.
const maxProductField = 64 << 10

// ReadProductRegistration reads a product's registration: a JSON body, or a multipart form
// whose "product" part is that JSON and whose "file" part is the product's content (kept as
// it streams in, as file entries' files are). Content that is a table (CSV, XLSX) is read
// back and its named quasi-identifiers and sensitive columns checked against its header;
// its rows are counted.
func (s *Server) ReadProductRegistration(r *http.Request) (*pubdata.ProductRegistration, error) {
	reg := &pubdata.ProductRegistration{}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return reg, DecodeJSON(r, reg)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).Keyed("error.upload.form_unreadable", "Error", err)
	}
	seen := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).Keyed("error.upload.form_unreadable", "Error", err))
		}
		switch part.FormName() {
		case "product":
			raw, err := io.ReadAll(io.LimitReader(part, maxProductField+1))
			if err != nil {
				return nil, NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).Keyed("error.upload.form_unreadable", "Error", err))
			}
			if len(raw) > maxProductField {
				return nil, pubdata.FieldErrorf("product", "The product's description part is larger than %d bytes.", maxProductField).Keyed("error.product.part_large", "Max", maxProductField)
			}
			if err := DecodeJSONBytes(raw, reg); err != nil {
				return nil, err
			}
			seen = true
		case "file":
			if reg.Content != nil {
				continue
			}
			b, err := s.StoreUpload(part, part.FileName())
			if err != nil {
				return nil, err
			}
			reg.Content = &b
		}
	}
	if !seen {
		return nil, pubdata.FieldErrorf("product", "The form has no \"product\" part (the registration as JSON).").Keyed("error.product.part_missing")
	}
	if reg.Content != nil && pubdata.IsTableFormat(reg.Content.Format) {
		if err := s.checkProductTable(reg); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// checkProductTable reads a registration's table content back: its columns must include
// the quasi-identifiers and sensitive columns named; its rows are counted.
func (s *Server) checkProductTable(reg *pubdata.ProductRegistration) error {
	o, ok := s.FileStore.(interface {
		Open(key string) (*os.File, error)
	})
	if !ok {
		return errNoFiles
	}
	f, err := o.Open(reg.Content.Key)
	if err != nil {
		return err
	}
	defer f.Close()
	header, rows, err := ReadProductTable(io.LimitReader(f, MaxGateBytes), reg.Content.Format)
	if err != nil {
		var pe *pubdata.Error
		if errors.As(err, &pe) {
			c := *pe
			c.Field = "file"
			return &c
		}
		return err
	}
	var missing []string
	for _, c := range append(slices.Clone(reg.QuasiIdentifiers), reg.Sensitive...) {
		if !slices.Contains(header, strings.TrimSpace(c)) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return pubdata.FieldErrorf("quasi_identifiers", "The columns %s are not in the file's header (%s).", strings.Join(missing, ", "), strings.Join(header, ", ")).
			Keyed("error.product.columns_missing", "Columns", strings.Join(missing, ", "), "Header", strings.Join(header, ", "))
	}
	reg.ContentRows = int64(len(rows))
	return nil
}

// ServeProductContent streams a product's content (GET /api/v1/products/{id}/content and
// the page's GET /products/{id}/content) to the space's developers, the first-level
// operators, the authority covering the space and buyers under a live delivery, through
// the one read path (recorded as "product.read"); everyone else signed in is refused with
// 403 naming who may.
func (s *Server) ServeProductContent(w http.ResponseWriter, r *http.Request, id string) error {
	if err := s.SpacesAvailable(); err != nil {
		return err
	}
	if _, err := RequireUser(r); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := s.Products.Product(ctx, id)
	if err != nil {
		return err
	}
	sp, err := s.DevSpaces.Space(ctx, p.SpaceID)
	if err != nil {
		return err
	}
	op, err := s.IsSpaceOperator(r)
	if err != nil {
		return err
	}
	if s.Trade == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no products' content.").Keyed("error.product_read.not_available")
	}
	f, _, err := s.Reader().WithProducts(s.Trade).OpenSpaceProduct(ctx, p, sp, op)
	if err != nil {
		return err
	}
	defer f.Close()
	ct := "application/octet-stream"
	if strings.EqualFold(p.ContentFormat, "CSV") {
		ct = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+ProductContentName(p)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, err = io.Copy(w, f)
	return err
}

// ProductContentName is the download name of a product's content.
func ProductContentName(p *pubdata.Product) string {
	ext := ".bin"
	switch strings.ToUpper(p.ContentFormat) {
	case "CSV":
		ext = ".csv"
	case "PDF":
		ext = ".pdf"
	case "XLSX":
		ext = ".xlsx"
	case "ZIP":
		ext = ".zip"
	case "TXT":
		ext = ".txt"
	}
	return "product-" + p.ID + ext
}
