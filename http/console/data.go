package console

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/locale"
)

// The console's aggregation pages (汇聚): an entry's data panel, the upload page, a batch's
// page with its progress and rejected-rows report, the batch history with the authority's
// purge, and the data preview. The rules are the domain's: CanLoadData (upload, retry, roll
// back), CanReadAllData (batches), CanPurgeData (purge), CanReadData (rows).

// Labels of the aggregation's closed sets.
var (
	batchStatusOptions = []web.CatOption{
		{Value: string(pubdata.BatchRunning), Key: "batch.status.running"},
		{Value: string(pubdata.BatchDone), Key: "batch.status.done"},
		{Value: string(pubdata.BatchFailed), Key: "batch.status.failed"},
		{Value: string(pubdata.BatchRolledBack), Key: "batch.status.rolled_back"},
	}
	batchSourceOptions = []web.CatOption{
		{Value: pubdata.SourceUpload, Key: "batch.source.upload"},
		{Value: pubdata.SourceCLI, Key: "batch.source.cli"},
		{Value: pubdata.SourcePush, Key: "batch.source.push"},
		{Value: pubdata.SourcePull, Key: "batch.source.pull"},
		{Value: pubdata.SourceRollback, Key: "batch.source.rollback"},
		{Value: pubdata.SourceDemo, Key: "batch.source.demo"},
	}
	freshnessOptions = []web.CatOption{
		{Value: "fresh", Key: "data.fresh.fresh"},
		{Value: "due", Key: "data.fresh.due"},
		{Value: "stale", Key: "data.fresh.stale"},
		{Value: "never", Key: "data.fresh.never"},
	}
	ruleOptions = []web.CatOption{
		{Value: pubdata.RuleType, Key: "batch.rule.type"},
		{Value: pubdata.RuleLength, Key: "batch.rule.length"},
		{Value: pubdata.RuleRequired, Key: "batch.rule.required"},
		{Value: pubdata.RuleUnique, Key: "batch.rule.unique"},
		{Value: pubdata.RuleExists, Key: "batch.rule.exists"},
		{Value: pubdata.RuleNotFound, Key: "batch.rule.not_found"},
		{Value: pubdata.RuleElement, Key: "batch.rule.element"},
		{Value: pubdata.RuleMalformed, Key: "batch.rule.malformed"},
	}
	// loadModeOptions and onErrorOptions are the upload form's choices, explained.
	loadModeOptions = []loadChoice{
		{Value: string(pubdata.ModeAppend), Key: "batch.mode.append", HintKey: "upload.mode.append.hint"},
		{Value: string(pubdata.ModeUpsert), Key: "batch.mode.upsert", HintKey: "upload.mode.upsert.hint"},
		{Value: string(pubdata.ModeReplace), Key: "batch.mode.replace", HintKey: "upload.mode.replace.hint"},
	}
	onErrorOptions = []loadChoice{
		{Value: string(pubdata.OnErrorAbort), Key: "batch.on_error.abort", HintKey: "upload.on_error.abort.hint"},
		{Value: string(pubdata.OnErrorSkip), Key: "batch.on_error.skip", HintKey: "upload.on_error.skip.hint"},
	}
)

// loadChoice is a radio button of the upload form.
type loadChoice struct {
	Value, Key, HintKey string
}

// choiceKey labels a load choice's value.
func choiceKey(opts []loadChoice, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Key
		}
	}
	return web.UnknownOption.Key
}

// batchRow is a batch as the pages show it.
type batchRow struct {
	*pubdata.Batch
}

func (b batchRow) StatusKey() string { return web.OptionKey(batchStatusOptions, string(b.Status)) }

func (b batchRow) SourceKey() string { return web.OptionKey(batchSourceOptions, b.Source) }

func (b batchRow) ModeKey() string { return choiceKey(loadModeOptions, string(b.Mode)) }

func (b batchRow) OnErrorKey() string { return choiceKey(onErrorOptions, string(b.OnError)) }

// BadgeClass is the CSS class of the status badge.
func (b batchRow) BadgeClass() string {
	switch b.Status {
	case pubdata.BatchDone:
		return "status-published"
	case pubdata.BatchFailed:
		return "status-rejected"
	case pubdata.BatchRunning:
		return "status-submitted"
	}
	return "status-draft"
}

