package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/sqlstore"
)

// pubdata trace names the body a leaked fifth of its download was fingerprinted for.
func TestTraceCommand(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		for _, o := range []*pubdata.Org{
			{Code: "fj-dsj", Name: "福建省大数据管理局", Kind: pubdata.KindAuthority, Division: "350000"},
			{Code: "fj-tjj", Name: "福建省统计局", Kind: pubdata.KindPublicBody, Division: "350000"},
			{Code: "fj-scj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"},
			{Code: "fj-swj", Name: "福建省税务局", Kind: pubdata.KindPublicBody, Division: "350000"},
		} {
			if err := a.orgs.CreateOrg(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		as := map[string]context.Context{}
		for _, u := range []pubdata.UserCreate{
			{Username: "dsj-reviewer", OrgCode: "fj-dsj", Role: pubdata.RoleReviewer},
			{Username: "tjj-admin", OrgCode: "fj-tjj", Role: pubdata.RoleAdmin},
			{Username: "scj-member", OrgCode: "fj-scj", Role: pubdata.RoleMember},
			{Username: "swj-member", OrgCode: "fj-swj", Role: pubdata.RoleMember},
		} {
			u.Password = "correct horse"
			usr, err := a.users.CreateUser(ctx, &u)
			if err != nil {
				t.Fatal(err)
			}
			o, _ := a.orgs.FindOrgByCode(ctx, u.OrgCode)
			as[u.Username] = pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{User: usr, Org: o})
		}
		e, err := a.entries.CreateEntry(ctx, "fj-tjj", "", &pubdata.EntryFields{
			Title: "规模以上工业企业产值", Summary: "月度", Category: "3", Format: pubdata.FormatTable, UpdateCycle: "monthly",
			ShareClass: pubdata.ClassConditional, ShareConditions: "统计用途", OpenClass: pubdata.ClassNone, OpenBasis: "《统计法》第二十五条", Division: "350000",
			Items: []pubdata.Item{{Name: "code", Title: "企业编号", Type: "string", Key: true}, {Name: "output", Title: "产值", Type: "integer"}, {Name: "rate", Title: "增长率", Type: "number"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.entries.SubmitEntry(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if e, err = a.entries.ReviewEntry(ctx, e.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 1))
		var in strings.Builder
		in.WriteString("code,output,rate\n")
		for i := range 600 {
			fmt.Fprintf(&in, "E%04d,%d,%d.%d\n", i, 10000+r.IntN(1000000), r.IntN(30), 1+r.IntN(9))
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "in.csv")
		os.WriteFile(file, []byte(in.String()), 0o600)
		if code, _, stderr := runCLI(t, append([]string{"ingest", "--entry", e.ID, file}, s.args()...)...); code != 0 {
			t.Fatalf("ingest: %s", stderr)
		}
		reads := access.New(a.rows).With(access.Services{Data: a.data, Grants: a.applications, MaskPolicies: sqlstore.NewMaskPolicyService(a.db),
			FingerprintKey: a.fingerprintKey, Fingerprints: sqlstore.NewFingerprintService(a.db)})
		copies := map[string][]byte{}
		for _, who := range []string{"scj-member", "swj-member"} {
			app, err := a.applications.CreateApplication(as[who], e, &pubdata.ApplicationCreate{Entry: e.ID, Kind: pubdata.KindShare, Purpose: "经济运行监测", Basis: "《统计法》", Until: time.Now().In(pubdata.ChinaTime).AddDate(0, 1, 0).Format(pubdata.DateFormat)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.applications.DecideApplication(as["tjj-admin"], app.ID, &pubdata.ApplicationDecision{Decision: "approve"}); err != nil {
				t.Fatal(err)
			}
			rd, err := reads.Open(as[who], e, access.Purpose{})
			if err != nil {
				t.Fatal(err)
			}
			sel, err := rd.Select(as[who], &pubdata.RowQuery{}, access.KindRows("csv"))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			w, _ := datafile.NewWriter(&buf, datafile.CSV, sel.Columns, datafile.WriterOptions{})
			if _, err := sel.Each(as[who], func(v []any) error { return w.Write(v) }); err != nil {
				t.Fatal(err)
			}
			w.Close()
			copies[who] = buf.Bytes()
		}
		// A fifth of scj's copy, rows reversed, columns rate, code, output.
		lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(copies["scj-member"]), "\r\n", "\n")), "\n")
		var leak strings.Builder
		leak.WriteString("增长率,企业编号,产值\n")
		for i := len(lines) - 1; i > len(lines)-1-120; i-- {
			f := strings.Split(lines[i], ",")
			fmt.Fprintf(&leak, "%s,%s,%s\n", f[2], f[0], f[1])
		}
		leaked := filepath.Join(dir, "leak.csv")
		os.WriteFile(leaked, []byte(leak.String()), 0o600)
		code, stdout, stderr := runCLI(t, append([]string{"trace", "--entry", e.ID, "--as", "dsj-reviewer", leaked}, s.args()...)...)
		if code != 0 || !strings.Contains(stdout, "traced to org:fj-scj (福建省市场监督管理局)") || !strings.Contains(stdout, "120 rows") {
			t.Fatalf("trace: exit %d\n%s\n%s", code, stdout, stderr)
		}
		// The original data accuses nobody; a body may not trace.
		if code, stdout, stderr := runCLI(t, append([]string{"trace", "--entry", e.ID, "--as", "dsj-reviewer", file}, s.args()...)...); code != 0 || !strings.Contains(stdout, "no recipient named") {
			t.Fatalf("trace of the original: exit %d\n%s\n%s", code, stdout, stderr)
		}
		if code, _, stderr := runCLI(t, append([]string{"trace", "--entry", e.ID, "--as", "scj-member", leaked}, s.args()...)...); code == 0 || !strings.Contains(stderr, "authority") {
			t.Fatalf("a body traced: exit %d %s", code, stderr)
		}
	})
}
