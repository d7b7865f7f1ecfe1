package api

import (
	"encoding/base64"
	"encoding/csv"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The catalogue's JSON API: entries and their workflow, versions and diffs, the search of
// the published catalogue, the data-element registry and the published lists (JSON pages
// and CSV downloads, see apiList).
//
// Who sees what:
//   - an entry's working copy: the users of its provider and of the authorities whose
//     division covers the entry's (mayViewWorkingCopy, in console/entries.go);
//   - the published catalogue: members of public bodies and authorities see all of it;
//     anonymous callers, public users and companies see the open catalogue (open class
//     unconditional or conditional) only, as on the portal (seesWholeCatalog, visibleEntry).
//     An entry nobody may see answers 404, never 403, so its existence does not leak.

// publishedView returns the published entry as the catalogue shows it: without the
// workflow's internals (review comment, source flags).
func publishedView(e *pubdata.Entry) *pubdata.Entry {
	c := *e
	c.ReviewComment = ""
	c.Flags = []pubdata.SourceFlag{}
	c.SubmittedAt = nil
	return &c
}

// entryFor returns the entry as the actor may see it: the working copy when the actor may
// see it (unless view is "published"), else the published version when visible; ENOTFOUND
// otherwise. working reports which one it is.
func (s *Server) entryFor(r *http.Request, id, view string) (e *pubdata.Entry, working bool, err error) {
	a := pubdata.ActorFromContext(r.Context())
	if view != "published" {
		e, err := pubdata.FindWorkingCopyFor(r.Context(), s.Entries, a, id)
		switch {
		case err == nil:
			return e, true, nil
		case !web.ErrorIs(err, pubdata.ENOTFOUND):
			return nil, false, err
		}
		if view == "working" {
			return nil, false, web.NotFoundEntry(id)
		}
	}
	p, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, false, web.NotFoundEntry(id)
	} else if err != nil {
		return nil, false, err
	}
	if !pubdata.CanViewPublished(a, p) {
		return nil, false, web.NotFoundEntry(id)
	}
	return publishedView(p), false, nil
}

// entryForChange returns the working copy of an entry that the signed-in actor wants to
// change: EUNAUTHORIZED when anonymous, ENOTFOUND when the actor may not see the entry at
// all (so its existence does not leak). Whether the actor may make the change is the
// caller's check.
func (s *Server) entryForChange(r *http.Request) (*pubdata.Actor, *pubdata.Entry, error) {
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	id := r.PathValue("id")
	e, err := s.Entries.FindEntryByID(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, web.NotFoundEntry(id)
	} else if err != nil {
		return nil, nil, err
	}
	if pubdata.CanViewWorkingCopy(a, e) {
		return a, e, nil
	}
	if p, err := s.Entries.FindPublishedEntry(r.Context(), id); err == nil && pubdata.CanViewPublished(a, p) {
		return a, e, nil
	} else if err != nil && !web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, err
	}
	return nil, nil, web.NotFoundEntry(id)
}

// entryCreateRequest is the body of POST /api/v1/entries: the entry's fields and, optionally,
// its resource code (generated from the category when empty).
type entryCreateRequest struct {
	Code string `json:"code"`
	pubdata.EntryFields
}

