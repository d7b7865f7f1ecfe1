package ckan

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/locale"
)

// The CKAN action API, read side (CKAN 2.11's parameters, defaults, limits and envelope), for
// harvesters and CKAN clients. It always shows the open catalogue (open class unconditional
// or conditional), whoever calls: it is the platform's public federation interface.
//
// Mapping (documented in docs/API.md):
//   - a published entry is a package: id = the entry's id; name = its resource code lower-
//     cased with "/" as "-" (301001/00012 → 301001-00012), URL-safe as CKAN names must be;
//     package_show takes the id, the name or the code itself;
//   - an organisation (authority or public body) is an organization whose id and name are
//     its code;
//   - the three top categories are groups: basic (1 基础), thematic (2 主题),
//     departmental (3 部门);
//   - keywords are tags; the entry's one resource has the entry's id.

// CkanVersion is the CKAN version whose API this one follows; clients read it from
// status_show to decide what they may call.
const CkanVersion = "2.11.0"

// CKAN's limits.
const (
	ckanRowsDefault      = 10
	ckanRowsMax          = 1000 // ckan.search.rows_max
	ckanOrgListMax       = 1000 // ckan.group_and_organization_list_max
	ckanOrgListFieldsMax = 25   // ckan.group_and_organization_list_all_fields_max
	ckanFacetLimit       = 50
	ckanDatastoreDefault = 100
	ckanDatastoreMax     = 32000
)

// ckanHandler is one action: it reads its parameters and returns the result.
type ckanHandler func(s *Server, r *http.Request, p ckanParams) (any, error)

// ckanActions are the actions served, by name.
var ckanActions = map[string]ckanHandler{
	"status_show":       (*Server).ckanStatusShow,
	"help_show":         (*Server).ckanHelpShow,
	"package_list":      (*Server).ckanPackageList,
	"package_search":    (*Server).ckanPackageSearch,
	"package_show":      (*Server).ckanPackageShow,
	"organization_list": (*Server).ckanOrganizationList,
	"organization_show": (*Server).ckanOrganizationShow,
	"group_list":        (*Server).ckanGroupList,
	"group_show":        (*Server).ckanGroupShow,
	"tag_list":          (*Server).ckanTagList,
	"resource_show":     (*Server).ckanResourceShow,
	"datastore_search":  (*Server).ckanDatastoreSearch,
	"license_list":      (*Server).ckanLicenseList,
}

// CkanDataActions are the actions that return rows: data routes, which a stopped
// organisation's users lose (sanctions.go), declared with the actions they are.
var CkanDataActions = map[string]bool{"datastore_search": true, "datastore_search_sql": true}

// ckanHelp is what help_show says of each action.
var ckanHelp = map[string]string{
	"status_show":       "Return the site's title, URL, CKAN version and extensions.",
	"help_show":         "Return the help of an action (name).",
	"package_list":      "Return the names of the open datasets (limit, offset).",
	"package_search":    "Search the open datasets (q, fq, fq_list, rows, start, sort, facet, facet.field, facet.limit, facet.mincount).",
	"package_show":      "Return an open dataset by id, name or resource code (id).",
	"organization_list": "Return the organisations (sort, limit, offset, organizations, all_fields).",
	"organization_show": "Return an organisation (id, include_datasets).",
	"group_list":        "Return the groups: the catalogue's top categories (sort, all_fields).",
	"group_show":        "Return a group (id, include_datasets).",
	"tag_list":          "Return the tags: the keywords of open datasets (query, all_fields).",
	"resource_show":     "Return a resource (id).",
	"datastore_search":  "Search a table resource's rows (resource_id, filters, q, fields, sort, limit, offset, distinct, records_format).",
	"license_list":      "Return the licences datasets are published under.",
}

// ckanError is an error in CKAN's terms.
type ckanError struct {
	status int
	typ    string
	msg    string
	fields map[string][]string
	// problem, when set, is the keyed message of a Validation Error about field: rendered
	// in the request's language (web.ApiLang: English unless the request asks another, as
	// CKAN's clients read) in place of msg.
	field   string
	problem *pubdata.Message
}

func (e *ckanError) Error() string {
	if e.problem != nil {
		return e.typ + ": " + e.field + ": " + locale.Render(web.LangEN, e.problem)
	}
	return e.typ + ": " + e.msg
}

// ckanInvalid is a CKAN "Validation Error" about one parameter, its problem a message key
// with its arguments (name/value pairs; a value may be a *pubdata.Message).
func ckanInvalid(field, key string, args ...any) *ckanError {
	return &ckanError{status: http.StatusConflict, typ: "Validation Error", field: field, problem: pubdata.NewMessage(key, args...)}
}

// render fills msg and fields of a keyed error in lang.
func (e *ckanError) render(lang string) {
	if e.problem == nil {
		return
	}
	m := locale.Render(lang, e.problem)
	e.msg, e.fields = e.field+": "+m, map[string][]string{e.field: {m}}
}

// solrError is a problem of a Solr query (q, fq), keyed; its Error is the English text.
type solrError struct{ m *pubdata.Message }

func (e *solrError) Error() string { return locale.Render(web.LangEN, e.m) }

// solrErr returns the problem key with its arguments (name/value pairs).
func solrErr(key string, args ...any) error { return &solrError{pubdata.NewMessage(key, args...)} }

// solrInvalid is the Validation Error of a query parameter whose query err cannot be used.
func solrInvalid(name string, err error) *ckanError {
	var se *solrError
	if errors.As(err, &se) {
		return ckanInvalid(name, "error.ckan.query", "Problem", se.m)
	}
	return ckanValidation(name, "%s", err.Error())
}

// ckanValidation is a CKAN "Validation Error" about one parameter.
func ckanValidation(field, format string, args ...any) *ckanError {
	m := fmt.Sprintf(format, args...)
	return &ckanError{status: http.StatusConflict, typ: "Validation Error", msg: field + ": " + m, fields: map[string][]string{field: {m}}}
}

// ckanNotFound is a CKAN "Not Found Error".
func ckanNotFound(format string, args ...any) *ckanError {
	return &ckanError{status: http.StatusNotFound, typ: "Not Found Error", msg: fmt.Sprintf(format, args...)}
}

// toCKANError maps any error to CKAN's error types: not found 404, invalid 409 (Validation
// Error), forbidden and unauthorized 403 (Authorization Error); anything else is internal.
func toCKANError(err error) *ckanError {
	var ce *ckanError
	if errors.As(err, &ce) {
		return ce
	}
	msg := pubdata.ErrorMessage(err)
	switch pubdata.ErrorCode(err) {
	case pubdata.ENOTFOUND:
		return &ckanError{status: http.StatusNotFound, typ: "Not Found Error", msg: msg}
	case pubdata.EINVALID, pubdata.ECONFLICT:
		ce := &ckanError{status: http.StatusConflict, typ: "Validation Error", msg: msg}
		if f := web.ErrorFields(web.LangEN, err); len(f) > 0 { // CKAN clients read English
			ce.fields = map[string][]string{}
			for k, v := range f {
				ce.fields[k] = []string{v}
			}
		}
		return ce
	case pubdata.ETOOLARGE:
		return &ckanError{status: http.StatusRequestEntityTooLarge, typ: "Validation Error", msg: msg}
	case pubdata.EFORBIDDEN, pubdata.EUNAUTHORIZED:
		return &ckanError{status: http.StatusForbidden, typ: "Authorization Error", msg: msg}
	}
	return nil
}

// CkanAction runs an action and writes CKAN's envelope: {"help","success":true,"result"} or
// {"help","success":false,"error":{"__type","message",…}}.
func (s *Server) CkanAction(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if CkanDataActions[name] {
		if err := web.Stopped(r); err != nil {
			s.RenderStopped(w, r, err)
			return nil
		}
	}
	help := web.BaseURL(r) + "/api/3/action/help_show?name=" + url.QueryEscape(name)
	fail := func(ce *ckanError) error {
		ce.render(web.ApiLang(r))
		body := map[string]any{"__type": ce.typ, "message": ce.msg}
		for k, v := range ce.fields {
			if k != "__type" && k != "message" {
				body[k] = v
			}
		}
		if st := web.StateFrom(r.Context()); st != nil {
			st.ErrCode = ce.typ
		}
		web.WriteJSON(w, ce.status, map[string]any{"help": help, "success": false, "error": body})
		return nil
	}
	run, ok := ckanActions[name]
	if !ok {
		return fail(&ckanError{status: http.StatusBadRequest, typ: "Bad Request", msg: "Bad request - Action name not known: " + name})
	}
	p, err := ckanParamsOf(r)
	if err == nil {
		var result any
		if result, err = run(s, r, p); err == nil {
			web.WriteJSON(w, http.StatusOK, map[string]any{"help": help, "success": true, "result": result})
			return nil
		}
	}
	ce := toCKANError(web.NormalizeError(err))
	if ce == nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", web.RequestIDFrom(r.Context())), slog.String("action", name), slog.String("error", err.Error()))
		ce = &ckanError{status: http.StatusInternalServerError, typ: "Internal Server Error", msg: "Internal error."}
	}
	return fail(ce)
}

// ckanParams are an action's parameters: from the query string (GET) or a JSON object or
// form (POST). Values are strings, []string (repeated query parameters, JSON lists) or, from
// JSON, numbers, booleans and objects.
type ckanParams map[string]any

