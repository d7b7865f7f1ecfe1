package entryfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/pubdata/pubdata"
)

// Row is one catalogue entry read from the file: the fields of its first row and the data
// items of all its rows.
type Row struct {
	Line      int                 // the line (spreadsheet row number, from 1) of the entry's first row
	Code      string              // the resource code as written; "" lets the store generate one
	Fields    pubdata.EntryFields // normalised by pubdata.ValidateEntryFields
	ItemLines []int               // the line of each of Fields.Items

	columns map[string]string // column key → header as the file writes it
}

// Errors places the field problems of err, an error about this entry's fields (as
// pubdata.ValidateEntryFields or a store returns), at the lines and columns they concern:
// "items[2].type" at the third item's line under 数据类型. A problem that names no field is
// placed at the entry's first line.
func (r *Row) Errors(err error) []Error {
	var out []Error
	for _, p := range problems(err) {
		n, key := r.place(p.Field)
		out = append(out, Error{Line: n, Column: columnName(r.columns, key), Message: p.Message, Msg: pubdata.MessageOf(p)})
	}
	return out
}

// place returns the line and column key of a field as the domain names it.
func (r *Row) place(field string) (int, string) {
	n, key := r.Line, field
	switch m := itemField.FindStringSubmatch(field); {
	case m != nil:
		if i, _ := strconv.Atoi(m[1]); i < len(r.ItemLines) {
			n = r.ItemLines[i]
		}
		key = "item_" + m[2]
	case field == "items":
		key = colItemName
	case field == "code":
		key = colCode
	}
	if _, known := byHeader[key]; !known {
		key = ""
	}
	return n, key
}

// columnName is the header of a column as the file writes it, or the template's; "" for no
// column.
func columnName(names map[string]string, key string) string {
	if key == "" {
		return ""
	}
	if n := names[key]; n != "" {
		return n
	}
	return headerOf(key)
}

// Error is one problem of the file. Line is the spreadsheet row number (the header is
// usually 1); 0 means the file as a whole. Column is the header as written in the file (or
// the template's Chinese header when the file lacks the column), "" for a whole row.
type Error struct {
	Line    int    `json:"line"`
	Column  string `json:"column"`
	Message string `json:"message"` // in English; readers get Msg in their language
	// Msg names Message in the message files (package locale) with its arguments: the http
	// layer renders it in the reader's language.
	Msg *pubdata.Message `json:"-"`
}

// keyed returns e with its message named: key with args, pairs of a placeholder name and
// its value (as pubdata.NewMessage).
func (e Error) keyed(key string, args ...any) Error {
	e.Msg = pubdata.NewMessage(key, args...)
	return e
}

// fileError is a problem of the file as a whole (line 0) or at line n, named by key.
func fileError(n int, msg, key string, args ...any) *Error {
	e := Error{Line: n, Message: msg}.keyed(key, args...)
	return &e
}

// csvProblem is the message of a CSV parse error: the quoting mistakes by key (their
// English is the csv package's), any other as its text.
func csvProblem(err error) *pubdata.Message {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return pubdata.NewMessage("error.file.csv.bare_quote")
	case errors.Is(err, csv.ErrQuote):
		return pubdata.NewMessage("error.file.csv.quote")
	}
	return pubdata.NewMessage("error.sentence", "Text", err.Error())
}

func (e Error) Error() string {
	switch {
	case e.Line == 0:
		return e.Message
	case e.Column == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Message)
}

// Options tune Decode.
type Options struct {
	// Elements is the data-element registry. When given, an item's 数据元 may name an element
	// by its code or its name (公民身份号码), and an unknown element is an error.
	Elements []*pubdata.DataElement
	// DefaultDivision is the division of entries whose 行政区划代码 is empty (the importing
	// organisation's); "" leaves it empty, which is an error.
	DefaultDivision string
	// MaxRows bounds the rows read; 0 means DefaultMaxRows.
	MaxRows int
}

// Limits of a file.
const (
	DefaultMaxRows = 100000
	MaxErrors      = 1000 // problems reported; more are summed up in one last message
	headerSearch   = 10   // rows searched for the header
	maxXLSXUnzip   = 256 << 20
	maxXLSXXML     = 64 << 20
)