func (s *Server) ApiEntryCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	if a.Org == nil || !pubdata.CanEditEntry(a, a.Org.Code) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of an organisation may create its catalogue entries.").Keyed("error.entry.create_forbidden_org")
	}
	var req entryCreateRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	f := req.EntryFields
	code := strings.TrimSpace(req.Code)
	var codeErr *pubdata.Error
	if code != "" && !pubdata.ValidResourceCode(code) {
		codeErr = pubdata.FieldErrorf("code", "Resource code %q is not of the form 分类码/顺序码 (e.g. 301001/00001).", code).
			Keyed("error.entry.code", "Code", code)
	}
	if err := pubdata.WithFieldError(pubdata.ValidateEntry(a.Org, &f, s.Divisions.Check), codeErr); err != nil {
		return err
	}
	e, err := s.Entries.CreateEntry(r.Context(), a.Org.Code, code, &f)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/entries/"+e.ID)
	web.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) ApiEntryGet(w http.ResponseWriter, r *http.Request) error {
	view := r.URL.Query().Get("view")
	switch view {
	case "", "working", "published":
	default:
		return web.ParamError("view", pubdata.NewMessage("error.param.view", "Value", view), "must be working or published, not %q.", view)
	}
	e, _, err := s.entryFor(r, r.PathValue("id"), view)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

// entryPatch is the body of PATCH /api/v1/entries/{id}: the fields to change. Absent fields
// keep their value; lists (keywords, related, items) are replaced as a whole.
type entryPatch struct {
	Title           *string         `json:"title"`
	Summary         *string         `json:"summary"`
	Category        *string         `json:"category"`
	Format          *string         `json:"format"`
	UpdateCycle     *string         `json:"update_cycle"`
	ShareClass      *string         `json:"share_class"`
	ShareConditions *string         `json:"share_conditions"`
	ShareBasis      *string         `json:"share_basis"`
	OpenClass       *string         `json:"open_class"`
	OpenConditions  *string         `json:"open_conditions"`
	OpenBasis       *string         `json:"open_basis"`
	Division        *string         `json:"division"`
	Keywords        *[]string       `json:"keywords"`
	Related         *[]string       `json:"related"`
	Supplementary   *bool           `json:"supplementary"`
	Items           *[]pubdata.Item `json:"items"`
	Obtained        *[]string       `json:"obtained"`
	Terms           *[]string       `json:"terms"`
	TermsText       *string         `json:"terms_text"`
	License         *string         `json:"license"`
	TemporalStart   *string         `json:"temporal_start"`
	TemporalEnd     *string         `json:"temporal_end"`
	ContactName     *string         `json:"contact_name"`
	ContactEmail    *string         `json:"contact_email"`
	ContactPhone    *string         `json:"contact_phone"`
	DataCategory    *string         `json:"data_category"`
	DataLevel       *string         `json:"data_level"`
}

// apply merges the patch into f.
func (p *entryPatch) apply(f *pubdata.EntryFields) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&f.Title, p.Title)
	set(&f.Summary, p.Summary)
	set(&f.Category, p.Category)
	set(&f.Format, p.Format)
	set(&f.UpdateCycle, p.UpdateCycle)
	set(&f.ShareClass, p.ShareClass)
	set(&f.ShareConditions, p.ShareConditions)
	set(&f.ShareBasis, p.ShareBasis)
	set(&f.OpenClass, p.OpenClass)
	set(&f.OpenConditions, p.OpenConditions)
	set(&f.OpenBasis, p.OpenBasis)
	set(&f.Division, p.Division)
	if p.Keywords != nil {
		f.Keywords = *p.Keywords
	}
	if p.Related != nil {
		f.Related = *p.Related
	}
	if p.Supplementary != nil {
		f.Supplementary = *p.Supplementary
	}
	if p.Items != nil {
		f.Items = *p.Items
	}
	if p.Obtained != nil {
		f.Obtained = *p.Obtained
	}
	if p.Terms != nil {
		f.Terms = *p.Terms
	}
	set(&f.TermsText, p.TermsText)
	set(&f.License, p.License)
	set(&f.TemporalStart, p.TemporalStart)
	set(&f.TemporalEnd, p.TemporalEnd)
	set(&f.ContactName, p.ContactName)
	set(&f.ContactEmail, p.ContactEmail)
	set(&f.ContactPhone, p.ContactPhone)
	set(&f.DataCategory, p.DataCategory)
	set(&f.DataLevel, p.DataLevel)
}