func ckanParamsOf(r *http.Request) (ckanParams, error) {
	p := ckanParams{}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The query string cannot be read.").Keyed("error.input.bad_query")
	}
	if err := web.CheckParams(query); err != nil {
		return nil, err
	}
	for k, v := range query {
		if len(v) == 1 {
			p[k] = v[0]
		} else {
			p[k] = v
		}
	}
	if r.Method != http.MethodPost {
		return p, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseForm(); err != nil {
			return nil, pubdata.Errorf(pubdata.EINVALID, "The form could not be read.")
		}
		if err := web.CheckParams(r.PostForm); err != nil {
			return nil, err
		}
		for k, v := range r.PostForm {
			if len(v) == 1 {
				p[k] = v[0]
			} else {
				p[k] = v
			}
		}
		return p, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, web.NormalizeError(err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return p, nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Request body must be a JSON object.")
	}
	for k, v := range obj {
		if sv, ok := v.(string); ok {
			if err := web.CheckParam(k, sv); err != nil {
				return nil, err
			}
		}
	}
	if bytes.Contains(body, []byte(`\u0000`)) {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The request body holds a NUL character.").Keyed("error.input.nul_body")
	}
	maps.Copy(p, obj)
	return p, nil
}

// str returns a parameter as text ("" when absent); lists and objects as JSON.
func (p ckanParams) str(name string) string {
	switch v := p[name].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []string:
		if len(v) > 0 {
			return v[0]
		}
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// list returns a list parameter: a JSON list, a JSON list in a string (as CKAN's GET takes
// facet.field), repeated query values, or one value.
func (p ckanParams) list(name string) ([]string, error) {
	var raw []any
	switch v := p[name].(type) {
	case nil:
		return nil, nil
	case []string:
		return v, nil
	case []any:
		raw = v
	case string:
		t := strings.TrimSpace(v)
		if !strings.HasPrefix(t, "[") {
			if t == "" {
				return nil, nil
			}
			return []string{v}, nil
		}
		if err := json.Unmarshal([]byte(t), &raw); err != nil {
			return nil, ckanValidation(name, "Not a JSON list.")
		}
	default:
		return nil, ckanValidation(name, "Not a list.")
	}
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			return nil, ckanValidation(name, "Not a list of strings.")
		}
	}
	return out, nil
}

// int returns a whole-number parameter (def when absent); CKAN's "Invalid integer" and
// "Must be a natural number" otherwise.
func (p ckanParams) int(name string, def int) (int, error) {
	v := strings.TrimSpace(p.str(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, ckanValidation(name, "Invalid integer")
	}
	if n < 0 {
		return 0, ckanValidation(name, "Must be a natural number")
	}
	return n, nil
}

// bool returns a true/false parameter (def when absent).
func (p ckanParams) bool(name string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(p.str(name))) {
	case "":
		return def, nil
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, ckanValidation(name, "Value must be one of: true, false")
}

// ckanNameToCode turns a package name back into a resource code (the first "-" is the "/").
func ckanNameToCode(name string) string {
	return strings.Replace(name, "-", "/", 1)
}

// ckanGroups are the CKAN groups: the catalogue's top categories.
var ckanGroups = []ckanGroupDef{
	{name: "basic", category: "1"},
	{name: "thematic", category: "2"},
	{name: "departmental", category: "3"},
}

// ckanGroupDef is a CKAN group: a top category.
type ckanGroupDef struct{ name, category string }

// key is the message key of the group's title.
func (g ckanGroupDef) key() string { return categoryLabelKey(g.category) }

func ckanGroupOf(category string) (name, key string) {
	for _, g := range ckanGroups {
		if strings.HasPrefix(category, g.category) {
			return g.name, g.key()
		}
	}
	return "", ""
}

// ckanFormats are the resource formats by entry format.
var ckanFormats = map[string]struct{ format, mimetype string }{
	pubdata.FormatTable:   {"CSV", "text/csv"},
	pubdata.FormatService: {"API", "application/json"},
	pubdata.FormatFile:    {"FILE", ""},
}

// ckanTime is CKAN's timestamp format: UTC without a zone.
func ckanTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000")
}

// ckanOrg is the organization dict of an organisation.
func ckanOrg(code, name string, o *pubdata.Org) map[string]any {
	m := map[string]any{
		"id": code, "name": code, "title": name, "display_name": name, "type": "organization",
		"description": "", "image_url": "", "image_display_url": "", "is_organization": true,
		"approval_status": "approved", "state": "active", "created": nil,
	}
	if o != nil {
		m["title"], m["display_name"], m["created"] = o.Name, o.Name, ckanTime(o.CreatedAt)
	}
	return m
}

// ckanGroup is the group dict of a top category.
func ckanGroup(name, key string) map[string]any {
	title := web.Translate(web.LangZH, key)
	return map[string]any{
		"id": name, "name": name, "title": title, "display_name": title, "type": "group",
		"description": web.Translate(web.LangEN, key), "image_url": "", "image_display_url": "",
		"is_organization": false, "approval_status": "approved", "state": "active",
	}
}

// ckanResource is the one resource of an entry's package; readable says whether the caller
// may read the entry's rows. A table the caller may read is datastore_active and its URL is
// its CSV download; otherwise the URL is the entry's page, which the caller may open (a data
// URL would answer 403), and datastore_active is false.
func ckanResource(base string, e *pubdata.Entry, readable bool) map[string]any {
	f := ckanFormats[e.Format]
	u := base + "/catalog/" + url.PathEscape(e.ID)
	readable = readable && e.Format == pubdata.FormatTable
	if readable {
		u = base + "/api/v1/entries/" + url.PathEscape(e.ID) + "/rows?_format=csv"
	}
	return map[string]any{
		"id": e.ID, "package_id": e.ID, "url": u,
		"name": web.Translate(web.LangZH, web.OptionKey(web.DistributionOptions, e.Format)), "description": e.Summary,
		"format": f.format, "mimetype": f.mimetype, "size": nil, "hash": "",
		"created": ckanTime(e.CreatedAt), "last_modified": ckanTime(e.UpdatedAt), "metadata_modified": ckanTime(e.UpdatedAt),
		"url_type": "", "datastore_active": readable, "position": 0,
		"state": "active", "resource_type": nil, "cache_url": nil, "mimetype_inner": nil,
	}
}

// ckanFileResource is the resource of a file of a file entry: its latest version at its
// download URL when the caller may read the entry (readable), else the entry's page, with
// its type and measured size; files have no datastore.
func ckanFileResource(base string, e *pubdata.Entry, f *pubdata.EntryFile, position int, readable bool) map[string]any {
	mimetype, _, _ := strings.Cut(f.Latest.MediaType, ";")
	u := base + "/catalog/" + url.PathEscape(e.ID)
	if readable {
		u = base + web.FileURL(e.ID, f.ID, 0)
	}
	return map[string]any{
		"id": f.ID, "package_id": e.ID, "url": u,
		"name": f.Title, "description": f.Description,
		"format": f.Latest.Format, "mimetype": mimetype, "size": f.Latest.Size, "hash": "sha256:" + f.Latest.SHA256,
		"created": ckanTime(f.CreatedAt), "last_modified": ckanTime(f.ModifiedAt), "metadata_modified": ckanTime(f.ModifiedAt),
		"url_type": "", "datastore_active": false, "position": position,
		"state": "active", "resource_type": "file", "cache_url": nil, "mimetype_inner": nil,
	}
}

// ckanResources are a package's resources: one per current file of a file entry that has
// files, else the entry's one resource.
func ckanResources(base string, e *pubdata.Entry, readable bool, files []*pubdata.EntryFile) []map[string]any {
	if e.Format != pubdata.FormatFile || len(files) == 0 {
		return []map[string]any{ckanResource(base, e, readable)}
	}
	out := make([]map[string]any, len(files))
	for i, f := range files {
		out[i] = ckanFileResource(base, e, f, i, readable)
	}
	return out
}

// ckanOpenLicenses are the licences of the list that the Open Definition deems open
// (CKAN's isopen, od_conformance), by SPDX id.
var ckanOpenLicenses = map[string]bool{"CC-BY-4.0": true, "CC-BY-SA-4.0": true, "CC0-1.0": true, "ODC-By-1.0": true, "ODbL-1.0": true, "PDDL-1.0": true}

// ckanLicense is the license dict of license_list.
func ckanLicense(base string, l *pubdata.License) map[string]any {
	conformance := "not reviewed"
	if ckanOpenLicenses[l.ID] {
		conformance = "approved"
	}
	return map[string]any{"id": l.ID, "title": l.Title, "title_en": l.TitleEn, "url": web.LicenseURL(base, l),
		"od_conformance": conformance, "osd_conformance": "not reviewed", "status": "active", "maintainer": "", "domain_content": false,
		"domain_data": true, "domain_software": false, "family": ""}
}

// ckanLicenseList answers license_list: the platform's licence list.
func (s *Server) ckanLicenseList(r *http.Request, p ckanParams) (any, error) {
	list, err := s.LicenseList(r.Context())
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, l := range list.Licenses {
		out = append(out, ckanLicense(web.BaseURL(r), l))
	}
	return out, nil
}

