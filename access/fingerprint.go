package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/fingerprint"
)

// Leak tracing (issue 15 item 7): a shared read's copies of rows (Kind.Mark) carry the
// recipient's fingerprint (lib/fingerprint) in the number items the provider has not kept
// unmarked; the provider's, the authority's and open reads are never marked.

// Recipient is the recipient a read's copies are fingerprinted for: the caller's body
// (org:CODE), or the person (user:NAME) without one.
func Recipient(a *pubdata.Actor) string { return fingerprint.Recipient(a.OrgCode(), a.Username()) }

// FingerprintColumns are the entry's columns named by cols (every item when cols is nil), as
// fingerprints see them: key items locate rows, number items not excluded (and not masked)
// carry marks.
func FingerprintColumns(items []pubdata.Item, cols []string, masks map[string]string, excluded []string) []fingerprint.Column {
	if cols == nil {
		for _, it := range items {
			cols = append(cols, it.Name)
		}
	}
	out := make([]fingerprint.Column, 0, len(cols))
	for _, c := range cols {
		fc := fingerprint.Column{Name: c}
		if i := slices.IndexFunc(items, func(it pubdata.Item) bool { return it.Name == c }); i >= 0 {
			it := items[i]
			fc.Title, fc.Key = it.Title, it.Key
			if _, masked := masks[c]; !masked && pubdata.FingerprintItem(it, excluded) {
				fc.Kind = fingerprint.Decimal
				if it.Type == "integer" {
					fc.Kind = fingerprint.Integer
				}
			}
		}
		out = append(out, fc)
	}
	return out
}

// fingerprint sets the selection's marker when its rows are copies for another body or a
// person under sharing or a conditional opening (a shared decision) and the server has a key.
func (s *Selection) fingerprint(ctx context.Context) error {
	r, d := s.rd.r, s.rd.d
	if !s.kind.Mark || !d.Shared || len(r.svc.FingerprintKey) == 0 || s.rd.a.Anonymous() {
		return nil
	}
	var excluded []string
	if r.svc.Fingerprints != nil {
		var err error
		if excluded, err = r.svc.Fingerprints.Excluded(ctx, s.rd.e.ID); err != nil {
			return err
		}
	}
	recipient := Recipient(s.rd.a)
	s.fp = fingerprint.NewMarker(r.svc.FingerprintKey, s.rd.e.ID, recipient, FingerprintColumns(s.rd.e.Items, s.Columns, d.Masks, excluded))
	if s.fp != nil {
		s.recipient = recipient
	}
	return nil
}

// Fingerprinted reports the recipient the selection's rows are fingerprinted for ("" none).
func (s *Selection) Fingerprinted() string { return s.recipient }

// Trace is the outcome of tracing a leaked copy of an entry.
type Trace struct {
	Entry  *pubdata.Entry
	Result fingerprint.Result
	// Recipients are every recipient of fingerprinted copies of the entry (the candidates),
	// per grant; Accused those of the recipient named (its grants), none when nobody is.
	Recipients []pubdata.FingerprintRecipient
	Accused    []pubdata.FingerprintRecipient
}

// Best is the best score (nil when there is no candidate).
func (t *Trace) Best() *fingerprint.Score {
	if len(t.Result.Scores) == 0 {
		return nil
	}
	return &t.Result.Scores[0]
}

// Trace scores every recipient of fingerprinted copies of entry e against file (a leaked copy:
// CSV, XLSX, JSON or NDJSON) and names the one whose p-value, corrected for the number of
// candidates, is below threshold (fingerprint.DefaultThreshold when 0). Only the covering
// authority's admins and reviewers trace (pubdata.CanTraceLeak); the trace is recorded
// ("fingerprint.trace", with the file's SHA-256 and the outcome).
func (r *Reader) Trace(ctx context.Context, e *pubdata.Entry, file []byte, threshold float64) (*Trace, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanTraceLeak(a, e) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins and reviewers trace leaked copies.").Keyed("error.fingerprint.trace_forbidden")
	}
	if len(r.svc.FingerprintKey) == 0 || r.svc.Fingerprints == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "This server does not fingerprint copies.").Keyed("error.fingerprint.off")
	}
	tab, err := fingerprint.ReadFile(file)
	if err != nil {
		return nil, pubdata.FieldErrorf("file", "The file is not CSV, XLSX, JSON or NDJSON.").Keyed("error.fingerprint.file")
	}
	excluded, err := r.svc.Fingerprints.Excluded(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	recips, err := r.svc.Fingerprints.Recipients(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	var cands []string
	for _, rc := range recips {
		if !slices.Contains(cands, rc.Recipient) {
			cands = append(cands, rc.Recipient)
		}
	}
	// The items kept unmarked now (an item excluded after a copy was sent only loses its
	// marks; one included since only dilutes the agreement towards one half).
	t := &Trace{Entry: e, Recipients: recips}
	t.Result = fingerprint.Detect(r.svc.FingerprintKey, e.ID, FingerprintColumns(e.Items, nil, nil, excluded), tab, cands, threshold)
	if len(t.Result.Columns) == 0 {
		return nil, pubdata.FieldErrorf("file", "The file's header names no number item of this entry beside the items that identify its rows (the key): it cannot be traced.").Keyed("error.fingerprint.columns")
	}
	for _, rc := range recips {
		if t.Result.Accused != "" && rc.Recipient == t.Result.Accused {
			t.Accused = append(t.Accused, rc)
		}
	}
	sum := sha256.Sum256(file)
	details := map[string]any{"sha256": hex.EncodeToString(sum[:]), "rows": t.Result.Rows, "candidates": len(cands), "accused": t.Result.Accused}
	if b := t.Best(); b != nil {
		details["best"], details["p"], details["marks"], details["matches"] = b.Recipient, b.Adjusted, b.Marks, b.Matches
	}
	if err := r.svc.Fingerprints.RecordTrace(ctx, e, details); err != nil {
		return nil, err
	}
	return t, nil
}
