package http

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
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
	if errorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, notFoundEntry(id)
	} else if err != nil {
		return nil, nil, err
	}
	if ok, err := s.reader().Visible(r.Context(), e); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, notFoundEntry(id)
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, nil, err
	}
	return e, items, nil
}

// entryForLoad is dataEntry for a change to the entry's data by the signed-in provider.
func (s *Server) entryForLoad(r *http.Request) (*pubdata.Entry, []pubdata.Item, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, nil, err
	}
	e, items, err := s.dataEntry(r)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may load or change the data of this entry.", e.OrgName)
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
	rd, err := s.openRead(r, e)
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
	a, err := requireUser(r)
	if err != nil {
		return nil, nil, nil, err
	}
	if s.Data == nil {
		return nil, nil, nil, errNoData
	}
	id := r.PathValue("id")
	b, err := s.Data.FindBatchByID(r.Context(), id)
	if errorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, nil, notFoundBatch(id)
	} else if err != nil {
		return nil, nil, nil, err
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), b.Entry)
	if errorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, nil, notFoundBatch(id)
	} else if err != nil {
		return nil, nil, nil, err
	}
	if !pubdata.CanReadAllData(a, e) {
		return nil, nil, nil, notFoundBatch(id)
	}
	return a, b, e, nil
}

// batchView is a batch as the API shows it: errors never null, their messages in lang.
func batchView(lang string, b *pubdata.Batch) *pubdata.Batch {
	c := *b
	if b.Msg != nil {
		c.Message = locale.Render(lang, b.Msg)
	}
	c.Errors = make([]pubdata.RowError, len(b.Errors))
	for i, re := range b.Errors {
		re.Message = rowErrorText(lang, re)
		c.Errors[i] = re
	}
	return &c
}

// rowErrorText is the message of a row error in lang; an error recorded before messages
// were keyed has only its English text.
func rowErrorText(lang string, re pubdata.RowError) string {
	if re.Msg == nil {
		return re.Message
	}
	return locale.Render(lang, re.Msg)
}

// apiLang is the language of the API's messages: ?lang=, else Accept-Language when the
// request has one, else English (the API's language before messages were translated).
func apiLang(r *http.Request) string {
	if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		return negotiateLang(h)
	}
	return LangEN
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
	writeJSON(w, status, batchView(apiLang(r), b))
}

// --- loading ---

// batchDir is the folder of the spooled upload files.
func (s *Server) batchDir() string {
	if s.BatchDir != "" {
		return s.BatchDir
	}
	return filepath.Join(os.TempDir(), "pubdata-batches")
}

// batchFile is where the upload of batch id is kept.
func (s *Server) batchFile(id string) string { return filepath.Join(s.batchDir(), id) }

// spool copies body into a new file in the batch folder; the caller renames or removes it.
func (s *Server) spool(body io.Reader) (string, error) {
	dir := s.batchDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", internalf("batch folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", internalf("spool upload: %w", err)
	}
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", normalizeError(err)
		}
		return "", pubdata.Errorf(pubdata.EINVALID, "The upload could not be read to its end (%v); nothing was loaded.", err)
	}
	return f.Name(), nil
}

// fileHead returns the first bytes of a file, for format detection.
func fileHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 8<<10)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return buf[:n], nil
}