// Running reports whether the batch is still loading.
func (b batchRow) Running() bool { return b.Status == pubdata.BatchRunning }

// Percent is the progress in whole percent, or -1 when unknown.
func (b batchRow) Percent() int {
	if b.Progress == nil || b.Progress.Percent < 0 {
		return -1
	}
	return int(min(b.Progress.Percent, 100))
}

// ProgressRows is how many rows a running batch has read.
func (b batchRow) ProgressRows() int64 {
	if b.Progress == nil {
		return b.RowsIn
	}
	return b.Progress.Rows
}

// Rate is the rows a second, rounded.
func (b batchRow) Rate() string {
	if b.Progress == nil {
		return "0"
	}
	return strconv.FormatFloat(b.Progress.RowsPerSec, 'f', 0, 64)
}

// reportRow is a rejected row as the report shows it.
type reportRow struct {
	pubdata.RowError
}

func (e reportRow) RuleKey() string { return web.OptionKey(ruleOptions, e.Code) }

// --- the entry page's data panel ---

// dataPanel is the data panel of a published table entry's console page.
type dataPanel struct {
	EntryID      string
	Rows         int64
	Batches      int64
	LastLoadedAt *time.Time
	Freshness    string
	FreshKey     string
	Due          *time.Time
	CycleKey     string
	CanLoad      bool
	// Sources are the entry's pull sources with their last runs (B3): failed runs show here.
	Sources []*pubdata.PullSource
}

// FreshClass is the CSS class of the freshness badge.
func (p *dataPanel) FreshClass() string { return freshClass(p.Freshness) }

func freshClass(status string) string {
	switch status {
	case "fresh":
		return "status-published"
	case "due":
		return "status-submitted"
	case "stale":
		return "status-rejected"
	}
	return "status-draft"
}

// dataPanel returns the data panel of the entry (a working copy) for its console page, or
// nil when it has no published table version or the server holds no data.
func (s *Server) dataPanel(r *http.Request, a *pubdata.Actor, working *pubdata.Entry) (*dataPanel, error) {
	if s.Data == nil || working.Version == 0 || working.Status == pubdata.StatusRetired {
		return nil, nil
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), working.ID)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if _, err := pubdata.TableItems(e); err != nil {
		return nil, nil
	}
	p := &dataPanel{EntryID: e.ID, CycleKey: web.OptionKey(web.CycleOptions, e.UpdateCycle), CanLoad: pubdata.CanLoadData(a, e.Org)}
	st, err := s.Data.TableStats(r.Context(), e.ID)
	switch {
	case web.ErrorIs(err, pubdata.ENOTFOUND):
	case err != nil:
		return nil, err
	default:
		p.Rows, p.Batches, p.LastLoadedAt = st.Rows, st.Batches, st.LastLoadedAt
	}
	f := pubdata.TableFreshness(e.UpdateCycle, p.LastLoadedAt, s.Now())
	p.Freshness, p.FreshKey, p.Due = f.Status, web.OptionKey(freshnessOptions, f.Status), f.Due
	if s.PullSources != nil && pubdata.CanReadPullSources(a, e) {
		if p.Sources, err = s.PullSources.FindPullSources(r.Context(), e.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// --- entries and batches for the pages ---

// dataEntryFor returns the working copy of the path's {id} (CanViewWorkingCopy: the
// provider and the covering authority) and its published table version.
func (s *Server) dataEntryFor(r *http.Request, a *pubdata.Actor) (working, published *pubdata.Entry, err error) {
	if s.Data == nil {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no data tables.").Keyed("error.not_available.data")
	}
	if working, err = s.findWorkingCopy(r, a); err != nil {
		return nil, nil, err
	}
	published, err = s.Entries.FindPublishedEntry(r.Context(), working.ID)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not published, so it has no data yet.", working.ID).Keyed("error.data.entry_unpublished", "ID", working.ID)
	} else if err != nil {
		return nil, nil, err
	}
	if _, err := pubdata.TableItems(published); err != nil {
		return nil, nil, err
	}
	return working, published, nil
}

// batchPageFor returns the batch of the path's {id} and its entry's published version,
// when the actor may see the entry's batches (CanReadAllData); ENOTFOUND otherwise.
func (s *Server) batchPageFor(r *http.Request, a *pubdata.Actor) (*pubdata.Batch, *pubdata.Entry, error) {
	id := r.PathValue("id")
	notFound := pubdata.Errorf(pubdata.ENOTFOUND, "Batch %q was not found.", id).Keyed("error.batch.not_found", "ID", id)
	if s.Data == nil {
		return nil, nil, notFound
	}
	b, err := s.Data.FindBatchByID(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), b.Entry)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanReadAllData(a, e) {
		return nil, nil, notFound
	}
	return b, e, nil
}

