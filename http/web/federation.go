package web

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/federation"
	"github.com/pubdata/pubdata/lib/pki"
)

// Federation (issue 17 items 1–4): the requests of peer platforms, signed with their SM2
// keys, and the operations of this platform's admins and users on its peers. A peer's
// request is checked here (PeerRoute) before its handler runs, and every answer to one is
// signed with this platform's key (an HTTP trailer over the status, the request's nonce and
// the body), so both sides authenticate each other on every request.

var errNoFederation = pubdata.Errorf(pubdata.ENOTFOUND, "This platform does not federate.").Keyed("error.not_available.federation")

// PeerRequest is a checked request of a peer platform.
type PeerRequest struct {
	Peer *pubdata.Peer
	Body []byte
	// User is the peer's user the request is made for (nil: the peer platform itself).
	User *pubdata.RemoteIdentity
	// Cert is the certificate the request verified against (a registration's own).
	Cert *smx509.Certificate
}

// signingWriter hashes the body of an answer to a peer and signs it in a trailer.
type signingWriter struct {
	http.ResponseWriter
	h      hash.Hash
	status int
}

func (w *signingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *signingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.h.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *signingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// PeerRoute wraps the handler of a request from a peer platform: the federation must be
// on; the request must name a registered peer's certificate (or, for a registration, carry
// one: register), be signed by it over FederationMessage, be within the window and not be
// a replay; the peer must be active unless pending is allowed. The answer, whatever it is,
// is signed.
func (s *Server) PeerRoute(register, pending bool, h func(w http.ResponseWriter, r *http.Request, pr *PeerRequest) error) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.Federation == nil || s.FederationClient == nil || s.FederationSelf == nil {
			return errNoFederation
		}
		w.Header().Set("Trailer", pubdata.HeaderPeerSignature)
		sw := &signingWriter{ResponseWriter: w, h: sm3.New()}
		err := s.checkPeer(r, register, pending, func(pr *PeerRequest) error { return h(sw, r, pr) })
		if err != nil {
			s.RenderError(sw, r, err)
		}
		if sw.status == 0 {
			sw.WriteHeader(http.StatusNoContent)
		}
		me, serr := s.FederationClient.Sign(r.Context())
		if serr != nil {
			return nil // unsigned: the peer refuses it
		}
		if sig, serr := pki.SignMessage(me.Key, federation.ResponseMessage(sw.status, r.Header.Get(pubdata.HeaderPeerNonce), hex.EncodeToString(sw.h.Sum(nil)))); serr == nil {
			w.Header().Set(pubdata.HeaderPeerSignature, sig)
		}
		return nil
	}
}

func peerRefusal(message, key string, args ...any) error {
	return pubdata.Errorf(pubdata.EUNAUTHORIZED, "%s", message).Keyed(key, args...)
}