// startBatch loads body into the entry's table as a new batch, as the actor in ctx (whose
// right to load, CanLoadData, the caller has checked). It checks opt, spools the body to the
// batch folder, detects the format (from contentType, then fileName, then the first bytes),
// makes sure the table exists, creates the batch, or finds the one of opt.IdempotencyKey
// (created false; nothing is loaded again), and runs it in the background for up to
// batchWait: the batch comes back done, failed or still running (then follow it with
// FindBatchByID). A problem with the file as a whole (an unknown column, a missing key
// column…) fails the batch and comes back as an EINVALID error together with the failed
// batch. Any other error means no batch was created (b is nil).
func (s *Server) startBatch(ctx context.Context, e *pubdata.Entry, body io.Reader, fileName, contentType string, opt pubdata.LoadOptions) (b *pubdata.Batch, created bool, err error) {
	if err := pubdata.ValidateLoadOptions(&opt); err != nil {
		return nil, false, err
	}
	if _, err := pubdata.TableItems(e); err != nil {
		return nil, false, err
	}
	path, err := s.spool(body)
	if err != nil {
		return nil, false, err
	}
	defer func() {
		if path != "" {
			os.Remove(path)
		}
	}()
	head, err := fileHead(path)
	if err != nil {
		return nil, false, internalf("read spooled upload: %w", err)
	}
	if len(head) == 0 {
		return nil, false, pubdata.Errorf(pubdata.EINVALID, "The upload is empty; send a CSV, JSON, NDJSON or XLSX file.")
	}
	f, err := datafile.DetectFormat(contentType, fileName, head)
	if err != nil {
		return nil, false, err
	}
	opt.Format, opt.FileName = string(f), fileName
	if err := s.Data.EnsureTable(ctx, e); err != nil {
		return nil, false, err
	}
	b, created, err = s.Data.CreateBatch(ctx, e, opt)
	if err != nil || !created {
		return b, created, err
	}
	if err := os.Rename(path, s.batchFile(b.ID)); err != nil {
		return nil, false, internalf("keep upload of batch %s: %w", b.ID, err)
	}
	path = ""
	b, err = s.runBatchFile(ctx, e, b.ID, f, opt)
	return b, true, err
}

// runBatchFile runs batch id from its spooled file in the background, with ctx's values
// (the actor and request for the record) but not its cancellation, and waits for it up to
// batchWait; see startBatch.
func (s *Server) runBatchFile(ctx context.Context, e *pubdata.Entry, id string, f datafile.Format, opt pubdata.LoadOptions) (*pubdata.Batch, error) {
	ctx = context.WithoutCancel(ctx)
	type result struct {
		b   *pubdata.Batch
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := s.loadFile(ctx, e, id, f, opt)
		if err != nil && pubdata.ErrorCode(err) == pubdata.EINTERNAL {
			s.Logger.LogAttrs(ctx, slog.LevelError, "batch failed", slog.String("batch", id),
				slog.String("request_id", pubdata.RequestFromContext(ctx).RequestID), slog.String("error", err.Error()))
		}
		done <- result{b, err}
	}()
	t := time.NewTimer(s.batchWait)
	defer t.Stop()
	select {
	case r := <-done:
		return r.b, r.err
	case <-t.C:
		return s.Data.FindBatchByID(ctx, id)
	}
}

// loadFile runs batch id from its file. The file is removed once the batch is done; a failed
// batch keeps it for a retry. A file-level problem fails the batch and is returned with it.
func (s *Server) loadFile(ctx context.Context, e *pubdata.Entry, id string, f datafile.Format, opt pubdata.LoadOptions) (*pubdata.Batch, error) {
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	path := s.batchFile(id)
	file, err := os.Open(path)
	if err != nil {
		return nil, internalf("open upload of batch %s: %w", id, err)
	}
	defer file.Close()
	size := int64(-1)
	if st, err := file.Stat(); err == nil {
		size = st.Size()
	}
	src, err := datafile.Open(file, f, items, datafile.Options{Now: s.now(), Size: size, TempDir: s.batchDir()})
	if err != nil {
		b, rerr := s.Data.RunBatch(ctx, e, id, failedSource{err}, opt)
		if rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return b, err
	}
	defer src.Close()
	b, err := s.Data.RunBatch(ctx, e, id, src, opt)
	if err == nil && b.Status == pubdata.BatchDone {
		file.Close()
		os.Remove(path)
	}
	return b, err
}

// failedSource is the source of a batch whose file could not be opened: it fails the batch
// with the reason.
type failedSource struct{ err error }

func (f failedSource) Next() (*pubdata.SourceRow, error) { return nil, f.err }
func (f failedSource) Read() int64                       { return 0 }
func (f failedSource) Size() int64                       { return -1 }

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