func (s *Server) ApiEntryPatch(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.entryForChange(r)
	if err != nil {
		return err
	}
	if !pubdata.CanEditEntry(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of %s may edit its entries.", e.Org).Keyed("error.entry.edit_forbidden", "Org", e.Org)
	}
	var p entryPatch
	if err := web.DecodeJSON(r, &p); err != nil {
		return err
	}
	if _, err := pubdata.NextEntryStatus(e.Status, pubdata.EntryEdit); err != nil {
		return err
	}
	f := e.EntryFields
	f.Keywords, f.Related, f.Items = slices.Clone(f.Keywords), slices.Clone(f.Related), slices.Clone(f.Items)
	p.apply(&f)
	if err := pubdata.ValidateEntry(a.Org, &f, s.Divisions.Check); err != nil {
		return err
	}
	e, err = s.Entries.UpdateEntry(r.Context(), e.ID, &f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) ApiEntrySubmit(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.entryForChange(r)
	if err != nil {
		return err
	}
	if !pubdata.CanEditEntry(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of %s may submit its entries.", e.Org).Keyed("error.entry.submit_forbidden", "Org", e.Org)
	}
	if _, err := pubdata.NextEntryStatus(e.Status, pubdata.EntrySubmit); err != nil {
		return err
	}
	e, err = s.Entries.SubmitEntry(r.Context(), e.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

type entryReviewRequest struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
	// OverrideReason is an authority's admin's reason to approve despite the pre-open
	// check's findings (E7; open_policy.go).
	OverrideReason string `json:"override_reason"`
}

func (s *Server) ApiEntryReview(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.entryForChange(r)
	if err != nil {
		return err
	}
	if !pubdata.CanReviewEntry(a, e.Division) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator or reviewer of the authority for division %s may review this entry.", e.Division).Keyed("error.entry.review_forbidden_named", "Division", e.Division)
	}
	var req entryReviewRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	req.Comment = strings.TrimSpace(req.Comment)
	var action pubdata.EntryAction
	switch req.Decision {
	case "approve":
		action = pubdata.EntryApprove
	case "reject":
		action = pubdata.EntryReject
		if req.Comment == "" {
			return pubdata.FieldErrorf("comment", "A rejection needs a comment telling the provider what to change.").
				Keyed("error.entry.reject_comment")
		}
	default:
		return pubdata.FieldErrorf("decision", "Decision %q is not one of approve, reject.", req.Decision).
			Keyed("error.entry.decision", "Decision", req.Decision)
	}
	if len([]rune(req.Comment)) > 4000 {
		return pubdata.FieldErrorf("comment", "The comment must be at most 4000 characters.").Keyed("error.entry.comment.too_long")
	}
	if _, err := pubdata.NextEntryStatus(e.Status, action); err != nil {
		return err
	}
	if action == pubdata.EntryApprove {
		e, _, err = s.ApproveEntry(r.Context(), a, e, req.Comment, req.OverrideReason)
	} else {
		e, err = s.Entries.ReviewEntry(r.Context(), e.ID, false, req.Comment)
	}
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

type entryRetireRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) ApiEntryRetire(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.entryForChange(r)
	if err != nil {
		return err
	}
	if !pubdata.CanEditEntry(a, e.Org) && !pubdata.CanReviewEntry(a, e.Division) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of %s, or the authority for division %s, may retire this entry.", e.Org, e.Division).Keyed("error.entry.retire_forbidden", "Org", e.Org, "Division", e.Division)
	}
	var req entryRetireRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	switch n := len([]rune(req.Reason)); {
	case n == 0:
		return pubdata.FieldErrorf("reason", "Retiring an entry needs a reason.").Keyed("error.entry.retire_reason")
	case n > 4000:
		return pubdata.FieldErrorf("reason", "The reason must be at most 4000 characters.").Keyed("error.entry.retire_reason.too_long")
	}
	if _, err := pubdata.NextEntryStatus(e.Status, pubdata.EntryRetire); err != nil {
		return err
	}
	e, err = s.Entries.RetireEntry(r.Context(), e.ID, req.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

// versionsFor returns the versions of an entry the caller may see, newest first, with the
// working copy when the caller may see it. Viewers of the published catalogue only see the
// versions that were in what they may see (for the public: versions in the open catalogue),
// without the reviewer's name.
func (s *Server) versionsFor(r *http.Request) ([]*pubdata.EntryVersion, *pubdata.Entry, error) {
	e, working, err := s.entryFor(r, r.PathValue("id"), "")
	if err != nil {
		return nil, nil, err
	}
	versions, err := s.Entries.FindEntryVersions(r.Context(), e.ID)
	if err != nil {
		return nil, nil, err
	}
	if working {
		return versions, e, nil
	}
	a := pubdata.ActorFromContext(r.Context())
	out := []*pubdata.EntryVersion{}
	for _, v := range versions {
		if !pubdata.SeesWholeCatalog(a) && !slices.Contains(pubdata.OpenCatalog.Values, v.Fields.OpenClass) {
			continue
		}
		c := *v
		c.Reviewer = ""
		out = append(out, &c)
	}
	return out, nil, nil
}

func (s *Server) ApiEntryVersions(w http.ResponseWriter, r *http.Request) error {
	versions, _, err := s.versionsFor(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(versions, len(versions), ""))
	return nil
}

// EntryDiffReply is the field-by-field comparison of two versions of an entry.
type EntryDiffReply struct {
	From    string                `json:"from"`
	To      string                `json:"to"`
	Changes []pubdata.FieldChange `json:"changes"`
}

func (s *Server) ApiEntryDiff(w http.ResponseWriter, r *http.Request) error {
	versions, working, err := s.versionsFor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pick := func(name string) (pubdata.EntryFields, error) {
		v := strings.TrimSpace(q.Get(name))
		switch v {
		case "":
			return pubdata.EntryFields{}, web.ParamError(name, pubdata.NewMessage("error.param.version.required"), "is required: a version number, or working for the working copy.")
		case "working":
			if working == nil {
				return pubdata.EntryFields{}, web.ParamError(name, pubdata.NewMessage("error.param.version.working"),
					"cannot be working: only the provider and the authority see the working copy.")
			}
			return working.EntryFields, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return pubdata.EntryFields{}, web.ParamError(name, pubdata.NewMessage("error.param.version", "Value", v), "must be a version number (1, 2, …) or working, not %q.", v)
		}
		for _, ver := range versions {
			if ver.Version == n {
				return ver.Fields, nil
			}
		}
		return pubdata.EntryFields{}, pubdata.Errorf(pubdata.ENOTFOUND, "Version %d of entry %q was not found.", n, r.PathValue("id")).
			Keyed("error.entry.version.not_found", "Version", n, "ID", r.PathValue("id"))
	}
	from, err := pick("from")
	if err != nil {
		return err
	}
	to, err := pick("to")
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, EntryDiffReply{From: q.Get("from"), To: q.Get("to"), Changes: pubdata.DiffEntryFields(from, to)})
	return nil
}

// SearchReply is the reply of the catalogue search: a list with facet counts.
type SearchReply struct {
	Items  []*pubdata.Entry          `json:"items"`
	Total  int                       `json:"total"`
	Next   string                    `json:"next"`
	Facets map[string]map[string]int `json:"facets"`
}

func encodeOffset(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(n)))
}

