package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// TestIngestGB18030 is the acceptance test of issue 4 for files: a GB18030 CSV with a BOM,
// Chinese headers, blank lines and a few bad ID numbers loads; the bad rows are reported
// with their row numbers (values masked); the rest is queryable; the same on both databases.
func TestIngestGB18030(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: "fz-gaj", Name: "福州市公安局", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
			t.Fatal(err)
		}
		e, err := a.entries.CreateEntry(ctx, "fz-gaj", "", &pubdata.EntryFields{
			Title: "户籍人口信息", Summary: "户籍人口", Category: "1", Format: pubdata.FormatTable, UpdateCycle: "daily",
			ShareClass: pubdata.ClassConditional, ShareConditions: "履行法定职责", OpenClass: pubdata.ClassNone, OpenBasis: "涉及个人信息",
			Division: "350100",
			Items: []pubdata.Item{
				{Name: "id_no", Title: "公民身份号码", Type: "string", Key: true, Element: "resident_id", Personal: true, Grade: 3},
				{Name: "name", Title: "姓名", Type: "string", Personal: true, Grade: 2},
				{Name: "born", Title: "出生日期", Type: "date"},
				{Name: "address", Title: "住址", Type: "string"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		a.entries.SubmitEntry(ctx, e.ID)
		if _, err := a.entries.ReviewEntry(ctx, e.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		id := func(seq int) string { return ident.CompleteResidentID(fmt.Sprintf("35010219850315%03d", seq)) }
		text := "公民身份号码,姓名,出生日期,住址\r\n" +
			id(1) + ",张三,1985-03-15,福州市鼓楼区五四路1号\r\n" +
			"\r\n" + // a blank line: skipped, but counted in the row numbers
			id(2) + ",李四,1985/3/15,\"福州市台江区,八一七中路2号\"\r\n" +
			"350102198503150010,王五,1985-03-15,福州市仓山区\r\n" + // bad check digit: row 5
			"350102198502300011,赵六,1985-02-30,福州市晋安区\r\n" + // no 30 February: row 6
			"\r\n" +
			id(3) + ",钱七,1985-03-15,福州市马尾区\r\n"
		enc, err := simplifiedchinese.GB18030.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "户籍.csv")
		if err := os.WriteFile(file, append([]byte{0x84, 0x31, 0x95, 0x33}, enc...), 0o600); err != nil { // the GB18030 BOM
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, append([]string{"ingest", "--entry", e.ID, "--on-error", "skip", file}, s.args()...)...)
		var b pubdata.Batch
		if err := json.Unmarshal([]byte(stdout), &b); err != nil || code != 0 {
			t.Fatalf("exit %d: %v\n%s\n%s", code, err, stdout, stderr)
		}
		if b.Status != pubdata.BatchDone || b.RowsIn != 5 || b.RowsLoaded != 3 || b.RowsRejected != 2 || len(b.Errors) != 3 {
			t.Fatalf("batch %+v", b)
		}
		// Every problem of a row is reported: row 6 has a bad ID number and a bad date.
		for i, want := range []struct {
			row       int64
			col, code string
		}{{5, "id_no", pubdata.RuleElement}, {6, "id_no", pubdata.RuleElement}, {6, "born", pubdata.RuleType}} {
			re := b.Errors[i]
			if re.Row != want.row || re.Column != want.col || re.Code != want.code {
				t.Errorf("error %d: %+v, want %+v", i, re, want)
			}
		}
		if strings.Contains(stdout, "350102198503150010") || !strings.Contains(b.Errors[0].Value, "****") {
			t.Errorf("the personal value is not masked: %s", stdout)
		}
		var rows []string
		e, _ = a.entries.FindPublishedEntry(ctx, e.ID)
		if _, _, err := a.rows.QueryRows(ctx, e, &pubdata.RowQuery{Sort: []pubdata.SortKey{{Column: "id_no"}}}, func(v []any) error {
			rows = append(rows, strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{
			id(1) + " 张三 1985-03-15 福州市鼓楼区五四路1号",
			id(2) + " 李四 1985-03-15 福州市台江区,八一七中路2号",
			id(3) + " 钱七 1985-03-15 福州市马尾区",
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Fatalf("rows\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
	})
}
