package web

import (
	"github.com/pubdata/pubdata"
	"net/http"
	"net/url"
)

// The objection pages: the form to file one (/objections/new, reachable from the portal
// entry page and from each row of a preview), the filer's list (/account/objections), the
// console's list of incoming objections (provider) and of the division's (authority, with
// overdue ones flagged), and an objection's page with the resolve form.

// ObjectionKeyParam is the query and form parameter prefix of a key value: key.<item>.
const ObjectionKeyParam = "key."

// objectionLink is the form's URL for the record of entry with the key values (by name).
func objectionLink(entryID string, key map[string]string) string {
	q := url.Values{"entry": {entryID}}
	for k, v := range key {
		q.Set(ObjectionKeyParam+k, v)
	}
	return "/objections/new?" + q.Encode()
}

// previewObjectionLinks returns, for a preview's rows, the link to object to each row: only
// when every key item is a column in clear (a masked key cannot name a record), else nil.
func previewObjectionLinks(e *pubdata.Entry, cols []previewColumn, rows [][]string) []string {
	keys := pubdata.KeyItems(e.Items)
	if len(keys) == 0 {
		return nil
	}
	idx := map[string]int{}
	for i, c := range cols {
		if !c.Masked {
			idx[c.Name] = i
		}
	}
	for _, k := range keys {
		if _, ok := idx[e.Items[k].Name]; !ok {
			return nil
		}
	}
	out := make([]string, len(rows))
	for i, row := range rows {
		key := map[string]string{}
		for _, k := range keys {
			key[e.Items[k].Name] = row[idx[e.Items[k].Name]]
		}
		out[i] = objectionLink(e.ID, key)
	}
	return out
}

// ObjectionRow is an objection as the lists show it.
type ObjectionRow struct {
	*pubdata.Objection
	KeyText string
}

func ObjectionRows(list []*pubdata.Objection) []ObjectionRow {
	out := make([]ObjectionRow, len(list))
	for i, o := range list {
		out[i] = ObjectionRow{Objection: o, KeyText: o.KeyText(nil)}
	}
	return out
}

type objectionsView struct {
	Page
	Role     string // mine, incoming, authority
	Roles    []string
	Rows     []ObjectionRow
	Total    int
	NextURL  string
	Filed    string // the id just filed
	Overdue  bool
	Statuses []pubdata.ObjectionStatus
	Status   string
}

func (s *Server) ObjectionsList(r *http.Request, a *pubdata.Actor, console bool) (*objectionsView, error) {
	f, err := s.ObjectionFilter(r, a)
	if err != nil {
		return nil, err
	}
	list, total, next, err := s.Objections.FindObjections(r.Context(), f)
	if err != nil {
		return nil, err
	}
	v := &objectionsView{Page: s.Base(r, console), Role: r.URL.Query().Get("role"), Rows: ObjectionRows(list), Total: total,
		Overdue: f.Overdue, Statuses: objectionStatuses, Status: string(f.Status)}
	if v.Role == "" {
		v.Role = "mine"
	}
	if next != "" {
		v.NextURL = PageLink(r, "cursor", next)
	}
	return v, nil
}
