package datafile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/pubdata/pubdata"
)

// Limits of CSV reading.
const (
	sniffSize = 64 << 10 // bytes examined to choose the encoding
	// maxRecord bounds the bytes of one record, so that an unclosed quote cannot pull the
	// rest of a large file into memory.
	maxRecord = 16 << 20
)

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	gb18030BOM = []byte{0x84, 0x31, 0x95, 0x33}
)

// encoding is how a CSV's bytes are text.
type encoding int

const (
	encUTF8 encoding = iota
	encUTF16
	encGB18030
)

func (e encoding) String() string {
	return [...]string{"UTF-8", "UTF-16", "GB18030"}[e]
}

// detectEncoding chooses from the start of the file: a byte-order mark (UTF-8, UTF-16, GB18030)
// decides; else valid UTF-8 is UTF-8 (a character cut at the end of a full window
// allowed); else GB18030, if the window decodes as GB18030. bom is the length of a BOM to skip.
func detectEncoding(head []byte, full bool) (enc encoding, bom int, err error) {
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		return encUTF8, 3, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return encUTF16, 0, nil // the decoder reads the BOM
	case bytes.HasPrefix(head, gb18030BOM):
		return encGB18030, 4, nil
	}
	if validUTF8Prefix(head, full) {
		return encUTF8, 0, nil
	}
	if bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, oleMagic) {
		return 0, 0, pubdata.Errorf(pubdata.EINVALID, "The file is an Excel workbook, not CSV; load it as xlsx (or save it as CSV).").Keyed("error.file.csv.excel")
	}
	if full {
		head = head[:len(head)-cutGB18030(head)]
	}
	text, _, terr := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), head)
	if terr != nil || bytes.ContainsRune(text, utf8.RuneError) {
		return 0, 0, pubdata.Errorf(pubdata.EINVALID, "The file's text is neither UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, nor GB18030/GBK; save it as UTF-8 CSV.").
			Keyed("error.file.csv.encoding")
	}
	return encGB18030, 0, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing an incomplete last character when
// more follows.
func validUTF8Prefix(b []byte, more bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !more {
		return false
	}
	for cut := 1; cut <= 3 && cut < len(b); cut++ {
		if utf8.RuneStart(b[len(b)-cut]) {
			return !utf8.FullRune(b[len(b)-cut:]) && utf8.Valid(b[:len(b)-cut])
		}
	}
	return false
}

// cutGB18030 returns how many bytes at the end of b may be an incomplete GB18030 character
// (0 to 3), which a window must not judge.
func cutGB18030(b []byte) int {
	// Walk from the start: single bytes < 0x80; two-byte 0x81–0xFE then 0x40–0xFE (not
	// 0x7F); four-byte 0x81–0xFE 0x30–0x39 0x81–0xFE 0x30–0x39.
	i := 0
	for i < len(b) {
		c := b[i]
		if c < 0x80 {
			i++
			continue
		}
		rest := len(b) - i
		if rest >= 2 && b[i+1] >= 0x30 && b[i+1] <= 0x39 {
			if rest < 4 {
				return rest
			}
			i += 4
			continue
		}
		if rest < 2 {
			return rest
		}
		i += 2
	}
	return 0
}

// csvReader reads records with line numbers and the record limit.
type csvReader struct {
	cr      *csv.Reader
	lim     *recordLimit
	check   *checker
	cols    []int // file column → item, -1 ignored
	ncols   int   // the header's width
	utf8    bool  // the text was not decoded, so it is checked
	lastErr error
	// breaks counts the line breaks inside the cells read so far: a spreadsheet shows such
	// a record as one row, so the row a report names is the file's line less them.
	breaks int64
}

// recordLimit fails a read when one record has taken more than maxRecord bytes.
type recordLimit struct {
	r    io.Reader
	n    int
	line func() int
}

var errRecordTooLong = errors.New("record too long")

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.n > maxRecord {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// newCSV returns a CSV reader of r's records, its encoding detected (UTF-8 with or without
// BOM, UTF-16, GB18030) and its separator sniffed from the header line, each record bounded
// by maxRecord; utf8 says whether the file was UTF-8.
func newCSV(r io.Reader) (c *csvReader, utf8 bool, err error) {
	br := bufio.NewReaderSize(r, sniffSize+4096)
	head, err := br.Peek(sniffSize)
	full := err == nil
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, err
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(head, utf8BOM))) == 0 || bytes.Equal(head, gb18030BOM) {
		return nil, false, pubdata.Errorf(pubdata.EINVALID, "The file is empty.").Keyed("error.file.empty")
	}
	enc, bom, err := detectEncoding(head, full)
	if err != nil {
		return nil, false, err
	}
	br.Discard(bom)
	var text io.Reader = br
	switch enc {
	case encUTF16:
		text = transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	case encGB18030:
		text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	lim := &recordLimit{r: text}
	tb := bufio.NewReaderSize(lim, 64<<10)
	cr := csv.NewReader(tb)
	cr.Comma = sniffComma(tb)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	return &csvReader{cr: cr, lim: lim}, enc == encUTF8, nil
}