func (s *Server) checkPeer(r *http.Request, register, pending bool, next func(pr *PeerRequest) error) error {
	ctx := r.Context()
	fp, at, nonce, sig := r.Header.Get(pubdata.HeaderPeerKey), r.Header.Get(pubdata.HeaderPeerTime), r.Header.Get(pubdata.HeaderPeerNonce), r.Header.Get(pubdata.HeaderPeerSignature)
	if fp == "" || at == "" || nonce == "" || sig == "" {
		return peerRefusal("A request between platforms is signed: X-Pubdata-Peer, X-Pubdata-Time, X-Pubdata-Nonce and X-Pubdata-Signature are required.", "error.federation.unsigned")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil {
		return err
	}
	if len(body) > 1<<20 {
		return pubdata.Errorf(pubdata.ETOOLARGE, "A request between platforms carries at most 1 MiB.").Keyed("error.federation.too_large")
	}
	pr := &PeerRequest{Body: body}
	if register {
		var id pubdata.PlatformIdentity
		if err := json.Unmarshal(body, &id); err != nil {
			return pubdata.Errorf(pubdata.EINVALID, "A registration carries the platform's identity (JSON).").Keyed("error.federation.register.body")
		}
		certs, err := pki.ParseCertsPEM([]byte(id.Certificate))
		if err != nil {
			return pubdata.FieldErrorf("certificate", "The platform's certificate is not a PEM certificate.").Keyed("error.federation.certificate.pem")
		}
		pr.Cert = certs[0]
		if pki.Fingerprint(pr.Cert) != fp {
			return peerRefusal("The request is not signed with the certificate it carries.", "error.federation.signature")
		}
		if p, err := s.Federation.FindPeerByFingerprint(ctx, fp); err == nil {
			pr.Peer = p
		}
	} else {
		p, err := s.Federation.FindPeerByFingerprint(ctx, fp)
		if ErrorIs(err, pubdata.ENOTFOUND) {
			return pubdata.Errorf(pubdata.EUNAUTHORIZED, "No peer platform is registered here with the certificate %s.", fp).Keyed("error.federation.unknown_peer", "Fingerprint", fp)
		} else if err != nil {
			return err
		}
		certs, err := pki.ParseCertsPEM([]byte(p.Certificate))
		if err != nil {
			return err
		}
		pr.Peer, pr.Cert = p, certs[0]
	}
	if _, err := pubdata.CheckFederationTime(at, s.clock()); err != nil {
		return err
	}
	self, err := s.FederationSelf(ctx)
	if err != nil {
		return err
	}
	user := r.Header.Get(pubdata.HeaderPeerUser)
	msg := pubdata.FederationMessage(r.Method, r.URL.RequestURI(), at, nonce, self.Fingerprint, pki.BodyHash(body), user, r.Header.Get("X-Grant"), r.Header.Get("X-Purpose"))
	if err := pki.VerifyMessage(pr.Cert, msg, sig); err != nil {
		return peerRefusal("The request's signature does not verify against the peer's registered certificate.", "error.federation.signature")
	}
	if err := s.Federation.UseNonce(ctx, fp, nonce); err != nil {
		return err
	}
	if pr.Peer != nil {
		if pr.Peer.State != pubdata.PeerActive && !(pending && pr.Peer.State == pubdata.PeerPending) {
			return pubdata.Errorf(pubdata.EFORBIDDEN, "This platform holds the peer %s as %s, not active.", pr.Peer.Name, pr.Peer.State).
				Keyed("error.federation.peer.inactive", "Name", pr.Peer.Name, "State", string(pr.Peer.State))
		}
		_ = s.Federation.Contact(ctx, pr.Peer.ID, "")
	}
	if user != "" {
		var id pubdata.RemoteIdentity
		if err := json.Unmarshal([]byte(user), &id); err != nil {
			return peerRefusal("X-Pubdata-User is not a JSON identity.", "error.federation.user.syntax")
		}
		pr.User = &id
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return next(pr)
}

func (s *Server) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// RequireFederationAdmin is the actor when it manages this platform's peers.
func (s *Server) RequireFederationAdmin(r *http.Request) (*pubdata.Actor, *pubdata.PlatformIdentity, error) {
	if s.Federation == nil || s.FederationSelf == nil {
		return nil, nil, errNoFederation
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, nil, err
	}
	self, err := s.FederationSelf(r.Context())
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanManageFederation(a, self.Division) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an admin of the platform's authority manages its peer platforms.").Keyed("error.federation.forbidden")
	}
	return a, self, nil
}

// RegisterParent registers this platform with the platform at url as its child: it fetches
// the parent's identity, keeps the parent (pending) with its certificate, and sends its own
// identity, signed; the parent's admin then approves. The peer is kept even when the
// parent cannot be reached (its last error says why); the next sync tries again.
func (s *Server) RegisterParent(ctx context.Context, self *pubdata.PlatformIdentity, url string) (*pubdata.Peer, error) {
	url = strings.TrimRight(strings.TrimSpace(url), "/")
	id, err := s.FederationClient.Identity(ctx, url)
	if err != nil {
		return nil, pubdata.FieldErrorf("url", "The platform at %s could not be reached or did not answer as a pubdata platform: %v", url, err).
			Keyed("error.federation.unreachable", "URL", url, "Reason", err.Error())
	}
	id.URL = url
	if err := pubdata.ValidatePlatformIdentity(id); err != nil {
		return nil, err
	}
	kind, err := pubdata.PeerKindFor(self.Division, id.Division)
	if err != nil {
		return nil, err
	}
	if kind != pubdata.PeerParent {
		return nil, pubdata.FieldErrorf("url", "The platform at %s (division %s) is not above this one: a child registers with its parent.", url, id.Division).
			Keyed("error.federation.not_parent", "URL", url, "Division", id.Division)
	}
	certs, err := pki.ParseCertsPEM([]byte(id.Certificate))
	if err != nil {
		return nil, pubdata.FieldErrorf("url", "The platform's certificate is not a PEM certificate.").Keyed("error.federation.certificate.pem")
	}
	p, err := s.Federation.AddPeer(ctx, &pubdata.Peer{Kind: pubdata.PeerParent, Name: id.Name, Division: id.Division, URL: url,
		Certificate: id.Certificate, Fingerprint: pki.Fingerprint(certs[0]), State: pubdata.PeerPending, OwnFingerprint: self.Fingerprint})
	if err != nil {
		return nil, err
	}
	var answer pubdata.Peer
	if err := s.FederationClient.JSON(ctx, p, http.MethodPost, "/api/v1/federation/peer/register", self, &answer, nil); err != nil {
		_ = s.Federation.Contact(ctx, p.ID, err.Error())
	} else {
		_ = s.Federation.Contact(ctx, p.ID, "")
	}
	return s.Federation.FindPeer(ctx, p.ID)
}

// PeerRegister is a child platform's registration here: kept pending until this platform's
// admin approves. A registration already kept answers with its state.
func (s *Server) PeerRegister(ctx context.Context, pr *PeerRequest) (*pubdata.Peer, error) {
	if pr.Peer != nil {
		return pr.Peer, nil
	}
	var id pubdata.PlatformIdentity
	if err := json.Unmarshal(pr.Body, &id); err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "A registration carries the platform's identity (JSON).").Keyed("error.federation.register.body")
	}
	if err := pubdata.ValidatePlatformIdentity(&id); err != nil {
		return nil, err
	}
	self, err := s.FederationSelf(ctx)
	if err != nil {
		return nil, err
	}
	kind, err := pubdata.PeerKindFor(self.Division, id.Division)
	if err != nil {
		return nil, err
	}
	if kind != pubdata.PeerChild {
		return nil, pubdata.Errorf(pubdata.EINVALID, "A platform registers only with a platform above it.").Keyed("error.federation.register.not_child")
	}
	ctx = pubdata.NewContextWithActor(ctx, &pubdata.Actor{User: &pubdata.User{Username: "peer:" + id.Division, DisplayName: id.Name}})
	return s.Federation.AddPeer(ctx, &pubdata.Peer{Kind: pubdata.PeerChild, Name: id.Name, Division: id.Division, URL: id.URL,
		Certificate: id.Certificate, Fingerprint: pki.Fingerprint(pr.Cert), State: pubdata.PeerPending, OwnFingerprint: self.Fingerprint})
}

