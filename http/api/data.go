package api

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/locale"
)

// The aggregation API (issue 4): an entry's provider loads its table in batches (a file, a
// body pushed by its system, single rows), follows, retries and rolls them back; the
// authority purges history; readers query the rows as JSON pages or streamed downloads.
//
// Who may do what (the rules are the domain's):
//   - load, retry, roll back, push rows: the provider's admins and editors (CanLoadData);
//   - see batches: the provider's users and the covering authorities (CanReadAllData);
//   - purge history: a covering authority's admin (CanPurgeData);
//   - read rows: through package access, the one read path (pubdata.DecideAccess applied:
//     columns, masks, the grant's filter and purpose, the record of shared reads). An entry
//     the caller may not see answers 404, as in the catalogue API; one the caller sees but
//     may not read, 403 with the reason.

// errNoData answers the data endpoints of a server without a DataService.
var errNoData = pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no data tables.").Keyed("error.not_available.data")

// --- entries and batches as the caller may see them ---

// dataEntry returns the published entry of the path's {id} with its table's items when the
// caller may see it (the published catalogue's rule, or the provider and authority);
// ENOTFOUND otherwise, as for an entry that does not exist.
func (s *Server) dataEntry(r *http.Request) (*pubdata.Entry, []pubdata.Item, error) {
	if s.Data == nil {
		return nil, nil, errNoData
	}
	id := r.PathValue("id")
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, web.NotFoundEntry(id)
	} else if err != nil {
		return nil, nil, err
	}
	if ok, err := s.Reader().Visible(r.Context(), e); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, web.NotFoundEntry(id)
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, nil, err
	}
	return e, items, nil
}

// entryForLoad is dataEntry for a change to the entry's data by the signed-in provider.
func (s *Server) entryForLoad(r *http.Request) (*pubdata.Entry, []pubdata.Item, error) {
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	e, items, err := s.dataEntry(r)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may load or change the data of this entry.", e.OrgName).
			Keyed("error.data.load_forbidden_named", "Org", e.OrgName)
	}
	return e, items, nil
}

// entryForRead is dataEntry for reading rows, with the read opened (package access):
// EFORBIDDEN with its reason when the caller sees the entry but may not read its rows.
func (s *Server) entryForRead(r *http.Request, kind access.Kind) (*pubdata.Entry, []pubdata.Item, *access.Read, error) {
	e, items, err := s.dataEntry(r)
	if err != nil {
		return nil, nil, nil, err
	}
	rd, err := s.OpenRead(r, e)
	if err != nil {
		return nil, nil, nil, err
	}
	if !rd.Allowed() {
		return nil, nil, nil, rd.Refused(r.Context(), kind, false)
	}
	return e, items, rd, nil
}

func notFoundBatch(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Batch %q was not found.", id).Keyed("error.batch.not_found", "ID", id)
}

// batchFor returns the batch of the path's {id} and its entry (the latest published
// version) when the signed-in caller may see the entry's batches (CanReadAllData).
func (s *Server) batchFor(r *http.Request) (*pubdata.Actor, *pubdata.Batch, *pubdata.Entry, error) {
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, nil, nil, err
	}
	if s.Data == nil {
		return nil, nil, nil, errNoData
	}
	id := r.PathValue("id")
	b, err := s.Data.FindBatchByID(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, nil, notFoundBatch(id)
	} else if err != nil {
		return nil, nil, nil, err
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), b.Entry)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, nil, notFoundBatch(id)
	} else if err != nil {
		return nil, nil, nil, err
	}
	if !pubdata.CanReadAllData(a, e) {
		return nil, nil, nil, notFoundBatch(id)
	}
	return a, b, e, nil
}

// batchView is a batch as the API shows it to the request's caller: errors never null,
// their messages in the API's language, sensitive values masked unless the caller is the
// provider's admin or editor (web.ReportFor).
func batchView(r *http.Request, b *pubdata.Batch) *pubdata.Batch {
	lang := web.ApiLang(r)
	b = web.ReportFor(pubdata.ActorFromContext(r.Context()), b)
	c := *b
	if b.Msg != nil {
		c.Message = locale.Render(lang, b.Msg)
	}
	c.Errors = make([]pubdata.RowError, len(b.Errors))
	for i, re := range b.Errors {
		re.Message = web.RowErrorText(lang, re)
		c.Errors[i] = re
	}
	return &c
}

