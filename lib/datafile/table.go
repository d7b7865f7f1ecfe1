package datafile

import (
	"errors"
	"io"
	"strings"

	"github.com/pubdata/pubdata"
)

// ErrTooManyRows is ReadTable's error for a table with more rows than it was allowed.
var ErrTooManyRows = errors.New("datafile: more rows than allowed")

// ReadTable reads a CSV (UTF-8, UTF-16 or GB18030; comma, tab or semicolon) or XLSX (its
// first sheet) file as text whatever its columns: the header (the first row that is not
// blank) and the rows after it, blank rows skipped and each row padded or cut to the
// header's width. It is for measuring a table that is not an entry's (a data product's
// content, measured by the trade gate). More than maxRows rows: ErrTooManyRows. A file
// that cannot be read as a table: an EINVALID *pubdata.Error naming why.
func ReadTable(r io.Reader, format Format, maxRows int, opt Options) (header []string, rows [][]string, err error) {
	var next func() ([]string, error)
	switch format {
	case CSV:
		if next, err = csvRecords(r); err != nil {
			return nil, nil, err
		}
	case XLSX:
		f, closer, err := spoolWorkbook(r, opt)
		if err != nil {
			return nil, nil, err
		}
		defer closer()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, nil, pubdata.Errorf(pubdata.EINVALID, "The workbook has no sheet.").Keyed("error.file.xlsx.no_sheet")
		}
		x := &xlsxReader{f: f, sheet: sheets[0]}
		if x.rows, err = f.Rows(x.sheet); err != nil {
			return nil, nil, pubdata.Errorf(pubdata.EINVALID, "Sheet %q cannot be read: %v.", x.sheet, err).Keyed("error.file.xlsx.sheet", "Sheet", x.sheet, "Problem", err)
		}
		defer x.rows.Close()
		next = x.row
	default:
		return nil, nil, pubdata.Errorf(pubdata.EINVALID, "Format %q is not one of csv, xlsx.", format).Keyed("error.file.format", "Format", format)
	}
	for {
		rec, err := next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, err
		}
		if blank(rec) {
			continue
		}
		if header == nil {
			header = make([]string, len(rec))
			for i, c := range rec {
				header[i] = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
			}
			continue
		}
		if len(rows) >= maxRows {
			return header, rows, ErrTooManyRows
		}
		row := make([]string, len(header))
		copy(row, rec)
		rows = append(rows, row)
	}
	if header == nil {
		return nil, nil, pubdata.Errorf(pubdata.EINVALID, "The file has no header row (it holds only blank lines).").Keyed("error.file.csv.no_header")
	}
	return header, rows, nil
}

// csvRecords returns the reader of a CSV file's records, its encoding and separator
// detected as openCSV detects them.
func csvRecords(r io.Reader) (func() ([]string, error), error) {
	c, _, err := newCSV(r)
	if err != nil {
		return nil, err
	}
	return c.read, nil
}
