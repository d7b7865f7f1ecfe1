package web

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/lib/ident"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Evidence (D5, D6): which entries hold rows about a person or a company that the caller may
// use, so that a public body does not ask the applicant for paper again; and signed
// extracts of rows the caller may read, with their public verification, so that an extract
// can stand in for a paper copy.
//
// The subject's key is personal: it is never logged (the access log has the path only),
// never put in an error message, and recorded masked (ident.Mask).

// MaxExtractRows is the most rows one signed extract holds.
const MaxExtractRows = 1000

var (
	errNoEvidence = pubdata.Errorf(pubdata.ENOTFOUND, "This server does not look up subjects.").Keyed("error.not_available.subjects")
	errNoExtracts = pubdata.Errorf(pubdata.ENOTFOUND, "This server does not sign extracts.").Keyed("error.not_available.extracts")
)

// subjectKey reads a subject's key: a resident ID number (GB 11643) or a unified social
// credit code (GB 32100), written in either's usual forms. It returns the data element and
// the key in standard form; the error names the rule that failed, never the key.
func subjectKey(raw string) (element, key string, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "", pubdata.FieldErrorf("key", "key is required: a resident ID number (18 characters) or a unified social credit code (18 characters).").
			Keyed("error.evidence.key.required")
	}
	if looksLikeResidentID(raw) {
		n, err := ident.NormalizeResidentID(raw)
		if err == nil {
			err = ident.ResidentID(n, time.Now())
		}
		if err == nil {
			return ident.ElementResidentID, n, nil
		}
		if u := ident.NormalizeUSCC(raw); ident.USCC(u) == nil { // an all-digit USCC
			return ident.ElementUSCC, u, nil
		}
		return "", "", keyError(ident.ElementResidentID, err)
	}
	n := ident.NormalizeUSCC(raw)
	if err := ident.USCC(n); err != nil {
		return "", "", keyError(ident.ElementUSCC, err)
	}
	return ident.ElementUSCC, n, nil
}

// looksLikeResidentID reports whether s has a resident ID number's shape: 15 digits, or 17
// digits and a digit or X.
func looksLikeResidentID(s string) bool {
	digits := func(t string) bool { return strings.Trim(t, "0123456789") == "" }
	switch len(s) {
	case 15:
		return digits(s)
	case 18:
		return digits(s[:17]) && strings.ContainsAny(s[17:], "0123456789Xx")
	}
	return false
}

func keyError(element string, err error) error {
	what, whatMsg := "resident ID number (GB 11643)", pubdata.NewMessage("error.evidence.element.resident_id")
	if element == ident.ElementUSCC {
		what, whatMsg = "unified social credit code (GB 32100)", pubdata.NewMessage("error.evidence.element.uscc")
	}
	rule, ruleName := "", ""
	problem := pubdata.NewMessage("error.sentence", "Text", err.Error())
	var ie *ident.Error
	if errors.As(err, &ie) {
		rule, ruleName = " [rule "+ie.Rule+"]", ie.Rule
		problem = &pubdata.Message{Key: ie.Key, Args: ie.Args}
	}
	return pubdata.FieldErrorf("key", "key is not a valid %s: %s%s.", what, err.Error(), rule).
		Keyed("error.evidence.key.invalid", "Element", whatMsg, "Problem", problem, "Rule", ruleName)
}

// SubjectReply is GET /api/v1/subjects's reply.
type SubjectReply struct {
	Element string                  `json:"element"`
	Key     string                  `json:"key"` // masked
	Items   []*pubdata.SubjectEntry `json:"items"`
	Total   int                     `json:"total"`
	Next    string                  `json:"next"`
}

// LookUpSubject finds the published entries with a current row about the subject and the
// caller's access to each, and records the lookup (masked).
func (s *Server) LookUpSubject(ctx context.Context, raw string) (*SubjectReply, error) {
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in, or send \"Authorization: Bearer <token>\".").Keyed("error.sign_in")
	}
	if !pubdata.CanLookUpSubjects(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of public bodies and authorities may look up which entries hold a subject's data.").Keyed("error.evidence.forbidden")
	}
	if s.Evidence == nil || s.Data == nil {
		return nil, errNoEvidence
	}
	element, key, err := subjectKey(raw)
	if err != nil {
		return nil, err
	}
	cands, err := s.Evidence.SubjectEntries(ctx, element)
	if err != nil {
		return nil, err
	}
	reply := &SubjectReply{Element: element, Key: ident.Mask(key), Items: []*pubdata.SubjectEntry{}}
	p := access.RequestPurpose(ctx)
	var found []string
	for _, c := range cands {
		e := c.Entry
		if !pubdata.CanViewPublished(a, e) && !pubdata.CanReadAllData(a, e) {
			continue
		}
		held, rd, err := s.Reader().LookUpSubject(ctx, e, c.Item, key, p)
		if err != nil {
			return nil, err
		}
		if !held {
			continue
		}
		d := rd.Decision()
		it := &pubdata.SubjectEntry{Entry: e.ID, Title: e.Title, Provider: e.Org, ProviderName: e.OrgName, Item: c.Item, Access: pubdata.SubjectAccess(d)}
		switch it.Access {
		case pubdata.SubjectNeedsApplication:
			it.Message = "This entry is shared on conditions: you may apply for it (POST /api/v1/applications)."
		case pubdata.SubjectNotShared:
			it.Message = d.Message
		}
		reply.Items = append(reply.Items, it)
		found = append(found, e.ID)
	}
	reply.Total = len(reply.Items)
	if err := s.Evidence.RecordSubjectLookup(ctx, element, reply.Key, found); err != nil {
		return nil, err
	}
	return reply, nil
}

