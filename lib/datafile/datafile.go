// Package datafile reads the data files departments load into an entry's table (CSV, XLSX,
// JSON, NDJSON) into checked rows, streaming with bounded memory, and writes the table's
// rows back out for downloads.
//
// A file's problems (its encoding, its header) are an EINVALID *pubdata.Error from Open or
// Next; a row's problems (a value of the wrong type, a bad check digit, a missing key) are
// the row's Errors, each at the row's number in the file, with personal values masked.
package datafile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// Format is a data file format.
type Format string

// Formats.
const (
	CSV    Format = "csv"
	XLSX   Format = "xlsx"
	JSON   Format = "json"
	NDJSON Format = "ndjson"
)

// Formats lists the formats.
var Formats = []Format{CSV, XLSX, JSON, NDJSON}

// ParseFormat reads a format name (csv, xlsx, json, ndjson, jsonl), case-insensitively.
func ParseFormat(s string) (Format, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "csv":
		return CSV, true
	case "xlsx":
		return XLSX, true
	case "json":
		return JSON, true
	case "ndjson", "jsonl":
		return NDJSON, true
	}
	return "", false
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// DetectFormat picks the format of an upload from its Content-Type (may be ""), its file
// name (may be "") and its first bytes (may be short): an XLSX signature wins, then a
// specific Content-Type, then the name's extension, then the content ('[' JSON, '{'
// NDJSON, other text CSV). An old .xls workbook, or nothing to tell by, is an EINVALID
// *pubdata.Error naming what was given.
func DetectFormat(contentType, fileName string, head []byte) (Format, error) {
	if bytes.HasPrefix(head, zipMagic) {
		return XLSX, nil
	}
	if bytes.HasPrefix(head, oleMagic) || strings.EqualFold(filepath.Ext(fileName), ".xls") {
		return "", pubdata.Errorf(pubdata.EINVALID, "The file %s is an old Excel workbook (.xls), which cannot be read; save it as .xlsx or as CSV.", describe(contentType, fileName)).
			Keyed("error.file.xls", "File", describeMessage(contentType, fileName))
	}
	first := firstByte(head)
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/csv", "application/csv", "text/comma-separated-values", "text/tab-separated-values", "text/x-csv":
		return CSV, nil
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return XLSX, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
		"application/jsonlines", "application/jsonlines+json":
		return NDJSON, nil
	case "application/json", "text/json":
		if first == '{' {
			return NDJSON, nil // objects one after another: not an array
		}
		return JSON, nil
	}
	switch strings.ToLower(filepath.Ext(fileName)) {
	case ".csv", ".tsv", ".txt":
		return CSV, nil
	case ".xlsx":
		return XLSX, nil
	case ".json":
		if first == '{' {
			return NDJSON, nil
		}
		return JSON, nil
	case ".ndjson", ".jsonl":
		return NDJSON, nil
	}
	switch {
	case first == '[':
		return JSON, nil
	case first == '{':
		return NDJSON, nil
	case first != 0 && looksLikeText(head):
		return CSV, nil
	}
	return "", pubdata.Errorf(pubdata.EINVALID, "Cannot tell the format of the file %s; give a .csv, .xlsx, .json or .ndjson file, or name the format (csv, xlsx, json, ndjson).", describe(contentType, fileName)).
		Keyed("error.file.format_unknown", "File", describeMessage(contentType, fileName))
}

// describe names an upload by what was given of it.
func describe(contentType, fileName string) string {
	var parts []string
	if fileName != "" {
		parts = append(parts, fmt.Sprintf("%q", fileName))
	}
	if contentType != "" {
		parts = append(parts, fmt.Sprintf("(Content-Type %q)", contentType))
	}
	if len(parts) == 0 {
		return "without a name or Content-Type"
	}
	return strings.Join(parts, " ")
}

// describeMessage is describe as a message.
func describeMessage(contentType, fileName string) *pubdata.Message {
	switch {
	case fileName != "" && contentType != "":
		return pubdata.NewMessage("error.file.describe.both", "Name", fileName, "Type", contentType)
	case fileName != "":
		return pubdata.NewMessage("error.file.describe.name", "Name", fileName)
	case contentType != "":
		return pubdata.NewMessage("error.file.describe.type", "Type", contentType)
	}
	return pubdata.NewMessage("error.file.describe.none")
}

// firstByte is the first byte of head that is not space or a byte-order mark; 0 if none.
func firstByte(head []byte) byte {
	head = bytes.TrimPrefix(head, utf8BOM)
	for _, c := range head {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// looksLikeText reports whether head can be the start of a text file: UTF-16 with a BOM,
// or bytes without NUL.
func looksLikeText(head []byte) bool {
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return true
	}
	return bytes.IndexByte(head, 0) < 0
}

// ContentType is the media type of a format, for downloads.
func ContentType(f Format) string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case JSON:
		return "application/json"
	case NDJSON:
		return "application/x-ndjson"
	}
	return "application/octet-stream"
}

