package fingerprint

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// MaxRows bounds the rows ReadFile keeps.
const MaxRows = 2_000_000

// ErrFormat is the error of a file that is neither CSV, XLSX, JSON nor NDJSON.
var ErrFormat = errors.New("fingerprint: the file is not CSV, XLSX, JSON or NDJSON")

// ReadFile reads a leaked copy as a table, by its bytes: XLSX (a ZIP), JSON (an array of
// objects, the API's {"items": […]}, CKAN's dump {"fields", "records"}), NDJSON (one object
// a line) or CSV (UTF-8 with or without BOM, or GB18030).
func ReadFile(b []byte) (*Table, error) {
	switch t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\ufeff")), " \t\r\n"); {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return readXLSX(b)
	case len(t) > 0 && (t[0] == '[' || t[0] == '{'):
		if tab, err := readJSON(t); err == nil {
			return tab, nil
		}
		if tab, err := readNDJSON(t); err == nil {
			return tab, nil
		}
		return nil, ErrFormat
	}
	return readCSV(b)
}

func readCSV(b []byte) (*Table, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if !utf8.Valid(b) {
		u, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return nil, ErrFormat
		}
		b = u
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, ErrFormat
	}
	if len(recs)-1 > MaxRows {
		recs = recs[:MaxRows+1]
	}
	return &Table{Header: recs[0], Rows: recs[1:]}, nil
}

func readXLSX(b []byte) (*Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, ErrFormat
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrFormat
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil || len(rows) == 0 {
		return nil, ErrFormat
	}
	if len(rows)-1 > MaxRows {
		rows = rows[:MaxRows+1]
	}
	return &Table{Header: rows[0], Rows: rows[1:]}, nil
}

// cellText is a JSON value as a file's cell.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// objects turns objects into a table headed by the keys in their first appearance order.
func objects(objs []map[string]any, order []string) *Table {
	t := &Table{}
	seen := map[string]int{}
	for _, k := range order {
		if _, ok := seen[k]; !ok {
			seen[k] = len(t.Header)
			t.Header = append(t.Header, k)
		}
	}
	for _, o := range objs {
		for k := range o {
			if _, ok := seen[k]; !ok {
				seen[k] = len(t.Header)
				t.Header = append(t.Header, k)
			}
		}
	}
	for _, o := range objs {
		row := make([]string, len(t.Header))
		for k, v := range o {
			row[seen[k]] = cellText(v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

func readJSON(b []byte) (*Table, error) {
	var arr []map[string]any
	if err := decode(b, &arr); err == nil {
		return objects(arr, nil), nil
	}
	var doc struct {
		Items   []map[string]any      `json:"items"`
		Fields  []struct{ ID string } `json:"fields"`
		Records []json.RawMessage     `json:"records"`
		Result  *struct {
			Fields  []struct{ ID string } `json:"fields"`
			Records []map[string]any      `json:"records"`
		} `json:"result"`
	}
	if err := decode(b, &doc); err != nil {
		return nil, err
	}
	switch {
	case doc.Items != nil:
		return objects(doc.Items, nil), nil
	case doc.Fields != nil:
		t := &Table{}
		for _, f := range doc.Fields {
			t.Header = append(t.Header, f.ID)
		}
		for _, raw := range doc.Records {
			var rec []any
			if err := decode(raw, &rec); err != nil {
				var obj map[string]any
				if err := decode(raw, &obj); err != nil {
					return nil, err
				}
				row := make([]string, len(t.Header))
				for i, h := range t.Header {
					row[i] = cellText(obj[h])
				}
				t.Rows = append(t.Rows, row)
				continue
			}
			row := make([]string, len(rec))
			for i, v := range rec {
				row[i] = cellText(v)
			}
			t.Rows = append(t.Rows, row)
		}
		return t, nil
	case doc.Result != nil:
		var order []string
		for _, f := range doc.Result.Fields {
			order = append(order, f.ID)
		}
		return objects(doc.Result.Records, order), nil
	}
	return nil, ErrFormat
}

func readNDJSON(b []byte) (*Table, error) {
	var objs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var o map[string]any
		if err := decode([]byte(line), &o); err != nil {
			return nil, err
		}
		objs = append(objs, o)
		if len(objs) > MaxRows {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, ErrFormat
	}
	return objects(objs, nil), nil
}
