package api

import (
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"sort"
)

// divisionsWithin returns the divisions inside within (itself included), or the provinces
// when within is "".
func (s *Server) divisionsWithin(within string) ([]pubdata.Division, error) {
	if within == "" {
		// Province codes are 11xxxx to 82xxxx; the table has no list of them.
		var out []pubdata.Division
		for p := 11; p <= 82; p++ {
			if d, ok := s.Divisions.Lookup(fmt.Sprintf("%02d0000", p)); ok && d.Level == pubdata.LevelProvince {
				out = append(out, d)
			}
		}
		return out, nil
	}
	if err := s.Divisions.Check(within); err != nil {
		return nil, web.ParamError("within", pubdata.NewMessage("error.param.within", "Value", within), "must be a known six-digit division code, not %q.", within)
	}
	return s.Divisions.Within(within), nil
}

// ApiDivisionList lists GB/T 2260 divisions (public): ?within=CODE for those inside a
// division, else the provinces. Paged by code: the cursor is the last code of a page.
func (s *Server) ApiDivisionList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return err
	}
	all, err := s.divisionsWithin(q.Get("within"))
	if err != nil {
		return err
	}
	i := sort.Search(len(all), func(i int) bool { return all[i].Code > cursor })
	page := all[i:]
	next := ""
	if len(page) > limit {
		page = page[:limit]
		next = page[len(page)-1].Code
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(page, len(all), next))
	return nil
}