// writeBatch answers with a batch: 202 with its Location while it runs, 201 for a batch this
// request made (done or failed: a failed batch exists, with its errors), 200 otherwise.
func writeBatch(w http.ResponseWriter, r *http.Request, b *pubdata.Batch, created bool) {
	status := http.StatusOK
	switch {
	case b.Status == pubdata.BatchRunning:
		status = http.StatusAccepted
		w.Header().Set("Location", "/api/v1/batches/"+b.ID)
	case created:
		status = http.StatusCreated
	}
	web.WriteJSON(w, status, batchView(r, b))
}

// pushRows loads rows (from a request's JSON, already checked) as a small batch of its own,
// synchronously.
func (s *Server) pushRows(ctx context.Context, e *pubdata.Entry, opt pubdata.LoadOptions, rows ...*pubdata.SourceRow) (*pubdata.Batch, bool, error) {
	if err := s.Data.EnsureTable(ctx, e); err != nil {
		return nil, false, err
	}
	b, created, err := s.Data.CreateBatch(ctx, e, opt)
	if err != nil || !created {
		return b, created, err
	}
	b, err = s.Data.RunBatch(context.WithoutCancel(ctx), e, b.ID, datafile.Rows(rows...), opt)
	return b, true, err
}

// loadOptions reads the batch settings of a request: mode and on_error from the query (or
// the given form values), the Idempotency-Key header, and the source: a push for a token
// caller (a provider's system), an upload for a signed-in person.
func loadOptions(r *http.Request, form map[string]string) pubdata.LoadOptions {
	q := r.URL.Query()
	get := func(name string) string {
		if v := q.Get(name); v != "" {
			return v
		}
		return form[name]
	}
	opt := pubdata.LoadOptions{
		Mode:           pubdata.LoadMode(strings.TrimSpace(get("mode"))),
		OnError:        pubdata.OnError(strings.TrimSpace(get("on_error"))),
		Source:         pubdata.SourceUpload,
		IdempotencyKey: strings.TrimSpace(r.Header.Get("Idempotency-Key")),
	}
	if r.Header.Get("Authorization") != "" {
		opt.Source = pubdata.SourcePush
	}
	return opt
}

// ApiDataLoad is POST /api/v1/entries/{id}/data: the body is the file (CSV, JSON, NDJSON or
// XLSX by Content-Type, or detected), or a multipart form whose "file" field is (with
// optional "mode" and "on_error" fields before it).
func (s *Server) ApiDataLoad(w http.ResponseWriter, r *http.Request) error {
	e, _, err := s.entryForLoad(r)
	if err != nil {
		return err
	}
	// A large upload may take longer than the server's read timeout.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour))
	var (
		body        io.Reader = r.Body
		fileName    string
		contentType = r.Header.Get("Content-Type")
		form        = map[string]string{}
	)
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
		fileName = filepath.Base(params["filename"])
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return pubdata.Errorf(pubdata.EINVALID, "The multipart body could not be read: %v.", err).
				Keyed("error.upload.multipart_body", "Error", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return pubdata.FieldErrorf("file", "The multipart body has no \"file\" field.").Keyed("error.upload.no_file_field")
			} else if err != nil {
				return web.NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The multipart body could not be read: %v.", err).
					Keyed("error.upload.multipart_body", "Error", err))
			}
			if name := part.FormName(); name != "file" {
				v, _ := io.ReadAll(io.LimitReader(part, 200))
				form[name] = string(v)
				continue
			}
			body, fileName, contentType = part, filepath.Base(part.FileName()), part.Header.Get("Content-Type")
			break
		}
	}
	if fileName == "." {
		fileName = ""
	}
	wait, async := s.BatchWait, web.RespondAsync(r)
	if async {
		wait = 0
	}
	b, created, err := s.StartBatchWait(r.Context(), e, body, fileName, contentType, loadOptions(r, form), wait)
	if err != nil {
		return err
	}
	if async && created {
		// Answered as soon as the batch exists, whether or not a small load has ended since.
		w.Header().Set("Location", "/api/v1/batches/"+b.ID)
		web.WriteJSON(w, http.StatusAccepted, batchView(r, b))
		return nil
	}
	writeBatch(w, r, b, created)
	return nil
}