// Decode reads a catalogue template, CSV (UTF-8 with or without a byte-order mark, UTF-16
// with one, or GB18030/GBK; comma, tab or semicolon separated) or XLSX (the first sheet
// that has a header row), telling them apart by content. It returns every entry and every
// problem, each at its line and column; each entry is checked with
// pubdata.ValidateEntryFields, its field errors reported at the cells they concern. An
// entry is ready to store only when the problems are empty. The error is for a failure to
// read r (such as an http.MaxBytesError) only.
func Decode(r io.Reader, opt Options) ([]Row, []Error, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = DefaultMaxRows
	}
	var lines []line
	var ferr *Error
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))) == 0:
		ferr = fileError(0, "The file is empty.", "error.file.empty")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		lines, ferr = readXLSX(data, opt.MaxRows)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		ferr = fileError(0, "Old Excel files (.xls) cannot be read; save the sheet as .xlsx or as CSV.", "error.import.xls")
	default:
		lines, ferr = readCSV(data, opt.MaxRows)
	}
	if ferr != nil {
		return nil, []Error{*ferr}, nil
	}
	rows, errs := parse(lines, opt)
	return rows, errs, nil
}

// line is one non-empty row of the sheet.
type line struct {
	n     int // spreadsheet row number
	cells []string
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readCSV decodes the text and splits it into records. Line numbers count records, as a
// spreadsheet numbers rows (a quoted cell may span several physical lines).
func readCSV(data []byte, maxRows int) ([]line, *Error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, fileError(0, "The file is neither UTF-8 nor GB18030 text.", "error.import.encoding")
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffDelimiter(text)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []line
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fileError(n, fmt.Sprintf("The CSV cannot be read here: %v.", pe.Err), "error.import.csv", "Problem", csvProblem(pe.Err))
			}
			return nil, fileError(n, "The CSV cannot be read here.", "error.import.csv_here")
		}
		if n > maxRows {
			return nil, fileError(0, fmt.Sprintf("The file has more than %d rows; split it.", maxRows), "error.import.too_many_rows", "Max", maxRows)
		}
		if !blank(rec) {
			out = append(out, line{n, rec})
		}
	}
	return out, nil
}

// decodeText returns the file as UTF-8: a UTF-8 or UTF-16 byte-order mark decides; text
// that is valid UTF-8 is UTF-8; anything else is read as GB18030 (a superset of GBK and
// GB2312, what Excel on a Chinese Windows saves as "CSV").
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		return string(data[3:]), nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		b, _, err := transform.Bytes(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder(), data)
		return string(b), err
	case utf8.Valid(data):
		return string(data), nil
	}
	b, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errors.New("not GB18030")
	}
	return string(b), nil
}

// sniffDelimiter picks the separator that the first line uses most: comma (the default),
// tab (Excel's "Unicode text") or semicolon.
func sniffDelimiter(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	best, n := ',', strings.Count(first, ",")
	for _, c := range []rune{'\t', ';'} {
		if k := strings.Count(first, string(c)); k > n {
			best, n = c, k
		}
	}
	return best
}

// readXLSX reads the first sheet that has a header row.
func readXLSX(data []byte, maxRows int) ([]line, *Error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxXLSXUnzip, UnzipXMLSizeLimit: maxXLSXXML})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "zip") {
			return nil, fileError(0, "The file is not an XLSX workbook.", "error.import.not_xlsx")
		}
		return nil, fileError(0, "The XLSX workbook cannot be read (is it password-protected?).", "error.file.xlsx.unreadable")
	}
	defer f.Close()
	var first []line
	for i, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return nil, fileError(0, fmt.Sprintf("Sheet %q cannot be read.", sheet), "error.import.sheet", "Sheet", sheet)
		}
		var out []line
		for n := 1; rows.Next(); n++ {
			if n > maxRows {
				rows.Close()
				return nil, fileError(0, fmt.Sprintf("Sheet %q has more than %d rows; split it.", sheet, maxRows), "error.import.sheet_too_many_rows", "Sheet", sheet, "Max", maxRows)
			}
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				rows.Close()
				return nil, fileError(n, fmt.Sprintf("Sheet %q cannot be read at this row.", sheet), "error.import.sheet_row", "Sheet", sheet)
			}
			if !blank(cells) {
				out = append(out, line{n, cells})
			}
			// A sheet without a header near its top is not the template: skip it.
			if len(out) == headerSearch && findHeader(out) < 0 {
				break
			}
		}
		rows.Close()
		if findHeader(out) >= 0 {
			return out, nil
		}
		if i == 0 {
			first = out
		}
	}
	return first, nil // parse reports the missing header
}

func blank(cells []string) bool {
	for _, c := range cells {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

// clean trims a cell, including full-width and no-break spaces, and drops the apostrophe
// that the writer puts before a value a spreadsheet would take for a formula.
func clean(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u3000' || r == '\u00a0' || r == '\ufeff'
	})
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStart, rune(s[1])) {
		s = s[1:]
	}
	return s
}

