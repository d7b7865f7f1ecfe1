package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/ident"
)

// The access matrix (issue 10): every caller kind × share class × open class × grant state ×
// read kind, read through package access on the store under test, against an oracle written
// from the rules (not from pubdata.DecideAccess). Forbidden cases are most of the table.

var accessMatrixTests = []namedTest{{"AccessMatrix", testAccessMatrix}}

// matrixPurpose is the purpose every grant of the matrix is for, and every read names.
const matrixPurpose = "市场主体登记核验"

// Grant states of the matrix.
const (
	grantNone    = "none"
	grantLive    = "live"
	grantExpired = "expired"
	grantRevoked = "revoked"
	grantFilter  = "row_filter"
	grantItems   = "items"
)

var matrixGrantStates = []string{grantNone, grantLive, grantExpired, grantRevoked, grantFilter, grantItems}

// matrixItems: a key in clear (grade 1), a name, a personal item (masked partially), a
// grade-4 item (withheld), a number, a district (the grants' row filter).
func matrixItems() []pubdata.Item {
	return []pubdata.Item{
		{Name: "uscc", Title: "统一社会信用代码", Type: "string", Length: 18, Key: true, Element: "uscc", Grade: 1},
		{Name: "name", Title: "企业名称", Type: "string"},
		{Name: "legal", Title: "法定代表人", Type: "string", Personal: true},
		{Name: "secret", Title: "内部评级", Type: "string", Grade: 4},
		{Name: "staff", Title: "从业人数", Type: "integer"},
		{Name: "district", Title: "所在区", Type: "string"},
	}
}

type matrixRow struct {
	uscc, name, legal, secret string
	staff                     int64
	district                  string
}

func matrixRows() []matrixRow {
	return []matrixRow{
		{ident.CompleteUSCC("9135010000000001"), "甲公司", "张三丰", "A", 10, "鼓楼"},
		{ident.CompleteUSCC("9135010000000002"), "乙公司", "李四光", "B", 20, "台江"},
		{ident.CompleteUSCC("9135010000000003"), "丙公司", "王五常", "C", 30, "鼓楼"},
	}
}

// matrixCaller is a caller kind: its context, whether it is a public body (share
// applications, subject lookups), whether it holds grants and whether it reads everything
// in clear (the provider and the covering authorities).
type matrixCaller struct {
	name       string
	ctx        context.Context
	publicBody bool
	applies    bool // holds the matrix's grants: a share grant (public body) or an open one
	all        bool
}