// Ext is the file name extension of a format, with its dot (".csv"), for downloads.
func Ext(f Format) string {
	switch f {
	case CSV, XLSX, JSON, NDJSON:
		return "." + string(f)
	}
	return ""
}

// Options tune Open.
type Options struct {
	Now     time.Time // for the resident-ID birth-date rule; zero: time.Now()
	Size    int64     // the input's size in bytes for progress; -1 or 0 when unknown
	TempDir string    // where XLSX input is spooled; "": os.TempDir()

	// made, when set, is told of the checker the reader makes (Source.Headers).
	made func(*checker)
}

// checker returns the checker of the items, telling opt.made of it.
func (opt Options) checker(items []pubdata.Item) *checker {
	c := newChecker(items, opt.Now)
	if opt.made != nil {
		opt.made(c)
	}
	return c
}

// Source reads the rows of a data file. It is a pubdata.RowSource.
type Source struct {
	// What Open was given, for Rewind.
	r      io.Reader
	format Format
	items  []pubdata.Item
	opt    Options

	next  func() (*pubdata.SourceRow, error)
	count *countingReader
	size  int64
	close func() error
	err   error // the error that ended the rows, returned again
	// read, when set, estimates the input consumed (XLSX: the share of the sheet's rows read).
	read  func() int64
	check *checker
}

// Headers returns the file's names of the columns it named, by item name: the header cells
// (or JSON keys) as written, for messages about the columns (pubdata.RowHeaders).
func (s *Source) Headers() map[string]string {
	if s.check == nil {
		return nil
	}
	return s.check.headers()
}

var errClosed = errors.New("datafile: source closed")

var _ pubdata.RowSource = (*Source)(nil)

