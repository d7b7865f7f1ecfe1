package datafile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pubdata/pubdata"
)

// xlsxReader reads the first sheet of a workbook spooled to a file.
type xlsxReader struct {
	f     *excelize.File
	rows  *excelize.Rows
	check *checker
	cols  []int
	n     int64 // the current row's number
	sheet string
	last  int64 // the sheet's last row by its dimension; 0 if unknown
}

// progress estimates the bytes consumed as the share of the sheet's rows read.
func (x *xlsxReader) progress(size int64) int64 {
	if x.last <= 0 {
		return size
	}
	return min(size, size*x.n/x.last)
}

// An XLSX workbook is a zip: what it unpacks to is bounded by a ratio to its size and an
// absolute cap, checked against the sizes its directory declares before anything is
// unpacked (archive/zip refuses an entry that unpacks to more than it declares). A 4 MB
// zip bomb fails at once instead of filling the disk.
const (
	XLSXMaxRatio    = 100      // unpacked size at most this many times the file's
	xlsxMinUnpacked = 64 << 20 // small workbooks may unpack to this much whatever their ratio
	xlsxMaxUnpacked = 2 << 30  // and no workbook to more than this
)

// UnzipLimit is how much an XLSX workbook of size bytes may unpack to.
func UnzipLimit(size int64) int64 {
	return min(max(size*XLSXMaxRatio, xlsxMinUnpacked), xlsxMaxUnpacked)
}

// openXLSX spools r to a temporary file (a workbook is a zip, read from its end) and opens
// its first sheet with excelize's row iterator, which keeps large sheets on disk.
func openXLSX(r io.Reader, items []pubdata.Item, opt Options) (_ *xlsxReader, closer func() error, err error) {
	f, closeBook, err := spoolWorkbook(r, opt)
	if err != nil {
		return nil, nil, err
	}
	var x *xlsxReader
	closer = func() error {
		var errs []error
		if x != nil && x.rows != nil {
			errs = append(errs, x.rows.Close())
		}
		errs = append(errs, closeBook())
		return errors.Join(errs...)
	}
	fail := func(err error) (*xlsxReader, func() error, error) {
		closer()
		return nil, nil, err
	}
	x = &xlsxReader{f: f, check: opt.checker(items)}
	x.check.serialDates = true
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return fail(pubdata.Errorf(pubdata.EINVALID, "The workbook has no sheet.").Keyed("error.file.xlsx.no_sheet"))
	}
	x.sheet = sheets[0]
	if dim, err := f.GetSheetDimension(x.sheet); err == nil {
		if _, end, ok := strings.Cut(dim, ":"); ok {
			if _, row, err := excelize.CellNameToCoordinates(end); err == nil {
				x.last = int64(row)
			}
		}
	}
	if x.rows, err = f.Rows(x.sheet); err != nil {
		return fail(pubdata.Errorf(pubdata.EINVALID, "Sheet %q cannot be read: %v.", x.sheet, err).Keyed("error.file.xlsx.sheet", "Sheet", x.sheet, "Problem", err))
	}
	for {
		cells, err := x.row()
		if err == io.EOF {
			return fail(pubdata.Errorf(pubdata.EINVALID, "Sheet %q has no header row (it is empty).", x.sheet).Keyed("error.file.xlsx.no_header", "Sheet", x.sheet))
		} else if err != nil {
			return fail(err)
		}
		if blank(cells) {
			continue
		}
		where := pubdata.NewMessage("error.file.where.sheet", "Sheet", x.sheet, "Row", x.n)
		if x.cols, err = newMatcher(items).header(cells, fmt.Sprintf("(sheet %q, row %d)", x.sheet, x.n), where); err != nil {
			return fail(err)
		}
		x.check.useHeader(cells, x.cols)
		return x, closer, nil
	}
}

