package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// The objection pages: the form to file one (/objections/new, reachable from the portal
// entry page and from each row of a preview), the filer's list (/account/objections), the
// console's list of incoming objections (provider) and of the division's (authority, with
// overdue ones flagged), and an objection's page with the resolve form.

// objectionKeyParam is the query and form parameter prefix of a key value: key.<item>.
const objectionKeyParam = "key."

// objectionLink is the form's URL for the record of entry with the key values (by name).
func objectionLink(entryID string, key map[string]string) string {
	q := url.Values{"entry": {entryID}}
	for k, v := range key {
		q.Set(objectionKeyParam+k, v)
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

// objectionKeyField is one key item on the form.
type objectionKeyField struct {
	N     int
	Name  string
	Title string
	Type  string
	Value string
}

type objectionNewView struct {
	page
	Entry     *pubdata.Entry
	Keys      []objectionKeyField
	Reasons   []pubdata.ObjectionReason
	Reason    string
	Detail    string
	ReplyDays int
	Due       string
	// DueCovered: the calendar knows the holidays up to Due (else it is unconfirmed).
	DueCovered bool
	SignInURL  string
	Errors     formErrors
}

// objectionEntry returns the published table entry the form is about, if the visitor may
// see it.
func (s *Server) objectionEntry(r *http.Request, id string) (*pubdata.Entry, error) {
	a := pubdata.ActorFromContext(r.Context())
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewPublished(a, e) || e.Format != pubdata.FormatTable {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q not found.", id).Keyed("error.entry.not_found_ref", "ID", id)
	}
	return e, nil
}

func (s *Server) objectionNewView(r *http.Request, e *pubdata.Entry, values url.Values) *objectionNewView {
	v := &objectionNewView{page: s.base(r, false), Entry: e, Reasons: pubdata.ObjectionReasons, ReplyDays: s.ObjectionDays(),
		Reason: values.Get("reason"), Detail: values.Get("detail"), Errors: formErrors{}}
	due := s.calendar().AddWorkdays(s.now(), v.ReplyDays)
	v.Due, v.DueCovered = pubdata.Today(due), s.calendar().SpanCovered(s.now(), due)
	for n, k := range pubdata.KeyItems(e.Items) {
		it := e.Items[k]
		v.Keys = append(v.Keys, objectionKeyField{N: n, Name: it.Name, Title: it.Title, Type: it.Type, Value: values.Get(objectionKeyParam + it.Name)})
	}
	v.SignInURL = "/login?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
	return v
}

func (s *Server) pageObjectionNew(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.objections(); err != nil {
		return err
	}
	q := r.URL.Query()
	e, err := s.objectionEntry(r, q.Get("entry"))
	if err != nil {
		return err
	}
	return s.render(w, r, "objection_new", http.StatusOK, s.objectionNewView(r, e, q))
}

func (s *Server) pageObjectionSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.objections(); err != nil {
		return err
	}
	if _, err := consoleActor(r); err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	e, err := s.objectionEntry(r, f.Get("entry"))
	if err != nil {
		return err
	}
	c := &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{}, Reason: pubdata.ObjectionReason(f.Get("reason")), Detail: f.Get("detail")}
	for name := range f {
		if k, ok := strings.CutPrefix(name, objectionKeyParam); ok {
			c.Key[k] = f.Get(name)
		}
	}
	o, err := s.fileObjection(r, c)
	if err == nil {
		redirect(w, r, withQuery("/account/objections", "filed", o.ID))
		return nil
	}
	if !errorIs(err, pubdata.EINVALID) && !errorIs(err, pubdata.ECONFLICT) {
		return err
	}
	v := s.objectionNewView(r, e, f)
	lang := langFrom(r.Context())
	for field, p := range pubdata.ErrorFields(err) {
		v.Errors[field] = fieldText(lang, p)
	}
	if len(v.Errors) == 0 {
		v.Errors[""] = errorText(lang, err)
	}
	return s.render(w, r, "objection_new", http.StatusBadRequest, v)
}

// objectionRow is an objection as the lists show it.
type objectionRow struct {
	*pubdata.Objection
	KeyText string
}

func objectionRows(list []*pubdata.Objection) []objectionRow {
	out := make([]objectionRow, len(list))
	for i, o := range list {
		out[i] = objectionRow{Objection: o, KeyText: o.KeyText(nil)}
	}
	return out
}