// apiDataLoad is POST /api/v1/entries/{id}/data: the body is the file (CSV, JSON, NDJSON or
// XLSX by Content-Type, or detected), or a multipart form whose "file" field is (with
// optional "mode" and "on_error" fields before it).
func (s *Server) apiDataLoad(w http.ResponseWriter, r *http.Request) error {
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
			return pubdata.Errorf(pubdata.EINVALID, "The multipart body could not be read: %v.", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return pubdata.FieldErrorf("file", "The multipart body has no \"file\" field.")
			} else if err != nil {
				return normalizeError(pubdata.Errorf(pubdata.EINVALID, "The multipart body could not be read: %v.", err))
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
	b, created, err := s.startBatch(r.Context(), e, body, fileName, contentType, loadOptions(r, form))
	if err != nil {
		return err
	}
	writeBatch(w, r, b, created)
	return nil
}

func (s *Server) apiBatchGet(w http.ResponseWriter, r *http.Request) error {
	_, b, _, err := s.batchFor(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, batchView(apiLang(r), b))
	return nil
}

func (s *Server) apiEntryBatches(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	e, _, err := s.dataEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanReadAllData(a, e) {
		return notFoundEntry(e.ID)
	}
	limit, cursor, err := pageParams(r.URL.Query())
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
		list[i] = batchView(apiLang(r), b)
	}
	writeJSON(w, http.StatusOK, newList(list, total, next))
	return nil
}

// apiBatchRetry reruns a failed batch from its kept file, as the same batch: a failed batch
// wrote nothing, so nothing is loaded twice.
func (s *Server) apiBatchRetry(w http.ResponseWriter, r *http.Request) error {
	a, b, e, err := s.batchFor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may retry its batches.", e.OrgName).Keyed("error.batch.retry_forbidden_named", "Org", e.OrgName)
	}
	if b.Status != pubdata.BatchFailed {
		return pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is %s; only a failed batch can be retried.", b.ID, b.Status)
	}
	if _, err := os.Stat(s.batchFile(b.ID)); err != nil {
		return pubdata.Errorf(pubdata.ECONFLICT, "The file of batch %s is not kept (rows pushed one by one, or a file removed); load the data again as a new batch.", b.ID)
	}
	f, ok := datafile.ParseFormat(b.Format)
	if !ok {
		return pubdata.Errorf(pubdata.ECONFLICT, "Batch %s has no file format to read its file by; load the data again as a new batch.", b.ID)
	}
	if err := s.Data.EnsureTable(r.Context(), e); err != nil {
		return err
	}
	opt := pubdata.LoadOptions{Mode: b.Mode, OnError: b.OnError, Source: b.Source, Format: b.Format, FileName: b.FileName}
	b, err = s.runBatchFile(r.Context(), e, b.ID, f, opt)
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