// spoolWorkbook spools r to a temporary file and opens it as a workbook, refusing one that
// would unpack to more than UnzipLimit; closer closes the workbook and removes the file.
func spoolWorkbook(r io.Reader, opt Options) (_ *excelize.File, closer func() error, err error) {
	tmp, err := os.CreateTemp(tempDir(opt), "pubdata-upload-*.xlsx")
	if err != nil {
		return nil, nil, err
	}
	name := tmp.Name()
	var f *excelize.File
	closer = func() error {
		var errs []error
		if f != nil {
			errs = append(errs, f.Close())
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
	fail := func(err error) (*excelize.File, func() error, error) {
		closer()
		return nil, nil, err
	}
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	if n == 0 {
		return fail(pubdata.Errorf(pubdata.EINVALID, "The file is empty.").Keyed("error.file.empty"))
	}
	limit := UnzipLimit(n)
	f, err = excelize.OpenFile(name, excelize.Options{TmpDir: opt.TempDir, ShortDatePattern: "yyyy-mm-dd",
		LongTimePattern: "hh:mm:ss", UnzipSizeLimit: limit})
	if err != nil {
		f = nil
		if strings.Contains(err.Error(), "unzip size exceeds") || errors.Is(err, zip.ErrFormat) {
			return fail(pubdata.Errorf(pubdata.EINVALID, "The workbook unpacks to more than %d MB, more than %d times its size: it is refused as a possible zip bomb.", limit>>20, XLSXMaxRatio).
				Keyed("error.file.xlsx.too_large_unpacked", "Limit", limit>>20, "Ratio", XLSXMaxRatio))
		}
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || errors.Is(err, excelize.ErrWorkbookPassword) {
			return fail(pubdata.Errorf(pubdata.EINVALID, "The XLSX workbook cannot be read (is it password-protected?).").Keyed("error.file.xlsx.unreadable"))
		}
		return fail(pubdata.Errorf(pubdata.EINVALID, "The file is not an XLSX workbook (%v).", err).Keyed("error.file.xlsx.not_xlsx", "Problem", err))
	}
	return f, closer, nil
}

// row returns the cells of the next row.
func (x *xlsxReader) row() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, pubdata.Errorf(pubdata.EINVALID, "Sheet %q cannot be read after row %d: %v.", x.sheet, x.n, err).
				Keyed("error.file.xlsx.after_row", "Sheet", x.sheet, "Row", x.n, "Problem", err)
		}
		return nil, io.EOF
	}
	x.n++
	cells, err := x.rows.Columns()
	if err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Sheet %q cannot be read at row %d: %v.", x.sheet, x.n, err).
			Keyed("error.file.xlsx.at_row", "Sheet", x.sheet, "Row", x.n, "Problem", err)

	}
	return cells, nil
}

func (x *xlsxReader) next() (*pubdata.SourceRow, error) {
	for {
		cells, err := x.row()
		if err != nil {
			return nil, err
		}
		if blank(cells) {
			continue
		}
		values := make([]any, len(x.check.cols))
		var errs []pubdata.RowError
		for j, c := range cells {
			if j >= len(x.cols) {
				if trimSpace(c) != "" {
					errs = append(errs, rowError(x.n, "", pubdata.RuleMalformed,
						pubdata.NewMessage("row.xlsx.outside", "Cell", j+1, "Count", len(x.cols)), ""))
				}
				continue
			}
			if k := x.cols[j]; k >= 0 {
				values[k], errs = x.check.cell(k, c, x.n, errs)
			}
		}
		return x.check.finish(x.n, values, errs), nil
	}
}

// serialDate reads a number in a date or datetime column as an Excel serial date (days since
// 1899-12-30; a datetime's wall time is China time, as pubdata.ParseItemValue reads it).
func serialDate(typ, s string) (any, error) {
	bad := pubdata.Errorf(pubdata.EINVALID, "is not a date.")
	if typ != "date" && typ != "datetime" {
		return nil, bad
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f >= 2958466 { // 9999-12-31
		return nil, bad
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return nil, bad
	}
	if typ == "date" {
		return t.Format(pubdata.DateFormat), nil
	}
	t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, pubdata.ChinaTime)
	return t.UTC().Format(pubdata.DateTimeFormat), nil
}