func testAccessMatrix(t *testing.T, s *Store) {
	if s.Applications == nil || s.MaskPolicies == nil || s.Rows == nil {
		t.Fatal("the store under test must provide applications, mask policies and its row reader (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, reviewer := catalogueSetup(t, s)
	mustOrg(t, s, "fz-company", "福州某某科技有限公司", pubdata.KindCompany, "350100", "")
	provider := actorCtx(t, s, "scj-reviewer", "fz-scj", pubdata.RoleReviewer)
	callers := []matrixCaller{
		{name: "anonymous", ctx: system},
		{name: "public user", ctx: actorCtx(t, s, "citizen", "", ""), applies: true},
		{name: "company", ctx: actorCtx(t, s, "company-member", "fz-company", pubdata.RoleMember), applies: true},
		{name: "consumer body", ctx: actorCtx(t, s, "gat-member", "fj-gat", pubdata.RoleMember), publicBody: true, applies: true},
		{name: "other provider", ctx: actorCtx(t, s, "xm-member", "xm-scj", pubdata.RoleMember), publicBody: true},
		{name: "owner", ctx: actorCtx(t, s, "scj-member", "fz-scj", pubdata.RoleMember), publicBody: true, all: true},
		{name: "city authority", ctx: actorCtx(t, s, "fzdsj-member", "fz-dsj", pubdata.RoleMember), publicBody: true, all: true},
		{name: "provincial authority", ctx: actorCtx(t, s, "fjdsj-member", "fj-dsj", pubdata.RoleMember), publicBody: true, all: true},
	}
	// The grants' clock: live grants until 2027-03-31; the expired state is read after it.
	now := func() time.Time { return appNow }
	later := func() time.Time { return time.Date(2027, 6, 1, 2, 0, 0, 0, time.UTC) }
	reader := access.New(s.Rows).With(access.Services{Data: s.Data, Grants: s.Applications, MaskPolicies: s.MaskPolicies, Now: now})
	expiredReader := access.New(s.Rows).With(access.Services{Data: s.Data, Grants: s.Applications, MaskPolicies: s.MaskPolicies, Now: later})

	classes := []string{pubdata.ClassUnconditional, pubdata.ClassConditional, pubdata.ClassNone}
	rows := matrixRows()
	cases, skipped := 0, 0
	for _, share := range classes {
		for _, open := range classes {
			for _, state := range matrixGrantStates {
				f := fields(fmt.Sprintf("矩阵 %s/%s/%s", share, open, state), "访问矩阵", share, open)
				f.Items = matrixItems()
				e, err := s.Entries.CreateEntry(editor, "fz-scj", "", f)
				if pubdata.ErrorCode(err) == pubdata.EINVALID {
					// Not a combination the catalogue admits (a not-shared entry is not
					// opened): no entry, no reads.
					skipped++
					continue
				} else if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
					t.Fatal(err)
				}
				if e, err = s.Entries.FindPublishedEntry(system, e.ID); err != nil {
					t.Fatal(err)
				}
				var list []*pubdata.SourceRow
				for i, r := range rows {
					list = append(list, row(int64(i+2), r.uscc, r.name, r.legal, r.secret, r.staff, r.district))
				}
				load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeAppend}, list...)
				grants := map[string]*pubdata.Grant{}
				for _, c := range callers {
					if c.applies {
						if g := matrixGrant(t, s, c, provider, e, state); g != nil {
							grants[c.name] = g
						}
					}
				}
				rd := reader
				if state == grantExpired {
					rd = expiredReader
				}
				for _, c := range callers {
					cases++
					checkMatrixCase(t, rd, c, e, state, grants[c.name])
				}
			}
		}
	}
	t.Logf("%d cases (caller × share × open × grant state), each read 8 ways; %d class combinations × grant states not admitted", cases, skipped)
	if cases+8*skipped != 8*9*6 || cases < 8*6*6 {
		t.Fatalf("%d cases, %d class combinations × grant states skipped", cases, skipped)
	}
}