func (s *Server) ApiBatchGet(w http.ResponseWriter, r *http.Request) error {
	_, b, _, err := s.batchFor(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, batchView(r, b))
	return nil
}

func (s *Server) ApiEntryBatches(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	e, _, err := s.dataEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanReadAllData(a, e) {
		return web.NotFoundEntry(e.ID)
	}
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	list, next, err := s.Data.FindBatches(r.Context(), e.ID, limit, cursor)
	if err != nil {
		return err
	}
	// The store counts the batches that reached the table (done, rolled back, rollbacks);
	// failed ones are not counted until FindBatches returns a total of its own.
	total := len(list)
	if st, err := s.Data.TableStats(r.Context(), e.ID); err == nil {
		total = max(total, int(st.Batches))
	}
	for i, b := range list {
		list[i] = batchView(r, b)
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

// ApiBatchRetry reruns a failed batch from its kept file, as the same batch: a failed batch
// wrote nothing, so nothing is loaded twice.
func (s *Server) ApiBatchRetry(w http.ResponseWriter, r *http.Request) error {
	a, b, e, err := s.batchFor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may retry its batches.", e.OrgName).Keyed("error.batch.retry_forbidden_named", "Org", e.OrgName)
	}
	if b.Status != pubdata.BatchFailed {
		return pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is %s; only a failed batch can be retried.", b.ID, b.Status).
			Keyed("error.batch.retry_status", "ID", b.ID, "Status", b.Status)
	}
	if kept := s.BatchFileKept(r.Context(), b.ID); !kept && b.Source == pubdata.SourceCLI {
		return pubdata.Errorf(pubdata.ECONFLICT, "Batch %s was loaded by pubdata ingest, whose file the platform does not keep; run pubdata ingest again with the same file: it resumes this batch.", b.ID).
			Keyed("error.batch.retry_cli", "ID", b.ID)
	} else if !kept {
		return pubdata.Errorf(pubdata.ECONFLICT, "The file of batch %s is not kept (rows pushed one by one, or a file removed); load the data again as a new batch.", b.ID).
			Keyed("error.batch.file_not_kept", "ID", b.ID)
	}
	f, ok := datafile.ParseFormat(b.Format)
	if !ok {
		return pubdata.Errorf(pubdata.ECONFLICT, "Batch %s has no file format to read its file by; load the data again as a new batch.", b.ID).
			Keyed("error.batch.no_format", "ID", b.ID)
	}
	if err := s.Data.EnsureTable(r.Context(), e); err != nil {
		return err
	}
	opt := pubdata.LoadOptions{Mode: b.Mode, OnError: b.OnError, Source: b.Source, Format: b.Format, FileName: b.FileName}
	b, err = s.RunBatchFile(r.Context(), e, b.ID, f, opt)
	if err != nil {
		return err
	}
	writeBatch(w, r, b, false)
	return nil
}

// rollbackRequest is the body of POST /api/v1/batches/{id}/rollback.
type rollbackRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) ApiBatchRollback(w http.ResponseWriter, r *http.Request) error {
	a, b, e, err := s.batchFor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may roll back its batches.", e.OrgName).Keyed("error.batch.rollback_forbidden_named", "Org", e.OrgName)
	}
	var req rollbackRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	rb, err := s.Data.RollbackBatch(r.Context(), e, b.ID, req.Reason)
	if err != nil {
		return err
	}
	writeBatch(w, r, rb, true)
	return nil
}

// purgeRequest is the body of POST /api/v1/entries/{id}/purge.
type purgeRequest struct {
	Batch  string `json:"batch"`
	Reason string `json:"reason"`
}

