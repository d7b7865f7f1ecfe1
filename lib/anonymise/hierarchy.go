// Package anonymise turns a table of microdata into an anonymised one by full-domain
// generalisation of its quasi-identifiers and suppression of records, under k-anonymity,
// l-diversity (distinct and entropy) and t-closeness (GB/T 37964-2019 Annex B; the models and
// metrics of ARX). It searches the whole generalisation lattice, so the result is the optimum
// of the chosen information-loss metric among the nodes that satisfy every criterion, and
// reports the re-identification risk of the result under the prosecutor, journalist and
// marketer models.
//
// The package is pure: it reads tables and hierarchies it is given and touches nothing else.
package anonymise

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Suppressed is the value a fully generalised cell shows (the root of every hierarchy).
const Suppressed = "*"

// Hierarchy maps each value of an attribute to its generalisations. Levels[v] is the path of
// v from level 1 upwards: Levels[v][0] is v's value at level 1, and so on; the last level is
// the root, which every value shares. All paths have the same length, Height()-1.
type Hierarchy struct {
	Levels map[string][]string
}

// Height is the number of levels including the original values (level 0).
func (h Hierarchy) Height() int {
	for _, p := range h.Levels {
		return len(p) + 1
	}
	return 1
}

// Validate checks that every path has the same length and that the last level is shared.
func (h Hierarchy) Validate() error {
	if len(h.Levels) == 0 {
		return errors.New("the hierarchy has no values")
	}
	want := -1
	root := ""
	for v, p := range h.Levels {
		if want < 0 {
			want = len(p)
			if want == 0 {
				return fmt.Errorf("value %q has no generalisation: a hierarchy needs at least a root level", v)
			}
			root = p[len(p)-1]
		}
		if len(p) != want {
			return fmt.Errorf("value %q has %d levels, others have %d: every row of a hierarchy must have the same number of columns", v, len(p)+1, want+1)
		}
		if p[len(p)-1] != root {
			return fmt.Errorf("value %q generalises to %q at the top level, others to %q: the top level must be one value", v, p[len(p)-1], root)
		}
	}
	return nil
}

// ParseHierarchy reads a hierarchy as ARX writes it: one row per value, the value then its
// generalisations from the most specific to the root, separated by sep.
func ParseHierarchy(r io.Reader, sep rune) (Hierarchy, error) {
	cr := csv.NewReader(r)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	h := Hierarchy{Levels: map[string][]string{}}
	line := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return Hierarchy{}, fmt.Errorf("hierarchy line %d: %w", line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return Hierarchy{}, fmt.Errorf("hierarchy line %d: %q has no generalisation (want value%cparent…%croot)", line, rec[0], sep, sep)
		}
		if _, dup := h.Levels[rec[0]]; dup {
			return Hierarchy{}, fmt.Errorf("hierarchy line %d: value %q appears twice", line, rec[0])
		}
		h.Levels[rec[0]] = append([]string(nil), rec[1:]...)
	}
	if err := h.Validate(); err != nil {
		return Hierarchy{}, err
	}
	return h, nil
}

// NumberHierarchy generalises integers into intervals: width, then width×2, width×4 … up to
// levels intervals, then the root. Values that are not integers are an error naming them.
func NumberHierarchy(values []string, width, levels int) (Hierarchy, error) {
	if width < 1 {
		width = 5
	}
	if levels < 1 {
		levels = 3
	}
	h := Hierarchy{Levels: map[string][]string{}}
	for _, v := range values {
		if _, ok := h.Levels[v]; ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return Hierarchy{}, fmt.Errorf("%q is not a whole number: an automatic number hierarchy needs whole numbers", v)
		}
		path := make([]string, 0, levels+1)
		w := int64(width)
		for i := 0; i < levels; i++ {
			lo := floorDiv(n, w) * w
			path = append(path, fmt.Sprintf("%d-%d", lo, lo+w-1))
			w *= 2
		}
		h.Levels[v] = append(path, Suppressed)
	}
	return h, h.Validate()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// DateHierarchy generalises dates (YYYY-MM-DD or YYYYMMDD) to month, year, decade and root.
