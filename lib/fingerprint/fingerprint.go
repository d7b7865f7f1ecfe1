// Package fingerprint marks the downloads of shared and conditionally opened data with a
// per-recipient fingerprint in their values, and names the recipient of a leaked copy.
//
// The scheme follows Agrawal and Kiernan's relational watermarking, made per recipient as in
// Li, Swarup and Jajodia's fingerprinting: a keyed hash (HMAC-SHA256 under the recipient's
// key, itself HMAC-SM3 of the entry and the recipient under the platform's secret) of the
// column and the row's key value chooses, for each
// markable number cell, whether the cell carries a mark (one cell in Gamma) and which parity
// its last digit must have. Integers of at least MinInteger in magnitude move by one in the
// last digit, decimals by one in their last decimal place, only where the parity differs:
// the change is within the data's own rounding, invisible to use.
//
// Each mark is located by the row's key (the entry's key items, as written in the file) and
// the column's name, never by a position, so deleting rows, reordering rows or columns and
// copying part of a file keep the remaining marks readable. Detection counts, for each
// candidate recipient, the marked cells present in the file and how many carry the
// recipient's parity; in a file not marked for that recipient each agrees with probability
// one half, so the binomial tail is the probability that an innocent file agrees as well.
package fingerprint

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// Gamma is one over the share of markable cells that carry a mark.
const Gamma = 2

// MinInteger is the smallest magnitude of an integer that carries a mark (a change of one
// is then at most 1 %).
const MinInteger = 100

// DefaultThreshold is the p-value (after the correction for the number of candidates) below
// which a recipient is named.
const DefaultThreshold = 1e-6

// Kind is how a column's values carry marks.
type Kind int

const (
	None    Kind = iota // not marked (text, dates, key items, items the provider excluded)
	Integer             // ±1 in the last digit
	Decimal             // ±1 in the last decimal place
)

// Column is a column of a table: its name, its title (downloads for people head columns
// with titles), whether it is part of the row's key, and how it is marked.
type Column struct {
	Name  string
	Title string
	Key   bool
	Kind  Kind
}

// Recipient is the recipient of a download as the record names it: "org:<code>" for a body,
// "user:<username>" for a person.
func Recipient(orgCode, username string) string {
	if orgCode != "" {
		return "org:" + orgCode
	}
	return "user:" + username
}

// recipientKey is the recipient's key on the entry: HMAC-SM3(secret, entry ‖ recipient).
func recipientKey(secret []byte, entry, recipient string) []byte {
	h := hmac.New(sm3.New, secret)
	h.Write([]byte("pubdata-fingerprint-v1\x00" + entry + "\x00" + recipient))
	return h.Sum(nil)
}

// cell is the keyed choice for one cell: whether it is marked, the parity of its last digit
// and the direction of a change.
type cell struct {
	marked bool
	parity int // 0 even, 1 odd
	up     bool
}

type chooser struct {
	key []byte
	mac hash.Hash // HMAC-SHA256 under key, reused (Reset)
	buf []byte
	sum []byte
}

func newChooser(key []byte) chooser { return chooser{key: key, mac: hmac.New(sha256.New, key)} }

func (c *chooser) choose(column, rowKey string) cell {
	c.mac.Reset()
	c.buf = append(c.buf[:0], column...)
	c.buf = append(c.buf, 0)
	c.buf = append(c.buf, rowKey...)
	c.mac.Write(c.buf)
	c.sum = c.mac.Sum(c.sum[:0])
	s := c.sum
	return cell{marked: binary.BigEndian.Uint32(s)%Gamma == 0, parity: int(s[4] & 1), up: s[5]&1 == 1}
}

// Marker marks the rows of one download for one recipient.
type Marker struct {
	ch   chooser
	cols []Column
	keys []int // the columns of the row's key, in order
	mark []int // the columns marked
	sb   strings.Builder
}

// NewMarker returns the marker of entry's rows for recipient, for the columns of a download
// in order, or nil when nothing can be marked (no markable column, or no way to locate a
// row: without key columns, the row is located by its unmarked columns).
func NewMarker(secret []byte, entry, recipient string, cols []Column) *Marker {
	if len(secret) == 0 {
		return nil
	}
	m := &Marker{ch: newChooser(recipientKey(secret, entry, recipient)), cols: cols}
	m.keys, m.mark = layout(cols)
	if len(m.mark) == 0 || len(m.keys) == 0 {
		return nil
	}
	return m
}

