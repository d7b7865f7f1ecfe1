package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/entryfile"
)

// parseWithFile parses args that hold one positional FILE among the flags (before or after
// it) and returns FILE.
func (c *cli) parseWithFile(cmd *command, fs *flag.FlagSet, args []string) (string, error) {
	var file string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printCommandHelp(cmd, fs)
				return "", errHelp
			}
			return "", usagef("%s: %s (see pubdata %s --help)", cmd.name, err, cmd.name)
		}
		if fs.NArg() == 0 {
			break
		}
		if file != "" {
			return "", usagef("%s: unexpected argument %q (see pubdata %s --help)", cmd.name, fs.Arg(0), cmd.name)
		}
		file, args = fs.Arg(0), fs.Args()[1:]
	}
	if file == "" {
		return "", usagef("%s: the FILE to import is required (see pubdata %s --help)", cmd.name, cmd.name)
	}
	return file, nil
}

func entriesImportCommand() *command {
	cmd := &command{
		name:     "entries import",
		synopsis: "--org C [--dry-run] FILE",
		summary:  "import catalogue entries from a CSV or XLSX template",
		help: "Entries import reads the catalogue template (CSV in UTF-8 or GB18030, or XLSX; one row\n" +
			"per data item, see docs/API.md) and creates or updates the organisation's entries as\n" +
			"drafts: an entry with the code or title of an existing entry updates its working copy.\n" +
			"Nothing is written if any row has a problem; the problems are listed by line and column.\n" +
			"FILE - reads standard input. The changes are recorded in the audit log as the system's.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var org string
		var dryRun bool
		fs.StringVar(&org, "org", "", "`code` of the provider organisation")
		fs.BoolVar(&dryRun, "dry-run", false, "only check the file; write nothing")
		file, err := c.parseWithFile(cmd, fs, args)
		if err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"org": org}, "org"); err != nil {
			return err
		}
		var in io.Reader = c.stdin
		if file != "-" {
			f, err := os.Open(file)
			if err != nil {
				return fmt.Errorf("entries import: %w", err)
			}
			defer f.Close()
			in = f
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			o, err := a.orgs.FindOrgByCode(ctx, org)
			if err != nil {
				if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
					return fmt.Errorf("entries import: no organisation %q", org)
				}
				return fmt.Errorf("entries import: %w", err)
			}
			els, err := a.elements.FindElements(ctx)
			if err != nil {
				return fmt.Errorf("entries import: %w", err)
			}
			res, err := entryfile.ImportFile(ctx, a.entries, o.Code, in,
				entryfile.Options{Elements: els, DefaultDivision: o.Division},
				entryfile.ImportOptions{DryRun: dryRun, Check: func(f *pubdata.EntryFields) error {
					return pubdata.CheckEntryDivision(o, f.Division, a.divisions.Check)
				}})
			if err != nil {
				return fmt.Errorf("entries import: %w", err)
			}
			if len(res.Errors) > 0 {
				tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "LINE\tCOLUMN\tPROBLEM")
				for _, e := range res.Errors {
					fmt.Fprintf(tw, "%d\t%s\t%s\n", e.Line, e.Column, e.Message)
				}
				tw.Flush()
				if n := res.Created + res.Updated; n > 0 && !res.DryRun {
					return fmt.Errorf("entries import: stopped after writing %d entries: %d problems (listed on stdout)", n, len(res.Errors))
				}
				return fmt.Errorf("entries import: %d problems (listed on stdout); nothing was written", len(res.Errors))
			}
			verb := "imported"
			if res.DryRun {
				verb = "checked (nothing written): would have"
			}
			fmt.Fprintf(c.stdout, "%s %d entries of %s: %d created, %d updated, %d unchanged\n",
				verb, len(res.Entries), o.Code, res.Created, res.Updated, res.Unchanged)
			return nil
		})
	}
	return cmd
}

func entriesExportCommand() *command {
	cmd := &command{
		name:     "entries export",
		synopsis: "--org C [--format csv|xlsx] [--output FILE]",
		summary:  "export an organisation's entries in the import template",
		help: "Entries export writes the working copies of the organisation's catalogue entries in the\n" +
			"template that entries import reads (CSV in UTF-8 with a byte-order mark, or XLSX), to\n" +
			"standard output or to --output.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var org, format, output string
		fs.StringVar(&org, "org", "", "`code` of the provider organisation")
		fs.StringVar(&format, "format", "csv", "`format`: csv or xlsx")
		fs.StringVar(&output, "output", "", "`file` to write (default: standard output)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"org": org}, "org"); err != nil {
			return err
		}
		ff, ok := entryfile.ParseFormat(format)
		if !ok {
			return usagef("%s: --format %q is not csv or xlsx", cmd.name, format)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			if _, err := a.orgs.FindOrgByCode(ctx, org); err != nil {
				if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
					return fmt.Errorf("entries export: no organisation %q", org)
				}
				return fmt.Errorf("entries export: %w", err)
			}
			es, err := entryfile.OrgEntries(ctx, a.entries, org)
			if err != nil {
				return fmt.Errorf("entries export: %w", err)
			}
			if output == "" {
				if err := entryfile.Encode(c.stdout, ff, es); err != nil {
					return fmt.Errorf("entries export: %w", err)
				}
				return nil
			}
			f, err := os.Create(output)
			if err != nil {
				return fmt.Errorf("entries export: %w", err)
			}
			err = entryfile.Encode(f, ff, es)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("entries export: %w", err)
			}
			fmt.Fprintf(c.stderr, "wrote %d entries of %s to %s\n", len(es), org, output)
			return nil
		})
	}
	return cmd
}
