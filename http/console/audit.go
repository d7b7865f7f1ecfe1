package console

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// auditRow is one event as the audit page shows it, with the names of its actor,
// organisation and object where they can be found.
type auditRow struct {
	*pubdata.Event
	DetailsJSON string
	ActorName   string // the user's display name; "" when unknown or the same as the username
	OrgName     string
	ObjectKind  string // entry, org, user, batch…: the part before ":"
	ObjectID    string
	ObjectName  string // the entry's title, the organisation's or user's name
	ObjectURL   string // the object's console page, when it has one
}

// auditView is the view of the record: newest first, filtered and paged.
type auditView struct {
	web.Page
	Events []auditRow
	Total  int
	// The filters as entered.
	FilterActor  string
	FilterAction string
	FilterObject string
	FilterFrom   string
	FilterTo     string
	NextURL      string
	FirstURL     string // back to the newest events, when paging
	CSVURL       string // the filtered events as CSV
	Check        *auditCheck
	CheckURL     string
}

// auditCheck is the latest integrity check of the whole record (pubdata.AuditService.Verify):
// kept for auditCheckAge so that the page does not re-read the record on every view; the
// page's "check now" runs it again.
type auditCheck struct {
	*pubdata.AuditVerification
	At time.Time
}

const auditCheckAge = 10 * time.Minute

var auditChecks sync.Map // pubdata.AuditService → *auditCheck

func (s *Server) auditCheck(ctx context.Context, now bool) (*auditCheck, error) {
	if c, ok := auditChecks.Load(s.Audit); ok && !now && s.Now().Sub(c.(*auditCheck).At) < auditCheckAge {
		return c.(*auditCheck), nil
	}
	v, err := s.Audit.Verify(ctx)
	if err != nil {
		return nil, err
	}
	c := &auditCheck{AuditVerification: v, At: s.Now()}
	auditChecks.Store(s.Audit, c)
	return c, nil
}

// auditNames looks up and remembers the names the record's ids stand for.
type auditNames struct {
	s     *Server
	ctx   context.Context
	cache map[string]string
}

func (n *auditNames) lookup(key string, find func() (string, error)) string {
	if v, ok := n.cache[key]; ok {
		return v
	}
	v, err := find()
	if err != nil {
		v = ""
	}
	n.cache[key] = v
	return v
}

func (n *auditNames) user(username string) string {
	return n.lookup("user:"+username, func() (string, error) {
		u, err := n.s.Users.FindUserByUsername(n.ctx, username)
		if err != nil || u.DisplayName == u.Username {
			return "", err
		}
		return u.DisplayName, nil
	})
}

func (n *auditNames) org(code string) string {
	return n.lookup("org:"+code, func() (string, error) {
		o, err := n.s.Orgs.FindOrgByCode(n.ctx, code)
		if err != nil {
			return "", err
		}
		return o.Name, nil
	})
}

func (n *auditNames) entry(id string) string {
	if n.s.Entries == nil {
		return ""
	}
	return n.lookup("entry:"+id, func() (string, error) {
		e, err := n.s.Entries.FindEntryByID(n.ctx, id)
		if err != nil {
			return "", err
		}
		return e.Title, nil
	})
}

func (n *auditNames) row(e *pubdata.Event) auditRow {
	row := auditRow{Event: e}
	if len(e.Details) > 0 {
		if b, err := json.Marshal(e.Details); err == nil {
			row.DetailsJSON = string(b)
		}
	}
	if e.Actor != "" {
		row.ActorName = n.user(e.Actor)
	}
	if e.Org != "" {
		row.OrgName = n.org(e.Org)
	}
	kind, id, ok := strings.Cut(e.Object, ":")
	if !ok {
		return row
	}
	row.ObjectKind, row.ObjectID = kind, id
	switch kind {
	case "entry":
		row.ObjectName = n.entry(id)
		if row.ObjectName != "" {
			row.ObjectURL = "/console/entries/" + id
		}
	case "org":
		row.ObjectName = n.org(id)
	case "user":
		row.ObjectName = n.user(id)
	case "batch":
		row.ObjectURL = "/console/batches/" + id
	}
	return row
}

