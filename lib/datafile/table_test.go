package datafile

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/pubdata/pubdata"
)

// TestReadTable reads tables whatever their columns: CSV in UTF-8 with a BOM, GB18030 with
// semicolons, and XLSX's first sheet; blank rows skipped, short rows padded; the row limit.
func TestReadTable(t *testing.T) {
	want := [][]string{{"350102", "30-39", "高"}, {"350203", "40-49", ""}}
	check := func(name string, header []string, rows [][]string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(header, []string{"district", "age_band", "income"}) || len(rows) != 2 || !slices.Equal(rows[0], want[0]) || !slices.Equal(rows[1], want[1]) {
			t.Fatalf("%s: %q %q", name, header, rows)
		}
	}
	h, rows, err := ReadTable(strings.NewReader("\ufeffdistrict,age_band,income\n350102,30-39,高\n\n350203,40-49\n"), CSV, 10, Options{})
	check("UTF-8", h, rows, err)
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("district;age_band;income\n350102;30-39;高\n350203;40-49;\n")
	h, rows, err = ReadTable(strings.NewReader(gb), CSV, 10, Options{})
	check("GB18030", h, rows, err)
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A2", &[]any{"district", "age_band", "income"})
	f.SetSheetRow("Sheet1", "A3", &[]any{"350102", "30-39", "高"})
	f.SetSheetRow("Sheet1", "A4", &[]any{"350203", "40-49"})
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	h, rows, err = ReadTable(bytes.NewReader(buf.Bytes()), XLSX, 10, Options{TempDir: t.TempDir()})
	check("XLSX", h, rows, err)
	if _, _, err := ReadTable(strings.NewReader("a\n1\n2\n3\n"), CSV, 2, Options{}); !errors.Is(err, ErrTooManyRows) {
		t.Errorf("more rows than allowed: %v", err)
	}
	if _, _, err := ReadTable(strings.NewReader("\n\n"), CSV, 2, Options{}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("an empty file: %v", err)
	}
	if _, _, err := ReadTable(strings.NewReader("not a workbook"), XLSX, 2, Options{TempDir: t.TempDir()}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("not a workbook: %v", err)
	}
}