// --- signed extracts ---

// ExtractRequest is POST /api/v1/extracts: the entry, and a key (the key items' values,
// comma-separated, as the rows API's _key) or a filter in the rows API's query-string form;
// the purpose (else X-Purpose).
type ExtractRequest struct {
	Entry   string `json:"entry"`
	Key     string `json:"key"`
	Filter  string `json:"filter"`
	Purpose string `json:"purpose"`
}

// BuildExtract reads the rows of the request under the caller's access (the rows API's
// rules: DecideAccess, masks, the grant's filter), signs the document and records it.
func (s *Server) BuildExtract(r *http.Request, req *ExtractRequest) (*extract.Signed, error) {
	ctx := r.Context()
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if s.Extracts == nil || s.Evidence == nil || s.Data == nil {
		return nil, errNoExtracts
	}
	req.Entry, req.Key, req.Filter = strings.TrimSpace(req.Entry), strings.TrimSpace(req.Key), strings.TrimSpace(req.Filter)
	req.Purpose = Purpose(req.Purpose)
	if req.Purpose == "" {
		req.Purpose = pubdata.RequestFromContext(ctx).Purpose
	}
	switch {
	case req.Entry == "":
		return nil, pubdata.FieldErrorf("entry", "entry is required: the id of a published table entry.").Keyed("error.evidence.entry.required")
	case req.Key == "" && req.Filter == "":
		return nil, pubdata.FieldErrorf("key", "Give the row's key (key) or a filter (filter, e.g. \"col=v&year__gte=2020\").").
			Keyed("error.evidence.key_or_filter")
	case req.Key != "" && req.Filter != "":
		return nil, pubdata.FieldErrorf("filter", "Give either key or filter, not both.").Keyed("error.evidence.key_and_filter")
	}
	e, err := s.Entries.FindPublishedEntry(ctx, req.Entry)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, NotFoundEntry(req.Entry)
	} else if err != nil {
		return nil, err
	}
	if ok, err := s.Reader().Visible(ctx, e); err != nil {
		return nil, err
	} else if !ok {
		return nil, NotFoundEntry(req.Entry)
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, err
	}
	rd, err := s.OpenReadFor(ctx, e, req.Purpose)
	if err != nil {
		return nil, err
	}
	if !rd.Allowed() {
		return nil, rd.Refused(ctx, access.KindExtract, true)
	}
	d := rd.Decision()
	q := &pubdata.RowQuery{}
	if req.Key != "" {
		if q.Filters, err = access.KeyFilters(items, req.Key); err != nil {
			return nil, err
		}
	} else {
		params, perr := url.ParseQuery(req.Filter)
		if perr != nil {
			return nil, pubdata.FieldErrorf("filter", "filter is not a query string (col=v&…): %v", perr).
				Keyed("error.evidence.filter.syntax", "Problem", perr)
		}
		if q, err = pubdata.ParseRowQuery(items, params, nil, true); err != nil {
			return nil, err
		}
		if len(q.Filters) == 0 && q.Q == "" {
			return nil, pubdata.FieldErrorf("filter", "filter must name at least one condition (col=v), so that the extract is a defined selection.").
				Keyed("error.evidence.filter.empty")
		}
	}
	q.Limit, q.Cursor = MaxExtractRows+1, ""
	sel, err := rd.Select(ctx, q, access.KindExtract)
	if err != nil {
		return nil, err
	}
	cols := sel.Columns
	rows := [][]any{}
	if _, err := sel.Each(ctx, func(values []any) error {
		rows = append(rows, append([]any(nil), values...))
		return nil
	}); err != nil {
		return nil, err
	}
	switch {
	case len(rows) == 0:
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No current row of entry %s matches; nothing to extract.", e.ID).
			Keyed("error.evidence.no_row", "Entry", e.ID)
	case len(rows) > MaxExtractRows:
		return nil, pubdata.FieldErrorf("filter", "More than %d rows match; narrow the filter (an extract holds at most %d rows).", MaxExtractRows, MaxExtractRows).
			Keyed("error.evidence.too_many", "Max", MaxExtractRows)
	}
	doc := &extract.Document{
		Entry: e.ID, EntryTitle: e.Title, EntryVersion: e.Version, Provider: e.Org, ProviderName: e.OrgName,
		Columns: cols, Rows: rows, Requester: extract.Requester{Username: a.Username()},
		Purpose: d.Purpose, Time: s.Now().UTC().Format(time.RFC3339), Platform: BaseURL(r),
	}
	if a.Org != nil {
		doc.Requester.Org, doc.Requester.OrgName = a.Org.Code, a.Org.Name
	}
	signed, err := s.Extracts.Sign(ctx, doc)
	if err != nil {
		return nil, err
	}
	if err := s.Evidence.RecordExtract(ctx, &pubdata.ExtractRecord{Entry: e.ID, EntryVersion: e.Version, Rows: len(rows), Columns: cols,
		Purpose: d.Purpose, Digest: signed.Digest, Time: doc.Time}); err != nil {
		return nil, err
	}
	return signed, nil
}