// layout returns the columns that locate a row (the key columns; without any, every column
// that is not marked) and the columns that carry marks.
func layout(cols []Column) (keys, mark []int) {
	for i, c := range cols {
		if c.Key {
			keys = append(keys, i)
		} else if c.Kind != None {
			mark = append(mark, i)
		}
	}
	if len(keys) == 0 {
		for i, c := range cols {
			if c.Kind == None {
				keys = append(keys, i)
			}
		}
	}
	return keys, mark
}

// rowKey is the row's key as text: its key columns' values as written, joined.
func rowKey(sb *strings.Builder, values []string) string {
	sb.Reset()
	for i, v := range values {
		if i > 0 {
			sb.WriteByte(0x1f)
		}
		sb.WriteString(v)
	}
	return sb.String()
}

// Row marks one row's values (nil, string, int64, float64, bool, in the columns' order) in
// place.
func (m *Marker) Row(values []any) {
	if m == nil {
		return
	}
	kv := make([]string, len(m.keys))
	for i, j := range m.keys {
		kv[i] = text(values[j])
	}
	key := rowKey(&m.sb, kv)
	for _, j := range m.mark {
		switch x := values[j].(type) {
		case int64:
			if m.cols[j].Kind == Integer && (x >= MinInteger || x <= -MinInteger) {
				if c := m.ch.choose(m.cols[j].Name, key); c.marked {
					values[j] = markInt(x, c)
				}
			}
		case float64:
			if m.cols[j].Kind == Decimal && x != math.Trunc(x) {
				if c := m.ch.choose(m.cols[j].Name, key); c.marked {
					values[j] = markFloat(x, c)
				}
			}
		}
	}
}

// text is a value as the downloads write it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// newDigit is the last digit d moved by one to the parity of c: never to 0 from 1 nor past
// 9 (a decimal's last digit is never 0, and a carry would move the mark).
func newDigit(d int, c cell) int {
	if d%2 == c.parity {
		return d
	}
	switch {
	case d == 0:
		return 1
	case d == 1:
		return 2
	case d == 9:
		return 8
	case c.up:
		return d + 1
	}
	return d - 1
}

func markInt(v int64, c cell) int64 {
	mag := v
	if mag < 0 {
		mag = -mag
	}
	if mag < MinInteger || mag > math.MaxInt64/2 {
		return v
	}
	d := int(mag % 10)
	mag += int64(newDigit(d, c) - d)
	if v < 0 {
		return -mag
	}
	return mag
}

func markFloat(v float64, c cell) float64 {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	d, ok := lastDecimal(s)
	if !ok {
		return v
	}
	nd := newDigit(d, c)
	if nd == d {
		return v
	}
	t := s[:len(s)-1] + strconv.Itoa(nd)
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || strconv.FormatFloat(f, 'f', -1, 64) != t {
		return v
	}
	return f
}

// lastDecimal is the last decimal digit of a decimal written s, when s has one that is not
// 0 and at most 15 significant digits (so that it reads back exactly).
func lastDecimal(s string) (int, bool) {
	dot := strings.IndexByte(s, '.')
	if dot < 0 || dot == len(s)-1 {
		return 0, false
	}
	sig := 0
	for _, r := range strings.TrimLeft(strings.TrimLeft(s, "-"), "0.") {
		if r >= '0' && r <= '9' {
			sig++
		}
	}
	d := int(s[len(s)-1] - '0')
	if d <= 0 || d > 9 || sig > 15 {
		return 0, false
	}
	return d, true
}

// lastDigit is the last digit of a cell of a column of kind k as written in a file, when
// the cell can carry a mark.
func lastDigit(s string, k Kind) (int, bool) {
	s = strings.TrimSpace(s)
	switch k {
	case Integer:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64) // a spreadsheet may write 1234.0
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1e15 {
				return 0, false
			}
			v = int64(f)
		}
		if v < 0 {
			v = -v
		}
		if v < MinInteger {
			return 0, false
		}
		return int(v % 10), true
	case Decimal:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return 0, false
		}
		return lastDecimal(s)
	}
	return 0, false
}

// Table is a file's rows as text under its header.
type Table struct {
	Header []string
	Rows   [][]string
}