func decodeOffset(cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	v, ok := strings.CutPrefix(string(b), "o:")
	n, nerr := strconv.Atoi(v)
	if err != nil || !ok || nerr != nil || n < 0 || n > web.MaxSearchOffset {
		return 0, web.ParamError("cursor", pubdata.NewMessage("error.param.cursor"), "is not a cursor this list gave.")
	}
	return n, nil
}

// nextOffset is the cursor after a page at offset of limit items out of total, or "".
func nextOffset(offset, limit, total int) string {
	if offset+limit >= total || offset+limit > web.MaxSearchOffset {
		return ""
	}
	return encodeOffset(offset + limit)
}

// searchFilterParams are the query parameters of the search that filter on a facet field;
// each takes one or more comma-separated values (any of them matches).
var searchFilterParams = []string{"org", "category", "share_class", "open_class", "format", "update_cycle", "keyword", "supplementary"}

// catalogSearchQuery reads the search's parameters.
func catalogSearchQuery(q map[string][]string) (pubdata.CatalogQuery, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	cq := pubdata.CatalogQuery{Q: get("q"), Sort: get("sort"), Facets: true}
	var err error
	if cq.Limit, _, err = web.PageParams(q); err != nil {
		return cq, err
	}
	if cq.Offset, err = decodeOffset(get("cursor")); err != nil {
		return cq, err
	}
	switch get("facets") {
	case "", "true":
	case "false":
		cq.Facets = false
	default:
		return cq, web.ParamError("facets", pubdata.NewMessage("error.param.bool", "Value", get("facets")), "must be true or false, not %q.", get("facets"))
	}
	for _, field := range searchFilterParams {
		var vals []string
		for _, v := range q[field] {
			for _, x := range strings.Split(v, ",") {
				if x = strings.TrimSpace(x); x != "" && !slices.Contains(vals, x) {
					vals = append(vals, x)
				}
			}
		}
		if len(vals) > 0 {
			cq.Filters = append(cq.Filters, pubdata.CatalogFilter{Field: field, Values: vals})
		}
	}
	if d := get("division"); d != "" {
		if !pubdata.ValidDivisionSyntax(d) {
			return cq, web.ParamError("division", pubdata.NewMessage("error.param.division", "Value", d), "must be a six-digit division code, not %q.", d)
		}
		cq.DivisionPrefix = pubdata.DivisionPrefix(d)
	}
	if cq.Sort == "relevance" && cq.Q == "" {
		cq.Sort = ""
	}
	if err := pubdata.ValidateCatalogQuery(&cq); err != nil {
		if e, ok := err.(*pubdata.Error); ok && e.Field != "" && e.Field != "fq" {
			return cq, web.ParamError(e.Field, pubdata.NewMessage("error.param.invalid", "Problem", pubdata.MessageOf(e)), "is not valid: %s", e.Message)
		}
		return cq, err
	}
	return cq, nil
}

