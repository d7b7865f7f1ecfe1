package datafile

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/pubdata/pubdata"
)

// WriterOptions tune NewWriter.
type WriterOptions struct {
	BOM bool // CSV: start with a UTF-8 byte-order mark, so that Excel reads the text as UTF-8
	// Titles, when set (one per column), head the columns of a CSV or XLSX instead of the
	// column names (JSON keys are always the names).
	Titles []string
}

// Writer writes rows of values, in the order of its columns. Close finishes the file; it
// does not close the underlying io.Writer.
type Writer interface {
	Write(values []any) error
	Close() error
}

// NewWriter writes rows of the columns in the format, streaming: CSV (UTF-8, RFC 4180, CRLF),
// XLSX (one sheet, through excelize's stream writer, which keeps large sheets on disk),
// JSON (one array of objects, written as it goes) or NDJSON (one object a line). Values
// are the store's: nil, string, int64, float64, bool.
func NewWriter(w io.Writer, format Format, columns []string, opt WriterOptions) (Writer, error) {
	if opt.Titles != nil && len(opt.Titles) != len(columns) {
		return nil, pubdata.Errorf(pubdata.EINVALID, "%d titles for %d columns.", len(opt.Titles), len(columns)).
			Keyed("error.file.write.titles", "Titles", len(opt.Titles), "Columns", len(columns))
	}
	header := columns
	if opt.Titles != nil {
		header = opt.Titles
	}
	switch format {
	case CSV:
		bw := bufio.NewWriterSize(w, 64<<10)
		if opt.BOM {
			bw.Write(utf8BOM)
		}
		cw := csv.NewWriter(bw)
		cw.UseCRLF = true
		c := &csvWriter{bw: bw, cw: cw, n: len(columns), rec: make([]string, len(columns))}
		if err := cw.Write(header); err != nil {
			return nil, err
		}
		return c, nil
	case XLSX:
		return newXLSXWriter(w, header)
	case JSON, NDJSON:
		j := &jsonWriter{bw: bufio.NewWriterSize(w, 64<<10), nd: format == NDJSON, keys: make([][]byte, len(columns))}
		for i, c := range columns {
			j.keys[i] = appendJSONString(nil, c)
		}
		if !j.nd {
			j.bw.WriteByte('[')
		}
		return j, nil
	}
	return nil, pubdata.Errorf(pubdata.EINVALID, "Format %q is not one of csv, xlsx, json, ndjson.", format).Keyed("error.file.format", "Format", format)
}

func checkWidth(values []any, n int) error {
	if len(values) != n {
		return fmt.Errorf("datafile: %d values for %d columns", len(values), n)
	}
	return nil
}

type csvWriter struct {
	bw  *bufio.Writer
	cw  *csv.Writer
	n   int
	rec []string
}

func (c *csvWriter) Write(values []any) error {
	if err := checkWidth(values, c.n); err != nil {
		return err
	}
	for i, v := range values {
		c.rec[i] = pubdata.FormatItemValue(v)
	}
	return c.cw.Write(c.rec)
}

func (c *csvWriter) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

type jsonWriter struct {
	bw   *bufio.Writer
	nd   bool
	keys [][]byte // the quoted column names
	rows int64
	buf  []byte
}

func (j *jsonWriter) Write(values []any) error {
	if err := checkWidth(values, len(j.keys)); err != nil {
		return err
	}
	b := j.buf[:0]
	if !j.nd && j.rows > 0 {
		b = append(b, ',')
	}
	if !j.nd {
		b = append(b, '\n')
	}
	b = append(b, '{')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, j.keys[i]...)
		b = append(b, ':')
		b = appendJSONValue(b, v)
	}
	b = append(b, '}')
	if j.nd {
		b = append(b, '\n')
	}
	j.rows++
	j.buf = b
	_, err := j.bw.Write(b)
	return err
}

func (j *jsonWriter) Close() error {
	if !j.nd {
		if j.rows > 0 {
			j.bw.WriteByte('\n')
		}
		j.bw.WriteString("]\n")
	}
	return j.bw.Flush()
}

func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
			return strconv.AppendFloat(b, x, 'e', -1, 64)
		}
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	}
	return appendJSONString(b, fmt.Sprint(v))
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string (invalid UTF-8 becomes U+FFFD; U+2028 and
// U+2029 are escaped for JavaScript).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			switch r {
			case utf8.RuneError:
				b = append(b, `\ufffd`...)
			case '\u2028':
				b = append(b, `\u2028`...)
			default:
				b = append(b, `\u2029`...)
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// maxExactFloat is the largest integer a spreadsheet (a float64) holds exactly.
const maxExactFloat = 1 << 53

// MaxXLSXRows is how many rows an XLSX sheet holds, the header included.
const MaxXLSXRows = 1048576

type xlsxWriter struct {
	w   io.Writer
	f   *excelize.File
	sw  *excelize.StreamWriter
	n   int // columns
	row int // rows written, the header included
	buf []any
}

func newXLSXWriter(w io.Writer, header []string) (*xlsxWriter, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		f.Close()
		return nil, err
	}
	x := &xlsxWriter{w: w, f: f, sw: sw, n: len(header), buf: make([]any, len(header))}
	for i, h := range header {
		x.buf[i] = h
	}
	if err := x.put(); err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) put() error {
	if x.row >= MaxXLSXRows {
		return pubdata.Errorf(pubdata.ETOOLARGE, "An XLSX sheet holds at most %d rows; download CSV for more.", MaxXLSXRows-1).Keyed("error.file.xlsx.too_many_rows", "Max", MaxXLSXRows-1)

	}
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.buf)
}

func (x *xlsxWriter) Write(values []any) error {
	if err := checkWidth(values, x.n); err != nil {
		return err
	}
	for i, v := range values {
		switch t := v.(type) {
		case int64:
			if t > maxExactFloat || t < -maxExactFloat {
				v = strconv.FormatInt(t, 10) // as text, not rounded
			}
		case float64:
			if math.IsNaN(t) || math.IsInf(t, 0) {
				v = nil
			}
		case nil, string, bool:
		default:
			v = fmt.Sprint(v)
		}
		x.buf[i] = v
	}
	return x.put()
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.w)
	return err
}
