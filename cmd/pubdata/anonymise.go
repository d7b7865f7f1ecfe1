package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/anonymise"
	"github.com/pubdata/pubdata/sqlstore"
)

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func anonymiseCommand() *command {
	cmd := &command{
		name:     "anonymise",
		synopsis: "(--in FILE [--sep ';'] | --entry ID --as USER --purpose TEXT) --qi COL[=HIERARCHY] … [--sensitive COL:l=3,entropy,t=0.2] [--keep COL] --k 5 [--suppress 0.01] [--metric loss|discernibility] [--out FILE] [--report FILE]",
		summary:  "anonymise a table under k-anonymity, l-diversity and t-closeness",
		help: "Anonymise reads a table — a CSV file, or a published entry's rows through the platform's\n" +
			"read path as --as USER reads them (masks and grants apply, the read is recorded with\n" +
			"--purpose) — generalises its quasi-identifiers (--qi, repeatable) and suppresses records\n" +
			"so that every class of equal quasi-identifiers holds at least --k records, and each\n" +
			"--sensitive column is l-diverse (l=N, distinct or entropy) and t-close (t=0.2, equal or\n" +
			"ordered) within it, suppressing at most --suppress of the records. It searches every\n" +
			"node of the generalisation lattice for the smallest information loss (--metric).\n" +
			"A --qi's hierarchy is an ARX hierarchy file (COL=file.csv, same separator), or number:W\n" +
			"(intervals of W, 2W, 4W), date, division (GB/T 2260 codes) or flat; without one it is\n" +
			"chosen from the values. Columns not named by --qi, --sensitive or --keep are identifiers\n" +
			"and are left out. The anonymised table is written as CSV to --out (standard output by\n" +
			"default), and the report (risks under the prosecutor, journalist and marketer models,\n" +
			"information loss beside its lower bound, what was suppressed) as JSON to --report or\n" +
			"standard error.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var in, sep, entry, as, purpose, out, report, metric string
		var qis, sensitive, keep listFlag
		var k int
		var suppress, threshold float64
		fs.StringVar(&in, "in", "", "`file` to read (CSV with a header)")
		fs.StringVar(&sep, "sep", ",", "the CSV `separator` of --in, of hierarchy files and of the output")
		fs.StringVar(&entry, "entry", "", "`id` of a published entry to read instead of --in")
		fs.StringVar(&as, "as", "", "`username` whose read of --entry is anonymised")
		fs.StringVar(&purpose, "purpose", "", "the `purpose` of reading --entry, recorded with the read")
		fs.Var(&qis, "qi", "a quasi-identifier `COL[=HIERARCHY]` (repeatable)")
		fs.Var(&sensitive, "sensitive", "a sensitive column `COL[:l=N,distinct|entropy,t=X,equal|ordered]` (repeatable)")
		fs.Var(&keep, "keep", "a `column` kept as it is (repeatable)")
		fs.IntVar(&k, "k", 5, "the smallest class size `k`")
		fs.Float64Var(&suppress, "suppress", 0, "the `share` of records that may be suppressed (0…1)")
		fs.Float64Var(&threshold, "risk-threshold", 0, "the prosecutor `risk` above which a record is at risk (default 1/k)")
		fs.StringVar(&metric, "metric", "loss", "the information-loss `metric`: loss or discernibility")
		fs.StringVar(&out, "out", "", "`file` to write the anonymised table to (default: standard output)")
		fs.StringVar(&report, "report", "", "`file` to write the JSON report to (default: standard error)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if (in == "") == (entry == "") {
			return usagef("%s: give either --in FILE or --entry ID", cmd.name)
		}
		if len(qis) == 0 {
			return usagef("%s: name at least one quasi-identifier with --qi", cmd.name)
		}
		sepRune, err := separator(sep)
		if err != nil {
			return usagef("%s: %v", cmd.name, err)
		}
		cfg := anonymise.Config{K: k, SuppressionLimit: suppress, Metric: anonymise.Metric(metric), Keep: keep, RiskThreshold: threshold}
		for _, s := range sensitive {
			sv, err := parseSensitive(s)
			if err != nil {
				return usagef("%s: --sensitive %q: %v", cmd.name, s, err)
			}
			cfg.Sensitive = append(cfg.Sensitive, sv)
		}
		run := func(t anonymise.Table) error {
			for _, q := range qis {
				col, spec, _ := strings.Cut(q, "=")
				i := t.Column(col)
				if i < 0 {
					return fmt.Errorf("--qi %q: the table has no column %q (columns: %s)", q, col, strings.Join(t.Columns, ", "))
				}
				h, err := hierarchyFor(spec, t.Distinct(i), sepRune)
				if err != nil {
					return fmt.Errorf("--qi %q: %w", q, err)
				}
				cfg.QuasiIdentifiers = append(cfg.QuasiIdentifiers, anonymise.QuasiIdentifier{Column: col, Hierarchy: h})
			}
			start := time.Now()
			res, err := anonymise.Anonymise(t, cfg)
			if err != nil {
				return err
			}
			elapsed := time.Since(start)
			if err := writeTable(out, c.stdout, res.Table, sepRune); err != nil {
				return err
			}
			b, _ := json.MarshalIndent(struct {
				anonymise.Report
				Seconds float64 `json:"seconds"`
			}{res.Report, elapsed.Seconds()}, "", "  ")
			if report == "" {
				_, err = fmt.Fprintf(c.stderr, "%s\n", b)
				return err
			}
			return os.WriteFile(report, append(b, '\n'), 0o644)
		}
		if in != "" {
			t, err := readTable(in, sepRune)
			if err != nil {
				return fmt.Errorf("%s: %w", cmd.name, err)
			}
			if err := run(t); err != nil {
				return fmt.Errorf("%s: %w", cmd.name, err)
			}
			return nil
		}
		if as == "" || strings.TrimSpace(purpose) == "" {
			return usagef("%s: --entry needs --as USER and --purpose TEXT: the read is the user's and is recorded", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			t, err := entryTable(ctx, a, entry, as, purpose)
			if err != nil {
				return fmt.Errorf("%s: %w", cmd.name, err)
			}
			if err := run(t); err != nil {
				return fmt.Errorf("%s: %w", cmd.name, err)
			}
			return nil
		})
	}
	return cmd
}