// ApiEntrySearch searches the published catalogue, or, with status= or mine=true, lists
// working copies.
func (s *Server) ApiEntrySearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Has("status") || q.Has("mine") {
		return s.apiEntryWorkingList(w, r)
	}
	cq, err := catalogSearchQuery(q)
	if err != nil {
		return err
	}
	if !pubdata.SeesWholeCatalog(pubdata.ActorFromContext(r.Context())) {
		cq.Filters = append(cq.Filters, pubdata.OpenCatalog)
	}
	res, err := s.Entries.SearchCatalog(r.Context(), cq)
	if err != nil {
		return err
	}
	reply := SearchReply{Items: []*pubdata.Entry{}, Total: res.Total, Next: nextOffset(cq.Offset, cq.Limit, res.Total), Facets: res.Facets}
	for _, e := range res.Items {
		reply.Items = append(reply.Items, publishedView(e))
	}
	if reply.Facets == nil {
		reply.Facets = map[string]map[string]int{}
	}
	web.WriteJSON(w, http.StatusOK, reply)
	return nil
}

// apiEntryWorkingList lists working copies: the caller's organisation's (mine=true, or any
// organisation member asking by status), or for an authority those in its division (with
// status=submitted: its review queue).
func (s *Server) apiEntryWorkingList(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := pubdata.EntryFilter{Q: strings.TrimSpace(q.Get("q"))}
	if f.Limit, f.Cursor, err = web.PageParams(q); err != nil {
		return err
	}
	if v := q.Get("status"); v != "" {
		if !slices.Contains(entryStatuses, pubdata.EntryStatus(v)) {
			return web.ParamError("status", pubdata.NewMessage("error.param.entry_status", "Value", v),
				"must be one of draft, submitted, published, rejected, retired, not %q.", v)
		}
		f.Status = pubdata.EntryStatus(v)
	}
	mine := false
	switch v := q.Get("mine"); v {
	case "", "false":
	case "true":
		mine = true
	default:
		return web.ParamError("mine", pubdata.NewMessage("error.param.bool", "Value", v), "must be true or false, not %q.", v)
	}
	org := strings.TrimSpace(q.Get("org"))
	switch {
	case a.Org == nil:
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only members of an organisation have working copies of entries; search the published catalogue instead.").Keyed("error.entry.working_copies_forbidden")
	case mine:
		if org != "" && org != a.Org.Code {
			return web.ParamError("org", pubdata.NewMessage("error.param.org_with_mine"), "cannot name another organisation with mine=true.")
		}
		f.Org = a.Org.Code
	case a.IsAuthority():
		f.DivisionPrefix = pubdata.DivisionPrefix(a.Org.Division)
		f.Org = org
	default:
		if org != "" && org != a.Org.Code {
			return pubdata.Errorf(pubdata.EFORBIDDEN, "You may list the working copies of your own organisation's entries only.").Keyed("error.entry.working_copies_own")
		}
		f.Org = a.Org.Code
	}
	entries, total, next, err := s.Entries.FindEntries(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []*pubdata.Entry{}
	}
	web.WriteJSON(w, http.StatusOK, SearchReply{Items: entries, Total: total, Next: next, Facets: map[string]map[string]int{}})
	return nil
}

