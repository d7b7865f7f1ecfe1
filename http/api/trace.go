package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// ApiTrace is POST /api/v1/entries/{id}/trace: the body (or the multipart "file") is a
// leaked copy of the entry's rows (CSV, XLSX, JSON or NDJSON); the reply names the recipient
// of fingerprinted copies it was traced to, with the p-value, and scores every recipient.
// The covering authority's admins and reviewers only.
func (s *Server) ApiTrace(w http.ResponseWriter, r *http.Request) error {
	e, err := s.TraceEntry(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	file, err := web.ReadTraceFile(r)
	if err != nil {
		return err
	}
	rep, err := s.TraceLeak(r.Context(), e, file)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// fingerprintReply is the entry's fingerprint settings: the number items its provider keeps
// unmarked, and the items shared copies are marked in.
type fingerprintReply struct {
	Excluded []string `json:"excluded"`
	Marked   []string `json:"marked"`
}

// fingerprintEntry is the path's entry for its fingerprint settings: the provider's users
// and the covering authority only.
func (s *Server) fingerprintEntry(r *http.Request) (*pubdata.Entry, error) {
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, err
	}
	if s.Fingerprints == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "This server does not fingerprint copies.").Keyed("error.fingerprint.off")
	}
	e, _, err := s.dataEntry(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewWorkingCopy(a, e) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's admins and editors choose the items kept out of fingerprints.").Keyed("error.fingerprint.exclude_forbidden")
	}
	return e, nil
}

func (s *Server) writeFingerprint(w http.ResponseWriter, r *http.Request, e *pubdata.Entry) error {
	ex, err := s.Fingerprints.Excluded(r.Context(), e.ID)
	if err != nil {
		return err
	}
	rep := fingerprintReply{Excluded: ex, Marked: []string{}}
	for _, it := range e.Items {
		if pubdata.FingerprintItem(it, ex) {
			rep.Marked = append(rep.Marked, it.Name)
		}
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// ApiFingerprint is GET /api/v1/entries/{id}/fingerprint: the items kept unmarked and the
// items marked (the provider and the covering authority).
func (s *Server) ApiFingerprint(w http.ResponseWriter, r *http.Request) error {
	e, err := s.fingerprintEntry(r)
	if err != nil {
		return err
	}
	return s.writeFingerprint(w, r, e)
}

// ApiFingerprintSet is PUT /api/v1/entries/{id}/fingerprint {"excluded": [item, …]}: the
// provider's admins and editors keep number items out of fingerprints (recorded).
func (s *Server) ApiFingerprintSet(w http.ResponseWriter, r *http.Request) error {
	e, err := s.fingerprintEntry(r)
	if err != nil {
		return err
	}
	var body struct {
		Excluded []string `json:"excluded"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	if len(body.Excluded) > len(e.Items) {
		return pubdata.FieldErrorf("excluded", "Item %q is not an item of this entry.", body.Excluded[len(e.Items)]).Keyed("error.fingerprint.item", "Item", body.Excluded[len(e.Items)])
	}
	if err := s.Fingerprints.SetExcluded(r.Context(), e, body.Excluded); err != nil {
		return err
	}
	return s.writeFingerprint(w, r, e)
}