// ckanPackageLicense sets a package's license_id, license_title, license_url and isopen
// from the entry's licence (its own, else its open class's default).
func ckanPackageLicense(pkg map[string]any, base string, e *pubdata.Entry, list *pubdata.LicenseList) {
	l := list.For(&e.EntryFields)
	if l == nil {
		pkg["license_id"], pkg["license_title"], pkg["license_url"], pkg["isopen"] = "notspecified", "License not specified", nil, false
		return
	}
	pkg["license_id"], pkg["license_title"], pkg["license_url"], pkg["isopen"] = l.ID, l.Title, web.LicenseURL(base, l), ckanOpenLicenses[l.ID]
}

// ckanPackage is the package dict of a published entry under its licence (list); readable
// is ckanResource's, files are the entry's current files (for a file entry).
func ckanPackage(base string, e *pubdata.Entry, readable bool, files []*pubdata.EntryFile, list *pubdata.LicenseList) map[string]any {
	pkg := ckanPackageDict(base, e, readable, files)
	ckanPackageLicense(pkg, base, e, list)
	return pkg
}

// ckanNull is nil for "", else v.
func ckanNull(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// ckanPackageDict is the package dict of a published entry, but its licence.
func ckanPackageDict(base string, e *pubdata.Entry, readable bool, files []*pubdata.EntryFile) map[string]any {
	resources := ckanResources(base, e, readable, files)
	tags := []map[string]any{}
	for _, k := range e.Keywords {
		tags = append(tags, map[string]any{"id": k, "name": k, "display_name": k, "state": "active", "vocabulary_id": nil})
	}
	groups := []map[string]any{}
	if name, key := ckanGroupOf(e.Category); name != "" {
		groups = append(groups, ckanGroup(name, key))
	}
	extras := []map[string]string{}
	for _, kv := range [][2]string{
		{"code", e.Code}, {"category", e.Category}, {"format", e.Format}, {"share_class", e.ShareClass},
		{"share_conditions", e.ShareConditions}, {"open_class", e.OpenClass}, {"open_conditions", e.OpenConditions},
		{"update_cycle", e.UpdateCycle}, {"division", e.Division}, {"published_on", e.PublishedOn},
		{"supplementary", strconv.FormatBool(e.Supplementary)},
		{"temporal_start", e.TemporalStart}, {"temporal_end", e.TemporalEnd}, {"contact_phone", e.ContactPhone},
	} {
		if kv[1] != "" {
			extras = append(extras, map[string]string{"key": kv[0], "value": kv[1]})
		}
	}
	return map[string]any{
		"id": e.ID, "name": web.CkanName(e), "title": e.Title, "notes": e.Summary,
		"url": base + "/catalog/" + url.PathEscape(e.ID), "version": strconv.Itoa(e.Version),
		"author": e.OrgName, "author_email": nil, "maintainer": cmp.Or(e.ContactName, e.OrgName), "maintainer_email": ckanNull(e.ContactEmail),
		"owner_org": e.Org, "organization": ckanOrg(e.Org, e.OrgName, nil),
		"private": false, "state": "active", "type": "dataset",
		"metadata_created": ckanTime(e.CreatedAt), "metadata_modified": ckanTime(e.UpdatedAt),
		"tags": tags, "num_tags": len(tags), "groups": groups, "extras": extras,
		"resources": resources, "num_resources": len(resources),
		"relationships_as_object": []any{}, "relationships_as_subject": []any{},
	}
}

// ckanReadable reports whether the caller may read the entry's table or files: false for an
// entry that is neither, and when the read would be refused (a conditional entry without a
// grant, a stopped organisation).
func (s *Server) ckanReadable(r *http.Request, e *pubdata.Entry) (bool, error) {
	if (e.Format != pubdata.FormatTable && e.Format != pubdata.FormatFile) || s.Data == nil {
		return false, nil
	}
	rd, err := s.OpenRead(r, e)
	if err != nil {
		return false, err
	}
	return rd.Allowed(), nil
}

// ckanPackageOf is the package dict of e for the caller.
func (s *Server) ckanPackageOf(r *http.Request, e *pubdata.Entry) (map[string]any, error) {
	out, err := s.ckanPackages(r, []*pubdata.Entry{e})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// ckanPackages are the package dicts of entries for the caller (one read decision each, the
// current files of file entries in one query; the lists are bounded by the actions' limits).
func (s *Server) ckanPackages(r *http.Request, entries []*pubdata.Entry) ([]map[string]any, error) {
	files, err := s.CurrentFilesOf(r, entries)
	if err != nil {
		return nil, err
	}
	list, err := s.LicenseList(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		readable, err := s.ckanReadable(r, e)
		if err != nil {
			return nil, err
		}
		out = append(out, ckanPackage(web.BaseURL(r), e, readable, files[e.ID], list))
	}
	return out, nil
}

// ckanOpenEntry returns the open catalogue's entry for an id, package name or resource code.
func (s *Server) ckanOpenEntry(r *http.Request, ref string) (*pubdata.Entry, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, ckanValidation("id", "Missing value")
	}
	cands := []string{ref}
	for _, c := range []string{ckanNameToCode(ref), strings.ToUpper(ckanNameToCode(ref))} {
		if !slices.Contains(cands, c) {
			cands = append(cands, c)
		}
	}
	for _, cand := range cands {
		e, err := s.Entries.FindPublishedEntry(r.Context(), cand)
		if err == nil && web.OpenEntry(e) {
			return e, nil
		} else if err != nil && !web.ErrorIs(err, pubdata.ENOTFOUND) {
			return nil, err
		}
	}
	return nil, ckanNotFound("Not found")
}

// --- actions ---

func (s *Server) ckanStatusShow(r *http.Request, p ckanParams) (any, error) {
	return map[string]any{
		"site_title": web.Translate(web.LangZH, "site.name"), "site_description": web.Translate(web.LangZH, "ckan.site.description"),
		"site_url": web.BaseURL(r), "ckan_version": CkanVersion, "api_version": 3, "locale_default": "zh_Hans_CN",
		"extensions": []string{"datastore", "dcat"}, "error_emails_to": nil,
	}, nil
}

func (s *Server) ckanHelpShow(r *http.Request, p ckanParams) (any, error) {
	help, ok := ckanHelp[p.str("name")]
	if !ok {
		return nil, ckanNotFound("Action function not found")
	}
	return help, nil
}

// searchAll calls f with each page of the open catalogue's search q until the end.
func (s *Server) searchAll(r *http.Request, q pubdata.CatalogQuery, f func(*pubdata.Entry)) error {
	q.Limit, q.Offset = pubdata.MaxLimit, 0
	for {
		res, err := s.Entries.SearchCatalog(r.Context(), q)
		if err != nil {
			return err
		}
		for _, e := range res.Items {
			f(e)
		}
		q.Offset += len(res.Items)
		if len(res.Items) == 0 || q.Offset >= res.Total {
			return nil
		}
	}
}

func (s *Server) ckanPackageList(r *http.Request, p ckanParams) (any, error) {
	limit, err := p.int("limit", 0)
	if err != nil {
		return nil, err
	}
	offset, err := p.int("offset", 0)
	if err != nil {
		return nil, err
	}
	names := []string{}
	q := pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}, Sort: "code"}
	if limit == 0 {
		err := s.searchAll(r, q, func(e *pubdata.Entry) {
			names = append(names, web.CkanName(e))
		})
		if err != nil {
			return nil, err
		}
		if offset > len(names) {
			offset = len(names)
		}
		return names[offset:], nil
	}
	q.Limit, q.Offset = min(limit, pubdata.MaxLimit), min(offset, web.MaxSearchOffset)
	res, err := s.Entries.SearchCatalog(r.Context(), q)
	if err != nil {
		return nil, err
	}
	for _, e := range res.Items {
		names = append(names, web.CkanName(e))
	}
	return names, nil
}

func (s *Server) ckanPackageShow(r *http.Request, p ckanParams) (any, error) {
	ref := p.str("id")
	if ref == "" {
		ref = p.str("name")
	}
	e, err := s.ckanOpenEntry(r, ref)
	if err != nil {
		return nil, err
	}
	return s.ckanPackageOf(r, e)
}

func (s *Server) ckanResourceShow(r *http.Request, p ckanParams) (any, error) {
	if res, ok, err := s.ckanFileResourceShow(r, p.str("id")); ok || err != nil {
		return res, err
	}
	e, err := s.ckanOpenEntry(r, p.str("id"))
	if err != nil {
		if ce := toCKANError(err); ce != nil && ce.typ == "Not Found Error" {
			return nil, ckanNotFound("Resource was not found.")
		}
		return nil, err
	}
	readable, err := s.ckanReadable(r, e)
	if err != nil {
		return nil, err
	}
	return ckanResource(web.BaseURL(r), e, readable), nil
}

// ckanFileResourceShow answers resource_show for the id of a current file of an entry in
// the open catalogue; ok is false when id is no such file.
func (s *Server) ckanFileResourceShow(r *http.Request, id string) (any, bool, error) {
	if s.Files == nil || strings.TrimSpace(id) == "" {
		return nil, false, nil
	}
	f, err := s.Files.FindFile(r.Context(), strings.TrimSpace(id))
	if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && f.Status != pubdata.FileCurrent) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), f.Entry)
	if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && !web.OpenEntry(e)) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	readable, err := s.ckanReadable(r, e)
	if err != nil {
		return nil, false, err
	}
	return ckanFileResource(web.BaseURL(r), e, f, 0, readable), true, nil
}