// ApiEntryPurge deletes for good the history superseded at or before a batch (authority).
func (s *Server) ApiEntryPurge(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	e, _, err := s.dataEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanPurgeData(a, e.Division) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of an authority covering the entry's division may purge its history.").Keyed("error.entry.purge_forbidden")
	}
	var req purgeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Batch) == "" {
		return pubdata.FieldErrorf("batch", "Name the batch up to which the superseded rows are purged.").Keyed("error.batch.purge_batch.required")
	}
	n, err := s.Data.PurgeHistory(r.Context(), e, strings.TrimSpace(req.Batch), req.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"entry": e.ID, "batch": req.Batch, "rows_purged": n})
	return nil
}

// tableReply is GET /api/v1/entries/{id}/table: the table's figures and freshness.
type tableReply struct {
	*pubdata.TableStats
	UpdateCycle string            `json:"update_cycle"`
	Freshness   pubdata.Freshness `json:"freshness"`
}

func (s *Server) ApiEntryTable(w http.ResponseWriter, r *http.Request) error {
	e, items, err := s.dataEntry(r)
	if err != nil {
		return err
	}
	st, err := s.Data.TableStats(r.Context(), e.ID)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		st = &pubdata.TableStats{Entry: e.ID, Columns: []string{}}
		for _, it := range items {
			st.Columns = append(st.Columns, it.Name)
		}
	} else if err != nil {
		return err
	}
	if st.Frozen > 0 {
		// How many rows objections freeze is told only to those who read the rows: otherwise
		// comparing it before and after filing an objection would tell whether a key exists.
		rd, err := s.OpenRead(r, e)
		if err != nil {
			return err
		}
		if !rd.Allowed() {
			c := *st
			c.Frozen = 0
			st = &c
		}
	}
	web.WriteJSON(w, http.StatusOK, tableReply{TableStats: st, UpdateCycle: e.UpdateCycle,
		Freshness: pubdata.TableFreshness(e.UpdateCycle, st.LastLoadedAt, s.Now())})
	return nil
}

// --- single rows pushed in real time ---

// rowKey reads the path's {key}: the key items' values, comma-separated in item order.
func rowKey(r *http.Request, items []pubdata.Item) ([]pubdata.RowFilter, []string, error) {
	raw := r.PathValue("key")
	fs, err := pubdata.KeyFilters(items, raw)
	if err != nil {
		return nil, nil, err
	}
	parts := []string{raw}
	if len(fs) > 1 {
		parts = strings.Split(raw, ",")
	}
	return fs, parts, nil
}

// ApiRowPut is PUT /api/v1/entries/{id}/rows/{key}: upserts one row (a JSON object of the
// items' values; key items it leaves out come from the path) as a batch of its own.
func (s *Server) ApiRowPut(w http.ResponseWriter, r *http.Request) error {
	e, items, err := s.entryForLoad(r)
	if err != nil {
		return err
	}
	keys, parts, err := rowKey(r, items)
	if err != nil {
		return err
	}
	var obj map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return web.JsonError(err)
	}
	if obj == nil {
		return pubdata.Errorf(pubdata.EINVALID, "Request body must be a JSON object of the row's values.").Keyed("error.data.row_object")
	}
	for i, k := range keys {
		it := items[slices.IndexFunc(items, func(it pubdata.Item) bool { return it.Name == k.Column })]
		_, byName := obj[it.Name]
		_, byTitle := obj[it.Title]
		if !byName && !byTitle {
			obj[it.Name] = parts[i]
		}
	}
	row := datafile.Record(items, obj, 1, datafile.Options{Now: s.Now()})
	if len(row.Errors) > 0 {
		var err error
		for _, re := range row.Errors {
			field := re.Column
			if field == "" {
				field = "row"
			}
			problem := re.Msg
			if problem == nil {
				problem = pubdata.NewMessage("error.sentence", "Text", re.Message)
			}
			err = pubdata.WithFieldError(err, pubdata.FieldErrorf(field, "%s: %s", field, web.RowErrorText(web.ApiLang(r), re)).
				Keyed("error.data.field_problem", "Field", field, "Problem", problem))
		}
		return err
	}
	byName := map[string]int{}
	for i, it := range items {
		byName[it.Name] = i
	}
	for _, k := range keys {
		if v := row.Values[byName[k.Column]]; v != k.Values[0] {
			return pubdata.FieldErrorf(k.Column, "The key in the path (%s = %s) does not match the row's %s (%s).",
				k.Column, pubdata.FormatItemValue(k.Values[0]), k.Column, pubdata.FormatItemValue(v)).
				Keyed("error.data.key_mismatch", "Column", k.Column, "Path", pubdata.FormatItemValue(k.Values[0]), "Row", pubdata.FormatItemValue(v))
		}
	}
	opt := loadOptions(r, nil)
	opt.Mode, opt.OnError, opt.Source, opt.Format = pubdata.ModeUpsert, pubdata.OnErrorAbort, pubdata.SourcePush, "json"
	b, created, err := s.pushRows(r.Context(), e, opt, row)
	if err != nil {
		return err
	}
	writeBatch(w, r, b, created)
	return nil
}

