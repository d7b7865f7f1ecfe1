package console

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The console's federation page (issue 17 items 1–4): this platform's identity; for the
// admins of its authority, the peer platforms with their state and last contact, the
// registration with a parent, the approval of children and the entries flowing back to
// them; for the users of public bodies, the application for a parent's entry found in this
// platform's catalogue, and their applications to peers.

type federationView struct {
	web.Page
	Self         *pubdata.PlatformIdentity
	Admin        bool
	Peers        []*pubdata.Peer
	Flowbacks    map[string][]*pubdata.Flowback
	Applications []*pubdata.FederatedApplication
	Entry        *pubdata.Entry // the parent's entry applied for (?entry=)
	Error        string
	Done         string
	Form         map[string]string
}

func (s *Server) federationView(r *http.Request) (*federationView, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if s.Federation == nil || s.FederationSelf == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "This platform does not federate.").Keyed("error.not_available.federation")
	}
	self, err := s.FederationSelf(r.Context())
	if err != nil {
		return nil, err
	}
	v := &federationView{Page: s.Base(r, true), Self: self, Flowbacks: map[string][]*pubdata.Flowback{}, Form: map[string]string{},
		Done: r.URL.Query().Get("done")}
	v.Admin = pubdata.CanManageFederation(a, self.Division)
	if v.Admin {
		if v.Peers, err = s.Federation.FindPeers(r.Context()); err != nil {
			return nil, err
		}
		for _, p := range v.Peers {
			if p.Kind == pubdata.PeerChild {
				if v.Flowbacks[p.ID], err = s.Federation.FindFlowbacks(r.Context(), p.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	if a.Org != nil && (a.Org.Kind == pubdata.KindPublicBody || a.Org.Kind == pubdata.KindAuthority) {
		org := a.OrgCode()
		if v.Admin {
			org = ""
		}
		if v.Applications, err = s.Federation.FindFederatedApplications(r.Context(), org); err != nil {
			return nil, err
		}
		if id := r.URL.Query().Get("entry"); id != "" {
			if e, _, err := s.MirroredEntry(r.Context(), id); err == nil {
				v.Entry = e
			}
		}
	} else if !v.Admin {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of public bodies apply for or read another platform's shared data.").Keyed("error.federation.public_body")
	}
	return v, nil
}

// PageFederation is GET /console/federation.
func (s *Server) PageFederation(w http.ResponseWriter, r *http.Request) error {
	v, err := s.federationView(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "federation", http.StatusOK, v)
}

// federationFailed shows the page again with the error of a form (a problem of the input
// or of the state; anything else is the error page's).
func (s *Server) federationFailed(w http.ResponseWriter, r *http.Request, err error, form map[string]string) error {
	switch pubdata.ErrorCode(err) {
	case pubdata.EINVALID, pubdata.ECONFLICT, pubdata.ENOTFOUND, pubdata.EINTERNAL:
	default:
		return err
	}
	q := r.URL.Query()
	r.URL.RawQuery = ""
	if e := q.Get("entry"); e != "" {
		r.URL.RawQuery = "entry=" + e
	}
	v, verr := s.federationView(r)
	if verr != nil {
		return verr
	}
	v.Error = web.ErrorText(v.Lang, err)
	for k, val := range form {
		v.Form[k] = val
	}
	return s.Render(w, r, "federation", http.StatusBadRequest, v)
}

// PageFederationRegister is POST /console/federation/peers: register with a parent.
func (s *Server) PageFederationRegister(w http.ResponseWriter, r *http.Request) error {
	_, self, err := s.RequireFederationAdmin(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	url := strings.TrimSpace(r.PostForm.Get("url"))
	if _, err := s.RegisterParent(r.Context(), self, url); err != nil {
		return s.federationFailed(w, r, err, map[string]string{"url": url})
	}
	web.Redirect(w, r, web.WithQuery("/console/federation", "done", "registered"))
	return nil
}

// PageFederationPeerAction is POST /console/federation/peers/{id}/{action}: approve,
// refuse, suspend, resume or sync a peer, or take the new key it announced (rekey).
func (s *Server) PageFederationPeerAction(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, action, reason := r.PathValue("id"), r.PathValue("action"), strings.TrimSpace(r.PostForm.Get("reason"))
	var err error
	switch action {
	case "rekey":
		_, err = s.Federation.ApprovePeerRekey(r.Context(), id)
	case "approve", "resume":
		_, err = s.Federation.DecidePeer(r.Context(), id, pubdata.PeerActive, reason)
	case "refuse":
		_, err = s.Federation.DecidePeer(r.Context(), id, pubdata.PeerRefused, reason)
	case "suspend":
		_, err = s.Federation.DecidePeer(r.Context(), id, pubdata.PeerSuspended, reason)
	case "sync":
		if s.RunFederationSync == nil {
			return pubdata.Errorf(pubdata.ENOTFOUND, "This platform does not federate.").Keyed("error.not_available.federation")
		}
		if serr := s.RunFederationSync(r.Context(), id); serr != nil {
			err = pubdata.Errorf(pubdata.EINTERNAL, "The sync failed: %v", serr).Keyed("error.federation.sync", "Reason", serr.Error())
		}
	default:
		return pubdata.Errorf(pubdata.ENOTFOUND, "No such action on a peer: %s.", action).Keyed("error.federation.action", "Action", action)
	}
	if err != nil {
		return s.federationFailed(w, r, err, map[string]string{"reason": reason})
	}
	web.Redirect(w, r, web.WithQuery("/console/federation", "done", action))
	return nil
}

// PageFederationFlowback is POST /console/federation/peers/{id}/flowbacks.
func (s *Server) PageFederationFlowback(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	entry, column := strings.TrimSpace(r.PostForm.Get("entry")), strings.TrimSpace(r.PostForm.Get("column"))
	if _, err := s.AddFlowback(r.Context(), r.PathValue("id"), entry, column); err != nil {
		return s.federationFailed(w, r, err, map[string]string{"entry": entry, "column": column})
	}
	web.Redirect(w, r, web.WithQuery("/console/federation", "done", "flowback"))
	return nil
}

// PageFederationApply is POST /console/federation/apply: a public body's application for a
// parent's entry, sent to the parent.
func (s *Server) PageFederationApply(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequirePublicBody(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	c := pubdata.ApplicationCreate{Entry: strings.TrimSpace(r.PostForm.Get("entry")), Kind: pubdata.KindShare,
		Purpose: r.PostForm.Get("purpose"), Basis: r.PostForm.Get("basis"), Until: r.PostForm.Get("until")}
	if _, err := s.ApplyAcross(r.Context(), a, &c); err != nil {
		r.URL.RawQuery = "entry=" + c.Entry
		return s.federationFailed(w, r, err, map[string]string{"purpose": c.Purpose, "basis": c.Basis, "until": c.Until})
	}
	web.Redirect(w, r, web.WithQuery("/console/federation", "done", "applied"))
	return nil
}