// --- the data page (preview) ---

// entryDataView is the view of an entry's data page.
type entryDataView struct {
	web.Page
	Entry   *pubdata.Entry
	Panel   *dataPanel
	Preview *web.DataPreview
}

func (s *Server) PageEntryData(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	working, e, err := s.dataEntryFor(r, a)
	if err != nil {
		return err
	}
	v := entryDataView{Page: s.Base(r, true), Entry: e}
	if v.Panel, err = s.dataPanel(r, a, working); err != nil {
		return err
	}
	if v.Preview, err = s.DataPreview(r, a, e, r.URL.Path); err != nil {
		return err
	}
	status := http.StatusOK
	if v.Preview != nil && v.Preview.Error != "" {
		status = http.StatusBadRequest
	}
	return s.Render(w, r, "entry_data", status, v)
}

// --- upload ---

// uploadView is the view of the upload page.
type uploadView struct {
	web.Page
	Entry    *pubdata.Entry
	Modes    []loadChoice
	OnErrors []loadChoice
	Mode     string
	OnError  string
	Errors   web.FormErrors
	MaxSize  string
}

func (s *Server) uploadEntry(r *http.Request) (*pubdata.Entry, error) {
	a, err := entryOrgActor(r)
	if err != nil {
		return nil, err
	}
	_, e, err := s.dataEntryFor(r, a)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and editors may load its data.").Keyed("error.data.load_forbidden")
	}
	return e, nil
}

func (s *Server) uploadView(r *http.Request, e *pubdata.Entry) *uploadView {
	return &uploadView{
		Page: s.Base(r, true), Entry: e, Modes: loadModeOptions, OnErrors: onErrorOptions,
		Mode: string(pubdata.ModeAppend), OnError: string(pubdata.OnErrorAbort), Errors: web.FormErrors{},
		MaxSize: byteSize(s.MaxUploadBytes),
	}
}

// byteSize writes a size in MiB or GiB.
func byteSize(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return strconv.FormatInt(n>>30, 10) + " GiB"
	}
	return strconv.FormatInt(n>>20, 10) + " MiB"
}

func (s *Server) PageDataUpload(w http.ResponseWriter, r *http.Request) error {
	e, err := s.uploadEntry(r)
	if err != nil {
		return err
	}
	return s.RenderScripted(w, r, "data_upload", http.StatusOK, s.uploadView(r, e))
}

