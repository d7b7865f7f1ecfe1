package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

func TestIngest(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		for _, o := range []*pubdata.Org{
			{Code: "fj-gat", Name: "福建省公安厅", Kind: pubdata.KindPublicBody, Division: "350000"},
			{Code: "fj-scj", Name: "福建省市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350000"},
		} {
			if err := a.orgs.CreateOrg(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []pubdata.UserCreate{
			{Username: "gat-editor", Password: "correct horse", OrgCode: "fj-gat", Role: pubdata.RoleEditor},
			{Username: "gat-member", Password: "correct horse", OrgCode: "fj-gat", Role: pubdata.RoleMember},
			{Username: "scj-editor", Password: "correct horse", OrgCode: "fj-scj", Role: pubdata.RoleEditor},
		} {
			if _, err := a.users.CreateUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		e, err := a.entries.CreateEntry(ctx, "fj-gat", "", &pubdata.EntryFields{
			Title: "人口登记信息", Summary: "人口登记", Category: "3", Format: pubdata.FormatTable, UpdateCycle: "daily",
			ShareClass: pubdata.ClassUnconditional, OpenClass: pubdata.ClassUnconditional, Division: "350000",
			Items: []pubdata.Item{
				{Name: "id_no", Title: "身份证号", Type: "string", Key: true, Element: "resident_id"},
				{Name: "name", Title: "姓名", Type: "string"},
				{Name: "age", Title: "年龄", Type: "integer"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.entries.SubmitEntry(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.entries.ReviewEntry(ctx, e.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		id := func(seq int) string { return ident.CompleteResidentID(fmt.Sprintf("35010219800101%03d", seq)) }
		dir := t.TempDir()
		file := filepath.Join(dir, "人口.csv")
		os.WriteFile(file, []byte("身份证号,姓名,年龄\n"+id(1)+",张三,44\n"+id(2)+",李四,34\n350102198001010000,坏,1\n"), 0o600)
		ingest := func(stdin string, args ...string) (int, *pubdata.Batch, string) {
			t.Helper()
			code, stdout, stderr := runCLIInput(t, stdin, append(append([]string{"ingest", "--entry", e.ID}, args...), s.args()...)...)
			var b *pubdata.Batch
			if stdout != "" {
				if err := json.Unmarshal([]byte(stdout), &b); err != nil {
					t.Fatalf("stdout is not a batch: %v\n%s", err, stdout)
				}
			}
			return code, b, stderr
		}

		// All or nothing: the bad row fails the batch, exit 1, the batch on stdout.
		code, b, stderr := ingest("", file)
		if code != 1 || b == nil || b.Status != pubdata.BatchFailed || b.RowsRejected != 1 || len(b.Errors) != 1 || b.Errors[0].Row != 4 {
			t.Fatalf("abort: exit %d %+v\n%s", code, b, stderr)
		}
		assertOneLine(t, stderr[strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n")+1:], "failed")
		// Skip: the good rows load, with progress on stderr; the batch is the system's, for
		// the provider.
		code, b, stderr = ingest("", "--on-error", "skip", file)
		if code != 0 || b.Status != pubdata.BatchDone || b.RowsLoaded != 2 || b.RowsRejected != 1 || b.Source != pubdata.SourceCLI || b.Org != "fj-gat" || b.Actor != "" || b.FileName != "人口.csv" {
			t.Fatalf("skip: exit %d %+v\n%s", code, b, stderr)
		}
		if !strings.Contains(stderr, "rows/s") || !strings.Contains(stderr, "2 rows loaded") {
			t.Errorf("progress: %q", stderr)
		}
		// Upsert from stdin (NDJSON), as a provider's editor.
		code, b, stderr = ingest(`{"id_no":"`+id(1)+`","name":"张三丰","age":45}`+"\n", "--mode", "upsert", "--as", "gat-editor", "--format", "ndjson", "-")
		if code != 0 || b.Status != pubdata.BatchDone || b.RowsSuperseded != 1 || b.Actor != "gat-editor" {
			t.Fatalf("upsert from stdin: exit %d %+v\n%s", code, b, stderr)
		}
		var names []string
		if _, _, err := a.rows.QueryRows(ctx, e, &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "age"}}}, func(v []any) error {
			names = append(names, v[1].(string))
			return nil
		}); err != nil || strings.Join(names, ",") != "李四,张三丰" {
			t.Errorf("rows: %v %v", names, err)
		}

		// Refusals: no batch, exit 1 (or 2 for usage), one line.
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"--as", "gat-member", file}, 1, "may not load"},
			{[]string{"--as", "scj-editor", file}, 1, "may not load"},
			{[]string{"--as", "ghost", file}, 1, `no user "ghost"`},
			{[]string{"--mode", "merge", file}, 2, "merge"},
			{[]string{"--format", "pdf", file}, 2, "pdf"},
			{[]string{}, 2, "FILE"},
			{[]string{filepath.Join(dir, "nope.csv")}, 1, "nope.csv"},
		} {
			code, b, stderr := ingest("", tc.args...)
			if code != tc.code || b != nil {
				t.Errorf("%v: exit %d %+v, want %d and no batch", tc.args, code, b, tc.code)
			}
			assertOneLine(t, stderr, tc.want)
		}
		os.WriteFile(file, []byte("身份证号,颜色\n"+id(3)+",红\n"), 0o600)
		code, b, stderr = ingest("", file)
		if code != 1 || b != nil {
			t.Errorf("unknown column: exit %d %+v", code, b)
		}
		assertOneLine(t, stderr, "颜色")
		if code, _, stderr := runCLI(t, append([]string{"ingest", "--entry", "nope", file}, s.args()...)...); code != 1 {
			t.Errorf("unknown entry: exit %d", code)
		} else {
			assertOneLine(t, stderr, `no published entry "nope"`)
		}
	})
}
