package ckan

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// The actions CKAN's clients call besides search and show (ckanapi, ckanext-harvest):
// current_package_list_with_resources, package_activity_list and datastore_info.

func init() {
	for name, a := range map[string]struct {
		run  ckanHandler
		help string
	}{
		"current_package_list_with_resources": {(*Server).ckanCurrentPackages, "Return the open datasets with their resources, the latest change first (limit, offset, page)."},
		"package_activity_list":               {(*Server).ckanPackageActivity, "Return a dataset's activity from the record: its publications, newest first (id, limit, offset, activity_types, exclude_activity_types)."},
		"datastore_info":                      {(*Server).ckanDatastoreInfo, "Return a table resource's fields and the number of rows the caller may read (id)."},
	} {
		ckanActions[name], ckanHelp[name] = a.run, a.help
	}
	CkanDataActions["datastore_info"] = true
}

// CKAN's limits of these actions.
const (
	ckanActivityDefault = 31  // package_activity_list's limit
	ckanActivityMax     = 100 // ckan.activity_list_limit_max
	ckanActivityOffset  = 10000
)

// ckanCurrentPackages is current_package_list_with_resources: pages of the open catalogue's
// packages (with their resources, as package_show gives them), the latest change first;
// limit at most ckanRowsMax (also its default), offset within web.MaxSearchOffset, page
// (from 1) when no offset is given.
func (s *Server) ckanCurrentPackages(r *http.Request, p ckanParams) (any, error) {
	limit, err := p.int("limit", ckanRowsMax)
	if err != nil {
		return nil, err
	}
	limit = min(limit, ckanRowsMax)
	offset, err := p.int("offset", 0)
	if err != nil {
		return nil, err
	}
	if _, ok := p["offset"]; !ok {
		page, err := p.int("page", 1)
		if err != nil {
			return nil, err
		}
		offset = max(page-1, 0) * limit
	}
	if offset > web.MaxSearchOffset {
		return nil, ckanInvalid("offset", "error.ckan.max", "Max", web.MaxSearchOffset)
	}
	if limit == 0 {
		return []map[string]any{}, nil
	}
	res, err := s.Entries.SearchCatalog(r.Context(), pubdata.CatalogQuery{
		Filters: []pubdata.CatalogFilter{pubdata.OpenCatalog}, Order: []pubdata.CatalogOrder{{By: "modified", Desc: true}},
		Offset: offset, Limit: limit,
	})
	if err != nil {
		return nil, err
	}
	return s.ckanPackages(r, res.Items)
}

// The activity types of a package's publications.
const (
	ckanActivityNew     = "new package"
	ckanActivityChanged = "changed package"
)

// ckanPackageActivity is package_activity_list: the publications of an open package's
// versions, from the record (entry.approve events), newest first. The record's people stay
// private: user_id is the organisation that acted, for every caller, and nothing of the
// event but its time, its version and the package's names is shown.
func (s *Server) ckanPackageActivity(r *http.Request, p ckanParams) (any, error) {
	e, err := s.ckanOpenEntry(r, p.str("id"))
	if err != nil {
		return nil, err
	}
	limit, err := p.int("limit", ckanActivityDefault)
	if err != nil {
		return nil, err
	}
	limit = min(limit, ckanActivityMax)
	offset, err := p.int("offset", 0)
	if err != nil {
		return nil, err
	}
	if offset > ckanActivityOffset {
		return nil, ckanInvalid("offset", "error.ckan.max", "Max", ckanActivityOffset)
	}
	only, err := p.list("activity_types")
	if err != nil {
		return nil, err
	}
	except, err := p.list("exclude_activity_types")
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	skipped := 0
	f := pubdata.AuditFilter{Object: "entry:" + e.ID, Action: "entry." + string(pubdata.EntryApprove), Limit: pubdata.MaxLimit}
	pkg := map[string]any{"id": e.ID, "name": web.CkanName(e), "title": e.Title}
	for len(out) < limit {
		events, _, next, err := s.Audit.FindEvents(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			typ := ckanActivityChanged
			version, _ := strconv.Atoi(pubdata.FormatItemValue(ev.Details["version"])) // a JSON number
			if version == 1 {
				typ = ckanActivityNew
			}
			if (len(only) > 0 && !slices.Contains(only, typ)) || slices.Contains(except, typ) {
				continue
			}
			if skipped < offset {
				skipped++
				continue
			}
			if len(out) == limit {
				break
			}
			out = append(out, map[string]any{
				"id": strconv.FormatInt(ev.Seq, 10), "timestamp": ckanTime(ev.Time), "user_id": ev.Org,
				"object_id": e.ID, "activity_type": typ, "revision_id": nil, "permission_labels": []string{"public"},
				"data": map[string]any{"package": pkg, "version": version},
			})
		}
		if next == "" || len(events) == 0 {
			break
		}
		f.Cursor = next
	}
	return out, nil
}

// ckanDatastoreInfo is datastore_info: the fields of a table resource the caller may read
// (types as datastore_search gives them, the item's title as label, the key as a unique
// index) and meta.count, the rows the caller may read (a grant's row filter applied, frozen
// rows left out). It is a read of the entry: recorded and counted as datastore_search is.
func (s *Server) ckanDatastoreInfo(r *http.Request, p ckanParams) (any, error) {
	id := p.str("id")
	if id == "" {
		id = p.str("resource_id")
	}
	if id == "" {
		return nil, ckanValidation("id", "Missing value")
	}
	e, rd, err := s.ckanTable(r, id, access.KindInfo)
	if err != nil {
		return nil, err
	}
	d := rd.Decision()
	count := int64(0)
	cols := d.Columns
	if s.Data != nil {
		sel, err := rd.Select(r.Context(), &pubdata.RowQuery{}, access.KindInfo)
		if err != nil {
			return nil, err
		}
		if count, err = sel.Count(r.Context()); err != nil {
			return nil, err
		}
		cols = sel.Columns
	}
	fields := []map[string]any{}
	for _, c := range cols {
		f := ckanMaskedField(e.Items, c, d)
		key := false
		for _, it := range e.Items {
			key = key || (it.Name == c && it.Key)
		}
		f["schema"] = map[string]any{"native_type": f["type"], "notnull": key, "is_index": key, "uniquekey": key, "index_name": nil}
		fields = append(fields, f)
	}
	return map[string]any{
		"meta":   map[string]any{"id": e.ID, "count": count, "table_type": "BASE TABLE", "aliases": []string{}},
		"fields": fields,
	}, nil
}