// PageDataUploadSubmit reads the multipart form (mode and on_error before the file, as the
// form orders them), starts the batch and shows its page.
func (s *Server) PageDataUploadSubmit(w http.ResponseWriter, r *http.Request) error {
	e, err := s.uploadEntry(r)
	if err != nil {
		return err
	}
	// A large upload may take longer than the server's read timeout.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour))
	v := s.uploadView(r, e)
	mr, err := r.MultipartReader()
	if err != nil {
		return pubdata.Errorf(pubdata.EINVALID, "The upload form must be sent as multipart/form-data.").Keyed("error.data.upload_multipart")
	}
	var (
		body              io.Reader
		fileName, ctype   string
		modeSet, errorSet bool
	)
	for body == nil {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return web.NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).
				Keyed("error.upload.form_unreadable", "Error", err))
		}
		switch part.FormName() {
		case "mode", "on_error":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			if part.FormName() == "mode" {
				v.Mode, modeSet = strings.TrimSpace(string(b)), true
			} else {
				v.OnError, errorSet = strings.TrimSpace(string(b)), true
			}
		case "file":
			fileName, ctype = filepath.Base(part.FileName()), part.Header.Get("Content-Type")
			if fileName == "." || fileName == "/" {
				fileName = ""
			}
			// A file input left empty sends a part without a name and without bytes.
			br := &peekReader{r: part}
			if fileName != "" || br.more() {
				body = br
			}
		}
	}
	if !modeSet || v.Mode == "" {
		v.Mode = string(pubdata.ModeAppend)
	}
	if !errorSet || v.OnError == "" {
		v.OnError = string(pubdata.OnErrorAbort)
	}
	opt := pubdata.LoadOptions{Mode: pubdata.LoadMode(v.Mode), OnError: pubdata.OnError(v.OnError), Source: pubdata.SourceUpload}
	for field, p := range pubdata.ErrorFields(pubdata.ValidateLoadOptions(&opt)) {
		v.Errors[field] = web.FieldText(v.Lang, p)
	}
	if body == nil {
		v.Errors["file"] = web.Translate(v.Lang, "upload.error.file")
	}
	if len(v.Errors) > 0 {
		return s.RenderScripted(w, r, "data_upload", http.StatusBadRequest, v)
	}
	// The page's script (upload.js) asks to be answered at once: 202 with the batch page as
	// its Location, which follows the load live. The plain form waits up to BatchWait, so
	// that a small file's result shows at once and a large one's page follows it.
	async := web.RespondAsync(r)
	wait := s.BatchWait
	if async {
		wait = 0
	}
	b, _, err := s.StartBatchWait(r.Context(), e, body, fileName, ctype, opt, wait)
	if b != nil && async {
		loc := "/console/batches/" + b.ID
		w.Header().Set("Location", loc)
		web.WriteJSON(w, http.StatusAccepted, map[string]string{"id": b.ID, "status": string(b.Status), "location": loc})
		return nil
	}
	if b != nil {
		// A failed batch shows its reason and report on its page.
		web.Redirect(w, r, "/console/batches/"+b.ID)
		return nil
	}
	if web.ErrorIs(err, pubdata.EINVALID) {
		if fe := pubdata.ErrorFields(err); len(fe) > 0 {
			for field, p := range fe {
				v.Errors[field] = web.FieldText(v.Lang, p)
			}
		} else {
			v.Errors["file"] = web.ErrorText(v.Lang, err)
		}
		return s.RenderScripted(w, r, "data_upload", http.StatusBadRequest, v)
	}
	return err
}

// peekReader reads r after checking whether it holds any byte.
type peekReader struct {
	r      io.Reader
	peeked []byte
}

func (p *peekReader) more() bool {
	var b [1]byte
	n, _ := io.ReadFull(p.r, b[:])
	p.peeked = b[:n]
	return n > 0
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.peeked) > 0 {
		n := copy(b, p.peeked)
		p.peeked = p.peeked[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// --- a batch ---

// reportShown is how many rejected rows the batch page lists; the CSV report has them all.
const reportShown = 1000

// batchPageView is the view of a batch's page.
type batchPageView struct {
	web.Page
	Batch       batchRow
	Entry       *pubdata.Entry
	Report      []reportRow
	ReportMore  bool // the page lists only the first reportShown rows
	NotKept     int64
	APIURL      string
	CanRetry    bool
	CanRollback bool
	Errors      web.FormErrors
	Reason      string
	RollbackOf  string
}

func (s *Server) batchPageView(r *http.Request, a *pubdata.Actor, b *pubdata.Batch, e *pubdata.Entry) (*batchPageView, error) {
	v := &batchPageView{
		Page: s.Base(r, true), Entry: e, Errors: web.FormErrors{},
		APIURL: "/api/v1/batches/" + b.ID,
	}
	b = web.ReportFor(a, b)
	if b.Msg != nil {
		c := *b
		c.Message = locale.Render(v.Lang, b.Msg)
		b = &c
	}
	v.Batch = batchRow{b}
	for i, re := range b.Errors {
		if i == reportShown {
			v.ReportMore = true
			break
		}
		re.Message = web.RowErrorText(v.Lang, re)
		v.Report = append(v.Report, reportRow{re})
	}
	if n := b.RowsRejected - int64(len(b.Errors)); n > 0 && b.RowsRejected > 0 {
		v.NotKept = n
	}
	load := pubdata.CanLoadData(a, e.Org)
	v.CanRetry = load && b.Status == pubdata.BatchFailed && s.batchFileKept(b.ID)
	if load && b.Status == pubdata.BatchDone {
		st, err := s.Data.TableStats(r.Context(), e.ID)
		if err != nil && !web.ErrorIs(err, pubdata.ENOTFOUND) {
			return nil, err
		}
		v.CanRollback = st != nil && st.LastBatch == b.ID
	}
	q := r.URL.Query()
	switch {
	case q.Get("rolled_back") != "":
		v.Flash = web.Translate(v.Lang, "batch.rolled_back")
	case q.Get("retried") != "":
		v.Flash = web.Translate(v.Lang, "batch.retried")
	}
	return v, nil
}

func (s *Server) PageBatch(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	b, e, err := s.batchPageFor(r, a)
	if err != nil {
		return err
	}
	v, err := s.batchPageView(r, a, b, e)
	if err != nil {
		return err
	}
	return s.RenderScripted(w, r, "batch", http.StatusOK, v)
}

// PageBatchReport downloads the batch's rejected rows as CSV (UTF-8 with a BOM, for Excel).
func (s *Server) PageBatchReport(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	b, _, err := s.batchPageFor(r, a)
	if err != nil {
		return err
	}
	b = web.ReportFor(a, b)
	lang := web.LangFrom(r.Context())
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"row", "column", "rule", "message", "value"})
	for _, re := range b.Errors {
		cw.Write([]string{strconv.FormatInt(re.Row, 10), re.Column, web.Translate(lang, web.OptionKey(ruleOptions, re.Code)), web.RowErrorText(lang, re), re.Value})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "batch-" + b.ID + "-rejected.csv"}))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(buf.Bytes())
	return err
}