// ckanSortFields maps CKAN's sort fields to the catalogue's order keys.
var ckanSortFields = map[string]string{
	"score": "relevance", "metadata_modified": "modified", "metadata_created": "created",
	"title_string": "title", "title": "title", "name": "code", "id": "id",
	"views_recent": "popular", "views_total": "popular",
}

// CkanSort maps a CKAN sort ("score desc, metadata_modified desc": fields, each asc or desc,
// asc by default) to the catalogue's order keys. Without text (q) the score ties, so it is
// left out; nothing left is the newest change first. "" is CKAN's default order.
func CkanSort(sortParam, q string) ([]pubdata.CatalogOrder, error) {
	if strings.TrimSpace(sortParam) == "" {
		sortParam = "score desc, metadata_modified desc"
	}
	var out []pubdata.CatalogOrder
	for _, part := range strings.Split(sortParam, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || len(words) > 2 {
			return nil, ckanInvalid("sort", "error.ckan.sort.form", "Part", strings.TrimSpace(part))
		}
		key, ok := ckanSortFields[words[0]]
		if !ok {
			return nil, ckanInvalid("sort", "error.ckan.sort.field", "Field", words[0], "Fields", strings.Join(slices.Sorted(maps.Keys(ckanSortFields)), ", "))
		}
		o := pubdata.CatalogOrder{By: key}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				o.Desc = true
			default:
				return nil, ckanInvalid("sort", "error.ckan.sort.form", "Part", strings.TrimSpace(part))
			}
		}
		if key == "relevance" && q == "" {
			continue
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		out = []pubdata.CatalogOrder{{By: "modified", Desc: true}}
	}
	return out, nil
}

// ckanFacetFields maps CKAN facet and filter fields to the catalogue's.
var ckanFacetFields = map[string]string{
	"organization": "org", "owner_org": "org", "groups": "category", "tags": "keyword",
	"res_format": "format", "format": "format",
	"org": "org", "category": "category", "keyword": "keyword", "share_class": "share_class",
	"open_class": "open_class", "update_cycle": "update_cycle", "division": "division",
	"supplementary": "supplementary", "license_id": "license",
	"extras_share_class": "share_class", "extras_open_class": "open_class",
	"extras_update_cycle": "update_cycle", "extras_division": "division", "extras_category": "category",
}

func (s *Server) ckanPackageSearch(r *http.Request, p ckanParams) (any, error) {
	rows, err := p.int("rows", ckanRowsDefault)
	if err != nil {
		return nil, err
	}
	rows = min(rows, ckanRowsMax)
	start, err := p.int("start", 0)
	if err != nil {
		return nil, err
	}
	if start > web.MaxSearchOffset {
		return nil, ckanValidation("start", "Must be at most %d", web.MaxSearchOffset)
	}
	now := s.Now()
	cq := pubdata.CatalogQuery{Offset: start, Limit: max(rows, 1)}
	empty := false
	var text []string
	addQuery := func(name, v string) error {
		v = strings.TrimSpace(v)
		if v == "" || v == "*:*" || v == "*" {
			return nil
		}
		clauses, err := ParseSolrQuery(v)
		if err != nil {
			return solrInvalid(name, err)
		}
		m, err := MapSolrClauses(clauses, now)
		if err != nil {
			return solrInvalid(name, err)
		}
		text = append(text, m.Text...)
		cq.Filters = append(cq.Filters, m.Filters...)
		empty = empty || m.Empty
		if m.From != nil && (cq.ModifiedFrom == nil || m.From.After(*cq.ModifiedFrom)) {
			cq.ModifiedFrom = m.From
		}
		if m.To != nil && (cq.ModifiedTo == nil || m.To.Before(*cq.ModifiedTo)) {
			cq.ModifiedTo = m.To
		}
		if m.CreatedFrom != nil && (cq.CreatedFrom == nil || m.CreatedFrom.After(*cq.CreatedFrom)) {
			cq.CreatedFrom = m.CreatedFrom
		}
		if m.CreatedTo != nil && (cq.CreatedTo == nil || m.CreatedTo.Before(*cq.CreatedTo)) {
			cq.CreatedTo = m.CreatedTo
		}
		return nil
	}
	if err := addQuery("q", p.str("q")); err != nil {
		return nil, err
	}
	if err := addQuery("fq", p.str("fq")); err != nil {
		return nil, err
	}
	fqList, err := p.list("fq_list")
	if err != nil {
		return nil, err
	}
	for _, fq := range fqList {
		if err := addQuery("fq_list", fq); err != nil {
			return nil, err
		}
	}
	cq.Q = strings.Join(text, " ")
	sortParam := p.str("sort")
	if cq.Order, err = CkanSort(sortParam, cq.Q); err != nil {
		return nil, err
	}
	if sortParam == "" {
		sortParam = "score desc, metadata_modified desc"
	}
	facet, err := p.bool("facet", true)
	if err != nil {
		return nil, err
	}
	facetFields, err := p.list("facet.field")
	if err != nil {
		return nil, err
	}
	facetLimit, facetMin := ckanFacetLimit, 1
	if v := strings.TrimSpace(p.str("facet.limit")); v != "" {
		if facetLimit, err = strconv.Atoi(v); err != nil {
			return nil, ckanValidation("facet.limit", "Invalid integer")
		}
	}
	if facetMin, err = p.int("facet.mincount", 1); err != nil {
		return nil, err
	}
	cq.Facets = facet && len(facetFields) > 0
	if err := s.expandGroups(r, cq.Filters); err != nil {
		return nil, err
	}
	cq.Filters = append(cq.Filters, pubdata.OpenCatalog)
	if err := pubdata.ValidateCatalogQuery(&cq); err != nil {
		if ce := toCKANError(err); ce != nil {
			return nil, ckanValidation("q", "%s", ce.msg)
		}
		return nil, err
	}

	res := &pubdata.CatalogResult{Items: []*pubdata.Entry{}}
	if !empty {
		if res, err = s.Entries.SearchCatalog(r.Context(), cq); err != nil {
			return nil, err
		}
	}
	results := []map[string]any{}
	list, err := s.LicenseList(r.Context())
	if err != nil {
		return nil, err
	}
	if rows > 0 {
		if results, err = s.ckanPackages(r, res.Items); err != nil {
			return nil, err
		}
	}
	facets := map[string]map[string]int{}
	searchFacets := map[string]any{}
	if facet {
		names, err := s.orgNameMap(r)
		if err != nil {
			return nil, err
		}
		for _, ff := range facetFields {
			counts := ckanFacetCounts(ff, res.Facets)
			items := []map[string]any{}
			keys := slices.Collect(maps.Keys(counts))
			sort.Slice(keys, func(i, j int) bool {
				if counts[keys[i]] != counts[keys[j]] {
					return counts[keys[i]] > counts[keys[j]]
				}
				return keys[i] < keys[j]
			})
			kept := map[string]int{}
			for _, k := range keys {
				if counts[k] < facetMin || (facetLimit >= 0 && len(items) >= facetLimit) {
					continue
				}
				kept[k] = counts[k]
				display := ckanDisplayName(ff, k, names)
				if l := list.Find(k); l != nil && ckanFacetFields[ff] == "license" {
					display = l.Title
				}
				items = append(items, map[string]any{"name": k, "display_name": display, "count": counts[k]})
			}
			facets[ff] = kept
			searchFacets[ff] = map[string]any{"title": ff, "items": items}
		}
	}
	return map[string]any{
		"count": res.Total, "results": results, "sort": sortParam,
		"facets": facets, "search_facets": searchFacets,
	}, nil
}

// ckanFacetCounts returns the counts of a CKAN facet field from the catalogue's facets:
// groups are summed by top category, formats named as resource formats; fields the
// catalogue does not count come back empty.
func ckanFacetCounts(field string, facets map[string]map[string]int) map[string]int {
	out := map[string]int{}
	ours, ok := ckanFacetFields[field]
	if !ok {
		return out
	}
	for v, n := range facets[ours] {
		switch {
		case field == "groups":
			if g, _ := ckanGroupOf(v); g != "" {
				out[g] += n
			}
		case field == "res_format" || field == "format":
			if f, ok := ckanFormats[v]; ok {
				out[f.format] += n
			}
		default:
			out[v] += n
		}
	}
	return out
}

func ckanDisplayName(field, value string, orgNames map[string]string) string {
	switch ckanFacetFields[field] {
	case "org":
		if n := orgNames[value]; n != "" {
			return n
		}
	case "category":
		for _, g := range ckanGroups {
			if g.name == value {
				return web.Translate(web.LangZH, g.key())
			}
		}
	}
	return value
}

// orgNameMap returns every organisation's name by code.
func (s *Server) orgNameMap(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	err := s.eachOrg(r, func(o *pubdata.Org) { out[o.Code] = o.Name })
	return out, err
}

// eachOrg calls f with every organisation, by code.
func (s *Server) eachOrg(r *http.Request, f func(*pubdata.Org)) error {
	cursor := ""
	for {
		orgs, _, next, err := s.Orgs.FindOrgs(r.Context(), pubdata.OrgFilter{Limit: pubdata.MaxLimit, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, o := range orgs {
			f(o)
		}
		if next == "" || len(orgs) == 0 {
			return nil
		}
		cursor = next
	}
}

// openFacets returns the facet counts of the whole open catalogue.
func (s *Server) openFacets(r *http.Request) (map[string]map[string]int, error) {
	res, err := s.Entries.SearchCatalog(r.Context(), pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}, Limit: 1, Facets: true})
	if err != nil {
		return nil, err
	}
	if res.Facets == nil {
		return map[string]map[string]int{}, nil
	}
	return res.Facets, nil
}