func openCSV(r io.Reader, items []pubdata.Item, opt Options) (func() (*pubdata.SourceRow, error), error) {
	c, isUTF8, err := newCSV(r)
	if err != nil {
		return nil, err
	}
	cr := c.cr
	cr.ReuseRecord = true
	c.check, c.utf8 = opt.checker(items), isUTF8
	// The header: the first record that is not blank.
	for {
		rec, err := c.read()
		if err == io.EOF {
			return nil, pubdata.Errorf(pubdata.EINVALID, "The file has no header row (it holds only blank lines).").Keyed("error.file.csv.no_header")
		}
		if err != nil {
			return nil, err
		}
		if blank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		c.cols, err = newMatcher(items).header(rec, fmt.Sprintf("(line %d)", line), pubdata.NewMessage("error.file.where.line", "Line", line))
		if err != nil {
			return nil, err
		}
		c.check.useHeader(rec, c.cols)
		c.ncols = len(rec)
		return c.next, nil
	}
}

// sniffComma picks the separator the header line uses most: comma (the default), tab or
// semicolon.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	// The first line that is not empty.
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte{'\n'})
		if len(bytes.TrimSpace(line)) > 0 {
			head = line
			break
		}
		head = rest
	}
	best, n := ',', bytes.Count(head, []byte{','})
	for _, c := range []rune{'\t', ';'} {
		if k := bytes.Count(head, []byte{byte(c)}); k > n {
			best, n = c, k
		}
	}
	return best
}

// read reads one record, turning reading problems into file errors.
func (c *csvReader) read() ([]string, error) {
	c.lim.n = 0
	rec, err := c.cr.Read()
	if err == nil || err == io.EOF {
		return rec, err
	}
	line, _ := c.cr.FieldPos(0)
	switch {
	case errors.Is(err, errRecordTooLong):
		return nil, pubdata.Errorf(pubdata.EINVALID, "The record from line %d is longer than %d MiB; is a quote (\") left open?", line, maxRecord>>20).
			Keyed("error.file.csv.record_too_long", "Line", line, "MiB", maxRecord>>20)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, errRecordTooLong) {
			return nil, pubdata.Errorf(pubdata.EINVALID, "The record from line %d is longer than %d MiB; is a quote (\") left open?", pe.StartLine, maxRecord>>20).
				Keyed("error.file.csv.record_too_long", "Line", pe.StartLine, "MiB", maxRecord>>20)
		}
		return nil, pubdata.Errorf(pubdata.EINVALID, "The CSV cannot be read at line %d: %v.", pe.Line, pe.Err).
			Keyed("error.file.csv.parse", "Line", pe.Line, "Problem", csvProblem(pe.Err))
	}
	return nil, err
}

// blank reports whether a record has nothing but space.
func blank(rec []string) bool {
	for _, f := range rec {
		if trimSpace(f) != "" {
			return false
		}
	}
	return true
}

func (c *csvReader) next() (*pubdata.SourceRow, error) {
	for {
		rec, err := c.read()
		if err != nil {
			return nil, err
		}
		if blank(rec) {
			continue
		}
		line, _ := c.cr.FieldPos(0)
		num := int64(line) - c.breaks
		for _, f := range rec {
			c.breaks += int64(strings.Count(f, "\n"))
		}
		if c.utf8 {
			for _, f := range rec {
				if !utf8.ValidString(f) {
					return nil, pubdata.Errorf(pubdata.EINVALID, "Line %d is not UTF-8 text, though the file's start is: save the whole file in one encoding (UTF-8).", line).
						Keyed("error.file.csv.line_encoding", "Line", line)

				}
			}
		}
		if len(rec) != c.ncols {
			return malformed(num, "row.csv.fields", "Count", len(rec), "Header", c.ncols), nil
		}
		values := make([]any, len(c.check.cols))
		var errs []pubdata.RowError
		for j, f := range rec {
			if k := c.cols[j]; k >= 0 {
				values[k], errs = c.check.cell(k, f, num, errs)
			}
		}
		return c.check.finish(num, values, errs), nil
	}
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