// Open returns a Source reading r in the format for the entry's items, streaming with
// bounded memory whatever the size (XLSX is first spooled to a temporary file). A problem of
// the file as a whole — an unreadable encoding, an empty file, no header, a header column
// that is not an item, a key item missing from the header, a column given twice — is an
// EINVALID *pubdata.Error naming it, from Open or (past the header) from Next.
func Open(r io.Reader, format Format, items []pubdata.Item, opt Options) (*Source, error) {
	if len(items) == 0 {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The table has no columns.").Keyed("error.file.no_columns")
	}
	s := &Source{r: r, format: format, items: items, opt: opt}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

// open reads the header of s.r and sets up the rows.
func (s *Source) open() error {
	r, format, items, opt := s.r, s.format, s.items, s.opt
	opt.made = func(c *checker) { s.check = c }
	s.count, s.size, s.close, s.err, s.read = &countingReader{r: r}, opt.Size, nil, nil, nil
	if s.size <= 0 {
		s.size = -1
	}
	var err error
	switch format {
	case CSV:
		s.next, err = openCSV(s.count, items, opt)
	case XLSX:
		var x *xlsxReader
		x, s.close, err = openXLSX(s.count, items, opt)
		if x != nil {
			s.next = x.next
			s.read = func() int64 { return x.progress(s.count.n) }
		}
	case JSON:
		s.next, err = openJSON(s.count, items, opt)
	case NDJSON:
		s.next, err = openNDJSON(s.count, items, opt)
	default:
		err = pubdata.Errorf(pubdata.EINVALID, "Format %q is not one of csv, xlsx, json, ndjson.", format).Keyed("error.file.format", "Format", format)
	}
	if err != nil {
		if s.close != nil {
			s.close()
			s.close = nil
		}
		return err
	}
	return nil
}

// Rewindable reports whether the source reads a file it can seek (pubdata.RowRewinder).
func (s *Source) Rewindable() bool {
	sk, ok := s.r.(io.Seeker)
	if !ok {
		return false
	}
	_, err := sk.Seek(0, io.SeekCurrent) // fails on a pipe, such as stdin
	return err == nil
}

// Rewind reads the rows again from the first (pubdata.RowRewinder); the reader must be an
// io.Seeker positioned at the file's start when Open was called.
func (s *Source) Rewind() error {
	sk, ok := s.r.(io.Seeker)
	if !ok {
		return errors.New("datafile: the source cannot be read again")
	}
	if s.close != nil {
		s.close()
		s.close = nil
	}
	if _, err := sk.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return s.open()
}

// Next returns the next row, io.EOF after the last, or the error that makes the rest of the
// file unreadable.
func (s *Source) Next() (*pubdata.SourceRow, error) {
	if s.err != nil {
		return nil, s.err
	}
	row, err := s.next()
	if err != nil {
		s.err = err
		return nil, err
	}
	return row, nil
}

// Read returns the input bytes consumed so far (ahead of the rows by a buffer).
func (s *Source) Read() int64 {
	if s.read != nil {
		return s.read()
	}
	return s.count.n
}

// Size returns Options.Size, or -1 when unknown.
func (s *Source) Size() int64 { return s.size }

// Close releases the source, removing any spooled file. It does not close the reader.
func (s *Source) Close() error {
	if s.err == nil {
		s.err = errClosed
	}
	if s.close == nil {
		return nil
	}
	c := s.close
	s.close = nil
	return c()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// matcher finds the item a header or key names: its exact name, its name in any case, or
// its title (trimmed).
type matcher struct {
	items []pubdata.Item
	index map[string]int
}

func newMatcher(items []pubdata.Item) *matcher {
	m := &matcher{items: items, index: make(map[string]int, 3*len(items))}
	// Later entries do not replace earlier: names win over titles.
	add := func(k string, i int) {
		if _, ok := m.index[k]; !ok && k != "" {
			m.index[k] = i
		}
	}
	for i, it := range items {
		add(it.Name, i)
	}
	for i, it := range items {
		add(strings.ToLower(it.Name), i)
	}
	for i, it := range items {
		add(trimSpace(it.Title), i)
	}
	return m
}

func (m *matcher) find(h string) (int, bool) {
	if i, ok := m.index[h]; ok {
		return i, true
	}
	h = trimSpace(h)
	if i, ok := m.index[h]; ok {
		return i, true
	}
	i, ok := m.index[strings.ToLower(h)]
	return i, ok
}

// names lists the items' names (and titles) for a message.
func (m *matcher) names() string {
	parts := make([]string, len(m.items))
	for i, it := range m.items {
		if it.Title != "" && it.Title != it.Name {
			parts[i] = fmt.Sprintf("%s (%s)", it.Name, it.Title)
		} else {
			parts[i] = it.Name
		}
	}
	return strings.Join(parts, ", ")
}

// header maps the cells of a header row to items: cols[j] is the item of cell j, -1 for an
// empty header cell (its column is ignored). It returns the file error for unknown columns,
// a column given twice and missing key items. where names the header row in the file, in
// English and as whereMsg.
func (m *matcher) header(cells []string, where string, whereMsg *pubdata.Message) ([]int, error) {
	cols := make([]int, len(cells))
	at := make([]string, len(m.items))
	var unknown, twice []string
	var twiceMsgs []*pubdata.Message
	for j, c := range cells {
		c = trimSpace(c)
		cols[j] = -1
		if c == "" {
			continue
		}
		i, ok := m.find(c)
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", c))
			continue
		}
		if at[i] != "" {
			twice = append(twice, fmt.Sprintf("%s (as %q and %q)", m.items[i].Name, at[i], c))
			twiceMsgs = append(twiceMsgs, pubdata.NewMessage("error.file.header.twice_item", "Column", m.items[i].Name, "First", at[i], "Second", c))
			continue
		}
		at[i] = c
		cols[j] = i
	}
	var problems []string
	var msgs []*pubdata.Message
	if len(unknown) > 0 {
		shown := pubdata.NewMessage("error.sentence", "Text", strings.Join(unknown, ", "))
		if len(unknown) > 20 {
			shown = pubdata.NewMessage("error.file.header.more", "Columns", strings.Join(unknown[:20], ", "), "More", len(unknown)-20)
			unknown = append(unknown[:20], fmt.Sprintf("and %d more", len(unknown)-20))
		}
		problems = append(problems, fmt.Sprintf("The header %s names columns that the table does not have: %s; the table's columns are %s.",
			where, strings.Join(unknown, ", "), m.names()))
		msgs = append(msgs, pubdata.NewMessage("error.file.header.unknown", "Where", whereMsg, "Columns", shown, "Names", m.names()))
	}
	if len(twice) > 0 {
		problems = append(problems, fmt.Sprintf("The header %s names a column twice: %s.", where, strings.Join(twice, ", ")))
		msgs = append(msgs, pubdata.NewMessage("error.file.header.twice", "Where", whereMsg, "Columns", joinMessages("error.file.list", twiceMsgs)))
	}
	var missing []string
	for _, k := range pubdata.KeyItems(m.items) {
		if at[k] == "" {
			missing = append(missing, m.items[k].Name)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("The header %s lacks the key column %s; a key column must be given.",
			where, strings.Join(missing, ", ")))
		msgs = append(msgs, pubdata.NewMessage("error.file.header.key_missing", "Where", whereMsg, "Columns", strings.Join(missing, ", ")))
	}
	if len(problems) > 0 {
		return nil, pubdata.Errorf(pubdata.EINVALID, "%s", strings.Join(problems, " ")).Keyed("error.quoted", "Problem", joinMessages("error.file.problems", msgs))
	}
	if !slices.ContainsFunc(cols, func(i int) bool { return i >= 0 }) {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The header %s names no column of the table; the table's columns are %s.", where, m.names()).
			Keyed("error.file.header.none", "Where", whereMsg, "Columns", m.names())
	}
	return cols, nil
}

// joinMessages is the messages ms (at least one) one after another, each pair joined by the
// message key ({{.First}} and {{.Second}}).
func joinMessages(key string, ms []*pubdata.Message) *pubdata.Message {
	m := ms[0]
	for _, n := range ms[1:] {
		m = pubdata.NewMessage(key, "First", m, "Second", n)
	}
	return m
}

// sortedKeys returns a map's keys in order, so that a row's errors come in a stable order.
func sortedKeys(obj map[string]any) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func tempDir(opt Options) string {
	if opt.TempDir != "" {
		return opt.TempDir
	}
	return os.TempDir()
}