// ckanProvider reports whether an organisation is listed as a CKAN organization: the
// providers of the catalogue, authorities and public bodies.
func ckanProvider(o *pubdata.Org) bool {
	return o.Kind == pubdata.KindAuthority || o.Kind == pubdata.KindPublicBody
}

// ckanListParams reads the sort, limit and offset of organization_list and group_list.
func ckanListParams(p ckanParams) (sortBy string, desc bool, limit, offset int, allFields bool, err error) {
	if allFields, err = p.bool("all_fields", false); err != nil {
		return
	}
	maxLimit := ckanOrgListMax
	if allFields {
		maxLimit = ckanOrgListFieldsMax
	}
	if limit, err = p.int("limit", maxLimit); err != nil {
		return
	}
	limit = min(limit, maxLimit)
	if offset, err = p.int("offset", 0); err != nil {
		return
	}
	s := strings.Fields(strings.ToLower(p.str("sort")))
	sortBy = "title"
	if len(s) > 0 {
		sortBy = s[0]
	}
	if len(s) > 1 {
		desc = s[1] == "desc"
	}
	switch sortBy {
	case "name", "title", "package_count":
	default:
		err = ckanValidation("sort", "Cannot sort by %q; use name, title or package_count, with asc or desc.", sortBy)
	}
	return
}

// sortDicts sorts CKAN dicts by a field and pages them.
func sortDicts(dicts []map[string]any, by string, desc bool, offset, limit int) []map[string]any {
	sort.SliceStable(dicts, func(i, j int) bool {
		a, b := dicts[i][by], dicts[j][by]
		var less bool
		switch a := a.(type) {
		case int:
			less = a < b.(int)
		default:
			less = fmt.Sprint(a) < fmt.Sprint(b)
		}
		if desc {
			return !less && fmt.Sprint(a) != fmt.Sprint(b)
		}
		return less
	})
	if offset > len(dicts) {
		offset = len(dicts)
	}
	dicts = dicts[offset:]
	if limit < len(dicts) {
		dicts = dicts[:limit]
	}
	return dicts
}

// namesOrDicts returns the names of dicts, or the dicts themselves with allFields.
func namesOrDicts(dicts []map[string]any, allFields bool) any {
	if allFields {
		return dicts
	}
	names := []string{}
	for _, d := range dicts {
		names = append(names, d["name"].(string))
	}
	return names
}

func (s *Server) ckanOrganizationList(r *http.Request, p ckanParams) (any, error) {
	sortBy, desc, limit, offset, allFields, err := ckanListParams(p)
	if err != nil {
		return nil, err
	}
	only, err := p.list("organizations")
	if err != nil {
		return nil, err
	}
	facets, err := s.openFacets(r)
	if err != nil {
		return nil, err
	}
	dicts := []map[string]any{}
	err = s.eachOrg(r, func(o *pubdata.Org) {
		if !ckanProvider(o) || (len(only) > 0 && !slices.Contains(only, o.Code)) {
			return
		}
		d := ckanOrg(o.Code, o.Name, o)
		d["package_count"] = facets["org"][o.Code]
		dicts = append(dicts, d)
	})
	if err != nil {
		return nil, err
	}
	return namesOrDicts(sortDicts(dicts, sortBy, desc, offset, limit), allFields), nil
}

// ckanDatasets returns the first packages of a search of the open catalogue.
func (s *Server) ckanDatasets(r *http.Request, f pubdata.CatalogFilter, n int) ([]map[string]any, int, error) {
	res, err := s.Entries.SearchCatalog(r.Context(), pubdata.CatalogQuery{Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog, f}, Sort: "modified", Limit: n})
	if err != nil {
		return nil, 0, err
	}
	out, err := s.ckanPackages(r, res.Items)
	return out, res.Total, err
}

func (s *Server) ckanOrganizationShow(r *http.Request, p ckanParams) (any, error) {
	ref := strings.TrimSpace(p.str("id"))
	if ref == "" {
		return nil, ckanValidation("id", "Missing value")
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), ref)
	if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && !ckanProvider(o)) {
		return nil, ckanNotFound("Organization not found")
	} else if err != nil {
		return nil, err
	}
	withDatasets, err := p.bool("include_datasets", false)
	if err != nil {
		return nil, err
	}
	packages, total, err := s.ckanDatasets(r, pubdata.CatalogFilter{Field: "org", Values: []string{o.Code}}, ckanRowsDefault)
	if err != nil {
		return nil, err
	}
	d := ckanOrg(o.Code, o.Name, o)
	d["package_count"] = total
	d["users"], d["extras"], d["tags"], d["groups"] = []any{}, []any{}, []any{}, []any{}
	if withDatasets {
		d["packages"] = packages
	}
	return d, nil
}

func (s *Server) ckanGroupList(r *http.Request, p ckanParams) (any, error) {
	sortBy, desc, limit, offset, allFields, err := ckanListParams(p)
	if err != nil {
		return nil, err
	}
	facets, err := s.openFacets(r)
	if err != nil {
		return nil, err
	}
	counts := ckanFacetCounts("groups", facets)
	dicts := []map[string]any{}
	for _, g := range ckanGroups {
		d := ckanGroup(g.name, g.key())
		d["package_count"] = counts[g.name]
		dicts = append(dicts, d)
	}
	return namesOrDicts(sortDicts(dicts, sortBy, desc, offset, limit), allFields), nil
}

func (s *Server) ckanGroupShow(r *http.Request, p ckanParams) (any, error) {
	ref := strings.TrimSpace(p.str("id"))
	if ref == "" {
		return nil, ckanValidation("id", "Missing value")
	}
	i := slices.IndexFunc(ckanGroups, func(g ckanGroupDef) bool { return g.name == ref })
	if i < 0 {
		return nil, ckanNotFound("Group not found")
	}
	g := ckanGroups[i]
	withDatasets, err := p.bool("include_datasets", false)
	if err != nil {
		return nil, err
	}
	facets, err := s.openFacets(r)
	if err != nil {
		return nil, err
	}
	d := ckanGroup(g.name, g.key())
	d["package_count"] = ckanFacetCounts("groups", facets)[g.name]
	d["users"], d["extras"], d["tags"], d["groups"] = []any{}, []any{}, []any{}, []any{}
	if withDatasets {
		packages, _, err := s.ckanDatasets(r, pubdata.CatalogFilter{Field: "category", Values: categoriesOf(g.category, facets)}, ckanRowsDefault)
		if err != nil {
			return nil, err
		}
		d["packages"] = packages
	}
	return d, nil
}

// expandGroups widens each filter on a top category (a group) to the sub-categories under
// it that the open catalogue uses, so that groups:basic finds category 101 too.
func (s *Server) expandGroups(r *http.Request, filters []pubdata.CatalogFilter) error {
	var facets map[string]map[string]int
	for i, f := range filters {
		if f.Field != "category" {
			continue
		}
		if facets == nil {
			var err error
			if facets, err = s.openFacets(r); err != nil {
				return err
			}
		}
		var values []string
		for _, v := range f.Values {
			if len(v) == 1 {
				values = append(values, categoriesOf(v, facets)...)
			} else {
				values = append(values, v)
			}
		}
		filters[i].Values = values
	}
	return nil
}

// categoriesOf returns the categories counted in facets that lie under a top category (the
// top category itself included), so that a filter on them finds the whole group.
func categoriesOf(top string, facets map[string]map[string]int) []string {
	out := []string{top}
	for c := range facets["category"] {
		if c != top && strings.HasPrefix(c, top) {
			out = append(out, c)
		}
	}
	sort.Strings(out[1:])
	return out
}

func (s *Server) ckanTagList(r *http.Request, p ckanParams) (any, error) {
	allFields, err := p.bool("all_fields", false)
	if err != nil {
		return nil, err
	}
	if p.str("vocabulary_id") != "" {
		return []any{}, nil // keywords belong to no vocabulary
	}
	query := strings.ToLower(strings.TrimSpace(p.str("query")))
	facets, err := s.openFacets(r)
	if err != nil {
		return nil, err
	}
	tags := []string{}
	for k := range facets["keyword"] {
		if query == "" || strings.Contains(strings.ToLower(k), query) {
			tags = append(tags, k)
		}
	}
	sort.Strings(tags)
	if !allFields {
		return tags, nil
	}
	out := []map[string]any{}
	for _, t := range tags {
		out = append(out, map[string]any{"id": t, "name": t, "display_name": t, "vocabulary_id": nil})
	}
	return out, nil
}

// ckanFieldTypes are the datastore's types of the data-item types.
var ckanFieldTypes = map[string]string{
	"string": "text", "integer": "int", "number": "numeric", "boolean": "bool", "date": "date", "datetime": "timestamp",
}