// formulaStart are the first characters that make a spreadsheet treat a cell as a formula.
const formulaStart = "=+-@"

// findHeader returns the index of the header row among the first lines: the first that
// names 信息资源名称 (or title) and at least two more columns of the template; -1 if none.
func findHeader(lines []line) int {
	for i, l := range lines {
		if i >= headerSearch {
			break
		}
		known, title := 0, false
		for _, c := range l.cells {
			if k, ok := byHeader[normalizeHeader(c)]; ok {
				known++
				title = title || k == colTitle
			}
		}
		if title && known >= 3 {
			return i
		}
	}
	return -1
}

// reader turns the lines into entries.
type reader struct {
	opt      Options
	idx      map[string]int    // column key → cell index
	name     map[string]string // column key → header as written
	elements map[string]string // element code or folded name → code
	errs     []Error
	rows     []Row
	codes    map[string]int // resource code → line of its entry
}

// entry is the entry being read.
type entry struct {
	row   Row
	first map[string]string // the entry's cells on its first row
	bad   map[string]bool   // fields (as the domain names them) whose cell could not be read
}

func parse(lines []line, opt Options) ([]Row, []Error) {
	h := findHeader(lines)
	if h < 0 {
		return nil, []Error{*fileError(0, "No header row found: one of the first rows must name the template's columns (信息资源名称, 信息资源代码, 共享类型 …, or title, code, share_class …).", "error.import.no_header")}
	}
	rd := &reader{opt: opt, idx: map[string]int{}, name: map[string]string{}, codes: map[string]int{}}
	if len(opt.Elements) > 0 {
		rd.elements = map[string]string{}
		for _, el := range opt.Elements {
			for _, k := range []string{el.Code, el.Name, el.NameEn} {
				if k != "" {
					rd.elements[foldValue(k)] = el.Code
				}
			}
		}
	}
	header := lines[h]
	for j, c := range header.cells {
		nh := normalizeHeader(c)
		if nh == "" {
			continue
		}
		key, ok := byHeader[nh]
		switch {
		case !ok && ignoredHeaders[nh]:
		case !ok:
			rd.errs = append(rd.errs, Error{Line: header.n, Column: clean(c), Message: fmt.Sprintf("Unknown column %q: the template's columns are %s.", clean(c), allHeaders())}.
				keyed("error.import.column_unknown", "Column", clean(c), "Columns", allHeaders()))
		case rd.name[key] != "":
			rd.errs = append(rd.errs, Error{Line: header.n, Column: clean(c), Message: fmt.Sprintf("Column %s appears twice (also as %q).", headerOf(key), rd.name[key])}.
				keyed("error.import.column_twice", "Column", headerOf(key), "Other", rd.name[key]))
		default:
			rd.idx[key], rd.name[key] = j, clean(c)
		}
	}
	var cur *entry
	for _, l := range lines[h+1:] {
		cell := func(key string) string {
			j, ok := rd.idx[key]
			if !ok || j >= len(l.cells) {
				return ""
			}
			return clean(l.cells[j])
		}
		title, code := cell(colTitle), cell(colCode)
		switch {
		case cur != nil && (title == "" || title == cur.first[colTitle]) && (code == "" || code == cur.first[colCode]):
			// A further row of the current entry: its entry cells are empty or repeat the
			// first row's.
			for _, c := range Columns {
				if v := cell(c.Key); !c.Item && v != "" && v != cur.first[c.Key] {
					rd.add(l.n, c.Key, fmt.Sprintf("This differs from the entry's first row (line %d): leave it empty on the entry's further rows, or fill %s to start a new entry.", cur.row.Line, rd.column(colTitle)),
						pubdata.NewMessage("error.import.differs", "Line", cur.row.Line, "Title", rd.column(colTitle)))
				}
			}
		case cur == nil && title == "" && code == "":
			rd.add(l.n, colTitle, "The first entry has no name: fill 信息资源名称 on the entry's first row.", pubdata.NewMessage("error.import.first_no_title"))
			continue
		default:
			rd.finish(cur)
			cur = rd.start(l.n, cell)
		}
		hasItem := false
		for _, c := range Columns {
			if c.Item && cell(c.Key) != "" {
				hasItem = true
				break
			}
		}
		if hasItem {
			rd.item(cur, l.n, cell)
		}
	}
	rd.finish(cur)
	sort.SliceStable(rd.errs, func(i, j int) bool { return rd.errs[i].Line < rd.errs[j].Line })
	if len(rd.errs) > MaxErrors {
		more := len(rd.errs) - MaxErrors
		rd.errs = append(rd.errs[:MaxErrors], *fileError(0, fmt.Sprintf("… and %d more problems.", more), "error.import.more", "Count", more))
	}
	return rd.rows, rd.errs
}