// VerifyReply is POST /api/v1/verify's reply: whether the document (an extract or an
// electronic certificate) is valid, why not, and what it says when it is.
type VerifyReply struct {
	Valid        bool               `json:"valid"`
	Kind         string             `json:"kind"` // extract | certificate
	Format       string             `json:"format,omitempty"`
	Reason       string             `json:"reason,omitempty"`
	ReasonKey    string             `json:"-"`
	ReasonArgs   []any              `json:"-"`
	Signer       string             `json:"signer,omitempty"`       // the signing certificate's subject
	Serial       string             `json:"serial,omitempty"`       // its serial number (hex)
	SigningTime  string             `json:"signing_time,omitempty"` // from the signature
	Entry        string             `json:"entry,omitempty"`
	EntryTitle   string             `json:"entry_title,omitempty"`
	EntryVersion int                `json:"entry_version,omitempty"`
	Provider     string             `json:"provider,omitempty"`
	ProviderName string             `json:"provider_name,omitempty"`
	Requester    *extract.Requester `json:"requester,omitempty"`
	Purpose      string             `json:"purpose,omitempty"`
	Time         string             `json:"time,omitempty"`
	Rows         int                `json:"rows,omitempty"`
	Certificate  *CertificateStatus `json:"certificate,omitempty"`
}

// Verify checks a signed extract (either format) or a certificate's signed document with
// the platform's keyring; a certificate is also checked against the register (revoked or
// unknown certificates are not valid) and the check recorded.
func (s *Server) Verify(ctx context.Context, raw []byte) (*VerifyReply, error) {
	if s.Extracts == nil {
		return nil, errNoExtracts
	}
	v, err := s.Extracts.Verify(ctx, raw)
	var inv *extract.Invalid
	if errors.As(err, &inv) {
		return &VerifyReply{Valid: false, Kind: "extract", Reason: inv.Reason, ReasonKey: inv.Key, ReasonArgs: inv.Args}, nil
	} else if err != nil {
		return nil, err
	}
	if v.Format == extract.FormatCertificate {
		if err := s.certificatesOn(); err != nil {
			return nil, err
		}
		var doc CertificateDocument
		if err := json.Unmarshal(v.Document, &doc); err != nil || doc.ID == "" {
			return &VerifyReply{Kind: "certificate", Reason: "The certificate's document has no id.", ReasonKey: "verify.reason.no_document"}, nil
		}
		c, err := s.Certificates.Certificate(ctx, doc.ID)
		if ErrorIs(err, pubdata.ENOTFOUND) {
			return &VerifyReply{Kind: "certificate", Reason: "There is no certificate with this code.", ReasonKey: "verify.reason.no_certificate"}, nil
		} else if err != nil {
			return nil, err
		}
		if c.Digest != extract.Digest(v.Document) {
			return &VerifyReply{Kind: "certificate", Reason: "The document is not the one the register holds for this certificate.", ReasonKey: "verify.reason.changed"}, nil
		}
		return s.certificateReply(ctx, c, v)
	}
	d := v.Extract
	reply := &VerifyReply{Valid: true, Kind: "extract", Format: v.Format, Entry: d.Entry, EntryTitle: d.EntryTitle, EntryVersion: d.EntryVersion, Provider: d.Provider,
		ProviderName: d.ProviderName, Requester: &d.Requester, Purpose: d.Purpose, Time: d.Time, Rows: len(d.Rows), Signer: v.Signer, Serial: v.Serial}
	if !v.SigningTime.IsZero() {
		reply.SigningTime = v.SigningTime.UTC().Format(time.RFC3339)
	}
	return reply, nil
}