type objectionsView struct {
	page
	Role     string // mine, incoming, authority
	Roles    []string
	Rows     []objectionRow
	Total    int
	NextURL  string
	Filed    string // the id just filed
	Overdue  bool
	Statuses []pubdata.ObjectionStatus
	Status   string
}

func (s *Server) objectionsList(r *http.Request, a *pubdata.Actor, console bool) (*objectionsView, error) {
	f, err := s.objectionFilter(r, a)
	if err != nil {
		return nil, err
	}
	list, total, next, err := s.Objections.FindObjections(r.Context(), f)
	if err != nil {
		return nil, err
	}
	v := &objectionsView{page: s.base(r, console), Role: r.URL.Query().Get("role"), Rows: objectionRows(list), Total: total,
		Overdue: f.Overdue, Statuses: objectionStatuses, Status: string(f.Status)}
	if v.Role == "" {
		v.Role = "mine"
	}
	if next != "" {
		v.NextURL = pageLink(r, "cursor", next)
	}
	return v, nil
}

func (s *Server) pageMyObjections(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.objections(); err != nil {
		return err
	}
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Set("role", "mine")
	r.URL.RawQuery = q.Encode()
	v, err := s.objectionsList(r, a, false)
	if err != nil {
		return err
	}
	v.Filed = q.Get("filed")
	return s.render(w, r, "objections", http.StatusOK, v)
}

func (s *Server) pageConsoleObjections(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.objections(); err != nil {
		return err
	}
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("role") == "" {
		switch {
		case a.IsAuthority():
			q.Set("role", "authority")
		case a.Org != nil:
			q.Set("role", "incoming")
		default:
			q.Set("role", "mine")
		}
		r.URL.RawQuery = q.Encode()
	}
	v, err := s.objectionsList(r, a, true)
	if err != nil {
		return err
	}
	v.Roles = []string{"mine"}
	if a.Org != nil {
		v.Roles = append(v.Roles, "incoming")
	}
	if a.IsAuthority() {
		v.Roles = append(v.Roles, "authority")
	}
	return s.render(w, r, "objections", http.StatusOK, v)
}

type objectionView struct {
	page
	Objection  *pubdata.Objection
	KeyText    string
	CanResolve bool
	Outcome    string
	Note       string
	Errors     formErrors
	Resolved   bool
	// ShowRows: the number of rows the objection froze is shown (not to a filer who may not
	// read them: objectionAsSeen).
	ShowRows bool
}

func (s *Server) objectionPage(r *http.Request) (*objectionView, error) {
	a, o, err := s.objectionFor(r)
	if err != nil {
		return nil, err
	}
	v := &objectionView{page: s.base(r, true), Objection: o, KeyText: o.KeyText(nil), Errors: formErrors{},
		CanResolve: o.Status == pubdata.ObjectionOpen && pubdata.CanResolveObjection(a, o), Resolved: r.URL.Query().Get("resolved") != "",
		ShowRows: o.Rows > 0 || a.Username() != o.Filer || pubdata.CanResolveObjection(a, o)}
	return v, nil
}

func (s *Server) pageObjection(w http.ResponseWriter, r *http.Request) error {
	v, err := s.objectionPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "objection", http.StatusOK, v)
}

func (s *Server) pageObjectionResolve(w http.ResponseWriter, r *http.Request) error {
	v, err := s.objectionPage(r)
	if err != nil {
		return err
	}
	a := pubdata.ActorFromContext(r.Context())
	if !pubdata.CanResolveObjection(a, v.Objection) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator, editor or reviewer of the provider, or the covering authority, may answer this objection.").Keyed("error.objection.answer_forbidden")
	}
	if err := parseForm(r); err != nil {
		return err
	}
	res := &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionStatus(r.PostForm.Get("outcome")), Note: r.PostForm.Get("note")}
	_, err = s.Objections.ResolveObjection(r.Context(), v.Objection.ID, res)
	switch {
	case err == nil:
		redirect(w, r, withQuery("/console/objections/"+v.Objection.ID, "resolved", "1"))
		return nil
	case !errorIs(err, pubdata.EINVALID) && !errorIs(err, pubdata.ECONFLICT):
		return err
	}
	lang := langFrom(r.Context())
	v.Outcome, v.Note = string(res.Outcome), res.Note
	for field, p := range pubdata.ErrorFields(err) {
		v.Errors[field] = fieldText(lang, p)
	}
	if len(v.Errors) == 0 {
		v.Errors[""] = errorText(lang, err)
	}
	return s.render(w, r, "objection", http.StatusBadRequest, v)
}
