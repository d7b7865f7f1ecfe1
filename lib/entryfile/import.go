package entryfile

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/pubdata/pubdata"
)

// Actions of an imported entry.
const (
	ActionCreate    = "create"    // a new entry (draft)
	ActionUpdate    = "update"    // the working copy of the organisation's entry with that code
	ActionUnchanged = "unchanged" // the working copy already has these fields
)

// Outcome is what the import does (or, in a dry run, would do) with one entry of the file.
type Outcome struct {
	Line   int    `json:"line"`
	Code   string `json:"code,omitempty"` // "" for a new entry whose code is not yet generated
	Title  string `json:"title"`
	Action string `json:"action"`
	ID     string `json:"id,omitempty"`
}

// Result is the report of an import.
type Result struct {
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	DryRun    bool      `json:"dry_run"`
	Errors    []Error   `json:"errors"`
	Entries   []Outcome `json:"entries"`
}

// ImportOptions tune Import.
type ImportOptions struct {
	// DryRun checks everything and writes nothing.
	DryRun bool
	// Check is the caller's further check of an entry's fields (such as: the division is a
	// known code inside the provider's). Its field errors are reported at the entry's cells.
	Check func(f *pubdata.EntryFields) error
}

// Import stores decoded rows (which must have no decoding problems) as catalogue entries of
// the provider org. An entry of the file is one of org's entries when it has that entry's
// resource code, or, without a code, that entry's title (the only one of org's entries with
// it), so that importing a file again changes nothing; it then updates that entry's working
// copy (UpdateEntry), unless the fields are unchanged. Any other entry is created as a draft
// (CreateEntry), with the code given or a generated one. It is all or nothing as far as the service allows:
// every entry is checked first — fields, the caller's Check, codes that another
// organisation uses, entries under review or retired — and on any problem nothing is
// written and the problems are returned. Only a failure of the store while writing (a
// concurrent change) can leave the entries before it written; the result then counts them
// and names the problem. Authorisation (pubdata.CanEditEntry) is the caller's; ctx carries
// the actor the audit record names.
func Import(ctx context.Context, svc pubdata.EntryService, org string, rows []Row, opt ImportOptions) (*Result, error) {
	res := &Result{DryRun: opt.DryRun, Errors: []Error{}, Entries: []Outcome{}}
	own, err := OrgEntries(ctx, svc, org)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*pubdata.Entry{}
	byTitle := map[string][]*pubdata.Entry{}
	for _, e := range own {
		byCode[e.Code] = e
		byTitle[e.Title] = append(byTitle[e.Title], e)
	}
	type plan struct {
		row      *Row
		existing *pubdata.Entry
		action   string
	}
	plans := make([]plan, 0, len(rows))
	claimed := map[string]int{}   // id of an existing entry → line of the file's entry that changes it
	newTitles := map[string]int{} // title of a new entry without a code → its line
	for i := range rows {
		r := &rows[i]
		if opt.Check != nil {
			res.Errors = append(res.Errors, r.Errors(opt.Check(&r.Fields))...)
		}
		p := plan{row: r, action: ActionCreate}
		switch same := byTitle[r.Fields.Title]; {
		case r.Code != "":
			if e, ok := byCode[r.Code]; ok {
				p.existing = e
			} else if taken, err := codeTaken(ctx, svc, r.Code); err != nil {
				return nil, err
			} else if taken {
				res.Errors = append(res.Errors, r.codeError(fmt.Sprintf("Resource code %s is used by another organisation's entry; leave it empty to have a code generated.", r.Code),
					pubdata.NewMessage("error.import.code_taken", "Code", r.Code)))
			}
		case len(same) == 1:
			p.existing = same[0]
		case len(same) > 1:
			res.Errors = append(res.Errors, r.codeError(fmt.Sprintf("%d of your entries are titled %s; give the resource code of the one to update.", len(same), r.Fields.Title),
				pubdata.NewMessage("error.import.title_ambiguous", "Count", len(same), "Title", r.Fields.Title)))
		default:
			if prev, dup := newTitles[r.Fields.Title]; dup {
				res.Errors = append(res.Errors, r.codeError(fmt.Sprintf("The entry at line %d has the same title; give each new entry its own resource code, or a different title.", prev),
					pubdata.NewMessage("error.import.title_twice", "Line", prev)))
			}
			newTitles[r.Fields.Title] = r.Line
		}
		if e := p.existing; e != nil {
			keepUntemplated(&r.Fields, e.EntryFields)
			switch prev, dup := claimed[e.ID]; {
			case dup:
				res.Errors = append(res.Errors, r.codeError(fmt.Sprintf("The entry at line %d is the same entry (%s %s).", prev, e.Code, e.Title),
					pubdata.NewMessage("error.import.same_entry", "Line", prev, "Code", e.Code, "Title", e.Title)))
			case len(pubdata.DiffEntryFields(e.EntryFields, withLevel(r.Fields))) == 0:
				p.action = ActionUnchanged // whatever its state: an export imports back unchanged
			case e.Status == pubdata.StatusSubmitted:
				res.Errors = append(res.Errors, r.codeError(fmt.Sprintf("Entry %s (%s) is under review and cannot be changed until the authority decides.", e.Code, e.Title),
					pubdata.NewMessage("error.import.under_review", "Code", e.Code, "Title", e.Title)))
			case e.Status == pubdata.StatusRetired:
				res.Errors = append(res.Errors, r.codeError(fmt.Sprintf("Entry %s (%s) is retired and cannot be changed.", e.Code, e.Title),
					pubdata.NewMessage("error.import.retired", "Code", e.Code, "Title", e.Title)))
			default:
				p.action = ActionUpdate
			}
			claimed[e.ID] = r.Line
		}
		plans = append(plans, p)
	}
	if len(res.Errors) > 0 {
		sortErrors(res.Errors)
		return res, nil
	}
	for _, p := range plans {
		o := Outcome{Line: p.row.Line, Code: p.row.Code, Title: p.row.Fields.Title, Action: p.action}
		if p.existing != nil {
			o.ID, o.Code = p.existing.ID, p.existing.Code
		}
		if !opt.DryRun {
			var e *pubdata.Entry
			var err error
			switch p.action {
			case ActionCreate:
				f := p.row.Fields
				e, err = svc.CreateEntry(ctx, org, p.row.Code, &f)
			case ActionUpdate:
				f := p.row.Fields
				e, err = svc.UpdateEntry(ctx, p.existing.ID, &f)
			}
			switch code := pubdata.ErrorCode(err); {
			case err == nil:
			case code == pubdata.EINVALID:
				res.Errors = append(res.Errors, p.row.Errors(err)...)
				return res, nil
			case code == pubdata.ECONFLICT:
				res.Errors = append(res.Errors, p.row.codeError(pubdata.ErrorMessage(err), pubdata.MessageOf(err)))
				return res, nil
			default:
				return res, err
			}
			if e != nil {
				o.ID, o.Code = e.ID, e.Code
			}
		}
		switch p.action {
		case ActionCreate:
			res.Created++
		case ActionUpdate:
			res.Updated++
		default:
			res.Unchanged++
		}
		res.Entries = append(res.Entries, o)
	}
	return res, nil
}

