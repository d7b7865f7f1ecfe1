package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/fingerprint"
	"github.com/pubdata/pubdata/sqlstore"
)

func traceCommand() *command {
	cmd := &command{
		name:     "trace",
		synopsis: "--entry ID --as USER [--threshold 1e-6] [--json] FILE",
		summary:  "trace a leaked copy of an entry's rows to the recipient it was fingerprinted for",
		help: "Trace reads FILE, a leaked copy of a published entry's rows (CSV, XLSX, JSON or NDJSON; any\n" +
			"part of its rows and columns, in any order, headed by the items' names or titles), and\n" +
			"scores every body or person that received fingerprinted copies of the entry (from the\n" +
			"record of reads): how many of the cells marked for it the file holds, how many carry its\n" +
			"mark, and the probability that a copy not marked for it agrees as much (the binomial\n" +
			"tail, then multiplied by the number of candidates). The best is named, with its grants,\n" +
			"when that probability is below --threshold; otherwise nobody is. The trace is recorded\n" +
			"as --as USER's, who must be an admin or reviewer of the authority covering the entry.\n" +
			"It needs the fingerprint key of the data folder the copies were made under.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var entry, as string
		var threshold float64
		var asJSON bool
		fs.StringVar(&entry, "entry", "", "`id` of the published entry the file is a copy of")
		fs.StringVar(&as, "as", "", "`username` of the authority's admin or reviewer who traces")
		fs.Float64Var(&threshold, "threshold", fingerprint.DefaultThreshold, "the corrected `p-value` below which a recipient is named")
		fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
		file, err := c.parseWithFile(cmd, fs, args)
		if err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"entry": entry, "as": as}, "entry", "as"); err != nil {
			return err
		}
		if threshold <= 0 || threshold >= 1 {
			return usagef("%s: --threshold must be between 0 and 1", cmd.name)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("%s: %w", cmd.name, err)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			u, err := a.users.FindUserByUsername(ctx, as)
			if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
				return fmt.Errorf("%s: no user %q", cmd.name, as)
			} else if err != nil {
				return err
			}
			actor := &pubdata.Actor{User: u}
			if u.OrgCode != "" {
				if actor.Org, err = a.orgs.FindOrgByCode(ctx, u.OrgCode); err != nil {
					return err
				}
			}
			ctx = pubdata.NewContextWithActor(ctx, actor)
			e, err := a.entries.FindPublishedEntry(ctx, entry)
			if err != nil {
				return fmt.Errorf("%s: entry %s: %w", cmd.name, entry, err)
			}
			reads := access.New(a.rows).With(access.Services{Data: a.data, FingerprintKey: a.fingerprintKey, Fingerprints: sqlstore.NewFingerprintService(a.db)})
			t, err := reads.Trace(ctx, e, b, threshold)
			if err != nil {
				return fmt.Errorf("%s: %w", cmd.name, err)
			}
			if asJSON {
				out, _ := json.MarshalIndent(struct {
					Entry              string                         `json:"entry"`
					fingerprint.Result                                //
					Recipients         []pubdata.FingerprintRecipient `json:"recipients"`
				}{e.ID, t.Result, t.Recipients}, "", "  ")
				_, err := fmt.Fprintf(c.stdout, "%s\n", out)
				return err
			}
			fmt.Fprintf(c.stdout, "entry %s %s: %d rows located, marked columns %s\n", e.ID, e.Title, t.Result.Rows, strings.Join(t.Result.Columns, ", "))
			if t.Result.Accused == "" {
				fmt.Fprintf(c.stdout, "no recipient named: no candidate's corrected p-value is below %g\n", t.Result.Threshold)
			} else {
				best := t.Result.Scores[0]
				var grants []string
				for _, r := range t.Accused {
					if r.Grant != "" {
						grants = append(grants, r.Grant)
					}
				}
				name := best.Recipient
				if len(t.Accused) > 0 && t.Accused[0].Org != "" {
					if o, err := a.orgs.FindOrgByCode(ctx, t.Accused[0].Org); err == nil {
						name += " (" + o.Name + ")"
					}
				}
				fmt.Fprintf(c.stdout, "traced to %s, grants %s: %d of %d marks agree, p = %.3g (corrected %.3g)\n",
					name, strings.Join(grants, ", "), best.Matches, best.Marks, best.P, best.Adjusted)
			}
			tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RECIPIENT\tMARKS\tAGREE\tP\tCORRECTED P")
			for _, s := range t.Result.Scores {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%.3g\t%.3g\n", s.Recipient, s.Marks, s.Matches, s.P, s.Adjusted)
			}
			return tw.Flush()
		})
	}
	return cmd
}