func (s *Server) apiBatchRollback(w http.ResponseWriter, r *http.Request) error {
	a, b, e, err := s.batchFor(r)
	if err != nil {
		return err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may roll back its batches.", e.OrgName).Keyed("error.batch.rollback_forbidden_named", "Org", e.OrgName)
	}
	var req rollbackRequest
	if err := decodeJSON(r, &req); err != nil {
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

// apiEntryPurge deletes for good the history superseded at or before a batch (authority).
func (s *Server) apiEntryPurge(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
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
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Batch) == "" {
		return pubdata.FieldErrorf("batch", "Name the batch up to which the superseded rows are purged.")
	}
	n, err := s.Data.PurgeHistory(r.Context(), e, strings.TrimSpace(req.Batch), req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entry": e.ID, "batch": req.Batch, "rows_purged": n})
	return nil
}

// tableReply is GET /api/v1/entries/{id}/table: the table's figures and freshness.
type tableReply struct {
	*pubdata.TableStats
	UpdateCycle string            `json:"update_cycle"`
	Freshness   pubdata.Freshness `json:"freshness"`
}

func (s *Server) apiEntryTable(w http.ResponseWriter, r *http.Request) error {
	e, items, err := s.dataEntry(r)
	if err != nil {
		return err
	}
	st, err := s.Data.TableStats(r.Context(), e.ID)
	if errorIs(err, pubdata.ENOTFOUND) {
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
		rd, err := s.openRead(r, e)
		if err != nil {
			return err
		}
		if !rd.Allowed() {
			c := *st
			c.Frozen = 0
			st = &c
		}
	}
	writeJSON(w, http.StatusOK, tableReply{TableStats: st, UpdateCycle: e.UpdateCycle,
		Freshness: pubdata.TableFreshness(e.UpdateCycle, st.LastLoadedAt, s.now())})
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

// apiRowPut is PUT /api/v1/entries/{id}/rows/{key}: upserts one row (a JSON object of the
// items' values; key items it leaves out come from the path) as a batch of its own.
func (s *Server) apiRowPut(w http.ResponseWriter, r *http.Request) error {
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
		return jsonError(err)
	}
	if obj == nil {
		return pubdata.Errorf(pubdata.EINVALID, "Request body must be a JSON object of the row's values.")
	}
	for i, k := range keys {
		it := items[slices.IndexFunc(items, func(it pubdata.Item) bool { return it.Name == k.Column })]
		_, byName := obj[it.Name]
		_, byTitle := obj[it.Title]
		if !byName && !byTitle {
			obj[it.Name] = parts[i]
		}
	}
	row := datafile.Record(items, obj, 1, datafile.Options{Now: s.now()})
	if len(row.Errors) > 0 {
		var err error
		for _, re := range row.Errors {
			field := re.Column
			if field == "" {
				field = "row"
			}
			err = pubdata.WithFieldError(err, pubdata.FieldErrorf(field, "%s: %s", field, rowErrorText(apiLang(r), re)))
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
				k.Column, pubdata.FormatItemValue(k.Values[0]), k.Column, pubdata.FormatItemValue(v))
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

// apiRowDelete is DELETE /api/v1/entries/{id}/rows/{key}: supersedes the current row with
// the key, as a batch of its own (failed, with a not_found error, when there is none).
func (s *Server) apiRowDelete(w http.ResponseWriter, r *http.Request) error {
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

// apiRows is GET /api/v1/entries/{id}/rows: a JSON page, or the whole selection streamed as
// a CSV, NDJSON or XLSX download.
func (s *Server) apiRows(w http.ResponseWriter, r *http.Request) error {
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
		return pubdata.FieldErrorf("_format", "_format %q is not one of json, ndjson, csv, xlsx.", format)
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
		return pubdata.FieldErrorf("_as_of", "_as_of: batch %q of this entry was not found.", q.AsOf)
	}
	if err := sel.Record(r.Context()); err != nil {
		return err
	}
	if format == "json" {
		return s.writeRowPage(w, r, e, sel)
	}
	bom := params.Get("_bom") == "1" || params.Get("_bom") == "true"
	return s.writeRowFile(w, r, e, sel, rowFormats[format], bom, false)
}

// writeRowPage streams {"items":[{…}],"next":"…"}: the selection's rows, masked.
func (s *Server) writeRowPage(w http.ResponseWriter, r *http.Request, e *pubdata.Entry, sel *access.Selection) error {
	cols := sel.Columns
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		keys[i], _ = json.Marshal(c)
	}
	started := false
	start := func() {
		started = true
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"items":[`)
	}
	var buf []byte
	n := 0
	next, err := sel.Each(r.Context(), func(values []any) error {
		if !started {
			start()
		}
		buf = buf[:0]
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = appendRowObject(buf, keys, values)
		n++
		_, err := w.Write(buf)
		return err
	})
	if err != nil {
		if !started {
			return err
		}
		s.abortStream(r, err)
	}
	if !started {
		start()
	}
	nb, _ := json.Marshal(next)
	io.WriteString(w, `],"next":`+string(nb)+"}\n")
	return nil
}

// appendRowObject appends the JSON object of a row to buf.
func appendRowObject(buf []byte, keys [][]byte, values []any) []byte {
	buf = append(buf, '{')
	for i, v := range values {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, keys[i]...)
		buf = append(buf, ':')
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("null")
		}
		buf = append(buf, b...)
	}
	return append(buf, '}')
}

// abortStream ends a response whose rows failed after the first was sent: the client sees a
// broken transfer, never a short file that looks whole.
func (s *Server) abortStream(r *http.Request, err error) {
	s.Logger.LogAttrs(r.Context(), slog.LevelError, "rows stream failed",
		slog.String("request_id", requestIDFrom(r.Context())), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	panic(http.ErrAbortHandler)
}

// writeRowFile streams the selection as a download in format f, in constant memory, the
// values masked by m. With rowNumbers the first column is CKAN's _id: the row's position
// in the selection.
func (s *Server) writeRowFile(w http.ResponseWriter, r *http.Request, e *pubdata.Entry, sel *access.Selection, f datafile.Format, bom, rowNumbers bool) error {
	header := sel.Columns
	if rowNumbers {
		header = append([]string{"_id"}, header...)
	}
	var fw datafile.Writer
	start := func() error {
		w.Header().Set("Content-Type", datafile.ContentType(f))
		w.Header().Set("Content-Disposition", `attachment; filename="`+ckanName(e)+datafile.Ext(f)+`"`)
		w.Header().Set("Cache-Control", "no-store")
		var err error
		fw, err = datafile.NewWriter(w, f, header, datafile.WriterOptions{BOM: bom})
		return err
	}
	id := int64(sel.Query().Offset)
	row := make([]any, len(header))
	_, err := sel.Each(r.Context(), func(out []any) error {
		if fw == nil {
			if err := start(); err != nil {
				return err
			}
		}
		if rowNumbers {
			id++
			row[0] = id
			copy(row[1:], out)
			out = row
		}
		return fw.Write(out)
	})
	if err != nil {
		if fw == nil {
			return err
		}
		s.abortStream(r, err)
	}
	if fw == nil {
		if err := start(); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		s.abortStream(r, err)
	}
	return nil
}

// ckanDatastoreDump is CKAN's GET /datastore/dump/{id}: the whole table of an open resource
// the caller may read, as CSV (format=csv, the default; bom=true for Excel) or as CKAN's
// JSON ({"fields":[…],"records":[[…],…]}), with _id (the row's position) first. q, filters
// (JSON object), fields, sort, limit and offset select as in datastore_search.
func (s *Server) ckanDatastoreDump(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if errorIs(err, pubdata.ENOTFOUND) || (err == nil && (!openEntry(e) || e.ID != id || e.Format != pubdata.FormatTable)) || s.Data == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Resource %q was not found.", id)
	} else if err != nil {
		return err
	}
	p := ckanParams{}
	for k, v := range r.URL.Query() {
		p[k] = v[len(v)-1]
	}
	format := strings.ToLower(p.str("format"))
	rd, err := s.openRead(r, e)
	if err != nil {
		return err
	}
	if !rd.Allowed() {
		return rd.Refused(r.Context(), access.KindDump(format), false)
	}
	filters, err := ckanObject(p, "filters")
	if err != nil {
		return pubdata.Errorf(pubdata.EINVALID, "%s", err.(*ckanError).msg)
	}
	q, err := ckanRowQuery(e.Items, p, filters)
	if err != nil {
		if ce, ok := err.(*ckanError); ok {
			return pubdata.Errorf(pubdata.EINVALID, "%s", ce.msg)
		}
		return err
	}
	for _, n := range []string{"limit", "offset"} {
		v, err := p.int(n, 0)
		if err != nil {
			return pubdata.Errorf(pubdata.EINVALID, "%s", err.(*ckanError).msg)
		}
		if n == "limit" {
			q.Limit = v
		} else {
			q.Offset = v
		}
	}
	sel, err := rd.Select(r.Context(), q, access.KindDump(format))
	if err != nil {
		return err
	}
	bom, _ := p.bool("bom", false)
	if format != "" && format != "csv" && format != "json" {
		return pubdata.Errorf(pubdata.EINVALID, "format %q is not one of csv, json.", format)
	}
	if err := sel.Record(r.Context()); err != nil {
		return err
	}
	if format == "json" {
		return s.writeCKANDumpJSON(w, r, e, sel, rd.Decision())
	}
	return s.writeRowFile(w, r, e, sel, datafile.CSV, bom, true)
}

// writeCKANDumpJSON streams CKAN's JSON dump: {"fields":[…],"records":[[_id, …],…]}, the
// values masked by m (masked fields are text).
func (s *Server) writeCKANDumpJSON(w http.ResponseWriter, r *http.Request, e *pubdata.Entry, sel *access.Selection, d pubdata.AccessDecision) error {
	fields := []map[string]any{{"id": "_id", "type": "int"}}
	for _, c := range sel.Columns {
		fields = append(fields, ckanMaskedField(e.Items, c, d))
	}
	fb, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	started := false
	start := func() {
		started = true
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+ckanName(e)+`.json"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"fields":`+string(fb)+`,"records":[`)
	}
	offset := int64(sel.Query().Offset)
	n := offset
	var buf []byte
	_, err = sel.Each(r.Context(), func(values []any) error {
		if !started {
			start()
		}
		buf = buf[:0]
		if n > offset {
			buf = append(buf, ',')
		}
		n++
		b, err := json.Marshal(append([]any{n}, values...))
		if err != nil {
			return err
		}
		_, err = w.Write(append(buf, b...))
		return err
	})
	if err != nil {
		if !started {
			return err
		}
		s.abortStream(r, err)
	}
	if !started {
		start()
	}
	io.WriteString(w, "]}\n")
	return nil
}