func allHeaders() string {
	hs := make([]string, len(Columns))
	for i, c := range Columns {
		hs[i] = c.Header
	}
	return strings.Join(hs, ", ")
}

// column is the header of a column as the file writes it, or the template's.
func (rd *reader) column(key string) string { return columnName(rd.name, key) }

// add records a problem on line n in the column key: its English msg and its message m.
func (rd *reader) add(n int, key, msg string, m *pubdata.Message) {
	rd.errs = append(rd.errs, Error{Line: n, Column: rd.column(key), Message: msg, Msg: m})
}

// start reads the entry fields of an entry's first row.
func (rd *reader) start(n int, cell func(string) string) *entry {
	e := &entry{row: Row{Line: n, ItemLines: []int{}, columns: rd.name}, first: map[string]string{}, bad: map[string]bool{}}
	for _, c := range Columns {
		if !c.Item {
			e.first[c.Key] = cell(c.Key)
		}
	}
	f := &e.row.Fields
	e.row.Code = cell(colCode)
	f.Title = cell(colTitle)
	f.Summary = cell(colSummary)
	f.ShareConditions = cell(colShareConditions)
	f.ShareBasis = cell(colShareBasis)
	f.OpenConditions = cell(colOpenConditions)
	f.OpenBasis = cell(colOpenBasis)
	f.Division = cell(colDivision)
	if f.Division == "" {
		f.Division = rd.opt.DefaultDivision
	}
	f.Keywords = splitList(cell(colKeywords))
	f.Related = splitList(cell(colRelated))
	f.License = cell(colLicense)
	f.TemporalStart, f.TemporalEnd = cell(colTemporalStart), cell(colTemporalEnd)
	f.ContactName, f.ContactEmail, f.ContactPhone = cell(colContactName), cell(colContactEmail), cell(colContactPhone)
	f.DataCategory = cell(colDataCategory)
	f.Items = []pubdata.Item{}
	f.Category = cell(colCategory)
	if v, ok := lookupTerm(categoryTerms, f.Category); ok {
		f.Category = v
	}
	enum := func(key string, t []term, dst *string) {
		v := cell(key)
		if v == "" {
			return
		}
		if x, ok := lookupTerm(t, v); ok {
			*dst = x
			return
		}
		*dst = v
		e.bad[key] = true
		rd.add(n, key, fmt.Sprintf("%s %q is not one of %s.", rd.column(key), v, strings.Join(terms(t), ", ")),
			pubdata.NewMessage("error.import.term", "Column", rd.column(key), "Value", v, "Terms", strings.Join(terms(t), ", ")))
	}
	enum(colFormat, formatTerms, &f.Format)
	enum(colUpdateCycle, cycleTerms, &f.UpdateCycle)
	enum(colShareClass, shareTerms, &f.ShareClass)
	enum(colOpenClass, openTerms, &f.OpenClass)
	enum(colDataLevel, levelTerms, &f.DataLevel)
	if v := cell(colSupplementary); v != "" {
		b, ok := parseBool(v)
		if !ok {
			rd.add(n, colSupplementary, fmt.Sprintf("%s %q must be 是 or 否.", rd.column(colSupplementary), v),
				pubdata.NewMessage("error.import.yes_no", "Column", rd.column(colSupplementary), "Value", v))
		}
		f.Supplementary = b
	}
	if c := e.row.Code; c != "" {
		if !pubdata.ValidResourceCode(c) {
			rd.add(n, colCode, fmt.Sprintf("Resource code %q is not of the form 分类码/顺序码 (e.g. 301001/00001); leave it empty to have one generated.", c),
				pubdata.NewMessage("error.import.code_form", "Code", c))
		} else if prev, dup := rd.codes[c]; dup {
			rd.add(n, colCode, fmt.Sprintf("Resource code %s is used by the entry at line %d too.", c, prev),
				pubdata.NewMessage("error.import.code_twice", "Code", c, "Line", prev))
		} else {
			rd.codes[c] = n
		}
	}
	return e
}