var entryStatuses = []pubdata.EntryStatus{pubdata.StatusDraft, pubdata.StatusSubmitted, pubdata.StatusPublished, pubdata.StatusRejected, pubdata.StatusRetired}

func (s *Server) ApiElementList(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	els, err := s.Elements.FindElements(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(els, len(els), ""))
	return nil
}

type elementSourceRequest struct {
	Org   string `json:"org"`
	Entry string `json:"entry"`
}

// ApiElementSetSource names the authoritative provider of a data element (一数一源): an
// authority's admin, for a provider inside its division.
func (s *Server) ApiElementSetSource(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	if !pubdata.CanManageElements(a) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's (provincial) authority may name the source of a data element.").Keyed("error.element.source_forbidden")
	}
	var req elementSourceRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	req.Org, req.Entry = strings.TrimSpace(req.Org), strings.TrimSpace(req.Entry)
	switch {
	case req.Org == "" && req.Entry != "":
		return pubdata.FieldErrorf("org", "Name the organisation that supplies the entry.").Keyed("error.element.source_org.required")
	case req.Org != "":
		o, err := s.Orgs.FindOrgByCode(r.Context(), req.Org)
		if web.ErrorIs(err, pubdata.ENOTFOUND) {
			return pubdata.FieldErrorf("org", "Organisation %q does not exist.", req.Org).Keyed("error.org.unknown", "Org", req.Org)
		} else if err != nil {
			return err
		}
		if !pubdata.DivisionCovers(a.Org.Division, o.Division) {
			return pubdata.Errorf(pubdata.EFORBIDDEN, "Organisation %s is outside your authority's division %s.", o.Code, a.Org.Division).Keyed("error.org.outside_division", "Org", o.Code, "Division", a.Org.Division)
		}
		if req.Entry != "" {
			e, err := s.Entries.FindEntryByID(r.Context(), req.Entry)
			if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && e.Org != o.Code) {
				return pubdata.FieldErrorf("entry", "Organisation %s has no entry %q.", o.Code, req.Entry).
					Keyed("error.element.source_entry", "Org", o.Code, "Entry", req.Entry)
			} else if err != nil {
				return err
			}
		}
	}
	el, err := s.Elements.SetElementSource(r.Context(), r.PathValue("code"), req.Org, req.Entry)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, el)
	return nil
}

// The published lists (A5): JSON pages or a CSV download of the whole list.

// ListKinds are the published lists, by the last segment of their path.
var ListKinds = []string{"share", "open", "negative", "responsibility", "demand"}

// listColumn is one column of a published list: its JSON key, the message key of its CSV
// header and its value (codes in JSON; labels in the CSV's language).
type listColumn struct {
	key       string
	headerKey string
	value     func(e *pubdata.Entry) string
	label     []web.CatOption // the value is one of these codes, shown by its label in CSV
}

var (
	colID       = listColumn{key: "id", headerKey: "dl.col.id", value: func(e *pubdata.Entry) string { return e.ID }}
	colCode     = listColumn{key: "code", headerKey: "dl.col.code", value: func(e *pubdata.Entry) string { return e.Code }}
	colTitle    = listColumn{key: "title", headerKey: "dl.col.title", value: func(e *pubdata.Entry) string { return e.Title }}
	colOrg      = listColumn{key: "org", headerKey: "dl.col.org", value: func(e *pubdata.Entry) string { return e.Org }}
	colOrgName  = listColumn{key: "org_name", headerKey: "dl.col.org_name", value: func(e *pubdata.Entry) string { return e.OrgName }}
	colCategory = listColumn{key: "category", headerKey: "dl.col.category", value: func(e *pubdata.Entry) string { return e.Category }}
	colFormat   = listColumn{key: "format", headerKey: "dl.col.format", value: func(e *pubdata.Entry) string { return e.Format }, label: web.FormatOptions}
	colCycle    = listColumn{key: "update_cycle", headerKey: "dl.col.update_cycle", value: func(e *pubdata.Entry) string { return e.UpdateCycle }, label: web.CycleOptions}
	colDivision = listColumn{key: "division", headerKey: "dl.col.division", value: func(e *pubdata.Entry) string { return e.Division }}
	colShare    = listColumn{key: "share_class", headerKey: "dl.col.share_class", value: func(e *pubdata.Entry) string { return e.ShareClass }, label: web.ShareClassOptions}
	colShareC   = listColumn{key: "share_conditions", headerKey: "dl.col.share_conditions", value: func(e *pubdata.Entry) string { return e.ShareConditions }}
	colShareB   = listColumn{key: "share_basis", headerKey: "dl.col.share_basis", value: func(e *pubdata.Entry) string { return e.ShareBasis }}
	colOpen     = listColumn{key: "open_class", headerKey: "dl.col.open_class", value: func(e *pubdata.Entry) string { return e.OpenClass }, label: web.OpenClassOptions}
	colOpenC    = listColumn{key: "open_conditions", headerKey: "dl.col.open_conditions", value: func(e *pubdata.Entry) string { return e.OpenConditions }}
	colOpenB    = listColumn{key: "open_basis", headerKey: "dl.col.open_basis", value: func(e *pubdata.Entry) string { return e.OpenBasis }}
	colPubOn    = listColumn{key: "published_on", headerKey: "dl.col.published_on", value: func(e *pubdata.Entry) string { return e.PublishedOn }}
)