// ckanDatastoreSearch searches a table of the open catalogue that the caller may read
// (DecideAccess, applied by access.go: columns, masks, the grant's filter, the record):
// filters (a JSON object: column → value, or a list of values; _id → row numbers), q (full
// text; an object: column → text contained), fields, sort ("col asc, col2 desc", _id too),
// limit (at most ckanDatastoreMax), offset, include_total, distinct, records_format objects,
// lists, csv or tsv. _id is the row's number (pubdata.RowID): the same in every request and
// after loads that leave the row. Other resources are CKAN's Not Found Error.
func (s *Server) ckanDatastoreSearch(r *http.Request, p ckanParams) (any, error) {
	id := strings.TrimSpace(p.str("resource_id"))
	if id == "" {
		id = strings.TrimSpace(p.str("id"))
	}
	if id == "" {
		return nil, ckanValidation("resource_id", "Missing value")
	}
	limit, err := p.int("limit", ckanDatastoreDefault)
	if err != nil {
		return nil, err
	}
	limit = min(limit, ckanDatastoreMax)
	offset, err := p.int("offset", 0)
	if err != nil {
		return nil, err
	}
	includeTotal, err := p.bool("include_total", true)
	if err != nil {
		return nil, err
	}
	distinct, err := p.bool("distinct", false)
	if err != nil {
		return nil, err
	}
	recordsFormat := p.str("records_format")
	switch recordsFormat {
	case "":
		recordsFormat = "objects"
	case "objects", "lists", "csv", "tsv":
	default:
		return nil, ckanInvalid("records_format", "error.ckan.records_format")
	}
	filters, err := ckanObject(p, "filters")
	if err != nil {
		return nil, err
	}
	e, rd, err := s.ckanTable(r, id, access.KindSearch)
	if err != nil {
		return nil, err
	}
	d := rd.Decision()
	q, err := ckanRowQuery(e.Items, p, filters)
	if err != nil {
		return nil, err
	}
	if distinct {
		if err := ckanDistinct(q, p["fields"] != nil); err != nil {
			return nil, err
		}
	}
	q.Limit, q.Offset = limit, offset
	var fields []map[string]any
	if q.WithRowID {
		fields = append(fields, map[string]any{"id": pubdata.RowID, "type": "int"})
	}
	var records any = []any{}
	total := int64(0)
	if s.Data != nil {
		sel, err := rd.Select(r.Context(), q, access.KindSearch)
		if err != nil {
			return nil, err // a withheld or masked column: toCKANError's Authorization Error
		}
		cols := sel.Columns
		for _, c := range cols {
			fields = append(fields, ckanMaskedField(e.Items, c, d))
		}
		if err := sel.Record(r.Context()); err != nil {
			return nil, err
		}
		if limit > 0 {
			if records, err = ckanRecords(r, sel, fields, recordsFormat); err != nil {
				return nil, err
			}
		} else if recordsFormat == "csv" || recordsFormat == "tsv" {
			records = ""
		}
		if includeTotal {
			if total, err = sel.Count(r.Context()); err != nil {
				return nil, err
			}
		}
	} else {
		for _, c := range d.Columns {
			fields = append(fields, ckanMaskedField(e.Items, c, d))
		}
	}
	self := "/api/3/action/datastore_search?resource_id=" + url.QueryEscape(id)
	out := map[string]any{
		"resource_id": id, "fields": fields, "records": records, "total_was_estimated": false,
		"limit": limit, "offset": offset, "include_total": includeTotal, "records_format": recordsFormat,
		"_links": map[string]string{"start": self, "next": self + "&offset=" + strconv.Itoa(offset+limit)},
	}
	if distinct {
		out["distinct"] = true
	}
	if includeTotal {
		out["total"] = total
	}
	if len(filters) > 0 {
		out["filters"] = filters
	}
	if sort := strings.TrimSpace(p.str("sort")); sort != "" {
		out["sort"] = sort
	}
	return out, nil
}

// ckanTable returns the open table entry id and the caller's read of it: CKAN's Not Found
// Error for another resource, its Authorization Error when the read is refused.
func (s *Server) ckanTable(r *http.Request, id string, kind access.Kind) (*pubdata.Entry, *access.Read, error) {
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && (!web.OpenEntry(e) || e.ID != id || e.Format != pubdata.FormatTable)) {
		return nil, nil, ckanNotFound("Resource \"%s\" was not found.", id)
	} else if err != nil {
		return nil, nil, err
	}
	rd, err := s.OpenRead(r, e)
	if err != nil {
		return nil, nil, err
	}
	if !rd.Allowed() {
		return nil, nil, &ckanError{status: http.StatusForbidden, typ: "Authorization Error", msg: pubdata.ErrorMessage(rd.Refused(r.Context(), kind, false))}
	}
	return e, rd, nil
}