// matrixGrant makes the caller's grant on e in the state (nil for none, or when the caller
// cannot apply for e: a public body for a not-shared entry).
func matrixGrant(t *testing.T, s *Store, c matrixCaller, provider context.Context, e *pubdata.Entry, state string) *pubdata.Grant {
	t.Helper()
	if state == grantNone {
		return nil
	}
	ac := &pubdata.ApplicationCreate{Entry: e.ID, Kind: pubdata.KindOpen, Purpose: matrixPurpose, Basis: "《市场主体登记管理条例》", Until: "2027-03-31", AcceptTerms: true}
	if c.publicBody {
		if e.ShareClass == pubdata.ClassNone {
			return nil
		}
		ac.Kind = pubdata.KindShare
	} else if e.OpenClass == pubdata.ClassNone {
		ac.MajorInterest = "本人为该企业股东"
	}
	app := mustApply(t, s, c.ctx, e, ac)
	d := &pubdata.ApplicationDecision{Decision: "approve"}
	switch state {
	case grantFilter:
		d.RowFilter = "district=鼓楼"
	case grantItems:
		d.Items, d.ClearItems = []string{"uscc", "name", "legal"}, []string{"legal"}
	}
	app, err := s.Applications.DecideApplication(provider, app.ID, d)
	if err != nil {
		t.Fatalf("approve %s for %s: %v", e.Title, c.name, err)
	}
	g, err := s.Applications.FindGrantByID(system, app.Grant)
	if err != nil {
		t.Fatal(err)
	}
	if state == grantRevoked {
		if g, err = s.Applications.RevokeGrant(provider, g.ID, "超出授权范围使用"); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// matrixWant is the oracle's answer for one case.
type matrixWant struct {
	allow    bool
	reason   string   // the refusal's reason kind, for the third-party check
	columns  []string // the columns a read returns, in item order
	clear    []string // the returned columns in clear
	rows     []int    // the indexes of the rows in scope
	filtered bool     // under a grant's row filter
	grant    bool     // read under the grant
}

// expect is the oracle: the rules as the requirements state them, case by case.
func expect(c matrixCaller, e *pubdata.Entry, g *pubdata.Grant, state string) matrixWant {
	all := []string{"uscc", "name", "legal", "secret", "staff", "district"}
	everyRow := []int{0, 1, 2}
	policy := func(cols, clear []string) matrixWant {
		w := matrixWant{allow: true, rows: everyRow}
		for _, col := range cols {
			inClear := slices.Contains(clear, col)
			if col == "secret" && !inClear {
				continue // grade 4: withheld
			}
			w.columns = append(w.columns, col)
			if col != "legal" || inClear {
				w.clear = append(w.clear, col)
			}
		}
		return w
	}
	if c.all {
		return matrixWant{allow: true, columns: all, clear: all, rows: everyRow}
	}
	if e.OpenClass == pubdata.ClassUnconditional {
		return policy(all, nil)
	}
	usable := g != nil && (state == grantLive || state == grantFilter || state == grantItems)
	byGrant := func() matrixWant {
		cols := all
		if len(g.Items) > 0 {
			cols = g.Items
		}
		w := policy(cols, g.ClearItems)
		w.grant = true
		if g.RowFilter != "" {
			w.rows, w.filtered = []int{0, 2}, true
		}
		return w
	}
	if c.publicBody {
		switch e.ShareClass {
		case pubdata.ClassUnconditional:
			if usable {
				return byGrant()
			}
			return policy(all, nil) // a shared read with the purpose
		case pubdata.ClassConditional:
			if usable {
				return byGrant()
			}
			return matrixWant{reason: "needs_grant"}
		}
		return matrixWant{reason: "not_shared"}
	}
	if usable && g.Kind == pubdata.KindOpen {
		return byGrant()
	}
	return matrixWant{reason: "not_open"}
}

func checkMatrixCase(t *testing.T, r *access.Reader, c matrixCaller, e *pubdata.Entry, state string, g *pubdata.Grant) {
	t.Helper()
	name := fmt.Sprintf("%s reading %s/%s with grant %s", c.name, e.ShareClass, e.OpenClass, state)
	want := expect(c, e, g, state)
	ctx := c.ctx
	rows := matrixRows()
	p := access.Purpose{Text: matrixPurpose}
	rd, err := r.Open(ctx, e, p)
	if err != nil {
		t.Fatalf("%s: open: %v", name, err)
	}
	if rd.Allowed() != want.allow {
		t.Errorf("%s: allowed %v, want %v (%+v)", name, rd.Allowed(), want.allow, rd.Decision())
		return
	}
	// Visibility: the catalogue's rule, the provider and authorities, or a usable grant.
	if vis, err := r.Visible(ctx, e); err != nil || vis != (pubdata.CanViewPublished(pubdata.ActorFromContext(ctx), e) || c.all || want.grant) {
		t.Errorf("%s: visible %v, %v", name, vis, err)
	}
	refused := func(kind string, err error) {
		t.Helper()
		if code := pubdata.ErrorCode(err); code != pubdata.EFORBIDDEN {
			t.Errorf("%s: %s of a refused read: %v (code %q), want forbidden", name, kind, err, code)
		}
	}
	sorted := func() *pubdata.RowQuery { return &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "uscc"}}} }

	// stream: every row in scope, the columns, the masks.
	sel, err := rd.Select(ctx, sorted(), access.KindRows("csv"))
	if !want.allow {
		refused("stream", err)
	} else if err != nil {
		t.Errorf("%s: stream: %v", name, err)
	} else {
		if !slices.Equal(sel.Columns, want.columns) {
			t.Errorf("%s: columns %v, want %v", name, sel.Columns, want.columns)
		}
		var got []string
		if _, err := sel.Each(ctx, func(v []any) error {
			for i, col := range sel.Columns {
				if col == "legal" {
					legal := fmt.Sprint(v[i])
					raw := slices.ContainsFunc(rows, func(r matrixRow) bool { return r.legal == legal })
					if raw != slices.Contains(want.clear, "legal") {
						t.Errorf("%s: legal %q in clear %v, want %v", name, legal, raw, !raw)
					}
				}
				if col == "uscc" {
					got = append(got, fmt.Sprint(v[i]))
				}
			}
			return nil
		}); err != nil {
			t.Errorf("%s: stream: %v", name, err)
		}
		var wantKeys []string
		for _, i := range want.rows {
			wantKeys = append(wantKeys, rows[i].uscc)
		}
		if !slices.Equal(got, wantKeys) {
			t.Errorf("%s: rows %v, want %v", name, got, wantKeys)
		}
	}

	// page: two rows and a cursor when there are more.
	q := sorted()
	q.Limit = 2
	if sel, err := rd.Select(ctx, q, access.KindRows("json")); !want.allow {
		refused("page", err)
	} else if err != nil {
		t.Errorf("%s: page: %v", name, err)
	} else {
		n := 0
		next, err := sel.Each(ctx, func([]any) error { n++; return nil })
		if err != nil || n != 2 || (next != "") != (len(want.rows) > 2) {
			t.Errorf("%s: page: %d rows, next %q, %v", name, n, next, err)
		}
	}

	// count.
	if sel, err := rd.Select(ctx, &pubdata.RowQuery{}, access.KindSearch); !want.allow {
		refused("count", err)
	} else if err != nil {
		t.Errorf("%s: count: %v", name, err)
	} else if n, err := sel.Count(ctx); err != nil || n != int64(len(want.rows)) {
		t.Errorf("%s: count %d, %v; want %d", name, n, err, len(want.rows))
	}

	// a single key, typed in lower case.
	kf, err := access.KeyFilters(e.Items, strings.ToLower(rows[0].uscc))
	if err != nil {
		t.Fatal(err)
	}
	if sel, err := rd.Select(ctx, &pubdata.RowQuery{Filters: kf}, access.KindRows("json")); !want.allow {
		refused("key", err)
	} else if err != nil {
		t.Errorf("%s: key: %v", name, err)
	} else {
		n := 0
		if _, err := sel.Each(ctx, func([]any) error { n++; return nil }); err != nil || n != 1 {
			t.Errorf("%s: key lookup found %d, %v", name, n, err)
		}
	}

	// an aggregate over a number column: refused when the column is not readable.
	sum := int64(0)
	sel, err = rd.Select(ctx, &pubdata.RowQuery{Fields: []string{"staff"}}, access.KindChart)
	switch {
	case !want.allow || !slices.Contains(want.columns, "staff"):
		refused("aggregate", err)
	case err != nil:
		t.Errorf("%s: aggregate: %v", name, err)
	default:
		if _, err := sel.Each(ctx, func(v []any) error { sum += v[0].(int64); return nil }); err != nil {
			t.Errorf("%s: aggregate: %v", name, err)
		}
		wantSum := int64(0)
		for _, i := range want.rows {
			wantSum += rows[i].staff
		}
		if sum != wantSum {
			t.Errorf("%s: sum %d, want %d", name, sum, wantSum)
		}
	}

	// a service call (the read without rows).
	if err := rd.Serve(ctx, access.KindCall); want.allow != (err == nil) {
		t.Errorf("%s: serve: %v", name, err)
	}

	// a subject lookup of the row outside the grant's filter: public bodies and authorities
	// only; found unless the caller reads under a row filter that leaves it out.
	held, _, err := r.LookUpSubject(ctx, e, "uscc", rows[1].uscc, p)
	switch {
	case !c.publicBody:
		refused("subject lookup", err)
	case err != nil:
		t.Errorf("%s: subject lookup: %v", name, err)
	case held == want.filtered:
		t.Errorf("%s: subject lookup held %v", name, held)
	}

	// an objection: the filing may tell about the rows only to a reader of the key in clear
	// without a row filter; the key is normalised.
	key, reads, err := r.Objection(ctx, e, map[string]string{"uscc": " " + strings.ToLower(rows[0].uscc)}, p)
	if err != nil || key["uscc"] != rows[0].uscc || reads != (want.allow && !want.filtered && slices.Contains(want.clear, "uscc")) {
		t.Errorf("%s: objection key %v reads %v, %v", name, key, reads, err)
	}

	// a third party's purpose: as if the grant were not there; refused as a purpose mismatch
	// when only the grant would allow the read (D4).
	third, err := r.Open(ctx, e, access.Purpose{Text: "转交第三方"})
	if err != nil {
		t.Fatal(err)
	}
	noGrant := expect(c, e, nil, grantNone)
	switch {
	case third.Allowed() != noGrant.allow:
		t.Errorf("%s: third party allowed %v, want %v", name, third.Allowed(), noGrant.allow)
	case !third.Allowed() && want.grant && third.Decision().Reason != pubdata.AccessWrongPurpose:
		t.Errorf("%s: third party refused for %s, want %s", name, third.Decision().Reason, pubdata.AccessWrongPurpose)
	case third.Allowed() && third.Decision().Grant != nil:
		t.Errorf("%s: third party reads under the grant", name)
	}
}