// Score is a candidate recipient's agreement with a file: of Marks cells marked for the
// recipient, Matches carry its parity; P is the probability that a file not marked for the
// recipient agrees as much (the binomial tail, before the correction for candidates).
type Score struct {
	Recipient string  `json:"recipient"`
	Marks     int     `json:"marks"`
	Matches   int     `json:"matches"`
	P         float64 `json:"p"`
	// Adjusted is P times the number of candidates (Bonferroni), at most 1: the chance that
	// any innocent candidate scores as well.
	Adjusted float64 `json:"p_adjusted"`
}

// Result is a detection's outcome: the scores, best first; Accused is the recipient named
// ("" when no candidate's adjusted p-value is below the threshold).
type Result struct {
	Rows      int      `json:"rows"`    // rows of the file located by their key
	Columns   []string `json:"columns"` // the markable columns found in the file
	Scores    []Score  `json:"scores"`
	Accused   string   `json:"accused"`
	Threshold float64  `json:"threshold"`
}

// Detect scores each candidate recipient against the table t (a leaked copy of the entry's
// rows, whose header names the columns by name or title) and names the one whose adjusted
// p-value is below threshold (DefaultThreshold when 0), if any.
func Detect(secret []byte, entry string, cols []Column, t *Table, candidates []string, threshold float64) Result {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	res := Result{Threshold: threshold}
	// The file's columns, found by name or title (a spreadsheet may change their order).
	at := make([]int, len(cols))
	for i, c := range cols {
		at[i] = -1
		for j, h := range t.Header {
			h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
			if h != "" && (h == c.Name || h == c.Title) {
				at[i] = j
				break
			}
		}
	}
	// The row's key: every key column present in the file, else the unmarked ones present.
	var present []Column
	var idx []int
	for i, c := range cols {
		if at[i] >= 0 {
			present = append(present, c)
			idx = append(idx, at[i])
		}
	}
	keys, mark := layout(present)
	if len(keys) == 0 || len(mark) == 0 {
		for _, cand := range candidates {
			res.Scores = append(res.Scores, Score{Recipient: cand, P: 1, Adjusted: 1})
		}
		return res
	}
	for _, j := range mark {
		res.Columns = append(res.Columns, present[j].Name)
	}
	type obs struct {
		key    string
		column string
		digit  int
	}
	var cells []obs
	var sb strings.Builder
	kv := make([]string, len(keys))
	for _, row := range t.Rows {
		ok := true
		for i, j := range keys {
			if idx[j] >= len(row) {
				ok = false
				break
			}
			kv[i] = strings.TrimSpace(row[idx[j]])
		}
		if !ok {
			continue
		}
		key := rowKey(&sb, kv)
		res.Rows++
		for _, j := range mark {
			if idx[j] >= len(row) {
				continue
			}
			if d, ok := lastDigit(row[idx[j]], present[j].Kind); ok {
				cells = append(cells, obs{key: key, column: present[j].Name, digit: d})
			}
		}
	}
	n := len(candidates)
	for _, cand := range candidates {
		ch := newChooser(recipientKey(secret, entry, cand))
		s := Score{Recipient: cand}
		for _, o := range cells {
			c := ch.choose(o.column, o.key)
			if !c.marked {
				continue
			}
			s.Marks++
			if o.digit%2 == c.parity {
				s.Matches++
			}
		}
		s.P = BinomialTail(s.Marks, s.Matches)
		s.Adjusted = math.Min(1, s.P*float64(n))
		res.Scores = append(res.Scores, s)
	}
	sort.SliceStable(res.Scores, func(i, j int) bool { return res.Scores[i].P < res.Scores[j].P })
	if len(res.Scores) > 0 && res.Scores[0].Adjusted < threshold {
		res.Accused = res.Scores[0].Recipient
	}
	return res
}

// BinomialTail is P(X ≥ k) for X ~ Binomial(n, 1/2), computed in log space.
func BinomialTail(n, k int) float64 {
	if k <= 0 {
		return 1
	}
	if k > n {
		return 0
	}
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	ln2 := math.Log(2)
	// log-sum-exp of log C(n,i) - n log 2 for i = k … n
	terms := make([]float64, 0, n-k+1)
	top := math.Inf(-1)
	for i := k; i <= n; i++ {
		t := lg(n) - lg(i) - lg(n-i) - float64(n)*ln2
		terms = append(terms, t)
		top = math.Max(top, t)
	}
	sum := 0.0
	for _, t := range terms {
		sum += math.Exp(t - top)
	}
	return math.Min(1, math.Exp(top+math.Log(sum)))
}