// ckanRecords runs the selection and returns its records in format: objects (field →
// value), lists (values in the order of fields), or csv and tsv (one text of rows, no
// header, as CKAN's).
func ckanRecords(r *http.Request, sel *access.Selection, fields []map[string]any, format string) (any, error) {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f["id"].(string)
	}
	var objects, lists []any
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if format == "tsv" {
		cw.Comma = '\t'
	}
	cells := make([]string, len(names))
	_, err := sel.Each(r.Context(), func(values []any) error {
		switch format {
		case "lists":
			lists = append(lists, slices.Clone(values))
		case "csv", "tsv":
			for i, v := range values {
				cells[i] = ""
				if v != nil {
					cells[i] = pubdata.FormatItemValue(v)
				}
			}
			return cw.Write(cells)
		default:
			rec := make(map[string]any, len(values))
			for i, v := range values {
				rec[names[i]] = v
			}
			objects = append(objects, rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch format {
	case "lists":
		if lists == nil {
			return []any{}, nil
		}
		return lists, nil
	case "csv", "tsv":
		cw.Flush()
		return buf.String(), cw.Error()
	}
	if objects == nil {
		return []any{}, nil
	}
	return objects, nil
}

// ckanField is the datastore field of column name.
func ckanField(items []pubdata.Item, name string) map[string]any {
	for _, it := range items {
		if it.Name == name {
			t := ckanFieldTypes[it.Type]
			if t == "" {
				t = "text"
			}
			return map[string]any{"id": it.Name, "type": t, "info": map[string]string{"label": it.Title}}
		}
	}
	return map[string]any{"id": name, "type": "text"}
}

// ckanMaskedField is ckanField for a reader under decision d: a masked column is text.
func ckanMaskedField(items []pubdata.Item, name string, d pubdata.AccessDecision) map[string]any {
	f := ckanField(items, name)
	if _, masked := d.Masks[name]; masked {
		f["type"] = "text"
	}
	return f
}

// ckanObject returns a JSON-object parameter (an object, or its JSON text), nil when absent.
func ckanObject(p ckanParams, name string) (map[string]any, error) {
	switch v := p[name].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return nil, nil
		}
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if dec.Decode(&m) != nil || m == nil {
			return nil, ckanValidation(name, "Not a JSON object")
		}
		return m, nil
	}
	return nil, ckanValidation(name, "Not a JSON object")
}

// ckanText is a JSON value of a filter as text: a string, number or boolean.
func ckanText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// ckanRowQuery reads datastore_search's filters, q, fields and sort into a row query.
func ckanRowQuery(items []pubdata.Item, p ckanParams, filters map[string]any) (*pubdata.RowQuery, error) {
	byName := map[string]pubdata.Item{}
	for _, it := range items {
		byName[it.Name] = it
	}
	q := &pubdata.RowQuery{}
	names := slices.Sorted(maps.Keys(filters))
	for _, col := range names {
		if col == pubdata.RowID {
			f, err := ckanRowIDFilter(filters[col])
			if err != nil {
				return nil, err
			}
			q.Filters = append(q.Filters, f)
			continue
		}
		it, ok := byName[col]
		if !ok {
			return nil, ckanValidation("filters", "field \"%s\" not in resource", col)
		}
		raw := filters[col]
		list, isList := raw.([]any)
		if !isList {
			list = []any{raw}
		}
		f := pubdata.RowFilter{Column: col, Op: pubdata.OpEq}
		if isList {
			f.Op = pubdata.OpIn
		}
		for _, x := range list {
			t, ok := ckanText(x)
			if !ok {
				return nil, ckanValidation("filters", "field \"%s\": the value must be text, a number, a boolean or a list of them", col)
			}
			v, err := pubdata.ParseItemValue(it.Type, t)
			if err != nil {
				return nil, ckanValidation("filters", "field \"%s\": the value %s", col, pubdata.ErrorMessage(err))
			}
			f.Values = append(f.Values, v)
		}
		if len(f.Values) == 0 {
			return nil, ckanValidation("filters", "field \"%s\": the list is empty", col)
		}
		q.Filters = append(q.Filters, f)
	}
	switch v := p["q"].(type) {
	case map[string]any:
		for _, col := range slices.Sorted(maps.Keys(v)) {
			it, ok := byName[col]
			t, isText := ckanText(v[col])
			switch {
			case !ok:
				return nil, ckanValidation("q", "field \"%s\" not in resource", col)
			case !isText || it.Type != "string":
				return nil, ckanValidation("q", "field \"%s\": full text searches text fields only", col)
			}
			if t = strings.TrimSpace(t); t != "" {
				q.Filters = append(q.Filters, pubdata.RowFilter{Column: col, Op: pubdata.OpContains, Values: []any{t}})
			}
		}
	default:
		q.Q = strings.TrimSpace(p.str("q"))
	}
	fields, err := p.list("fields")
	if err != nil {
		return nil, err
	}
	if len(fields) == 1 {
		fields = strings.Split(fields[0], ",")
	}
	q.WithRowID = len(fields) == 0 // _id comes with every field, or when named
	for _, c := range fields {
		c = strings.TrimSpace(c)
		if c == pubdata.RowID {
			q.WithRowID = true
			continue
		}
		if c == "" || slices.Contains(q.Fields, c) {
			continue
		}
		if _, ok := byName[c]; !ok {
			return nil, ckanValidation("fields", "field \"%s\" not in resource", c)
		}
		q.Fields = append(q.Fields, c)
	}
	if sort := strings.TrimSpace(p.str("sort")); sort != "" {
		for _, part := range strings.Split(sort, ",") {
			words := strings.Fields(part)
			if len(words) == 0 || len(words) > 2 {
				return nil, ckanValidation("sort", "\"%s\" is not \"field [asc|desc]\"", strings.TrimSpace(part))
			}
			col := strings.Trim(words[0], `"`)
			k := pubdata.SortKey{Column: col}
			if len(words) == 2 {
				switch strings.ToLower(words[1]) {
				case "asc":
				case "desc":
					k.Desc = true
				default:
					return nil, ckanValidation("sort", "\"%s\" is not \"field [asc|desc]\"", strings.TrimSpace(part))
				}
			}
			if _, ok := byName[col]; !ok && col != pubdata.RowID {
				return nil, ckanValidation("sort", "field \"%s\" not in resource", col)
			}
			q.Sort = append(q.Sort, k)
		}
	}
	return q, nil
}

// ckanRowIDFilter is a filter on _id: a whole number, or a list of them.
func ckanRowIDFilter(raw any) (pubdata.RowFilter, error) {
	list, isList := raw.([]any)
	if !isList {
		list = []any{raw}
	}
	f := pubdata.RowFilter{Column: pubdata.RowID, Op: pubdata.OpEq}
	if isList {
		f.Op = pubdata.OpIn
	}
	for _, x := range list {
		t, _ := ckanText(x)
		n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil {
			return f, ckanInvalid("filters", "error.ckan.row_id", "Value", fmt.Sprint(x))
		}
		f.Values = append(f.Values, n)
	}
	if len(f.Values) == 0 {
		return f, ckanInvalid("filters", "error.ckan.row_id", "Value", "[]")
	}
	return f, nil
}

// ckanDistinct applies datastore_search's distinct to q: distinct rows have no _id, so q
// may not name it (in fields, filters or sort).
func ckanDistinct(q *pubdata.RowQuery, fieldsNamed bool) error {
	named := fieldsNamed && q.WithRowID
	for _, f := range q.Filters {
		named = named || f.Column == pubdata.RowID
	}
	for _, k := range q.Sort {
		named = named || k.Column == pubdata.RowID
	}
	if named {
		return ckanInvalid("distinct", "error.ckan.distinct_id")
	}
	q.Distinct, q.WithRowID = true, false
	return nil
}

// --- the Solr query subset of q and fq ---

// SolrClause is one condition of a Solr query: Field's value is one of Values (with
// Negate: none of them), or in a range [From TO To] ("*" open). Field "" is free text.
type SolrClause struct {
	Field    string
	Values   []string
	Negate   bool
	Range    bool
	From, To string
	// Exclusive bounds ({x TO y}).
	FromExcl, ToExcl bool
}

// ParseSolrQuery parses the subset of Solr's query syntax that CKAN clients send in q and
// fq: field:value, field:"a phrase", field:(a OR b), field:[x TO *], free words and
// phrases, + and - (or NOT, !) prefixes, AND (&&) and implicit AND between clauses, and OR
// (||) between clauses on the same field, merged into one clause.
func ParseSolrQuery(s string) ([]SolrClause, error) {
	p := &solrParser{s: []rune(s)}
	out, err := p.clauses(false)
	if err != nil {
		return nil, err
	}
	return out, nil
}

type solrParser struct {
	s []rune
	i int
}

func (p *solrParser) skipSpace() {
	for p.i < len(p.s) && unicode.IsSpace(p.s[p.i]) {
		p.i++
	}
}

// keyword reports whether an operator word (AND, OR, NOT, &&, ||) starts here, and skips it.
func (p *solrParser) keyword(words ...string) bool {
	for _, w := range words {
		rw := []rune(w)
		end := p.i + len(rw)
		if end > len(p.s) || string(p.s[p.i:end]) != w {
			continue
		}
		if w[0] >= 'A' && w[0] <= 'Z' && end < len(p.s) && !unicode.IsSpace(p.s[end]) && p.s[end] != '(' {
			continue // a word such as ORGANIC, not the operator
		}
		p.i = end
		return true
	}
	return false
}

// clauses parses clauses up to the end, or up to ")" when nested.
func (p *solrParser) clauses(nested bool) ([]SolrClause, error) {
	var out []SolrClause
	pendingOr := false
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			if nested {
				return nil, solrErr("error.ckan.solr.open_paren")
			}
			break
		}
		if p.s[p.i] == ')' {
			if !nested {
				return nil, solrErr("error.ckan.solr.close_paren")
			}
			p.i++
			break
		}
		if p.keyword("OR", "||") {
			if len(out) == 0 || pendingOr {
				return nil, solrErr("error.ckan.solr.or_between")
			}
			pendingOr = true
			continue
		}
		if p.keyword("AND", "&&") {
			if pendingOr {
				return nil, solrErr("error.ckan.solr.or_between")
			}
			continue
		}
		negate := false
		switch {
		case p.keyword("NOT"):
			negate = true
		case p.s[p.i] == '-' || p.s[p.i] == '!':
			negate = true
			p.i++
		case p.s[p.i] == '+':
			p.i++
		}
		c, err := p.clause()
		if err != nil {
			return nil, err
		}
		if negate {
			c.Negate = !c.Negate
		}
		if pendingOr {
			if err := mergeOr(&out[len(out)-1], c); err != nil {
				return nil, err
			}
			pendingOr = false
			continue
		}
		out = append(out, c)
	}
	if pendingOr {
		return nil, solrErr("error.ckan.solr.or_between")
	}
	return out, nil
}

// mergeOr joins "a OR b" into a: both must be plain conditions on the same field.
func mergeOr(a *SolrClause, b SolrClause) error {
	if a.Field != b.Field || a.Negate || b.Negate || a.Range || b.Range {
		return solrErr("error.ckan.solr.or_field")
	}
	for _, v := range b.Values {
		if !slices.Contains(a.Values, v) {
			a.Values = append(a.Values, v)
		}
	}
	return nil
}

// clause parses one condition: (group), field:value or a free word or phrase.
func (p *solrParser) clause() (SolrClause, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return SolrClause{}, solrErr("error.ckan.solr.missing")
	}
	if p.s[p.i] == '(' {
		p.i++
		inner, err := p.clauses(true)
		if err != nil {
			return SolrClause{}, err
		}
		if len(inner) != 1 {
			return SolrClause{}, solrErr("error.ckan.solr.group")
		}
		return inner[0], nil
	}
	// A field name followed by ":".
	j := p.i
	for j < len(p.s) && (unicode.IsLetter(p.s[j]) || unicode.IsDigit(p.s[j]) || p.s[j] == '_' || p.s[j] == '.') {
		j++
	}
	if j > p.i && j < len(p.s) && p.s[j] == ':' {
		field := string(p.s[p.i:j])
		p.i = j + 1
		return p.fieldValue(field)
	}
	v, err := p.value()
	if err != nil {
		return SolrClause{}, err
	}
	return SolrClause{Values: []string{v}}, nil
}

// fieldValue parses what follows "field:".
func (p *solrParser) fieldValue(field string) (SolrClause, error) {
	if p.i >= len(p.s) || unicode.IsSpace(p.s[p.i]) {
		return SolrClause{}, solrErr("error.ckan.solr.no_value", "Field", field)
	}
	switch p.s[p.i] {
	case '[', '{':
		return p.rangeValue(field)
	case '(':
		p.i++
		c := SolrClause{Field: field}
		for {
			p.skipSpace()
			if p.i >= len(p.s) {
				return SolrClause{}, solrErr("error.ckan.solr.open_paren")
			}
			if p.s[p.i] == ')' {
				p.i++
				break
			}
			if p.keyword("OR", "||") {
				continue
			}
			if p.keyword("AND", "&&") {
				return SolrClause{}, solrErr("error.ckan.solr.and", "Field", field)
			}
			v, err := p.value()
			if err != nil {
				return SolrClause{}, err
			}
			c.Values = append(c.Values, v)
		}
		if len(c.Values) == 0 {
			return SolrClause{}, solrErr("error.ckan.solr.empty_group", "Field", field)
		}
		return c, nil
	}
	v, err := p.value()
	if err != nil {
		return SolrClause{}, err
	}
	return SolrClause{Field: field, Values: []string{v}}, nil
}

// value parses a word (backslash escapes a character) or a "quoted phrase".
func (p *solrParser) value() (string, error) {
	var b strings.Builder
	if p.s[p.i] == '"' {
		p.i++
		for p.i < len(p.s) && p.s[p.i] != '"' {
			if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
				p.i++
			}
			b.WriteRune(p.s[p.i])
			p.i++
		}
		if p.i >= len(p.s) {
			return "", solrErr("error.ckan.solr.quote")
		}
		p.i++
		return b.String(), nil
	}
	for p.i < len(p.s) && !unicode.IsSpace(p.s[p.i]) && p.s[p.i] != ')' && p.s[p.i] != '(' {
		if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
			p.i++
		}
		b.WriteRune(p.s[p.i])
		p.i++
	}
	if b.Len() == 0 {
		return "", solrErr("error.ckan.solr.unexpected", "Char", string(p.s[p.i]))
	}
	return b.String(), nil
}

