package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"io"
	"net/http"
	"strings"
)

// ApiSubjects is GET /api/v1/subjects?key=: the entries holding rows about the subject.
func (s *Server) ApiSubjects(w http.ResponseWriter, r *http.Request) error {
	reply, err := s.LookUpSubject(r.Context(), r.URL.Query().Get("key"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, reply)
	return nil
}

// ApiExtractCreate is POST /api/v1/extracts → 201 and the signed extract.
func (s *Server) ApiExtractCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var req web.ExtractRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	signed, err := s.BuildExtract(r, &req)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, signed)
	return nil
}

// ApiVerify is POST /api/v1/verify with a signed extract: anyone may check one.
func (s *Server) ApiVerify(w http.ResponseWriter, r *http.Request) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return web.NormalizeError(err)
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return pubdata.Errorf(pubdata.EINVALID, "Request body is required: the signed extract's JSON.").Keyed("error.extract.body.required")
	}
	reply, err := s.Verify(r.Context(), raw)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, reply)
	return nil
}