func DateHierarchy(values []string) (Hierarchy, error) {
	h := Hierarchy{Levels: map[string][]string{}}
	for _, v := range values {
		if _, ok := h.Levels[v]; ok {
			continue
		}
		s := strings.TrimSpace(v)
		var t time.Time
		var err error
		if len(s) == 8 {
			t, err = time.Parse("20060102", s)
		} else {
			t, err = time.Parse("2006-01-02", s)
		}
		if err != nil {
			return Hierarchy{}, fmt.Errorf("%q is not a date (YYYY-MM-DD): an automatic date hierarchy needs dates", v)
		}
		y := t.Year()
		h.Levels[v] = []string{t.Format("2006-01"), strconv.Itoa(y), fmt.Sprintf("%ds", y/10*10), Suppressed}
	}
	return h, h.Validate()
}

// DivisionHierarchy generalises GB/T 2260 six-digit division codes: county → city (xxxx00) →
// province (xx0000) → root.
func DivisionHierarchy(values []string) (Hierarchy, error) {
	h := Hierarchy{Levels: map[string][]string{}}
	for _, v := range values {
		if _, ok := h.Levels[v]; ok {
			continue
		}
		s := strings.TrimSpace(v)
		if len(s) != 6 || strings.Trim(s, "0123456789") != "" {
			return Hierarchy{}, fmt.Errorf("%q is not a six-digit division code (GB/T 2260)", v)
		}
		h.Levels[v] = []string{s[:4] + "00", s[:2] + "0000", Suppressed}
	}
	return h, h.Validate()
}

// FlatHierarchy generalises every value straight to the root (suppression of the attribute).
func FlatHierarchy(values []string) Hierarchy {
	h := Hierarchy{Levels: map[string][]string{}}
	for _, v := range values {
		h.Levels[v] = []string{Suppressed}
	}
	return h
}

// encoded is a hierarchy as integer codes: code[level][i] for the distinct values of a level,
// parent[level][code] the code of its generalisation at level+1, leaves[level][code] how many
// original values it covers.
type encoded struct {
	values [][]string // values[level][code]
	parent [][]int32
	leaves [][]int32
	domain int // number of original (level 0) values
	bits   uint
}

func encode(h Hierarchy) encoded {
	height := h.Height()
	leafs := make([]string, 0, len(h.Levels))
	for v := range h.Levels {
		leafs = append(leafs, v)
	}
	sort.Strings(leafs)
	e := encoded{values: make([][]string, height), parent: make([][]int32, height), leaves: make([][]int32, height), domain: len(leafs)}
	index := make([]map[string]int32, height)
	for l := range index {
		index[l] = map[string]int32{}
	}
	codeOf := func(l int, v string) int32 {
		if c, ok := index[l][v]; ok {
			return c
		}
		c := int32(len(e.values[l]))
		index[l][v] = c
		e.values[l] = append(e.values[l], v)
		e.parent[l] = append(e.parent[l], -1)
		e.leaves[l] = append(e.leaves[l], 0)
		return c
	}
	for _, v := range leafs {
		path := append([]string{v}, h.Levels[v]...)
		prev := int32(-1)
		for l, pv := range path {
			c := codeOf(l, pv)
			e.leaves[l][c]++
			if l > 0 {
				e.parent[l-1][prev] = c
			}
			prev = c
		}
	}
	e.bits = uint(math.Ceil(math.Log2(float64(len(e.values[0]) + 1))))
	if e.bits == 0 {
		e.bits = 1
	}
	return e
}

// loss is ARX's "Loss" of one cell generalised to code at level: the share of the domain it
// covers beyond the value itself, 0 for an original value, 1 for the root.
func (e encoded) loss(level int, code int32) float64 {
	if e.domain <= 1 {
		return 0
	}
	return float64(e.leaves[level][code]-1) / float64(e.domain-1)
}