// rangeValue parses [from TO to] or {from TO to} (mixed brackets allowed).
func (p *solrParser) rangeValue(field string) (SolrClause, error) {
	c := SolrClause{Field: field, Range: true, FromExcl: p.s[p.i] == '{'}
	p.i++
	end := p.i
	for end < len(p.s) && p.s[end] != ']' && p.s[end] != '}' {
		end++
	}
	if end >= len(p.s) {
		return SolrClause{}, solrErr("error.ckan.solr.range_open", "Field", field)
	}
	c.ToExcl = p.s[end] == '}'
	parts := strings.Fields(string(p.s[p.i:end]))
	p.i = end + 1
	if len(parts) != 3 || parts[1] != "TO" {
		return SolrClause{}, solrErr("error.ckan.solr.range_form", "Field", field)
	}
	c.From, c.To = parts[0], parts[2]
	return c, nil
}

// SolrMapped is a parsed query in the catalogue's terms.
type SolrMapped struct {
	Text     []string
	Filters  []pubdata.CatalogFilter
	From, To *time.Time // metadata_modified
	// CreatedFrom and CreatedTo bound metadata_created.
	CreatedFrom, CreatedTo *time.Time
	Empty                  bool // a condition no package meets (e.g. capacity:private)
}

// ckanConstantFields are fields every package has with one value: a condition on them is
// always true (the value) or never.
var ckanConstantFields = map[string]string{
	"dataset_type": "dataset", "type": "dataset", "capacity": "public", "state": "active",
	"private": "false",
}

// ckanTextFields are searched as free text.
var ckanTextFields = map[string]bool{"text": true, "title": true, "notes": true}

// ckanResourcesPerPackage is num_resources of every package: an entry is one resource.
const ckanResourcesPerPackage = 1

// MapSolrClauses turns parsed clauses into the catalogue's query.
func MapSolrClauses(clauses []SolrClause, now time.Time) (SolrMapped, error) {
	var m SolrMapped
	for _, c := range clauses {
		switch {
		case c.Field == "" || ckanTextFields[c.Field]:
			if c.Negate {
				return m, solrErr("error.ckan.solr.negate_text")
			}
			if c.Range {
				return m, solrErr("error.ckan.solr.text_range")
			}
			m.Text = append(m.Text, strings.Join(c.Values, " "))
		case c.Field == "metadata_modified" || c.Field == "metadata_created":
			if !c.Range || c.Negate {
				return m, solrErr("error.ckan.solr.takes_range", "Field", c.Field)
			}
			from, err := solrTime(c.From, now, c.FromExcl, false)
			if err != nil {
				return m, err
			}
			to, err := solrTime(c.To, now, c.ToExcl, true)
			if err != nil {
				return m, err
			}
			lo, hi := &m.From, &m.To
			if c.Field == "metadata_created" {
				lo, hi = &m.CreatedFrom, &m.CreatedTo
			}
			if from != nil && (*lo == nil || from.After(**lo)) {
				*lo = from
			}
			if to != nil && (*hi == nil || to.Before(**hi)) {
				*hi = to
			}
		case c.Field == "num_resources":
			in, err := solrHolds(c, ckanResourcesPerPackage)
			if err != nil {
				return m, err
			}
			if in == c.Negate {
				m.Empty = true
			}
		case c.Field == "id" || c.Field == "name":
			if c.Range {
				return m, solrErr("error.ckan.solr.no_range", "Field", c.Field)
			}
			f := pubdata.CatalogFilter{Field: "id", Values: slices.Clone(c.Values), Negate: c.Negate}
			if c.Field == "name" { // a package's name is its resource code, lower-cased, "-" for "/"
				f = pubdata.CatalogFilter{Field: "code", Negate: c.Negate}
				for _, v := range c.Values {
					code := ckanNameToCode(v)
					f.Values = append(f.Values, code)
					if up := strings.ToUpper(code); up != code {
						f.Values = append(f.Values, up)
					}
				}
			}
			m.Filters = append(m.Filters, f)
		case c.Field == "site_id":
			// One site: always true.
		case ckanConstantFields[c.Field] != "":
			if c.Range {
				return m, solrErr("error.ckan.solr.no_range", "Field", c.Field)
			}
			if slices.Contains(c.Values, ckanConstantFields[c.Field]) == c.Negate {
				m.Empty = true
			}
		default:
			field, ok := ckanFacetFields[c.Field]
			if !ok {
				return m, solrErr("error.ckan.solr.field", "Field", c.Field)
			}
			if c.Range {
				return m, solrErr("error.ckan.solr.no_range", "Field", c.Field)
			}
			values := slices.Clone(c.Values)
			switch c.Field {
			case "groups":
				for i, v := range values {
					for _, g := range ckanGroups {
						if g.name == v {
							values[i] = g.category
						}
					}
				}
			case "res_format", "format":
				for i, v := range values {
					for ours, f := range ckanFormats {
						if strings.EqualFold(f.format, v) || strings.EqualFold(ours, v) {
							values[i] = ours
						}
					}
					if strings.EqualFold(v, "JSON") {
						values[i] = pubdata.FormatService
					}
				}
			}
			m.Filters = append(m.Filters, pubdata.CatalogFilter{Field: field, Values: values, Negate: c.Negate})
		}
	}
	return m, nil
}

// solrHolds reports whether the whole number n meets the condition c: one of its values,
// or within its range ("*" open).
func solrHolds(c SolrClause, n int) (bool, error) {
	num := func(v string) (int, error) {
		x, err := strconv.Atoi(v)
		if err != nil {
			return 0, solrErr("error.ckan.solr.number", "Value", v)
		}
		return x, nil
	}
	if !c.Range {
		for _, v := range c.Values {
			x, err := num(v)
			if err != nil {
				return false, err
			}
			if x == n {
				return true, nil
			}
		}
		return false, nil
	}
	in := true
	if c.From != "*" {
		x, err := num(c.From)
		if err != nil {
			return false, err
		}
		in = in && (n > x || (n == x && !c.FromExcl))
	}
	if c.To != "*" {
		x, err := num(c.To)
		if err != nil {
			return false, err
		}
		in = in && (n < x || (n == x && !c.ToExcl))
	}
	return in, nil
}

// solrTime reads a bound of a date range: "*" (open, nil), NOW with optional date math
// (NOW-7DAYS, NOW/DAY), an RFC 3339 time or a date. An exclusive bound moves by a
// microsecond; a date as an upper bound means the end of that day.
func solrTime(v string, now time.Time, exclusive, upper bool) (*time.Time, error) {
	if v == "*" {
		return nil, nil
	}
	var t time.Time
	switch {
	case strings.HasPrefix(v, "NOW"):
		var err error
		if t, err = solrDateMath(now.UTC(), v[3:]); err != nil {
			return nil, err
		}
	default:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			d, derr := time.Parse(time.DateOnly, v)
			if derr != nil {
				return nil, solrErr("error.ckan.solr.time", "Value", v)
			}
			t = d
			if upper {
				t = d.Add(24*time.Hour - time.Microsecond)
			}
		}
	}
	if exclusive {
		if upper {
			t = t.Add(-time.Microsecond)
		} else {
			t = t.Add(time.Microsecond)
		}
	}
	return &t, nil
}

// solrDateMath applies Solr date math (-1DAY, +2HOURS, /DAY …) to t.
func solrDateMath(t time.Time, math string) (time.Time, error) {
	for math != "" {
		op := math[0]
		math = math[1:]
		j := 0
		for j < len(math) && math[j] >= '0' && math[j] <= '9' {
			j++
		}
		n := 1
		if op != '/' {
			if j == 0 {
				return t, solrErr("error.ckan.solr.math_number", "Math", string(op)+math)
			}
			n, _ = strconv.Atoi(math[:j])
		}
		k := j
		for k < len(math) && math[k] >= 'A' && math[k] <= 'Z' {
			k++
		}
		unit := strings.TrimSuffix(math[j:k], "S")
		math = math[k:]
		if op == '-' {
			n = -n
		}
		switch {
		case op == '/':
			switch unit {
			case "YEAR":
				t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			case "MONTH":
				t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
			case "DAY":
				t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			case "HOUR":
				t = t.Truncate(time.Hour)
			default:
				return t, solrErr("error.ckan.solr.round", "Unit", unit)
			}
		case op == '+' || op == '-':
			switch unit {
			case "YEAR":
				t = t.AddDate(n, 0, 0)
			case "MONTH":
				t = t.AddDate(0, n, 0)
			case "DAY":
				t = t.AddDate(0, 0, n)
			case "HOUR":
				t = t.Add(time.Duration(n) * time.Hour)
			case "MINUTE":
				t = t.Add(time.Duration(n) * time.Minute)
			default:
				return t, solrErr("error.ckan.solr.unit", "Unit", unit)
			}
		default:
			return t, solrErr("error.ckan.solr.math_op", "Op", string(op))
		}
	}
	return t, nil
}
