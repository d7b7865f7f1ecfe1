package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Federation's API (issue 17 items 1–4): this platform's identity; its peers, for its
// admins; the requests of peers (signed, under /api/v1/federation/peer/); and the city
// user's applications and reads through this platform to a parent's entries.

// ApiFederationIdentity is this platform's identity: name, division, address and SM2
// signing certificate with its fingerprint, which admins compare when they register.
func (s *Server) ApiFederationIdentity(w http.ResponseWriter, r *http.Request) error {
	if s.Federation == nil || s.FederationSelf == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "This platform does not federate.").Keyed("error.not_available.federation")
	}
	id, err := s.FederationSelf(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, id)
	return nil
}

// ApiFederationPeers lists the peers with their state and last contact.
func (s *Server) ApiFederationPeers(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	peers, err := s.Federation.FindPeers(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": peers})
	return nil
}

// ApiFederationPeerAdd registers this platform with its parent at the given address.
func (s *Server) ApiFederationPeerAdd(w http.ResponseWriter, r *http.Request) error {
	_, self, err := s.RequireFederationAdmin(r)
	if err != nil {
		return err
	}
	var in struct {
		URL string `json:"url"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.RegisterParent(r.Context(), self, in.URL)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, p)
	return nil
}

// ApiFederationPeerDecide approves, refuses, suspends or resumes a peer.
func (s *Server) ApiFederationPeerDecide(state pubdata.PeerState) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, _, err := s.RequireFederationAdmin(r); err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &in); err != nil {
				return err
			}
		}
		p, err := s.Federation.DecidePeer(r.Context(), r.PathValue("id"), state, in.Reason)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, p)
		return nil
	}
}

// ApiFederationSync syncs a peer now (the background sync does it every interval).
func (s *Server) ApiFederationSync(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	p, err := s.Federation.FindPeer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if s.RunFederationSync == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "This platform does not federate.").Keyed("error.not_available.federation")
	}
	syncErr := s.RunFederationSync(r.Context(), p.ID)
	p, err = s.Federation.FindPeer(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := map[string]any{"peer": p, "ok": syncErr == nil}
	if syncErr != nil {
		out["error"] = syncErr.Error()
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// ApiFederationFlowbacks lists the entries flowing back to a child.
func (s *Server) ApiFederationFlowbacks(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	p, err := s.Federation.FindPeer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	fs, err := s.Federation.FindFlowbacks(r.Context(), p.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": fs})
	return nil
}

// ApiFederationFlowbackAdd makes an entry of this platform flow back to a child: its rows
// whose column lies in the child's division (B5).
func (s *Server) ApiFederationFlowbackAdd(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	var in struct {
		Entry  string `json:"entry"`
		Column string `json:"column"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	f, err := s.AddFlowback(r.Context(), r.PathValue("id"), in.Entry, in.Column)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, f)
	return nil
}

// ApiFederationFlowbackRemove stops an entry's flow-back to a child.
func (s *Server) ApiFederationFlowbackRemove(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	p, err := s.Federation.FindPeer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.Federation.RemoveFlowback(r.Context(), p.ID, r.PathValue("entry")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ApiFederationApply sends the caller's application for a parent's entry (found in this
// platform's catalogue) to the parent.
func (s *Server) ApiFederationApply(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequirePublicBody(r)
	if err != nil {
		return err
	}
	var c pubdata.ApplicationCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	fa, err := s.ApplyAcross(r.Context(), a, &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, fa)
	return nil
}

// ApiFederationApplications lists the applications the caller's organisation made to
// peers (an admin of the platform's authority: every one).
func (s *Server) ApiFederationApplications(w http.ResponseWriter, r *http.Request) error {
	if s.Federation == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "This platform does not federate.").Keyed("error.not_available.federation")
	}
	a, err := web.RequirePublicBody(r)
	if err != nil {
		return err
	}
	org := a.OrgCode()
	if _, _, err := s.RequireFederationAdmin(r); err == nil {
		org = ""
	}
	apps, err := s.Federation.FindFederatedApplications(r.Context(), org)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": apps})
	return nil
}

// ApiFederationRows reads a parent's entry through this platform: the read is made on the
// parent, for the caller, under the grant it names (X-Grant), decided and recorded by the
// parent's read path; this platform records it too ("federation.read").
func (s *Server) ApiFederationRows(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequirePublicBody(r)
	if err != nil {
		return err
	}
	status, body, ctype, err := s.ReadAcross(r.Context(), a, r.PathValue("id"), r.URL.RawQuery)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// --- the requests of peer platforms (signed: web.PeerRoute) ---

// ApiPeerRegister is a child platform's registration (pending until approved).
func (s *Server) ApiPeerRegister() web.HandlerFunc {
	return s.PeerRoute(true, true, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		p, err := s.PeerRegister(r.Context(), pr)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"state": p.State, "id": p.ID})
		return nil
	})
}

// ApiPeerRekey is a peer's new key announced under its old one: taken at once.
func (s *Server) ApiPeerRekey() web.HandlerFunc {
	return s.PeerRoute(false, true, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		state, err := s.PeerRekey(r.Context(), pr, true)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"state": state})
		return nil
	})
}

// ApiPeerRekeyRequest is a peer's new key announced without its old one (lost), signed by
// the new key: held for this platform's admin (ApiFederationPeerRekeyApprove).
func (s *Server) ApiPeerRekeyRequest() web.HandlerFunc {
	return s.PeerRoute(true, true, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		state, err := s.PeerRekey(r.Context(), pr, false)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"state": state})
		return nil
	})
}

