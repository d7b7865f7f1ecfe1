package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/ident"
)

func ingestCommand() *command {
	cmd := &command{
		name:     "ingest",
		synopsis: "--entry ID [--mode append|upsert|replace] [--on-error abort|skip] [--as USERNAME] [--format F] [--again] FILE",
		summary:  "load a data file into an entry's table as a batch",
		help: "Ingest loads a file (CSV in UTF-8 or GB18030, XLSX, JSON array or NDJSON; the header\n" +
			"names the data items by name or title) into the table of a published entry as one batch,\n" +
			"all or nothing: with --on-error abort (the default) one bad row fails the batch; with skip\n" +
			"the good rows load and the bad ones are reported. It prints progress on stderr and the\n" +
			"batch as JSON on stdout, and exits 1 when the batch failed. FILE - reads standard input.\n" +
			"With --as the batch is the user's (a provider's administrator or editor); without it the\n" +
			"system's, on behalf of the entry's provider.\n\n" +
			"A FILE (not standard input) is loaded once per entry, mode and error policy, by its\n" +
			"SHA-256 digest: running ingest again with the same file resumes a batch that was\n" +
			"interrupted (killed, stopped, or failed), and reports a batch that already loaded it\n" +
			"without loading it twice. --again loads it as a new batch all the same.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var entry, mode, onError, as, format string
		var again bool
		fs.StringVar(&entry, "entry", "", "`id` or resource code of the published entry")
		fs.StringVar(&mode, "mode", "append", "`mode`: append, upsert (by key) or replace (the whole table)")
		fs.StringVar(&onError, "on-error", "abort", "bad rows: abort (fail the batch) or skip (report them)")
		fs.StringVar(&as, "as", "", "`username` to load as (default: the system, for the provider)")
		fs.StringVar(&format, "format", "", "file `format`: csv, xlsx, json or ndjson (default: detected)")
		fs.BoolVar(&again, "again", false, "load the file as a new batch even when a batch already loaded it")
		file, err := c.parseWithFile(cmd, fs, args)
		if err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"entry": entry}, "entry"); err != nil {
			return err
		}
		opt := pubdata.LoadOptions{Mode: pubdata.LoadMode(mode), OnError: pubdata.OnError(onError), Source: pubdata.SourceCLI}
		if err := pubdata.ValidateLoadOptions(&opt); err != nil {
			return usagef("%s: %s", cmd.name, pubdata.ErrorMessage(err))
		}
		var forced datafile.Format
		if format != "" {
			f, ok := datafile.ParseFormat(format)
			if !ok {
				return usagef("%s: --format %q is not one of csv, xlsx, json, ndjson", cmd.name, format)
			}
			forced = f
		}
		var in io.Reader = c.stdin
		size := int64(-1)
		if file != "-" {
			f, err := os.Open(file)
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			defer f.Close()
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				size = st.Size()
			}
			in = f
			opt.FileName = filepath.Base(file)
			if !again && size >= 0 {
				key, err := ingestKey(f, opt)
				if err != nil {
					return fmt.Errorf("ingest: %w", err)
				}
				opt.IdempotencyKey = key
			}
		}
		serverGC(ctx) // a load runs under serve's collection settings here too
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			b, repeated, err := c.ingest(ctx, a, entry, as, in, size, forced, opt)
			if b != nil {
				b = b.ReportFor(pubdata.ActorFromContext(ctx), ident.Mask) // as the caller reads it
				enc := json.NewEncoder(c.stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(b); err != nil {
					return fmt.Errorf("ingest: %w", err)
				}
			}
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			if repeated {
				fmt.Fprintf(c.stderr, "ingest: batch %s already loaded this file (%d rows loaded, %d rejected); nothing was loaded again. To load it again as a new batch, add --again.\n", b.ID, b.RowsLoaded, b.RowsRejected)
				return nil
			}
			if b.Status != pubdata.BatchDone {
				return fmt.Errorf("ingest: batch %s %s: %s (%d rows rejected; the errors are in the JSON on stdout)", b.ID, b.Status, b.Message, b.RowsRejected)
			}
			fmt.Fprintf(c.stderr, "ingest: batch %s done: %d rows loaded, %d rejected, %d superseded\n", b.ID, b.RowsLoaded, b.RowsRejected, b.RowsSuperseded)
			return nil
		})
	}
	return cmd
}

