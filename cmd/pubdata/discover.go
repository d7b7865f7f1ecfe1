package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// discoverCommand runs discovery of personal data (issue 15 item 3) over entries' current
// rows: the run a load makes on its own rows, for tables loaded before discovery existed or
// to look again.
func discoverCommand() *command {
	cmd := &command{
		name:     "discover",
		synopsis: "[--all] [ENTRY ...]",
		summary:  "look for personal data in items not marked so (entries' current rows)",
		help: "Discover samples the current rows of each published table entry named (by id or resource\n" +
			"code), or of every one with --all: its first 200 rows and 200 at random. Items not marked\n" +
			"personal whose values are resident ID numbers, bank cards, mobile numbers, e-mail\n" +
			"addresses, addresses or personal names become discoveries: the provider and the\n" +
			"authority are notified, and in an entry open to the public the column is withheld from\n" +
			"the public until the authority resolves it. Prints the new discoveries.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var all bool
		fs.BoolVar(&all, "all", false, "every published table entry")
		// Entries and flags in any order (as parseWithFile reads its FILE).
		var ids []string
		for {
			if err := fs.Parse(args); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					c.printCommandHelp(cmd, fs)
					return errHelp
				}
				return usagef("%s: %s (see pubdata %s --help)", cmd.name, err, cmd.name)
			}
			if fs.NArg() == 0 {
				break
			}
			ids, args = append(ids, fs.Arg(0)), fs.Args()[1:]
		}
		if all == (len(ids) > 0) {
			return usagef("discover: name entries or give --all (not both)")
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			if all {
				for offset := 0; ; offset += pubdata.MaxLimit {
					res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{{Field: "format", Values: []string{pubdata.FormatTable}}},
						Sort: "code", Offset: offset, Limit: pubdata.MaxLimit})
					if err != nil {
						return err
					}
					for _, e := range res.Items {
						ids = append(ids, e.ID)
					}
					if offset+len(res.Items) >= res.Total || len(res.Items) == 0 {
						break
					}
				}
			}
			svc := sqlstore.NewDiscoveryService(a.db)
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			defer tw.Flush()
			fmt.Fprintln(tw, "ENTRY\tITEM\tKIND\tMATCHED\tGRADE\tWITHHELD")
			found := 0
			for _, id := range ids {
				list, err := svc.DiscoverEntry(ctx, id)
				if err != nil {
					return fmt.Errorf("%s: %w", id, err)
				}
				for _, d := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%d\t%v\n", d.Entry, d.Item, d.Kind, d.Matched, d.Sampled, d.Grade, d.Withheld)
				}
				found += len(list)
			}
			fmt.Fprintf(tw, "\n%d entries sampled, %d new discoveries\n", len(ids), found)
			return nil
		})
	}
	return cmd
}
