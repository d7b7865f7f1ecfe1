package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pubdata/pubdata"
)

// The portal's page timings (issue 6 item 8): the home, search and entry pages over the
// demo province, as an anonymous visitor sees them. See docs/BENCHMARKS.md.

func benchPortalCommand() *command {
	cmd := &command{
		name:     "bench portal",
		synopsis: "[--rounds 20] [--data DIR | --db DSN]",
		summary:  "measure the portal's home, search and entry pages over the demo data",
		help: "Bench portal loads the demo province into the database if it is not there yet, serves\n" +
			"the platform on a loopback port in this process and requests, one at a time as an\n" +
			"anonymous visitor, the home page /, searches /catalog?q=… (Chinese words, with and\n" +
			"without a filter) and the page /catalog/{id} of every entry of the open catalogue,\n" +
			"--rounds times after one warm-up round. It prints p50/p95/p99/max latency per page\n" +
			"(from sending the request to the last byte of the page, on loopback) and the slowest\n" +
			"entry pages. Use a database of its own.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		rounds := fs.Int("rounds", 20, "requests of each page")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if *rounds < 1 {
			return usagef("%s: --rounds must be ≥ 1", cmd.name)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			return benchPortal(ctx, a, c.stdout, *rounds)
		})
	}
	return cmd
}

// benchPortalQueries are the searches timed: words of the livelihood topics and others.
var benchPortalQueries = []string{"空气质量", "企业", "信用", "交通 公交", "医疗机构", "行政处罚", "食品安全", "福州"}

// portalPage is one page timed, with its kind for the report.
type portalPage struct {
	kind, path string
}

func benchPortal(ctx context.Context, a *app, w io.Writer, rounds int) error {
	fmt.Fprintf(w, "pubdata bench portal: %s database, %d CPUs (%s/%s), %s\n",
		dialectName(a.cfg), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	start := time.Now()
	if err := loadDemo(ctx, a, io.Discard); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(w, "demo province ready in %s\n", time.Since(start).Round(time.Millisecond))
	open, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}, Sort: "code", Limit: pubdata.MaxLimit})
	if err != nil {
		return err
	}
	pages := []portalPage{{"home /", "/"}, {"search (all)", "/catalog"}}
	for _, q := range benchPortalQueries {
		pages = append(pages, portalPage{"search ?q=", "/catalog?q=" + url.QueryEscape(q)})
	}
	pages = append(pages, portalPage{"search ?q=&filter", "/catalog?q=" + url.QueryEscape("数据") + "&open_class=unconditional"})
	for _, e := range open.Items {
		pages = append(pages, portalPage{"entry /catalog/{id}", "/catalog/" + e.ID})
	}
	fmt.Fprintf(w, "%d entries in the open catalogue; %d pages, %d rounds\n\n", len(open.Items), len(pages), rounds)

	base, stop, err := benchServe(a)
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(path string) (time.Duration, error) {
		t0 := time.Now()
		resp, err := client.Get(base + path)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: status %d: %.200s", path, resp.StatusCode, body)
		}
		return took, nil
	}
	for _, p := range pages { // warm-up: caches, the catalogue's index, connections
		if _, err := get(p.path); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	byKind := map[string][]time.Duration{}
	type slow struct {
		path string
		took time.Duration
	}
	var slowest []slow
	var kinds []string
	for range rounds {
		for _, p := range pages {
			took, err := get(p.path)
			if err != nil {
				return err
			}
			if _, ok := byKind[p.kind]; !ok {
				kinds = append(kinds, p.kind)
			}
			byKind[p.kind] = append(byKind[p.kind], took)
			slowest = append(slowest, slow{p.path, took})
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\trequests\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	for _, k := range kinds {
		lat := byKind[k]
		slices.Sort(lat)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", k, len(lat), ms(percentile(lat, 50)), ms(percentile(lat, 95)), ms(percentile(lat, 99)), ms(lat[len(lat)-1]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	slices.SortFunc(slowest, func(x, y slow) int { return int(y.took - x.took) })
	fmt.Fprintln(w, "\nslowest requests:")
	for _, s := range slowest[:min(5, len(slowest))] {
		fmt.Fprintf(w, "  %s ms  %s\n", ms(s.took), strings.TrimPrefix(s.path, base))
	}
	return nil
}
