package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
)

func ingestCommand() *command {
	cmd := &command{
		name:     "ingest",
		synopsis: "--entry ID [--mode append|upsert|replace] [--on-error abort|skip] [--as USERNAME] [--format F] FILE",
		summary:  "load a data file into an entry's table as a batch",
		help: "Ingest loads a file (CSV in UTF-8 or GB18030, XLSX, JSON array or NDJSON; the header\n" +
			"names the data items by name or title) into the table of a published entry as one batch,\n" +
			"all or nothing: with --on-error abort (the default) one bad row fails the batch; with skip\n" +
			"the good rows load and the bad ones are reported. It prints progress on stderr and the\n" +
			"batch as JSON on stdout, and exits 1 when the batch failed. FILE - reads standard input.\n" +
			"With --as the batch is the user's (a provider's administrator or editor); without it the\n" +
			"system's, on behalf of the entry's provider.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var entry, mode, onError, as, format string
		fs.StringVar(&entry, "entry", "", "`id` or resource code of the published entry")
		fs.StringVar(&mode, "mode", "append", "`mode`: append, upsert (by key) or replace (the whole table)")
		fs.StringVar(&onError, "on-error", "abort", "bad rows: abort (fail the batch) or skip (report them)")
		fs.StringVar(&as, "as", "", "`username` to load as (default: the system, for the provider)")
		fs.StringVar(&format, "format", "", "file `format`: csv, xlsx, json or ndjson (default: detected)")
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
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			b, err := c.ingest(ctx, a, entry, as, in, size, forced, opt)
			if b != nil {
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
// acts as the system; as names the user to act as instead.
func (c *cli) ingest(ctx context.Context, a *app, entry, as string, in io.Reader, size int64, f datafile.Format, opt pubdata.LoadOptions) (*pubdata.Batch, error) {
	e, err := a.entries.FindPublishedEntry(ctx, entry)
	if err != nil {
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			return nil, fmt.Errorf("no published entry %q", entry)
		}
		return nil, err
	}
	if as != "" {
		u, err := a.users.FindUserByUsername(ctx, as)
		if err != nil {
			if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
				return nil, fmt.Errorf("no user %q", as)
			}
			return nil, err
		}
		actor := &pubdata.Actor{User: u}
		if u.OrgCode != "" {
			if actor.Org, err = a.orgs.FindOrgByCode(ctx, u.OrgCode); err != nil {
				return nil, err
			}
		}
		if !pubdata.CanLoadData(actor, e.Org) {
			return nil, fmt.Errorf("user %s may not load the data of entry %s: only the administrators and editors of %s may", as, e.ID, e.Org)
		}
		ctx = pubdata.NewContextWithActor(ctx, actor)
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(in, 64<<10)
	if f == "" {
		head, _ := br.Peek(8 << 10)
		if f, err = datafile.DetectFormat("", opt.FileName, head); err != nil {
			return nil, err
		}
	}
	opt.Format = string(f)
	// A file that cannot be read as a whole (its header) makes no batch.
	src, err := datafile.Open(br, f, items, datafile.Options{Size: size})
	if err != nil {
		return nil, err
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
		return nil, err
	}
	b, _, err := a.data.CreateBatch(ctx, e, opt)
	if err != nil {
		return nil, err
	}
	return a.data.RunBatch(ctx, e, b.ID, src, opt)
}