// ApiRowDelete is DELETE /api/v1/entries/{id}/rows/{key}: supersedes the current row with
// the key, as a batch of its own (failed, with a not_found error, when there is none).
func (s *Server) ApiRowDelete(w http.ResponseWriter, r *http.Request) error {
	e, items, err := s.entryForLoad(r)
	if err != nil {
		return err
	}
	keys, _, err := rowKey(r, items)
	if err != nil {
		return err
	}
	row := &pubdata.SourceRow{Num: 1, Values: make([]any, len(items)), Delete: true}
	for _, k := range keys {
		for i, it := range items {
			if it.Name == k.Column {
				row.Values[i] = k.Values[0]
			}
		}
	}
	opt := loadOptions(r, nil)
	opt.Mode, opt.OnError, opt.Source, opt.Format = pubdata.ModeUpsert, pubdata.OnErrorAbort, pubdata.SourcePush, "json"
	b, created, err := s.pushRows(r.Context(), e, opt, row)
	if err != nil {
		return err
	}
	writeBatch(w, r, b, created)
	return nil
}

// --- reading rows ---

// rowFormats are the _format values of GET rows.
var rowFormats = map[string]datafile.Format{"csv": datafile.CSV, "ndjson": datafile.NDJSON, "xlsx": datafile.XLSX}

// ApiRows is GET /api/v1/entries/{id}/rows: a JSON page, or the whole selection streamed as
// a CSV, NDJSON or XLSX download.
func (s *Server) ApiRows(w http.ResponseWriter, r *http.Request) error {
	params := r.URL.Query()
	format := params.Get("_format")
	if format == "" {
		format = "json"
	}
	e, items, rd, err := s.entryForRead(r, access.KindRows(format))
	if err != nil {
		return err
	}
	if _, ok := rowFormats[format]; !ok && format != "json" {
		return pubdata.FieldErrorf("_format", "_format %q is not one of json, ndjson, csv, xlsx.", format).
			Keyed("error.data.format", "Format", format)
	}
	skip := []string{"_format", "_bom", "_key"}
	keyParams := []string{"_key"}
	if !slices.ContainsFunc(items, func(it pubdata.Item) bool { return it.Name == "key" }) {
		skip = append(skip, "key")
		keyParams = append(keyParams, "key")
	}
	q, err := pubdata.ParseRowQuery(items, params, skip, format == "json")
	if err != nil {
		return err
	}
	for _, name := range keyParams {
		if v := params.Get(name); v != "" {
			fs, err := access.KeyFilters(items, v)
			if err != nil {
				return err
			}
			q.Filters = append(q.Filters, fs...)
		}
	}
	sel, err := rd.Select(r.Context(), q, access.KindRows(format))
	if err != nil {
		return err
	}
	if !sel.HasTable && q.AsOf != "" {
		return pubdata.FieldErrorf("_as_of", "_as_of: batch %q of this entry was not found.", q.AsOf).
			Keyed("error.data.as_of", "Batch", q.AsOf)
	}
	if err := sel.Record(r.Context()); err != nil {
		return err
	}
	if format == "json" {
		return s.Stream(w, r, sel, web.Download{ContentType: "application/json; charset=utf-8"}, &web.JSONRows{})
	}
	bom := params.Get("_bom") == "1" || params.Get("_bom") == "true"
	f := rowFormats[format]
	return s.Stream(w, r, sel, web.FileDownload(e, f), &web.FileRows{Format: f, BOM: bom})
}
