package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/locale"
)

// RowErrorText is the message of a row error in lang; an error recorded before messages
// were keyed has only its English text.
func RowErrorText(lang string, re pubdata.RowError) string {
	if re.Msg == nil {
		return re.Message
	}
	return locale.Render(lang, re.Msg)
}

// ApiLang is the language of the API's messages: ?lang=, else Accept-Language when the
// request has one, else English (the API's language before messages were translated).
func ApiLang(r *http.Request) string {
	if l, ok := ParseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		return NegotiateLang(h)
	}
	return LangEN
}

// --- loading ---

// batchDir is the folder of the spooled upload files.
func (s *Server) batchDir() string {
	if s.BatchDir != "" {
		return s.BatchDir
	}
	return filepath.Join(os.TempDir(), "pubdata-batches")
}

// BatchFile is where the upload of batch id is kept.
func (s *Server) BatchFile(id string) string { return filepath.Join(s.batchDir(), id) }

// spool copies body into a new local file (in the batch folder when the batches are kept
// in a folder, else in the temporary folder); the caller keeps or removes it.
func (s *Server) spool(body io.Reader) (string, error) {
	dir := s.spoolDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", Internalf("batch folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", Internalf("spool upload: %w", err)
	}
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", NormalizeError(err)
		}
		return "", pubdata.Errorf(pubdata.EINVALID, "The upload could not be read to its end (%v); nothing was loaded.", err).
			Keyed("error.upload.incomplete", "Error", err)
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

// StartBatch loads body into the entry's table as a new batch, as the actor in ctx (whose
// right to load, CanLoadData, the caller has checked). It checks opt, spools the body to the
// batch folder, detects the format (from contentType, then fileName, then the first bytes),
// makes sure the table exists, creates the batch, or finds the one of opt.IdempotencyKey
// (created false; nothing is loaded again), and runs it in the background for up to
// batchWait: the batch comes back done, failed or still running (then follow it with
// FindBatchByID). A problem with the file as a whole (an unknown column, a missing key
// column…) fails the batch and comes back as an EINVALID error together with the failed
// batch. Any other error means no batch was created (b is nil).
func (s *Server) StartBatch(ctx context.Context, e *pubdata.Entry, body io.Reader, fileName, contentType string, opt pubdata.LoadOptions) (b *pubdata.Batch, created bool, err error) {
	return s.StartBatchWait(ctx, e, body, fileName, contentType, opt, s.BatchWait)
}

// StartBatchWait is StartBatch waiting up to wait for the batch instead of BatchWait; with
// wait 0 it answers as soon as the file is stored and the batch created (Prefer:
// respond-async), the batch running in the background.
func (s *Server) StartBatchWait(ctx context.Context, e *pubdata.Entry, body io.Reader, fileName, contentType string, opt pubdata.LoadOptions, wait time.Duration) (b *pubdata.Batch, created bool, err error) {
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
		return nil, false, Internalf("read spooled upload: %w", err)
	}
	if len(head) == 0 {
		return nil, false, pubdata.Errorf(pubdata.EINVALID, "The upload is empty; send a CSV, JSON, NDJSON or XLSX file.").Keyed("error.upload.empty")
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
	if err := s.batches().PutFile(ctx, b.ID, path); err != nil {
		return nil, false, Internalf("keep upload of batch %s in %s: %w", b.ID, s.batches(), err)
	}
	path = ""
	b, err = s.runBatchFile(ctx, e, b.ID, f, opt, wait)
	return b, true, err
}

// RespondAsync reports whether a load request asks to be answered as soon as its batch
// exists (RFC 7240 Prefer: respond-async, or ?async=1), without waiting for the load.
func RespondAsync(r *http.Request) bool {
	if r.URL.Query().Get("async") == "1" {
		return true
	}
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "respond-async") {
				return true
			}
		}
	}
	return false
}

// RunBatchFile runs batch id from its spooled file in the background, with ctx's values
// (the actor and request for the record) but not its cancellation, and waits for it up to
// batchWait; see startBatch.
func (s *Server) RunBatchFile(ctx context.Context, e *pubdata.Entry, id string, f datafile.Format, opt pubdata.LoadOptions) (*pubdata.Batch, error) {
	return s.runBatchFile(ctx, e, id, f, opt, s.BatchWait)
}

func (s *Server) runBatchFile(ctx context.Context, e *pubdata.Entry, id string, f datafile.Format, opt pubdata.LoadOptions, wait time.Duration) (*pubdata.Batch, error) {
	if s.Loads != nil { // on the job queue: run by whichever server's worker takes it
		b, err := s.Data.FindBatchByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return s.queueLoad(ctx, e, id, b.Attempts, wait)
	}
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
	if wait <= 0 {
		return s.Data.FindBatchByID(ctx, id)
	}
	t := time.NewTimer(wait)
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
	file, err := s.batches().Open(ctx, id, s.spoolDir())
	if err != nil {
		return nil, Internalf("open upload of batch %s: %w", id, err)
	}
	defer file.Close()
	size := int64(-1)
	if st, err := file.Stat(); err == nil {
		size = st.Size()
	}
	src, err := datafile.Open(file, f, items, datafile.Options{Now: s.Now(), Size: size, TempDir: s.spoolDir()})
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
		if derr := s.batches().Delete(context.WithoutCancel(ctx), id); derr != nil {
			s.Logger.Warn("remove the upload of a done batch", "batch", id, "error", derr)
		}
	}
	return b, err
}

// failedSource is the source of a batch whose file could not be opened: it fails the batch
// with the reason.
type failedSource struct{ err error }

func (f failedSource) Next() (*pubdata.SourceRow, error) { return nil, f.err }

func (f failedSource) Read() int64 { return 0 }

func (f failedSource) Size() int64 { return -1 }

// AbortStream ends a response whose rows failed after the first was sent: the client sees a
// broken transfer, never a short file that looks whole.
func (s *Server) AbortStream(r *http.Request, err error) {
	s.Logger.LogAttrs(r.Context(), slog.LevelError, "rows stream failed",
		slog.String("request_id", RequestIDFrom(r.Context())), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	panic(http.ErrAbortHandler)
}
