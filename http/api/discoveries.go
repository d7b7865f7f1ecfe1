package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// ApiEntryDiscoveries is GET /api/v1/entries/{id}/discoveries: the discoveries of personal
// data in the entry's items (issue 15 item 3), to its provider's users and the covering
// authority.
func (s *Server) ApiEntryDiscoveries(w http.ResponseWriter, r *http.Request) error {
	e, list, err := s.EntryDiscoveries(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"entry": e.ID, "items": list})
	return nil
}

// ApiEntryDiscover is POST /api/v1/entries/{id}/discover: sample the entry's current rows
// now; the reply lists the new discoveries.
func (s *Server) ApiEntryDiscover(w http.ResponseWriter, r *http.Request) error {
	e, list, err := s.RunDiscovery(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"entry": e.ID, "items": list})
	return nil
}

// ApiDiscoveries is GET /api/v1/discoveries: the discoveries an authority oversees in its
// division (a public body: its own), open first.
func (s *Server) ApiDiscoveries(w http.ResponseWriter, r *http.Request) error {
	list, err := s.DiscoveryList(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

// ApiDiscoveryDecide is POST /api/v1/discoveries/{id}/accept and …/dismiss {"reason"}.
func (s *Server) ApiDiscoveryDecide(accept bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := web.RequireUser(r); err != nil {
			return err
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if !accept {
			if err := web.DecodeJSON(r, &body); err != nil {
				return err
			}
		}
		d, err := s.DecideDiscovery(r, r.PathValue("id"), accept, body.Reason)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, d)
		return nil
	}
}

// ApiSecurityOfficer is PUT /api/v1/orgs/{code}/security-officer {"username"}: name the
// unit's security officer ("" clears).
func (s *Server) ApiSecurityOfficer(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var body struct {
		Username *string `json:"username"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Username == nil {
		return pubdata.FieldErrorf("username", "Give the username of the security officer (\"\" clears it).").Keyed("error.org.security_officer_missing")
	}
	o, err := s.SetSecurityOfficer(r, r.PathValue("code"), *body.Username)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, o)
	return nil
}