// item reads the data item on line n.
func (rd *reader) item(e *entry, n int, cell func(string) string) {
	i := len(e.row.Fields.Items)
	at := fmt.Sprintf("items[%d].", i)
	it := pubdata.Item{Name: cell(colItemName), Title: cell(colItemTitle)}
	if v := cell(colItemType); v != "" {
		if x, ok := lookupTerm(typeTerms, v); ok {
			it.Type = x
		} else {
			it.Type = v
			e.bad[at+"type"] = true
			rd.add(n, colItemType, fmt.Sprintf("%s %q is not one of %s.", rd.column(colItemType), v, strings.Join(terms(typeTerms), ", ")),
				pubdata.NewMessage("error.import.term", "Column", rd.column(colItemType), "Value", v, "Terms", strings.Join(terms(typeTerms), ", ")))
		}
	}
	if v := cell(colItemLength); v != "" {
		x, ok := parseInt(v)
		if !ok || x < 0 {
			e.bad[at+"length"] = true
			rd.add(n, colItemLength, fmt.Sprintf("%s %q must be a whole number (empty: unlimited).", rd.column(colItemLength), v),
				pubdata.NewMessage("error.import.length", "Column", rd.column(colItemLength), "Value", v))
		}
		it.Length = x
	}
	boolCell := func(key string, dst *bool) {
		if v := cell(key); v != "" {
			b, ok := parseBool(v)
			if !ok {
				rd.add(n, key, fmt.Sprintf("%s %q must be 是 or 否.", rd.column(key), v), pubdata.NewMessage("error.import.yes_no", "Column", rd.column(key), "Value", v))
			}
			*dst = b
		}
	}
	boolCell(colItemKey, &it.Key)
	boolCell(colItemPersonal, &it.Personal)
	if v := cell(colItemGrade); v != "" {
		g, ok := parseGrade(v)
		if !ok {
			e.bad[at+"grade"] = true
			rd.add(n, colItemGrade, fmt.Sprintf("%s %q must be a grade from 1 to 4 (1级 … 4级, L1 … L4), or empty.", rd.column(colItemGrade), v),
				pubdata.NewMessage("error.import.grade", "Column", rd.column(colItemGrade), "Value", v))
		}
		it.Grade = g
	}
	if v := cell(colItemElement); v != "" {
		it.Element = v
		if rd.elements != nil {
			if code, ok := rd.elements[foldValue(v)]; ok {
				it.Element = code
			} else {
				rd.add(n, colItemElement, fmt.Sprintf("%s %q is not a data element of the registry (give its code, e.g. resident_id, or its name, e.g. 公民身份号码).", rd.column(colItemElement), v),
					pubdata.NewMessage("error.import.element", "Column", rd.column(colItemElement), "Value", v))
			}
		}
	}
	e.row.Fields.Items = append(e.row.Fields.Items, it)
	e.row.ItemLines = append(e.row.ItemLines, n)
}

var itemField = regexp.MustCompile(`^items\[(\d+)\]\.([a-z_]+)$`)

// finish validates the entry and maps the domain's field errors back to lines and columns.
func (rd *reader) finish(e *entry) {
	if e == nil {
		return
	}
	for _, p := range problems(pubdata.ValidateEntryFields(&e.row.Fields)) {
		if e.bad[p.Field] {
			continue // already reported as unreadable
		}
		n, key := e.row.place(p.Field)
		rd.add(n, key, p.Message, pubdata.MessageOf(p))

	}
	rd.rows = append(rd.rows, e.row)
}

// problems lists each problem of a validation error.
func problems(err error) []*pubdata.Error {
	var e *pubdata.Error
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &e):
		return []*pubdata.Error{{Code: pubdata.EINVALID, Message: err.Error()}}
	case len(e.Fields) > 0:
		return e.Fields
	}
	return []*pubdata.Error{e}
}

// splitList splits keywords or codes on the separators spreadsheets use: ; ； , ， 、 | and
// line breaks.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(";；,，、|\n\r", r)
	})
	out := []string{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseBool(s string) (bool, bool) {
	switch foldValue(s) {
	case "是", "y", "yes", "true", "1", "√", "✓", "t":
		return true, true
	case "否", "n", "no", "false", "0", "×", "f":
		return false, true
	}
	return false, false
}

// parseInt reads a whole number, also as a spreadsheet writes it ("18.0").
func parseInt(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) {
		return int(f), true
	}
	return 0, false
}

// parseGrade reads 1-4 written as 2, 2级, L2, 二级 or 第二级; 0 (not graded) as 0 or 未分级.
func parseGrade(s string) (int, bool) {
	k := foldValue(s)
	if k == "未分级" || k == "0" {
		return 0, true
	}
	k = strings.TrimPrefix(k, "第")
	k = strings.TrimPrefix(k, "l")
	k = strings.TrimSuffix(k, "级")
	switch k {
	case "1", "一":
		return 1, true
	case "2", "二":
		return 2, true
	case "3", "三":
		return 3, true
	case "4", "四":
		return 4, true
	}
	return 0, false
}
