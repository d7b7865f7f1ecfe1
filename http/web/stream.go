package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/datafile"
)

// RowEncoder writes a read's rows in one format for Stream: Begin what comes before the
// first row (after the headers), Row each row (n is the row's position in the whole
// selection, from 1), End what comes after the last (next is the cursor of the following
// page, "" at the end).
type RowEncoder interface {
	Begin(w io.Writer, columns []string) error
	Row(n int64, values []any) error
	End(next string) error
}

// Download names the file a stream is saved as ("" for none: the rows are a reply, not a
// download).
type Download struct {
	ContentType string
	Filename    string
}

// Stream writes the selection's rows with enc: the one streamer of rows for every format
// (JSON pages, NDJSON, CSV and XLSX downloads, CKAN's dumps). It writes nothing before the
// first row is read, so an error then is the handler's to render; an error after the
// first byte aborts the response (AbortStream), as a truncated body is all HTTP can say.
// Memory is constant: rows are encoded as they are read.
func (s *Server) Stream(w http.ResponseWriter, r *http.Request, sel *access.Selection, d Download, enc RowEncoder) error {
	started := false
	start := func() error {
		started = true
		w.Header().Set("Content-Type", d.ContentType)
		if d.Filename != "" {
			w.Header().Set("Content-Disposition", `attachment; filename="`+d.Filename+`"`)
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return enc.Begin(w, sel.Columns)
	}
	n := int64(sel.Query().Offset)
	withID := sel.Query().WithRowID
	next, err := sel.Each(r.Context(), func(values []any) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		n++
		if withID { // the row's own number (CKAN's _id) in place of its position
			id, _ := values[0].(int64)
			return enc.Row(id, values[1:])
		}
		return enc.Row(n, values)
	})
	if err != nil {
		if !started {
			return err
		}
		s.AbortStream(r, err)
		return nil
	}
	if !started {
		if err := start(); err != nil {
			s.AbortStream(r, err)
			return nil
		}
	}
	if err := enc.End(next); err != nil {
		s.AbortStream(r, err)
	}
	return nil
}

// FileRows encodes a download in a data file format (CSV, NDJSON, XLSX); with RowNumbers
// the first column is CKAN's _id: the row's number when the query asks WithRowID, else its
// position in the selection.
type FileRows struct {
	Format     datafile.Format
	BOM        bool
	RowNumbers bool
	// Titles, when set, head the columns (one per column of the selection) instead of
	// their names: the items' titles, as the download pages give them.
	// Neutralise prefixes ' to a text cell that a spreadsheet would run as a formula (one
	// starting with =, +, -, @, a tab or a carriage return): the pages' CSV downloads,
	// which are for spreadsheets; the API's formats stay exact.
	Neutralise bool
	Titles     []string
	fw         datafile.Writer
	row        []any
}

// FileDownload is the Download of entry e's rows in format f.
func FileDownload(e *pubdata.Entry, f datafile.Format) Download {
	return Download{ContentType: datafile.ContentType(f), Filename: CkanName(e) + datafile.Ext(f)}
}

func (f *FileRows) Begin(w io.Writer, columns []string) error {
	if f.RowNumbers {
		columns = append([]string{"_id"}, columns...)
	}
	titles := f.Titles
	if titles != nil && f.RowNumbers {
		titles = append([]string{"_id"}, titles...)
	}
	f.row = make([]any, len(columns))
	var err error
	f.fw, err = datafile.NewWriter(w, f.Format, columns, datafile.WriterOptions{BOM: f.BOM, Titles: titles})
	return err
}

func (f *FileRows) Row(n int64, values []any) error {
	if f.Neutralise {
		for i, v := range values {
			if s, ok := v.(string); ok && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				values[i] = "'" + s
			}
		}
	}
	if f.RowNumbers {
		f.row[0] = n
		copy(f.row[1:], values)
		values = f.row
	}
	return f.fw.Write(values)
}

func (f *FileRows) End(string) error { return f.fw.Close() }

// JSONArrayRows encodes a whole-table JSON download: [{key: value, …}, …], keyed by Keys
// (one per column; nil: the columns' names).
type JSONArrayRows struct {
	Keys []string
	rows JSONRows
}

func (j *JSONArrayRows) Begin(w io.Writer, columns []string) error {
	if j.Keys != nil {
		columns = j.Keys
	}
	j.rows.bare = true
	return j.rows.Begin(w, columns)
}

func (j *JSONArrayRows) Row(n int64, values []any) error { return j.rows.Row(n, values) }

func (j *JSONArrayRows) End(string) error {
	_, err := io.WriteString(j.rows.w, "]\n")
	return err
}

// JSONRows encodes a page of the API: {"items":[{column: value, …}],"next":"…"}.
type JSONRows struct {
	bare bool // a bare array (JSONArrayRows)
	w    io.Writer
	keys [][]byte
	buf  []byte
	n    int
}

func (j *JSONRows) Begin(w io.Writer, columns []string) error {
	j.w = w
	j.keys = make([][]byte, len(columns))
	for i, c := range columns {
		j.keys[i], _ = json.Marshal(c)
	}
	start := `{"items":[`
	if j.bare {
		start = "["
	}
	_, err := io.WriteString(w, start)
	return err
}

func (j *JSONRows) Row(_ int64, values []any) error {
	j.buf = j.buf[:0]
	if j.n > 0 {
		j.buf = append(j.buf, ',')
	}
	j.n++
	j.buf = append(j.buf, '{')
	for i, v := range values {
		if i > 0 {
			j.buf = append(j.buf, ',')
		}
		j.buf = append(j.buf, j.keys[i]...)
		j.buf = append(j.buf, ':')
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("null")
		}
		j.buf = append(j.buf, b...)
	}
	j.buf = append(j.buf, '}')
	_, err := j.w.Write(j.buf)
	return err
}

func (j *JSONRows) End(next string) error {
	nb, _ := json.Marshal(next)
	_, err := io.WriteString(j.w, `],"next":`+string(nb)+"}\n")
	return err
}

// CKANDumpRows encodes CKAN's JSON dump: {"fields":[…],"records":[[_id, …],…]}; Fields
// are the dump's field descriptions, _id first unless NoID (fields named without _id).
type CKANDumpRows struct {
	Fields []map[string]any
	NoID   bool
	w      io.Writer
	buf    []byte
	n      int
}

func (c *CKANDumpRows) Begin(w io.Writer, _ []string) error {
	c.w = w
	fb, err := json.Marshal(c.Fields)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, `{"fields":`+string(fb)+`,"records":[`)
	return err
}

func (c *CKANDumpRows) Row(n int64, values []any) error {
	c.buf = c.buf[:0]
	if c.n > 0 {
		c.buf = append(c.buf, ',')
	}
	c.n++
	row := values
	if !c.NoID {
		row = append([]any{n}, values...)
	}
	b, err := json.Marshal(row)
	if err != nil {
		return err
	}
	_, err = c.w.Write(append(c.buf, b...))
	return err
}

func (c *CKANDumpRows) End(string) error {
	_, err := io.WriteString(c.w, "]}\n")
	return err
}