// listColumns are each entry list's columns, in CSV order.
var listColumns = map[string][]listColumn{
	"share":          {colCode, colTitle, colOrg, colOrgName, colCategory, colFormat, colShare, colShareC, colCycle, colDivision, colPubOn, colID},
	"open":           {colCode, colTitle, colOrg, colOrgName, colCategory, colFormat, colOpen, colOpenC, colCycle, colDivision, colPubOn, colID},
	"negative":       {colCode, colTitle, colOrg, colOrgName, colShare, colShareB, colOpen, colOpenB, colDivision, colID},
	"responsibility": {colOrg, colOrgName, colCode, colTitle, colFormat, colCycle, colDivision, colID},
}

// demandColumns are the demand list's columns (JSON key, CSV header key). The asker's
// username is not published.
var demandColumns = []struct{ key, headerKey string }{
	{key: "id", headerKey: "dl.col.demand_id"}, {key: "title", headerKey: "dl.col.demand_title"},
	{key: "description", headerKey: "dl.col.description"}, {key: "org", headerKey: "dl.col.demand_org"},
	{key: "entry", headerKey: "dl.col.entry"}, {key: "status", headerKey: "dl.col.status"},
	{key: "created_at", headerKey: "dl.col.created_at"},
}

// requestLang is the language of an API download: ?lang=, else Accept-Language (zh-CN by
// default). The API skips the pages' language middleware, so it decides here.
func requestLang(r *http.Request) string {
	if l, ok := web.ParseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	return web.NegotiateLang(r.Header.Get("Accept-Language"))
}

// ApiList serves one published list: a JSON page ({"items","total","next"}, limit and
// cursor) or, with format=csv, the whole list as a CSV download.
func (s *Server) ApiList(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		format := q.Get("format")
		switch format {
		case "", "json", "csv":
		default:
			return web.ParamError("format", pubdata.NewMessage("error.param.download_format", "Value", format), "must be json or csv, not %q.", format)
		}
		if v := q.Get("lang"); v != "" {
			if _, ok := web.ParseLang(v); !ok {
				return web.ParamError("lang", pubdata.NewMessage("error.param.lang", "Value", v), "must be zh-CN or en, not %q.", v)
			}
		}
		if kind == "demand" {
			return s.apiDemandList(w, r, format == "csv")
		}
		a := pubdata.ActorFromContext(r.Context())
		cols := listColumns[kind]
		cq := web.ListQuery(kind, a)
		if format == "csv" {
			cw := newCSVDownload(w, kind+"-list", requestLang(r))
			header := make([]string, len(cols))
			for i, c := range cols {
				header[i] = web.Translate(cw.lang, c.headerKey)
			}
			cw.row(header)
			cq.Limit = pubdata.MaxLimit
			for {
				res, err := s.Entries.SearchCatalog(r.Context(), cq)
				if err != nil {
					return cw.fail(err)
				}
				for _, e := range res.Items {
					row := make([]string, len(cols))
					for i, c := range cols {
						row[i] = c.value(e)
						if c.label != nil && row[i] != "" {
							row[i] = web.Translate(cw.lang, s.LabelKey(web.OptionKey(c.label, row[i])))
						}
					}
					cw.row(row)
				}
				cq.Offset += len(res.Items)
				if len(res.Items) == 0 || cq.Offset >= res.Total {
					break
				}
			}
			return cw.close()
		}
		var err error
		if cq.Limit, _, err = web.PageParams(q); err != nil {
			return err
		}
		if cq.Offset, err = decodeOffset(q.Get("cursor")); err != nil {
			return err
		}
		res, err := s.Entries.SearchCatalog(r.Context(), cq)
		if err != nil {
			return err
		}
		items := make([]map[string]string, 0, len(res.Items))
		for _, e := range res.Items {
			row := make(map[string]string, len(cols))
			for _, c := range cols {
				row[c.key] = c.value(e)
			}
			items = append(items, row)
		}
		web.WriteJSON(w, http.StatusOK, web.NewList(items, res.Total, nextOffset(cq.Offset, cq.Limit, res.Total)))
		return nil
	}
}

