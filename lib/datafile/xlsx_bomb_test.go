package datafile

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// TestXLSXZipBomb: a workbook whose sheet declares that it unpacks to 10 GB is refused at
// once, naming the limit, before anything is unpacked (issue 12 item 1).
func TestXLSXZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	add("[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	add("xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>`)
	// The sheet: a few bytes stored, 10 GB declared (as a bomb's directory declares).
	body := []byte("<worksheet/>")
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store,
		CRC32: crc32.ChecksumIEEE(body), CompressedSize64: uint64(len(body)), UncompressedSize64: 10 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Open(bytes.NewReader(buf.Bytes()), XLSX, []pubdata.Item{{Name: "a", Title: "A", Type: "string"}}, Options{TempDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "zip bomb") {
		t.Fatalf("a zip bomb opened: %v", err)
	}
	if pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("code %s, want invalid", pubdata.ErrorCode(err))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refused after %s", d)
	}
	if got := UnzipLimit(4 << 20); got != 400<<20 {
		t.Errorf("UnzipLimit(4 MB) = %d", got)
	}
}

// TestNotTextRefused: a cell holding a NUL (or, in JSON, bytes that are not UTF-8) is a row
// error on both databases alike, its value shown without the NUL.
func TestNotTextRefused(t *testing.T) {
	items := []pubdata.Item{{Name: "code", Title: "编号", Type: "string", Key: true}, {Name: "note", Title: "备注", Type: "string"}}
	for name, c := range map[string]struct {
		format Format
		body   string
	}{
		"csv":    {CSV, "编号,备注\nA1,好\nA2,坏\x00值\n"},
		"ndjson": {NDJSON, "{\"编号\":\"A1\",\"备注\":\"好\"}\n{\"编号\":\"A2\",\"备注\":\"坏\\u0000值\"}\n"},
	} {
		src, err := Open(strings.NewReader(c.body), c.format, items, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows := readAll(t, src)
		if len(rows) != 2 || len(rows[0].Errors) != 0 || len(rows[1].Errors) != 1 || rows[1].Errors[0].Msg == nil || rows[1].Errors[0].Msg.Key != "row.not_text" {
			t.Fatalf("%s: %+v", name, rows)
		}
		if strings.IndexByte(rows[1].Errors[0].Value, 0) >= 0 {
			t.Errorf("%s: the row error keeps the NUL: %q", name, rows[1].Errors[0].Value)
		}
	}
}

// TestRowNumbersAfterLineBreaks: a report names the row a spreadsheet shows, also after a
// cell holding a line break (issue 12 item 9).
func TestRowNumbersAfterLineBreaks(t *testing.T) {
	items := []pubdata.Item{{Name: "code", Title: "编号", Type: "string", Key: true}, {Name: "n", Title: "数量", Type: "integer"}}
	body := "编号,数量\nA1,1\n\"A2\n第二行\",2\nA3,bad\n"
	src, err := Open(strings.NewReader(body), CSV, items, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, src)
	if len(rows) != 3 || len(rows[2].Errors) != 1 || rows[2].Errors[0].Row != 4 {
		t.Fatalf("the bad value's row: %+v", rows[len(rows)-1])
	}
}