func (s *Server) PageAudit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := web.AuditFilter(a, q)
	if err != nil {
		return err
	}
	events, total, next, err := s.Audit.FindEvents(r.Context(), f)
	if err != nil {
		return err
	}
	v := auditView{Page: s.Base(r, true), Total: total, FilterActor: f.Actor, FilterAction: f.Action, FilterObject: f.Object,
		FilterFrom: strings.TrimSpace(q.Get("from")), FilterTo: strings.TrimSpace(q.Get("to"))}
	names := &auditNames{s: s, ctx: r.Context(), cache: map[string]string{}}
	for _, e := range events {
		v.Events = append(v.Events, names.row(e))
	}
	if next != "" {
		v.NextURL = web.PageLink(r, "cursor", next, "verify", "")
	}
	if f.Cursor != "" {
		v.FirstURL = web.PageLink(r, "cursor", "", "verify", "")
	}
	cq := url.Values{}
	for _, k := range []string{"actor", "action", "object", "from", "to"} {
		if x := strings.TrimSpace(q.Get(k)); x != "" {
			cq.Set(k, x)
		}
	}
	v.CSVURL = "/console/audit.csv"
	if len(cq) > 0 {
		v.CSVURL += "?" + cq.Encode()
	}
	if v.Check, err = s.auditCheck(r.Context(), q.Get("verify") == "1"); err != nil {
		return err
	}
	v.CheckURL = web.PageLink(r, "verify", "1", "cursor", "")
	return s.Render(w, r, "audit", http.StatusOK, v)
}

// auditCSVMax bounds an export: the record of a year of a province fits.
const auditCSVMax = 200000

// PageAuditCSV exports the events the audit page's filters select, newest first, as CSV
// (UTF-8 with a BOM for Excel; ?bom=0 without), names beside the ids, times in China's time zone.
func (s *Server) PageAuditCSV(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("cursor")
	q.Del("limit")
	f, err := web.AuditFilter(a, q)
	if err != nil {
		return err
	}
	f.Limit = pubdata.MaxLimit
	lang := web.LangFrom(r.Context())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+s.Now().In(web.DisplayZone).Format("20060102-150405")+`.csv"`)
	if q.Get("bom") != "0" {
		if _, err := w.Write([]byte("\ufeff")); err != nil {
			return nil
		}
	}
	cw := csv.NewWriter(w)
	head := []string{web.Translate(lang, "audit.seq"), web.Translate(lang, "audit.time"), web.Translate(lang, "audit.actor"),
		web.Translate(lang, "audit.csv.actor_name"), web.Translate(lang, "field.org"), web.Translate(lang, "audit.csv.org_name"),
		web.Translate(lang, "audit.action"), web.Translate(lang, "audit.object"), web.Translate(lang, "audit.csv.object_name"),
		web.Translate(lang, "audit.client"), web.Translate(lang, "audit.request_id"), web.Translate(lang, "audit.details")}
	if err := cw.Write(head); err != nil {
		return nil
	}
	names := &auditNames{s: s, ctx: r.Context(), cache: map[string]string{}}
	n := 0
	for {
		events, _, next, err := s.Audit.FindEvents(r.Context(), f)
		if err != nil {
			return err // before the first flush: an error page; after: a cut file
		}
		for _, e := range events {
			row := names.row(e)
			rec := []string{strconv.FormatInt(e.Seq, 10), e.Time.In(web.DisplayZone).Format("2006-01-02 15:04:05"),
				e.Actor, row.ActorName, e.Org, row.OrgName, e.Action, e.Object, row.ObjectName, e.ClientAddr, e.RequestID, row.DetailsJSON}
			for i, c := range rec {
				rec[i] = csvCell(c)
			}
			if err := cw.Write(rec); err != nil {
				return nil
			}
			n++
		}
		cw.Flush()
		if next == "" || n >= auditCSVMax {
			break
		}
		f.Cursor = next
	}
	cw.Flush()
	return nil
}

// csvCell keeps a spreadsheet from reading a cell as a formula: a value that starts with
// =, +, -, @ or a control character gets a leading apostrophe (names and titles come from
// users).
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
