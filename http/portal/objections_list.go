package portal

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"net/url"
	"strings"
)

// objectionKeyField is one key item on the form.
type objectionKeyField struct {
	N     int
	Name  string
	Title string
	Type  string
	Value string
}

type objectionNewView struct {
	web.Page
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
	Errors     web.FormErrors
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
	v := &objectionNewView{Page: s.Base(r, false), Entry: e, Reasons: pubdata.ObjectionReasons, ReplyDays: s.ObjectionDays(),
		Reason: values.Get("reason"), Detail: values.Get("detail"), Errors: web.FormErrors{}}
	due := s.WorkCalendar().AddWorkdays(s.Now(), v.ReplyDays)
	v.Due, v.DueCovered = pubdata.Today(due), s.WorkCalendar().SpanCovered(s.Now(), due)
	for n, k := range pubdata.KeyItems(e.Items) {
		it := e.Items[k]
		v.Keys = append(v.Keys, objectionKeyField{N: n, Name: it.Name, Title: it.Title, Type: it.Type, Value: values.Get(web.ObjectionKeyParam + it.Name)})
	}
	v.SignInURL = "/login?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
	return v
}

func (s *Server) PageObjectionNew(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ObjectionService(); err != nil {
		return err
	}
	q := r.URL.Query()
	e, err := s.objectionEntry(r, q.Get("entry"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "objection_new", http.StatusOK, s.objectionNewView(r, e, q))
}

func (s *Server) PageObjectionSubmit(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ObjectionService(); err != nil {
		return err
	}
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	e, err := s.objectionEntry(r, f.Get("entry"))
	if err != nil {
		return err
	}
	c := &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{}, Reason: pubdata.ObjectionReason(f.Get("reason")), Detail: f.Get("detail")}
	for name := range f {
		if k, ok := strings.CutPrefix(name, web.ObjectionKeyParam); ok {
			c.Key[k] = f.Get(name)
		}
	}
	o, err := s.FileObjection(r, c)
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/account/objections", "filed", o.ID))
		return nil
	}
	if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) {
		return err
	}
	v := s.objectionNewView(r, e, f)
	lang := web.LangFrom(r.Context())
	for field, p := range pubdata.ErrorFields(err) {
		v.Errors[field] = web.FieldText(lang, p)
	}
	if len(v.Errors) == 0 {
		v.Errors[""] = web.ErrorText(lang, err)
	}
	return s.Render(w, r, "objection_new", http.StatusBadRequest, v)
}

func (s *Server) PageMyObjections(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ObjectionService(); err != nil {
		return err
	}
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Set("role", "mine")
	r.URL.RawQuery = q.Encode()
	v, err := s.ObjectionsList(r, a, false)
	if err != nil {
		return err
	}
	v.Filed = q.Get("filed")
	return s.Render(w, r, "objections", http.StatusOK, v)
}