// batchFileKept reports whether the upload of a batch is kept for a retry.
func (s *Server) batchFileKept(id string) bool {
	return s.BatchFileKept(context.Background(), id)
}

// retryBatchFile reruns a failed batch from its kept file as the same batch (a failed batch
// wrote nothing, so nothing is loaded twice): the API's retry, for the pages.
func (s *Server) retryBatchFile(ctx context.Context, b *pubdata.Batch, e *pubdata.Entry) (*pubdata.Batch, error) {
	if b.Status != pubdata.BatchFailed {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s is %s; only a failed batch can be retried.", b.ID, b.Status).
			Keyed("error.batch.retry_status", "ID", b.ID, "Status", b.Status)
	}
	if !s.batchFileKept(b.ID) && b.Source == pubdata.SourceCLI {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s was loaded by pubdata ingest, whose file the platform does not keep; run pubdata ingest again with the same file: it resumes this batch.", b.ID).
			Keyed("error.batch.retry_cli", "ID", b.ID)
	}
	if !s.batchFileKept(b.ID) {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The file of batch %s is not kept; load the data again as a new batch.", b.ID).Keyed("error.batch.file_gone", "ID", b.ID)
	}
	f, ok := datafile.ParseFormat(b.Format)
	if !ok {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Batch %s has no known file format (%q); load the data again as a new batch.", b.ID, b.Format).
			Keyed("error.batch.unknown_format", "ID", b.ID, "Format", b.Format)
	}
	if err := s.Data.EnsureTable(ctx, e); err != nil {
		return nil, err
	}
	opt := pubdata.LoadOptions{Mode: b.Mode, OnError: b.OnError, Source: b.Source, Format: b.Format, FileName: b.FileName}
	return s.RunBatchFile(ctx, e, b.ID, f, opt)
}