// ingest loads in as a new batch of the entry and returns the batch, done or failed. ctx
// acts as the system; as names the user to act as instead. With opt.IdempotencyKey (a
// file's, see ingestKey) it resumes the batch of the same key when it did not finish, and
// returns it with repeated true when it is done (nothing is loaded again).
func (c *cli) ingest(ctx context.Context, a *app, entry, as string, in io.Reader, size int64, f datafile.Format, opt pubdata.LoadOptions) (b *pubdata.Batch, repeated bool, err error) {
	e, err := a.entries.FindPublishedEntry(ctx, entry)
	if err != nil {
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			return nil, false, fmt.Errorf("no published entry %q", entry)
		}
		return nil, false, err
	}
	if as != "" {
		u, err := a.users.FindUserByUsername(ctx, as)
		if err != nil {
			if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
				return nil, false, fmt.Errorf("no user %q", as)
			}
			return nil, false, err
		}
		actor := &pubdata.Actor{User: u}
		if u.OrgCode != "" {
			if actor.Org, err = a.orgs.FindOrgByCode(ctx, u.OrgCode); err != nil {
				return nil, false, err
			}
		}
		if !pubdata.CanLoadData(actor, e.Org) {
			return nil, false, fmt.Errorf("user %s may not load the data of entry %s: only the administrators and editors of %s may", as, e.ID, e.Org)
		}
		ctx = pubdata.NewContextWithActor(ctx, actor)
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, false, err
	}
	br := bufio.NewReaderSize(in, 64<<10)
	if f == "" {
		head, _ := br.Peek(8 << 10)
		if f, err = datafile.DetectFormat("", opt.FileName, head); err != nil {
			return nil, false, err
		}
	}
	opt.Format = string(f)
	// A file that cannot be read as a whole (its header) makes no batch.
	src, err := datafile.Open(br, f, items, datafile.Options{Size: size})
	if err != nil {
		return nil, false, err
	}
	defer src.Close()
	opt.Progress = func(p pubdata.Progress) {
		line := fmt.Sprintf("ingest: %d rows, %.0f rows/s", p.Rows, p.RowsPerSec)
		if p.Percent >= 0 {
			line += fmt.Sprintf(", %.1f%%", p.Percent)
		}
		fmt.Fprintln(c.stderr, line)
	}
	if err := a.data.EnsureTable(ctx, e); err != nil {
		return nil, false, err
	}
	b, created, err := a.data.CreateBatch(ctx, e, opt)
	if err != nil {
		return nil, false, err
	}
	if !created {
		// A batch of the same file (its digest, mode and error policy: opt.IdempotencyKey).
		switch b.Status {
		case pubdata.BatchDone:
			return b, true, nil // already loaded: reported by the caller, nothing loaded twice
		case pubdata.BatchRolledBack:
			return nil, false, fmt.Errorf("batch %s loaded this file and was rolled back; to load it again as a new batch, add --again", b.ID)
		case pubdata.BatchRunning:
			// Left running by an ingest that was killed, or running in another process: fail
			// it as interrupted if it is stale (as serve does at start-up), then resume it.
			a.failStaleBatches(ctx)
			if b, err = a.data.FindBatchByID(ctx, b.ID); err != nil {
				return nil, false, err
			}
			if b.Status == pubdata.BatchRunning {
				return nil, false, fmt.Errorf("batch %s of this file is running in another process; if that ingest was stopped, run this command again after %s (a batch without a heartbeat for that long is marked interrupted and this command resumes it), or add --again to load the file as a new batch", b.ID, a.cfg.BatchStaleAfter)
			}
		}
		fmt.Fprintf(c.stderr, "ingest: resuming batch %s of this file (%s); nothing of it was written before\n", b.ID, b.Status)
	}
	b, err = a.data.RunBatch(ctx, e, b.ID, src, opt)
	return b, false, err
}

// ingestKey is the idempotency key of a file's batch: its SHA-256 digest with the mode and
// the error policy, so that running ingest again with the same file finds the batch that
// loaded it (or was interrupted loading it). It reads f to its end and rewinds it.
func ingestKey(f *os.File, opt pubdata.LoadOptions) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return "ingest:" + string(opt.Mode) + ":" + string(opt.OnError) + ":sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