// PeerRekey is a peer's announcement of its new signing key (pubdata.PeerRekey): under its
// old key (byOldKey: the request was signed by the key this platform holds) the new one is
// taken at once; signed by the new key alone (the old one lost) it is held for this
// platform's admin. Either way the new key proves itself (Proof), and the answer's state is
// "active" when the key is taken, "pending" when held.
func (s *Server) PeerRekey(ctx context.Context, pr *PeerRequest, byOldKey bool) (string, error) {
	var in pubdata.PeerRekey
	if err := json.Unmarshal(pr.Body, &in); err != nil {
		return "", pubdata.Errorf(pubdata.EINVALID, "A new key is announced as JSON (division, old_fingerprint, certificate, fingerprint, proof).").Keyed("error.federation.rekey.body")
	}
	certs, err := pki.ParseCertsPEM([]byte(in.Certificate))
	if err != nil {
		return "", pubdata.FieldErrorf("certificate", "The platform's certificate is not a PEM certificate.").Keyed("error.federation.certificate.pem")
	}
	fp := pki.Fingerprint(certs[0])
	self, err := s.FederationSelf(ctx)
	if err != nil {
		return "", err
	}
	if fp != in.Fingerprint || pki.VerifyMessage(certs[0], pubdata.RekeyMessage(self.Fingerprint, in.Division, in.OldFingerprint, fp), in.Proof) != nil {
		return "", peerRefusal("The new key's proof does not verify: the announcement is not signed by the key it announces.", "error.federation.rekey.proof")
	}
	if byOldKey {
		if pr.Peer == nil || pr.Peer.Division != in.Division || pr.Peer.Fingerprint != in.OldFingerprint {
			return "", peerRefusal("A new key is announced under the old key of the same platform.", "error.federation.rekey.old_key_signed")
		}
		if _, err := s.Federation.RekeyPeer(pubdata.NewContextWithActor(ctx, pubdata.PeerActor(pr.Peer)), pr.Peer.ID, in.OldFingerprint, in.Certificate, fp); err != nil {
			return "", err
		}
		return string(pubdata.PeerActive), nil
	}
	if pr.Peer != nil { // the new key is known here already: taken (by approval)
		if pr.Peer.Division != in.Division {
			return "", peerRefusal("A new key is announced under the old key of the same platform.", "error.federation.rekey.old_key_signed")
		}
		return string(pubdata.PeerActive), nil
	}
	p, err := s.Federation.FindPeer(ctx, in.Division)
	if ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && p.Division != in.Division) {
		return "", pubdata.Errorf(pubdata.EUNAUTHORIZED, "No peer platform of division %s is registered here.", in.Division).Keyed("error.federation.rekey.unknown", "Division", in.Division)
	} else if err != nil {
		return "", err
	}
	if p.Fingerprint != in.OldFingerprint {
		return "", pubdata.Errorf(pubdata.ECONFLICT, "The key %s announced as the old one is not the peer's.", in.OldFingerprint).
			Keyed("error.federation.rekey.old_key", "Fingerprint", in.OldFingerprint)
	}
	if _, err := s.Federation.RequestPeerRekey(pubdata.NewContextWithActor(ctx, pubdata.PeerActor(p)), p.ID, in.Certificate, fp); err != nil {
		return "", err
	}
	return string(pubdata.PeerPending), nil
}

