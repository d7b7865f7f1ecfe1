package api

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The systems register (H4): a unit's information systems that feed or use the platform.

// systemBody is the body of POST and PUT (PUT replaces every field; the unit stays).
type systemBody struct {
	Org         string   `json:"org"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Owner       string   `json:"owner"`
	Kind        string   `json:"kind"`
	PullSources []string `json:"pull_sources"`
	Tokens      []string `json:"tokens"`
	Entries     []string `json:"entries"`
	// G8: the protection level (0–5), filing number and date.
	ProtectionLevel int    `json:"protection_level"`
	FilingNumber    string `json:"filing_number"`
	FiledOn         string `json:"filed_on"`
}

func (b *systemBody) system() *pubdata.InformationSystem {
	return &pubdata.InformationSystem{Org: b.Org, Name: b.Name, Description: b.Description, Owner: b.Owner, Kind: b.Kind,
		PullSources: b.PullSources, Tokens: b.Tokens, Entries: b.Entries,
		ProtectionLevel: b.ProtectionLevel, FilingNumber: b.FilingNumber, FiledOn: b.FiledOn}
}

// ApiSystemList is GET /api/v1/systems?org=: the unit's systems (the caller's unit by
// default), to its users and the covering authority.
func (s *Server) ApiSystemList(w http.ResponseWriter, r *http.Request) error {
	o, list, err := s.SystemsOf(r, strings.TrimSpace(r.URL.Query().Get("org")))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"org": o.Code, "items": list})
	return nil
}

// ApiSystemCreate is POST /api/v1/systems: a system of the caller's unit (201); its admins
// and editors.
func (s *Server) ApiSystemCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var b systemBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	out, err := s.CreateSystem(r, b.system())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// ApiSystemGet is GET /api/v1/systems/{id}.
func (s *Server) ApiSystemGet(w http.ResponseWriter, r *http.Request) error {
	sys, _, err := s.SystemFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, sys)
	return nil
}

// ApiSystemPut is PUT /api/v1/systems/{id}: replaces the system's fields.
func (s *Server) ApiSystemPut(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var b systemBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	out, err := s.UpdateSystem(r, r.PathValue("id"), b.system())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ApiSystemDelete is DELETE /api/v1/systems/{id} (204).
func (s *Server) ApiSystemDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.DeleteSystem(r, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ApiSystemsUnconnected is GET /api/v1/systems/unconnected?division=: the units of the
// division (the caller's authority's by default) whose catalogued entries have no
// connected system, with those entries.
func (s *Server) ApiSystemsUnconnected(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Unconnected(r, strings.TrimSpace(r.URL.Query().Get("division")))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}