// ApiFederationPeerRekeyApprove takes the new key a peer announced without its old one.
func (s *Server) ApiFederationPeerRekeyApprove(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.RequireFederationAdmin(r); err != nil {
		return err
	}
	p, err := s.Federation.ApprovePeerRekey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}

// ApiPeerStatus answers a peer with the state this platform holds it in.
func (s *Server) ApiPeerStatus() web.HandlerFunc {
	return s.PeerRoute(false, true, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		web.WriteJSON(w, http.StatusOK, map[string]any{"state": pr.Peer.State, "reason": pr.Peer.StateReason})
		return nil
	})
}

// ApiPeerCatalog is this platform's own catalogue changed after a generation (?after=).
func (s *Server) ApiPeerCatalog() web.HandlerFunc {
	return s.PeerRoute(false, false, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		feed, err := s.Federation.CatalogChanges(r.Context(), after, limit)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, feed)
		return nil
	})
}

// ApiPeerFlowbacks lists the entries that flow back to the calling child.
func (s *Server) ApiPeerFlowbacks() web.HandlerFunc {
	return s.PeerRoute(false, false, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		fs, err := s.Federation.FindFlowbacks(r.Context(), pr.Peer.ID)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"items": fs})
		return nil
	})
}

// ApiPeerFlowbackBatches lists the batches of a flowing-back entry after ?after=.
func (s *Server) ApiPeerFlowbackBatches() web.HandlerFunc {
	return s.PeerRoute(false, false, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		if _, err := s.flowbackOf(r, pr); err != nil {
			return err
		}
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		bs, err := s.Federation.BatchesAfter(r.Context(), r.PathValue("entry"), after, 100)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, map[string]any{"items": bs})
		return nil
	})
}

func (s *Server) flowbackOf(r *http.Request, pr *web.PeerRequest) (*pubdata.Flowback, error) {
	fs, err := s.Federation.FindFlowbacks(r.Context(), pr.Peer.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.Entry == r.PathValue("entry") {
			return f, nil
		}
	}
	return nil, pubdata.Errorf(pubdata.ENOTFOUND, "The entry does not flow back to this peer.").Keyed("error.federation.flowback.not_found")
}

// ApiPeerFlowbackBatch streams what one batch changed in the child's divisions, as NDJSON
// lines {"row": {item: value}, "delete": bool}, through the read path (access.FlowBack).
func (s *Server) ApiPeerFlowbackBatch() web.HandlerFunc {
	return s.PeerRoute(false, false, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		f, err := s.flowbackOf(r, pr)
		if err != nil {
			return err
		}
		seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
		if err != nil || seq <= 0 {
			return web.ParamError("seq", pubdata.NewMessage("error.param.federation_seq"), "must be a batch number.")
		}
		e, err := s.Entries.FindPublishedEntry(r.Context(), f.Entry)
		if err != nil {
			return err
		}
		ctx := pubdata.NewContextWithActor(r.Context(), pubdata.PeerActor(pr.Peer))
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		var cols []string
		_, err = s.Reader().FlowBack(ctx, e, seq, f.Column, pr.Peer.Division, func(values []any, del bool) error {
			if cols == nil {
				cols = columnsOf(e)
			}
			row := make(map[string]any, len(values))
			for i, v := range values {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				row[cols[i]] = v
			}
			return enc.Encode(map[string]any{"row": row, "delete": del})
		})
		if err != nil {
			// Too late for a status: the line says the stream failed, and the child's batch
			// fails with it (all or nothing).
			enc.Encode(map[string]any{"error": err.Error()})
		}
		return nil
	})
}

func columnsOf(e *pubdata.Entry) []string {
	items, _ := pubdata.TableItems(e)
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

// ApiPeerApply is an application a child forwards for its user.
func (s *Server) ApiPeerApply() web.HandlerFunc {
	return s.PeerRoute(false, false, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		app, err := s.PeerApply(r.Context(), pr)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusCreated, app)
		return nil
	})
}

// ApiPeerApplication is one application a child forwarded, with its answer.
func (s *Server) ApiPeerApplication() web.HandlerFunc {
	return s.PeerRoute(false, false, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		app, err := s.PeerApplication(r.Context(), pr, r.PathValue("id"))
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, app)
		return nil
	})
}

// ApiPeerRows is a read a child forwards for its user: the rows API as the user's
// federated actor, so this platform's read path decides (the grant named by X-Grant) and
// records it.
func (s *Server) ApiPeerRows() web.HandlerFunc {
	return s.PeerRoute(false, false, func(w http.ResponseWriter, r *http.Request, pr *web.PeerRequest) error {
		if pr.User == nil {
			return pubdata.Errorf(pubdata.EUNAUTHORIZED, "A forwarded read names its user (X-Pubdata-User).").Keyed("error.federation.user.required")
		}
		actor, err := pubdata.FederatedActor(pr.Peer, *pr.User)
		if err != nil {
			return err
		}
		ctx := pubdata.NewContextWithActor(r.Context(), actor)
		if e, err := s.Entries.FindPublishedEntry(ctx, r.PathValue("id")); err == nil && e.Platform != "" {
			return pubdata.Errorf(pubdata.ENOTFOUND, "No published catalogue entry %q.", r.PathValue("id")).Keyed("error.entry.not_published", "ID", r.PathValue("id"))
		}
		r.Body = io.NopCloser(http.NoBody)
		return s.ApiRows(w, r.WithContext(ctx))
	})
}