// apiDemandList serves the demand list (需求清单).
func (s *Server) apiDemandList(w http.ResponseWriter, r *http.Request, csvOut bool) error {
	rowOf := func(d *pubdata.Demand) []string {
		created := ""
		if !d.CreatedAt.IsZero() {
			created = d.CreatedAt.UTC().Format(time.RFC3339)
		}
		return []string{d.ID, d.Title, d.Description, d.Org, d.Entry, d.Status, created}
	}
	if csvOut {
		cw := newCSVDownload(w, "demand-list", requestLang(r))
		header := make([]string, len(demandColumns))
		for i, c := range demandColumns {
			header[i] = web.Translate(cw.lang, c.headerKey)
		}
		cw.row(header)
		cursor := ""
		for s.Demands != nil {
			demands, _, next, err := s.Demands.FindDemands(r.Context(), pubdata.MaxLimit, cursor)
			if err != nil {
				return cw.fail(err)
			}
			for _, d := range demands {
				row := rowOf(d)
				if row[5] != "" {
					row[5] = web.Translate(cw.lang, web.OptionKey(web.DemandStatusOptions, row[5]))
				}
				cw.row(row)
			}
			if next == "" || len(demands) == 0 {
				break
			}
			cursor = next
		}
		return cw.close()
	}
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	items := []map[string]string{}
	total, next := 0, ""
	if s.Demands != nil {
		var demands []*pubdata.Demand
		demands, total, next, err = s.Demands.FindDemands(r.Context(), limit, cursor)
		if err != nil {
			return err
		}
		for _, d := range demands {
			row := map[string]string{}
			for i, v := range rowOf(d) {
				row[demandColumns[i].key] = v
			}
			items = append(items, row)
		}
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(items, total, next))
	return nil
}

// csvDownload writes a CSV download: UTF-8 with a byte-order mark, so that Excel opens
// Chinese text correctly, CRLF line ends, and cells that a spreadsheet would run as a
// formula quoted with a leading apostrophe.
type csvDownload struct {
	w       http.ResponseWriter
	cw      *csv.Writer
	lang    string
	started bool
	err     error
}

func newCSVDownload(w http.ResponseWriter, name, lang string) *csvDownload {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", web.HtmlLang(lang))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvDownload{w: w, cw: cw, lang: lang}
}

func (c *csvDownload) row(cells []string) {
	if c.err != nil {
		return
	}
	if !c.started {
		c.started = true
		if _, c.err = io.WriteString(c.w, "\ufeff"); c.err != nil {
			return
		}
	}
	for i, v := range cells {
		cells[i] = csvSafe(v)
	}
	c.err = c.cw.Write(cells)
}

// fail ends a download that failed: before the first byte the error is rendered as usual;
// afterwards the response can only be cut short, which the client sees as a broken download.
func (c *csvDownload) fail(err error) error {
	if !c.started {
		c.w.Header().Del("Content-Disposition")
		return err
	}
	c.cw.Flush()
	panic(http.ErrAbortHandler)
}

func (c *csvDownload) close() error {
	c.cw.Flush()
	if c.err == nil {
		c.err = c.cw.Error()
	}
	return nil
}

// csvSafe quotes a cell that a spreadsheet would take for a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
