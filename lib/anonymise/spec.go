package anonymise

import (
	"fmt"
	"strconv"
	"strings"
)

// HierarchyFor builds a quasi-identifier's hierarchy from a spec naming one of the automatic
// kinds — date, division (GB/T 2260 codes), number or number:W (intervals of W, 2W, 4W),
// flat — or "" / auto (chosen from the values: division codes, dates, whole numbers, else
// flat). It returns the hierarchy and the spec it used ("auto" resolved). Hierarchy files
// are ParseHierarchy's.
func HierarchyFor(spec string, values []string) (Hierarchy, string, error) {
	switch {
	case spec == "date":
		h, err := DateHierarchy(values)
		return h, spec, err
	case spec == "division":
		h, err := DivisionHierarchy(values)
		return h, spec, err
	case spec == "flat":
		return FlatHierarchy(values), spec, nil
	case spec == "number" || strings.HasPrefix(spec, "number:"):
		w := 0
		if _, ws, ok := strings.Cut(spec, ":"); ok {
			var err error
			if w, err = strconv.Atoi(ws); err != nil || w < 1 {
				return Hierarchy{}, spec, fmt.Errorf("number:%s: the width must be a whole number ≥ 1", ws)
			}
		}
		h, err := NumberHierarchy(values, w, 4)
		return h, spec, err
	case spec != "" && spec != "auto":
		return Hierarchy{}, spec, fmt.Errorf("unknown hierarchy %q: use date, division, number, number:W, flat or auto", spec)
	}
	if h, err := DivisionHierarchy(values); err == nil {
		return h, "division", nil
	}
	if h, err := DateHierarchy(values); err == nil {
		return h, "date", nil
	}
	if h, err := NumberHierarchy(values, 5, 4); err == nil {
		return h, "number:5", nil
	}
	return FlatHierarchy(values), "flat", nil
}
