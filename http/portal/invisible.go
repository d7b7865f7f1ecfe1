package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// Usable but invisible (invisible.go in the domain) on the portal: /catalog/{ref}/use, the
// page where a signed-in consumer verifies a record (yes or no) and asks for a noisy
// aggregate, stating the purpose in the form; both go through the one read path, spend the
// privacy budget and are recorded. No row is ever shown.

type useView struct {
	web.Page
	Entry   *pubdata.Entry
	Items   []pubdata.Item // the items a verification may name (every item; the read path refuses the hidden)
	Numbers []pubdata.Item // number items for sums, means and quantiles
	Groups  []string       // the columns the provider lets aggregates group by
	Purpose string
	Values  map[string]string
	Match   *bool
	Agg     useAggregateForm
	Result  *pubdata.AggregateResult
	Error   string
	Action  string // the form the error or result belongs to: verify or aggregate
}

type useAggregateForm struct {
	GroupBy, Op, Column, Lower, Upper, Epsilon string
}

func (s *Server) useView(r *http.Request) (*useView, error) {
	if _, err := web.RequireUser(r); err != nil {
		return nil, err
	}
	e, err := s.VisibleEntry(r, r.PathValue("ref"))
	if err != nil {
		return nil, err
	}
	if !e.HasInvisible() {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not usable but invisible.", e.ID).Keyed("error.access.not_invisible")
	}
	v := &useView{Page: s.Base(r, false), Entry: e, Groups: e.InvisibleTerms.GroupColumns, Values: map[string]string{},
		Agg: useAggregateForm{Op: pubdata.AggCount, Epsilon: "0.5"}}
	for _, it := range e.Items {
		v.Items = append(v.Items, it)
		if it.Type == "integer" || it.Type == "number" {
			v.Numbers = append(v.Numbers, it)
		}
	}
	return v, nil
}

// PageUse is GET /catalog/{ref}/use.
func (s *Server) PageUse(w http.ResponseWriter, r *http.Request) error {
	v, err := s.useView(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "use", http.StatusOK, v)
}

// PageUseSubmit is POST /catalog/{ref}/use: action=verify or aggregate.
func (s *Server) PageUseSubmit(w http.ResponseWriter, r *http.Request) error {
	v, err := s.useView(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v.Purpose = strings.TrimSpace(f.Get("purpose"))
	v.Action = f.Get("action")
	p := access.Purpose{Text: v.Purpose}
	status := http.StatusOK
	switch v.Action {
	case "verify":
		req := pubdata.VerifyRequest{Values: map[string]string{}}
		for _, it := range v.Items {
			if x := strings.TrimSpace(f.Get("v." + it.Name)); x != "" {
				req.Values[it.Name] = x
				v.Values[it.Name] = x
			}
		}
		ok, err := s.Reader().Verify(r.Context(), v.Entry, req, p)
		if err != nil {
			if !web.FormError(err) && pubdata.ErrorCode(err) != pubdata.EFORBIDDEN && pubdata.ErrorCode(err) != pubdata.EUNAUTHORIZED {
				return err
			}
			v.Error, status = web.ErrorText(v.Lang, err), web.ErrorStatus(err)
			break
		}
		v.Match = &ok
	case "aggregate":
		v.Agg = useAggregateForm{GroupBy: f.Get("group_by"), Op: f.Get("op"), Column: f.Get("column"),
			Lower: strings.TrimSpace(f.Get("lower")), Upper: strings.TrimSpace(f.Get("upper")), Epsilon: strings.TrimSpace(f.Get("epsilon"))}
		eps, _ := strconv.ParseFloat(v.Agg.Epsilon, 64)
		req := pubdata.AggregateRequest{GroupBy: v.Agg.GroupBy, Epsilon: eps, Measures: []pubdata.AggregateMeasure{{Op: pubdata.AggCount}}}
		if v.Agg.Op != "" && v.Agg.Op != pubdata.AggCount {
			m := pubdata.AggregateMeasure{Op: v.Agg.Op, Column: v.Agg.Column}
			if lo, err := strconv.ParseInt(v.Agg.Lower, 10, 64); err == nil {
				m.Lower = &lo
			}
			if hi, err := strconv.ParseInt(v.Agg.Upper, 10, 64); err == nil {
				m.Upper = &hi
			}
			if m.Op == pubdata.AggQuantiles {
				m.Quantiles = []float64{0.25, 0.5, 0.75}
			}
			req.Measures = append(req.Measures, m)
		}
		res, err := s.Reader().Aggregate(r.Context(), v.Entry, req, p)
		if err != nil {
			if !web.FormError(err) && pubdata.ErrorCode(err) != pubdata.EFORBIDDEN && pubdata.ErrorCode(err) != pubdata.EUNAUTHORIZED {
				return err
			}
			v.Error, status = web.ErrorText(v.Lang, err), web.ErrorStatus(err)
			break
		}
		v.Result = res
	default:
		return pubdata.Errorf(pubdata.EINVALID, "Unknown action %q.", v.Action).Keyed("error.use.action", "Action", v.Action)
	}
	return s.Render(w, r, "use", status, v)
}