// PageBatchRetry reruns a failed batch from its kept file, as the API's retry does.
func (s *Server) PageBatchRetry(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	b, e, err := s.batchPageFor(r, a)
	if err != nil {
		return err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and editors may retry its batches.").Keyed("error.batch.retry_forbidden")
	}
	if _, err := s.retryBatchFile(r.Context(), b, e); err != nil && !web.ErrorIs(err, pubdata.EINVALID) {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/batches/"+b.ID, "retried", "1"))
	return nil
}

func (s *Server) PageBatchRollback(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	b, e, err := s.batchPageFor(r, a)
	if err != nil {
		return err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's administrators and editors may roll back its batches.").Keyed("error.batch.rollback_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	reason, ok := strings.TrimSpace(r.PostForm.Get("reason")), confirmed(r)
	var rb *pubdata.Batch
	if reason != "" && ok {
		rb, err = s.Data.RollbackBatch(r.Context(), e, b.ID, reason)
		if err != nil && !web.ErrorIs(err, pubdata.EINVALID) {
			return err
		}
	}
	if rb == nil {
		v, verr := s.batchPageView(r, a, b, e)
		if verr != nil {
			return verr
		}
		v.Reason = reason
		if reason == "" || ok {
			v.Errors["reason"] = web.Translate(v.Lang, "batch.error.reason")
		}
		if !ok {
			v.Errors["confirm"] = web.Translate(v.Lang, "confirm.required")
		}
		return s.RenderScripted(w, r, "batch", http.StatusBadRequest, v)
	}
	web.Redirect(w, r, web.WithQuery("/console/batches/"+rb.ID, "rolled_back", "1"))
	return nil
}

// --- history ---

// batchesView is the view of an entry's batch history.
type batchesView struct {
	web.Page
	Entry    *pubdata.Entry
	Batches  []batchRow
	Total    int64
	NextURL  string
	FirstURL string
	CanLoad  bool
	CanPurge bool
	Purgable []batchRow // the batches of this page purge may go through
	Through  string
	Reason   string
	Errors   web.FormErrors
}

func (s *Server) batchesView(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*batchesView, error) {
	q := r.URL.Query()
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return nil, err
	}
	list, next, err := s.Data.FindBatches(r.Context(), e.ID, limit, cursor)
	if err != nil {
		return nil, err
	}
	v := &batchesView{
		Page: s.Base(r, true), Entry: e, Errors: web.FormErrors{},
		CanLoad: pubdata.CanLoadData(a, e.Org), CanPurge: pubdata.CanPurgeData(a, e.Division),
	}
	if st, err := s.Data.TableStats(r.Context(), e.ID); err == nil {
		v.Total = st.Batches
	} else if !web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, err
	}
	for _, b := range list {
		v.Batches = append(v.Batches, batchRow{b})
		if b.Seq > 0 && b.Status != pubdata.BatchFailed {
			v.Purgable = append(v.Purgable, batchRow{b})
		}
	}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next)
	}
	if cursor != "" {
		v.FirstURL = web.PageLink(r, "cursor", "")
	}
	if n := q.Get("purged"); n != "" {
		v.Flash = web.Translate(v.Lang, "batches.purged", "Count", n)
	}
	return v, nil
}

func (s *Server) PageBatches(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	_, e, err := s.dataEntryFor(r, a)
	if err != nil {
		return err
	}
	v, err := s.batchesView(r, a, e)
	if err != nil {
		return err
	}
	return s.Render(w, r, "batches", http.StatusOK, v)
}

// PageDataPurge deletes for good the history superseded through the chosen batch.
func (s *Server) PageDataPurge(w http.ResponseWriter, r *http.Request) error {
	a, err := entryOrgActor(r)
	if err != nil {
		return err
	}
	_, e, err := s.dataEntryFor(r, a)
	if err != nil {
		return err
	}
	if !pubdata.CanPurgeData(a, e.Division) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of an authority covering the entry's division may purge its history.").Keyed("error.entry.purge_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	through, reason := strings.TrimSpace(r.PostForm.Get("through")), strings.TrimSpace(r.PostForm.Get("reason"))
	errs := web.FormErrors{}
	var n int64
	if through == "" {
		errs["through"] = web.Translate(web.LangFrom(r.Context()), "batches.error.through")
	}
	if reason == "" {
		errs["reason"] = web.Translate(web.LangFrom(r.Context()), "batches.error.reason")
	}
	if !confirmed(r) {
		errs["confirm"] = web.Translate(web.LangFrom(r.Context()), "confirm.required")
	}
	if len(errs) == 0 {
		n, err = s.Data.PurgeHistory(r.Context(), e, through, reason)
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/batches", "purged", strconv.FormatInt(n, 10)))
			return nil
		case web.ErrorIs(err, pubdata.ENOTFOUND), web.ErrorIs(err, pubdata.ECONFLICT), web.ErrorIs(err, pubdata.EINVALID):
			errs["through"] = web.ErrorText(web.LangFrom(r.Context()), err)
		default:
			return err
		}
	}
	v, err := s.batchesView(r, a, e)
	if err != nil {
		return err
	}
	v.Errors, v.Through, v.Reason = errs, through, reason
	return s.Render(w, r, "batches", http.StatusBadRequest, v)
}