func separator(s string) (rune, error) {
	switch s {
	case `\t`, "tab":
		return '\t', nil
	}
	r := []rune(s)
	if len(r) != 1 {
		return 0, fmt.Errorf("--sep %q is not one character", s)
	}
	return r[0], nil
}

// parseSensitive reads COL[:l=N,distinct|entropy,t=X,equal|ordered].
func parseSensitive(s string) (anonymise.Sensitive, error) {
	col, opts, _ := strings.Cut(s, ":")
	sv := anonymise.Sensitive{Column: col}
	if col == "" {
		return sv, errors.New("no column")
	}
	for _, o := range strings.Split(opts, ",") {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
		case strings.HasPrefix(o, "l="):
			n, err := strconv.Atoi(o[2:])
			if err != nil || n < 1 {
				return sv, fmt.Errorf("l=%s is not a whole number ≥ 1", o[2:])
			}
			sv.L = n
		case strings.HasPrefix(o, "t="):
			x, err := strconv.ParseFloat(o[2:], 64)
			if err != nil || x <= 0 || x > 1 {
				return sv, fmt.Errorf("t=%s is not a number in (0, 1]", o[2:])
			}
			sv.T = x
		case o == "distinct" || o == "entropy":
			sv.LKind = anonymise.LKind(o)
		case o == "equal" || o == "ordered":
			sv.TKind = anonymise.TKind(o)
		default:
			return sv, fmt.Errorf("unknown option %q (want l=N, distinct, entropy, t=X, equal or ordered)", o)
		}
	}
	return sv, nil
}

// hierarchyFor builds a quasi-identifier's hierarchy from its spec: a file, number:W, date,
// division, flat, or "" (chosen from the values).
func hierarchyFor(spec string, values []string, sep rune) (anonymise.Hierarchy, error) {
	switch {
	case spec == "", spec == "date", spec == "division", spec == "flat", spec == "number", strings.HasPrefix(spec, "number:"):
		h, _, err := anonymise.HierarchyFor(spec, values)
		return h, err
	}
	f, err := os.Open(spec)
	if err != nil {
		return anonymise.Hierarchy{}, err
	}
	defer f.Close()
	return anonymise.ParseHierarchy(bufio.NewReader(f), sep)
}

func readTable(path string, sep rune) (anonymise.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return anonymise.Table{}, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.Comma = sep
	head, err := r.Read()
	if err != nil {
		return anonymise.Table{}, fmt.Errorf("%s: no header: %w", path, err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	t := anonymise.Table{Columns: head}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return anonymise.Table{}, fmt.Errorf("%s: %w", path, err)
		}
		t.Rows = append(t.Rows, rec)
	}
	return t, nil
}

func writeTable(path string, stdout io.Writer, t anonymise.Table, sep rune) error {
	w := stdout
	var f *os.File
	if path != "" {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	cw.Comma = sep
	_ = cw.Write(t.Columns)
	_ = cw.WriteAll(t.Rows)
	err := cw.Error()
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// entryTable reads a published entry's rows as the user reads them through the read path
// (masks and grants apply; the read is recorded with its purpose). Columns are item names.
func entryTable(ctx context.Context, a *app, id, as, purpose string) (anonymise.Table, error) {
	e, err := a.entries.FindPublishedEntry(ctx, id)
	if err != nil {
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			return anonymise.Table{}, fmt.Errorf("no published entry %q", id)
		}
		return anonymise.Table{}, err
	}
	u, err := a.users.FindUserByUsername(ctx, as)
	if err != nil {
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			return anonymise.Table{}, fmt.Errorf("no user %q", as)
		}
		return anonymise.Table{}, err
	}
	actor := &pubdata.Actor{User: u}
	if u.OrgCode != "" {
		if actor.Org, err = a.orgs.FindOrgByCode(ctx, u.OrgCode); err != nil {
			return anonymise.Table{}, err
		}
	}
	ctx = pubdata.NewContextWithActor(ctx, actor)
	reads := access.New(a.rows).With(access.Services{Data: a.data, Grants: a.applications, MaskPolicies: sqlstore.NewMaskPolicyService(a.db)})
	rd, err := reads.Open(ctx, e, access.Purpose{Text: purpose})
	if err != nil {
		return anonymise.Table{}, err
	}
	sel, err := rd.Select(ctx, &pubdata.RowQuery{}, access.KindAnonymise)
	if err != nil {
		return anonymise.Table{}, err
	}
	t := anonymise.Table{Columns: sel.Columns}
	_, err = sel.Each(ctx, func(values []any) error {
		row := make([]string, len(values))
		for i, v := range values {
			row[i] = cellString(v)
		}
		t.Rows = append(t.Rows, row)
		return nil
	})
	return t, err
}

func cellString(v any) string {
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

var _ flag.Value = (*listFlag)(nil)