// MirroredEntry is a published entry of a peer platform in this platform's catalogue, and
// that peer, which must be this platform's active parent.
func (s *Server) MirroredEntry(ctx context.Context, id string) (*pubdata.Entry, *pubdata.Peer, error) {
	if s.Federation == nil || s.FederationClient == nil {
		return nil, nil, errNoFederation
	}
	e, err := s.Entries.FindPublishedEntry(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if e.Platform == "" {
		return nil, nil, pubdata.Errorf(pubdata.EINVALID, "Entry %s is this platform's own: apply for it here.", id).Keyed("error.federation.entry.own", "ID", id)
	}
	p, err := s.Federation.FindPeer(ctx, e.Platform)
	if err != nil {
		return nil, nil, err
	}
	if p.Kind != pubdata.PeerParent || p.State != pubdata.PeerActive {
		return nil, nil, pubdata.Errorf(pubdata.ECONFLICT, "The platform %s that keeps this entry is not an active parent of this one.", p.Name).
			Keyed("error.federation.peer.not_active_parent", "Name", p.Name)
	}
	return e, p, nil
}

// RequirePublicBody is the actor when a public body's (or an authority's) user: the people
// who apply for and read shared data across platforms.
func RequirePublicBody(r *http.Request) (*pubdata.Actor, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil || (a.Org.Kind != pubdata.KindPublicBody && a.Org.Kind != pubdata.KindAuthority) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the users of public bodies apply for or read another platform's shared data.").Keyed("error.federation.public_body")
	}
	return a, nil
}

// ApplyAcross sends the user's application for a peer's entry to that peer, and keeps this
// platform's copy of it (D1: through the platforms, answered by the peer's provider).
func (s *Server) ApplyAcross(ctx context.Context, a *pubdata.Actor, c *pubdata.ApplicationCreate) (*pubdata.FederatedApplication, error) {
	e, p, err := s.MirroredEntry(ctx, c.Entry)
	if err != nil {
		return nil, err
	}
	c.Kind = pubdata.KindShare
	id := pubdata.RemoteIdentityOf(a)
	var remote pubdata.Application
	if err := s.FederationClient.JSON(ctx, p, http.MethodPost, "/api/v1/federation/peer/applications", c, &remote, &id); err != nil {
		return nil, PeerFailure(err)
	}
	fa, err := s.Federation.CreateFederatedApplication(ctx, &pubdata.FederatedApplication{Peer: p.ID, RemoteID: remote.ID, Entry: e.ID, EntryTitle: e.Title,
		Applicant: a.Username(), ApplicantOrg: a.OrgCode(), Items: remote.Items, Purpose: remote.Purpose, Basis: remote.Basis, Until: remote.Until,
		Status: remote.Status, Due: remote.Due})
	return fa, err
}

// PeerFailure turns a peer's refusal into this platform's error: the peer's status kept
// (a 4xx stays the caller's problem), its message named.
func PeerFailure(err error) error {
	var pe *federation.PeerError
	if errors.As(err, &pe) {
		code := pubdata.EINVALID
		switch pe.Status {
		case http.StatusNotFound:
			code = pubdata.ENOTFOUND
		case http.StatusForbidden, http.StatusUnauthorized:
			code = pubdata.EFORBIDDEN
		case http.StatusConflict:
			code = pubdata.ECONFLICT
		}
		if pe.Status >= 500 {
			code = pubdata.EINTERNAL
		}
		return pubdata.Errorf(code, "The peer platform answered: %s", pe.Message).Keyed("error.federation.peer_answer", "Message", pe.Message)
	}
	return pubdata.Errorf(pubdata.EINTERNAL, "The peer platform could not be reached: %v", err).Keyed("error.federation.peer_unreachable", "Reason", err.Error())
}