// ImportFile decodes a catalogue template (see Decode) and imports its entries (see
// Import). When the file has problems it still runs Import's checks in a dry run, so that
// the report lists every problem at once; then nothing is written.
func ImportFile(ctx context.Context, svc pubdata.EntryService, org string, file io.Reader, dopt Options, iopt ImportOptions) (*Result, error) {
	rows, errs, err := Decode(file, dopt)
	if err != nil {
		return nil, err
	}
	if len(errs) == 0 {
		return Import(ctx, svc, org, rows, iopt)
	}
	check := iopt
	check.DryRun = true
	res, err := Import(ctx, svc, org, rows, check)
	if err != nil {
		return nil, err
	}
	type place struct {
		line            int
		column, message string
	}
	seen := map[place]bool{}
	for _, e := range errs {
		seen[place{e.Line, e.Column, e.Message}] = true
	}
	for _, e := range res.Errors {
		if !seen[place{e.Line, e.Column, e.Message}] {
			errs = append(errs, e)
		}
	}
	sortErrors(errs)
	return &Result{DryRun: iopt.DryRun, Errors: errs, Entries: []Outcome{}}, nil
}

// codeError is a problem with the entry's resource code: its English msg and its message m.
func (r *Row) codeError(msg string, m *pubdata.Message) Error {
	return Error{Line: r.Line, Column: columnName(r.columns, colCode), Message: msg, Msg: m}
}

// codeTaken reports whether an entry of any organisation has the resource code.
func codeTaken(ctx context.Context, svc pubdata.EntryService, code string) (bool, error) {
	switch _, err := svc.FindPublishedEntry(ctx, code); pubdata.ErrorCode(err) {
	case "":
		return true, nil
	case pubdata.ENOTFOUND:
	default:
		return false, err
	}
	es, _, _, err := svc.FindEntries(ctx, pubdata.EntryFilter{Q: code, Limit: pubdata.MaxLimit})
	if err != nil {
		return false, err
	}
	for _, e := range es {
		if e.Code == code {
			return true, nil
		}
	}
	return false, nil
}

// OrgEntries returns every working copy of the organisation's entries, by resource code.
func OrgEntries(ctx context.Context, svc pubdata.EntryService, org string) ([]*pubdata.Entry, error) {
	var out []*pubdata.Entry
	cursor := ""
	for {
		es, _, next, err := svc.FindEntries(ctx, pubdata.EntryFilter{Org: org, Limit: pubdata.MaxLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
		if next == "" || len(es) == 0 {
			break
		}
		cursor = next
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

func sortErrors(errs []Error) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
}

// keepUntemplated keeps, in the fields a row gives for an existing entry, what the template
// has no column for (usable but invisible: the entry's flag and terms, each item's flag by
// name), so that importing a sheet never drops them.
func keepUntemplated(f *pubdata.EntryFields, old pubdata.EntryFields) {
	f.Invisible, f.InvisibleTerms = old.Invisible, old.InvisibleTerms
	invisible := map[string]bool{}
	for _, it := range old.Items {
		invisible[it.Name] = it.Invisible
	}
	for i := range f.Items {
		f.Items[i].Invisible = invisible[f.Items[i].Name]
	}
}

// withLevel returns the fields with the level the store would give them (a sheet without a
// level column, or with the cell empty, means the level the items imply).
func withLevel(f pubdata.EntryFields) pubdata.EntryFields {
	pubdata.DefaultDataLevel(&f)
	return f
}
