package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

// ReadsAcrossServers checks that what a read of an entry's data looks up — the published
// entry, the effective mask policy, the table's figures and rows, the rows open objections
// freeze — follows, on server b, every change made on server a (a and b are two stores on
// one database, as two servers of a cluster), at b's next read, however b caches them.
// request returns the context of a new request on b (the server gives each request one);
// each step of b below is one request and reads everything a key lookup reads, the first
// time to fill b's caches.
func ReadsAcrossServers(t *testing.T, a, b *Store, request func(context.Context) context.Context) {
	editor, reviewer, e := dataSetup(t, a)
	load(t, a, editor, e, pubdata.LoadOptions{}, row(2, uA, "甲公司", 1.0, int64(1), true, "2001-02-03"), row(3, uB, "乙公司", 2.0, int64(2), false, "2010-01-01"))

	type view struct {
		title   string
		version int
		rows    []string
		count   int64
		stats   *pubdata.TableStats
		policy  pubdata.MaskPolicy
	}
	read := func(ctx context.Context) view {
		t.Helper()
		var v view
		p, err := b.Entries.FindPublishedEntry(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		v.title, v.version = p.Title, p.Version
		if v.policy, err = b.MaskPolicies.Effective(ctx, p.Org); err != nil {
			t.Fatal(err)
		}
		if v.stats, err = b.Data.TableStats(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		q := &pubdata.RowQuery{Fields: []string{"uscc", "name"}, Sort: []pubdata.SortKey{{Column: "uscc"}}}
		if _, _, err := b.Rows.QueryRows(ctx, p, q, func(vals []any) error {
			v.rows = append(v.rows, fmt.Sprint(vals[0])+"|"+fmt.Sprint(vals[1]))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if v.count, err = b.Rows.CountRows(ctx, p, &pubdata.RowQuery{}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	next := func() view { return read(request(context.Background())) }
	wantList := func(step string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: b reads rows %v, want %v", step, got, want)
		}
	}

	v := next()
	wantList("first read", v.rows, uA+"|甲公司", uB+"|乙公司")
	if v.title != "企业登记信息" || v.version != 1 || v.stats.Rows != 2 || v.stats.Batches != 1 || v.count != 2 || v.policy[3] == pubdata.MaskHide {
		t.Fatalf("first read: %+v %+v", v, v.stats)
	}
	v = next() // from b's caches
	wantList("second read", v.rows, uA+"|甲公司", uB+"|乙公司")

	// A batch on a: the table's figures and rows.
	load(t, a, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uC, "丙公司", nil, nil, nil, nil))
	v = next()
	wantList("after a batch on a", v.rows, uA+"|甲公司", uB+"|乙公司", uC+"|丙公司")
	if v.stats.Rows != 3 || v.stats.Batches != 2 || v.count != 3 {
		t.Fatalf("after a batch on a: %+v, count %d", v.stats, v.count)
	}

	// A new version published on a.
	f := companyFields()
	f.Title = "企业登记信息（新）"
	if _, err := a.Entries.UpdateEntry(editor, e.ID, f); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Entries.ReviewEntry(reviewer, e.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if v = next(); v.title != f.Title || v.version != 2 {
		t.Fatalf("after a new version on a: %q version %d", v.title, v.version)
	}

	// The provider's mask policy changed on a.
	if _, err := a.MaskPolicies.Set(editor, "fz-scj", pubdata.MaskPolicy{3: pubdata.MaskHide}); err != nil {
		t.Fatal(err)
	}
	if v = next(); v.policy[3] != pubdata.MaskHide {
		t.Fatalf("after a mask policy on a: %v", v.policy)
	}

	// An objection filed on a freezes its row on b at once; rejecting it unfreezes.
	citizen := actorCtx(t, a, "citizen", "", "")
	o, err := a.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"uscc": uB}, Reason: pubdata.ObjectionError, Detail: "名称有误"}, true)
	if err != nil {
		t.Fatal(err)
	}
	v = next()
	wantList("after an objection on a", v.rows, uA+"|甲公司", uC+"|丙公司")
	if v.stats.Frozen != 1 || v.count != 2 {
		t.Fatalf("after an objection on a: %+v, count %d", v.stats, v.count)
	}
	if _, err := a.Objections.ResolveObjection(editor, o.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionRejected, Note: "核实无误"}); err != nil {
		t.Fatal(err)
	}
	v = next()
	wantList("after the objection is rejected on a", v.rows, uA+"|甲公司", uB+"|乙公司", uC+"|丙公司")
	if v.stats.Frozen != 0 || v.count != 3 {
		t.Fatalf("after the objection is rejected on a: %+v, count %d", v.stats, v.count)
	}

	// Retired on a: b finds no published entry.
	if _, err := a.Entries.RetireEntry(editor, e.ID, "停止采集"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Entries.FindPublishedEntry(request(context.Background()), e.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("after a retirement on a: %v", err)
	}
}

// ReadsOwnChange checks that a request on s that reads, changes what reads depend on, and
// reads again sees its change (request as for ReadsAcrossServers).
func ReadsOwnChange(t *testing.T, s *Store, request func(context.Context) context.Context) {
	editor, _, e := dataSetup(t, s)
	ctx := request(editor)
	st, err := s.Data.TableStats(ctx, e.ID)
	if err != nil || st.Rows != 0 {
		t.Fatalf("TableStats = %+v, %v", st, err)
	}
	load(t, s, ctx, e, pubdata.LoadOptions{}, row(2, uA, "甲公司", nil, nil, nil, nil))
	if st, err = s.Data.TableStats(ctx, e.ID); err != nil || st.Rows != 1 {
		t.Fatalf("TableStats after the request's own batch = %+v, %v", st, err)
	}
	load(t, s, ctx, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uB, "乙公司", nil, nil, nil, nil))
	if st, err = s.Data.TableStats(ctx, e.ID); err != nil || st.Rows != 2 {
		t.Fatalf("TableStats after the request's own batch = %+v, %v", st, err)
	}
	if _, err := s.MaskPolicies.Set(ctx, "fz-scj", pubdata.MaskPolicy{3: pubdata.MaskHide}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.MaskPolicies.Effective(ctx, "fz-scj"); err != nil || p[3] != pubdata.MaskHide {
		t.Fatalf("Effective after the request's own change = %v, %v", p, err)
	}
}