// PeerApply is an application a child platform forwards for its user: made here as the
// user's federated actor (a member of a public body of the child's division), answered by
// this platform's provider on this platform's calendar.
func (s *Server) PeerApply(ctx context.Context, pr *PeerRequest) (*pubdata.Application, error) {
	if s.Applications == nil {
		return nil, errNoFederation
	}
	if pr.User == nil {
		return nil, peerRefusal("A forwarded application names its user (X-Pubdata-User).", "error.federation.user.required")
	}
	actor, err := pubdata.FederatedActor(pr.Peer, *pr.User)
	if err != nil {
		return nil, err
	}
	var c pubdata.ApplicationCreate
	if err := json.Unmarshal(pr.Body, &c); err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Request body must hold one JSON object.").Keyed("error.json.one_object")
	}
	c.Kind = pubdata.KindShare
	ctx = pubdata.NewContextWithActor(ctx, actor)
	if _, err := s.Federation.EnsureFederatedOrg(ctx, pr.Peer, pr.User.Org, pr.User.OrgName, pr.User.Division); err != nil {
		return nil, err
	}
	var e *pubdata.Entry
	if c.Entry != "" {
		e, err = s.Entries.FindPublishedEntry(ctx, c.Entry)
		switch {
		case ErrorIs(err, pubdata.ENOTFOUND):
			e = nil
		case err != nil:
			return nil, err
		case e.Platform != "" || !pubdata.CanViewPublished(actor, e):
			e = nil // only this platform's own entries are applied for here
		}
	}
	return s.Applications.CreateApplication(ctx, e, &c)
}

// PeerApplication is one of the applications a child forwarded, for its sync.
func (s *Server) PeerApplication(ctx context.Context, pr *PeerRequest, id string) (*pubdata.Application, error) {
	if s.Applications == nil {
		return nil, errNoFederation
	}
	app, err := s.Applications.FindApplicationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(app.ApplicantOrg, pubdata.FederatedOrgCode(pr.Peer.Division, "")) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Application %q not found.", id).Keyed("error.application.not_found", "ID", id)
	}
	return app, nil
}

// AddFlowback makes this platform's entry flow back to the child peer: its rows whose
// column lies in the child's division (B5).
func (s *Server) AddFlowback(ctx context.Context, peerID, entryID, column string) (*pubdata.Flowback, error) {
	p, err := s.Federation.FindPeer(ctx, peerID)
	if err != nil {
		return nil, err
	}
	e, err := s.Entries.FindPublishedEntry(ctx, entryID)
	if err != nil {
		return nil, err
	}
	if e.Platform != "" {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Entry %s is a peer's: only this platform's own entries flow back.", entryID).Keyed("error.federation.flowback.mirror", "ID", entryID)
	}
	if err := pubdata.ValidateFlowback(e, column); err != nil {
		return nil, err
	}
	return s.Federation.AddFlowback(ctx, &pubdata.Flowback{Peer: p.ID, Entry: e.ID, Column: column})
}

// ReadAcross reads a parent's entry for the actor through this platform: the parent's
// rows API, as the actor (X-Pubdata-User), under the grant and purpose of the request in
// ctx; the answer is verified against the parent's certificate and recorded here
// ("federation.read") with the user, the grant and the parent's status.
func (s *Server) ReadAcross(ctx context.Context, a *pubdata.Actor, entryID, rawQuery string) (int, []byte, string, error) {
	e, p, err := s.MirroredEntry(ctx, entryID)
	if err != nil {
		return 0, nil, "", err
	}
	req := pubdata.RequestFromContext(ctx)
	id := pubdata.RemoteIdentityOf(a)
	path := "/api/v1/federation/peer/entries/" + e.ID + "/rows"
	if rawQuery != "" {
		path += "?" + rawQuery
	}
	resp, err := s.FederationClient.DoFor(ctx, p, http.MethodGet, path, nil, &id, req.Grant, req.Purpose)
	if err != nil {
		return 0, nil, "", PeerFailure(err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		resp.Close()
		return 0, nil, "", PeerFailure(err)
	}
	if err := resp.Verify(); err != nil {
		return 0, nil, "", PeerFailure(err)
	}
	details := map[string]any{"peer": p.Division, "grant": req.Grant, "status": resp.Status, "query": rawQuery, "bytes": len(body)}
	if err := s.Federation.RecordFederatedRead(ctx, e.ID, details); err != nil {
		return 0, nil, "", err
	}
	ctype := "application/json; charset=utf-8"
	if resp.Status == http.StatusOK && strings.Contains(rawQuery, "_format=") {
		ctype = "application/octet-stream"
	}
	return resp.Status, body, ctype, nil
}
