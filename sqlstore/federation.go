package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/pubdata/pubdata"
)

// FederationService implements pubdata.FederationService (federation.go; migration 0046).
type FederationService struct{ db *DB }

// NewFederationService returns the federation service on db.
func NewFederationService(db *DB) *FederationService { return &FederationService{db: db} }

var _ pubdata.FederationService = (*FederationService)(nil)

const peerColumns = "id, kind, name, division, url, cert, fingerprint, state, state_reason, decided_by, last_contact, last_error, catalog_gen, own_fingerprint, pending_cert, pending_fingerprint, created_at, updated_at"

func scanPeer(s interface{ Scan(...any) error }) (*pubdata.Peer, error) {
	var p pubdata.Peer
	var last nullTime
	if err := s.Scan(&p.ID, &p.Kind, &p.Name, &p.Division, &p.URL, &p.Certificate, &p.Fingerprint, &p.State, &p.StateReason, &p.DecidedBy,
		&last, &p.LastError, &p.CatalogGeneration, &p.OwnFingerprint, &p.PendingCertificate, &p.PendingFingerprint, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}); err != nil {
		return nil, err
	}
	p.LastContact = last.t
	return &p, nil
}

func notFoundPeer(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "No peer platform %q.", id).Keyed("error.federation.peer.not_found", "ID", id)
}

func peerDetails(p *pubdata.Peer) map[string]any {
	return map[string]any{"kind": p.Kind, "name": p.Name, "division": p.Division, "url": p.URL, "fingerprint": p.Fingerprint, "state": p.State}
}

// AddPeer implements pubdata.FederationService.
func (s *FederationService) AddPeer(ctx context.Context, p *pubdata.Peer) (*pubdata.Peer, error) {
	if p.Kind != pubdata.PeerParent && p.Kind != pubdata.PeerChild {
		return nil, pubdata.FieldErrorf("kind", "Kind %q is not parent or child.", p.Kind).Keyed("error.federation.kind", "Kind", string(p.Kind))
	}
	if p.State == "" {
		p.State = pubdata.PeerPending
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p.ID, p.CreatedAt, p.UpdatedAt = newID(), tx.now, tx.now
	_, err = tx.exec(ctx, "INSERT INTO federation_peers (id, kind, name, division, url, cert, fingerprint, state, own_fingerprint, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		p.ID, string(p.Kind), p.Name, p.Division, p.URL, p.Certificate, p.Fingerprint, string(p.State), p.OwnFingerprint, fmtTime(tx.now), fmtTime(tx.now))
	if isUniqueViolation(err) {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "A peer platform of division %s, or with this certificate, is already registered.", p.Division).
			Keyed("error.federation.peer.taken", "Division", p.Division)
	} else if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "federation.peer.add", Object: "peer:" + p.ID, Details: peerDetails(p)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindPeer(ctx, p.ID)
}

// DecidePeer implements pubdata.FederationService.
func (s *FederationService) DecidePeer(ctx context.Context, id string, state pubdata.PeerState, reason string) (*pubdata.Peer, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := scanPeer(tx.queryRow(ctx, "SELECT "+peerColumns+" FROM federation_peers WHERE id = ?"+s.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundPeer(id)
	} else if err != nil {
		return nil, err
	}
	ok := false
	switch {
	case p.State == pubdata.PeerPending && (state == pubdata.PeerActive || state == pubdata.PeerRefused),
		p.State == pubdata.PeerActive && state == pubdata.PeerSuspended,
		p.State == pubdata.PeerSuspended && state == pubdata.PeerActive:
		ok = true
	}
	if !ok {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "A peer that is %s cannot become %s.", p.State, state).
			Keyed("error.federation.peer.state", "From", string(p.State), "To", string(state))
	}
	if (state == pubdata.PeerRefused || state == pubdata.PeerSuspended) && strings.TrimSpace(reason) == "" {
		return nil, pubdata.FieldErrorf("reason", "Refusing or suspending a peer needs a reason.").Keyed("error.federation.peer.reason")
	}
	who := pubdata.ActorFromContext(ctx).Username()
	if _, err := tx.exec(ctx, "UPDATE federation_peers SET state = ?, state_reason = ?, decided_by = ?, updated_at = ? WHERE id = ?",
		string(state), strings.TrimSpace(reason), who, fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	d := peerDetails(p)
	d["from"], d["state"], d["reason"] = p.State, state, strings.TrimSpace(reason)
	if err := tx.record(ctx, change{Action: "federation.peer." + string(state), Object: "peer:" + id, Details: d}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindPeer(ctx, id)
}

// FindPeers implements pubdata.FederationService.
func (s *FederationService) FindPeers(ctx context.Context) ([]*pubdata.Peer, error) {
	rows, err := s.db.query(ctx, "SELECT "+peerColumns+" FROM federation_peers ORDER BY kind DESC, division")
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanPeer)
	if out == nil {
		out = []*pubdata.Peer{}
	}
	return out, err
}

// FindPeer implements pubdata.FederationService.
func (s *FederationService) FindPeer(ctx context.Context, idOrDivision string) (*pubdata.Peer, error) {
	p, err := scanPeer(s.db.queryRow(ctx, "SELECT "+peerColumns+" FROM federation_peers WHERE id = ? OR division = ?", idOrDivision, idOrDivision))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundPeer(idOrDivision)
	}
	return p, err
}

// FindPeerByFingerprint implements pubdata.FederationService.
func (s *FederationService) FindPeerByFingerprint(ctx context.Context, fingerprint string) (*pubdata.Peer, error) {
	p, err := scanPeer(s.db.queryRow(ctx, "SELECT "+peerColumns+" FROM federation_peers WHERE fingerprint = ?", fingerprint))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundPeer(fingerprint)
	}
	return p, err
}

// lockPeer reads the peer for an update in tx.
func (s *FederationService) lockPeer(ctx context.Context, tx *Tx, id string) (*pubdata.Peer, error) {
	p, err := scanPeer(tx.queryRow(ctx, "SELECT "+peerColumns+" FROM federation_peers WHERE id = ?"+s.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundPeer(id)
	}
	return p, err
}

// swapPeerKey makes cert (fingerprint fp) the peer's key in tx, with its event.
func (s *FederationService) swapPeerKey(ctx context.Context, tx *Tx, p *pubdata.Peer, cert, fp, how string) error {
	_, err := tx.exec(ctx, "UPDATE federation_peers SET cert = ?, fingerprint = ?, pending_cert = '', pending_fingerprint = '', updated_at = ? WHERE id = ?",
		cert, fp, fmtTime(tx.now), p.ID)
	if isUniqueViolation(err) {
		return pubdata.Errorf(pubdata.ECONFLICT, "The key %s is another peer platform's.", fp).Keyed("error.federation.rekey.taken", "Fingerprint", fp)
	} else if err != nil {
		return err
	}
	d := peerDetails(p)
	d["old_fingerprint"], d["fingerprint"], d["how"] = p.Fingerprint, fp, how
	action := "federation.peer.rekey"
	if how == pubdata.RekeyByApproval {
		action = "federation.peer.rekey_approve"
	}
	return tx.record(ctx, change{Action: action, Object: "peer:" + p.ID, Details: d})
}

// RekeyPeer implements pubdata.FederationService.
func (s *FederationService) RekeyPeer(ctx context.Context, id, oldFingerprint, cert, fingerprint string) (*pubdata.Peer, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := s.lockPeer(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p.Fingerprint == fingerprint {
		return p, nil // taken already (an answer that did not arrive)
	}
	if p.Fingerprint != oldFingerprint {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The key %s announced as the old one is not the peer's.", oldFingerprint).
			Keyed("error.federation.rekey.old_key", "Fingerprint", oldFingerprint)
	}
	if err := s.swapPeerKey(ctx, tx, p, cert, fingerprint, pubdata.RekeyByOldKey); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindPeer(ctx, id)
}

// RequestPeerRekey implements pubdata.FederationService: the same key held again records
// nothing new.
func (s *FederationService) RequestPeerRekey(ctx context.Context, id, cert, fingerprint string) (*pubdata.Peer, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := s.lockPeer(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p.Fingerprint == fingerprint || p.PendingFingerprint == fingerprint {
		return p, nil
	}
	var other int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM federation_peers WHERE fingerprint = ?", fingerprint).Scan(&other); err != nil {
		return nil, err
	}
	if other > 0 {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The key %s is another peer platform's.", fingerprint).Keyed("error.federation.rekey.taken", "Fingerprint", fingerprint)
	}
	if _, err := tx.exec(ctx, "UPDATE federation_peers SET pending_cert = ?, pending_fingerprint = ?, updated_at = ? WHERE id = ?", cert, fingerprint, fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	d := peerDetails(p)
	d["pending_fingerprint"] = fingerprint
	if err := tx.record(ctx, change{Action: "federation.peer.rekey_request", Object: "peer:" + id, Details: d}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindPeer(ctx, id)
}

// ApprovePeerRekey implements pubdata.FederationService.
func (s *FederationService) ApprovePeerRekey(ctx context.Context, id string) (*pubdata.Peer, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := s.lockPeer(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p.PendingFingerprint == "" {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Peer %s announced no new key to approve.", p.Name).Keyed("error.federation.rekey.none", "Name", p.Name)
	}
	if err := s.swapPeerKey(ctx, tx, p, p.PendingCertificate, p.PendingFingerprint, pubdata.RekeyByApproval); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindPeer(ctx, id)
}

// SetOwnFingerprint implements pubdata.FederationService.
func (s *FederationService) SetOwnFingerprint(ctx context.Context, id, fingerprint, how string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	p, err := s.lockPeer(ctx, tx, id)
	if err != nil {
		return err
	}
	if p.OwnFingerprint == fingerprint {
		return nil
	}
	if _, err := tx.exec(ctx, "UPDATE federation_peers SET own_fingerprint = ?, updated_at = ? WHERE id = ?", fingerprint, fmtTime(tx.now), id); err != nil {
		return err
	}
	d := peerDetails(p)
	d["own_old_fingerprint"], d["own_fingerprint"], d["how"] = p.OwnFingerprint, fingerprint, how
	if err := tx.record(ctx, change{Action: "federation.peer.own_key", Object: "peer:" + id, Details: d}); err != nil {
		return err
	}
	return tx.Commit()
}

// Contact implements pubdata.FederationService: the peer's last contact is operational
// state, like a token's last use, and writes no event.
func (s *FederationService) Contact(ctx context.Context, id string, failure string) error {
	if len(failure) > 1000 {
		failure = failure[:1000]
	}
	return s.db.Exec(ctx, "UPDATE federation_peers SET last_contact = ?, last_error = ? WHERE id = ?", fmtTime(s.db.Now()), failure, id)
}

// UseNonce implements pubdata.FederationService: nonces older than twice the window go.
func (s *FederationService) UseNonce(ctx context.Context, fingerprint, nonce string) error {
	if len(nonce) < 16 || len(nonce) > 64 {
		return pubdata.Errorf(pubdata.EUNAUTHORIZED, "The request's nonce must be 16 to 64 characters.").Keyed("error.federation.nonce.syntax")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, "DELETE FROM federation_nonces WHERE seen_at < ?", fmtTime(tx.now.Add(-2*pubdata.FederationWindow))); err != nil {
		return err
	}
	_, err = tx.exec(ctx, "INSERT INTO federation_nonces (fingerprint, nonce, seen_at) VALUES (?, ?, ?)", fingerprint, nonce, fmtTime(tx.now))
	if isUniqueViolation(err) {
		return pubdata.Errorf(pubdata.EUNAUTHORIZED, "The request was already received (its nonce was used): a replay is refused.").Keyed("error.federation.replay")
	} else if err != nil {
		return err
	}
	return tx.Commit()
}

// CatalogChanges implements pubdata.FederationService.
func (s *FederationService) CatalogChanges(ctx context.Context, after int64, limit int) (*pubdata.CatalogFeed, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	tx, err := s.db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT e.id, e.catalog_gen, COALESCE(o.division, e.division), CASE WHEN c.entry_id IS NULL THEN 0 ELSE 1 END
		FROM entries e LEFT JOIN orgs o ON o.code = e.org LEFT JOIN catalog c ON c.entry_id = e.id
		WHERE e.peer = '' AND e.catalog_gen > ? ORDER BY e.catalog_gen LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, err
	}
	type item struct {
		id        string
		gen       int64
		div       string
		published int
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.gen, &it.div, &it.published); err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	feed := &pubdata.CatalogFeed{Changes: []pubdata.CatalogChange{}, Generation: after}
	if len(items) > limit {
		items, feed.More = items[:limit], true
	}
	for _, it := range items {
		ch := pubdata.CatalogChange{Generation: it.gen, ID: it.id, OrgDivision: it.div}
		if it.published == 1 {
			e, err := scanCatalog(tx.queryRow(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE c.entry_id = ?", it.id))
			if err != nil {
				return nil, err
			}
			ch.Entry = e
		}
		feed.Changes = append(feed.Changes, ch)
		feed.Generation = it.gen
	}
	return feed, nil
}

// mirrorCode is the resource code of a peer's entry here: its 分类码 marked with the peer
// ("F" and the peer's division), so that it never meets a code of this platform.
func mirrorCode(code, peerDivision string) string {
	prefix, seq, ok := strings.Cut(code, "/")
	if !ok {
		return code + "F" + peerDivision
	}
	return prefix + "F" + peerDivision + "/" + seq
}

// ensureFederatedOrg keeps a peer's organisation as a public body of its division.
func (tx *Tx) ensureFederatedOrg(ctx context.Context, peer *pubdata.Peer, code, name, division string) (*pubdata.Org, error) {
	fcode := pubdata.FederatedOrgCode(peer.Division, code)
	if !pubdata.DivisionCovers(peer.Division, division) {
		division = peer.Division
	}
	if name == "" {
		name = code
	}
	org := &pubdata.Org{Code: fcode, Name: name, Kind: pubdata.KindPublicBody, Division: division}
	var have string
	err := tx.queryRow(ctx, "SELECT name FROM orgs WHERE code = ?", fcode).Scan(&have)
	switch {
	case err == nil:
		if have != name {
			if _, err := tx.exec(ctx, "UPDATE orgs SET name = ?, updated_at = ? WHERE code = ?", name, fmtTime(tx.now), fcode); err != nil {
				return nil, err
			}
			if err := tx.record(ctx, change{Action: "org.federated_update", Object: "org:" + fcode, Details: map[string]any{"name": name, "peer": peer.Division}}); err != nil {
				return nil, err
			}
		}
		return org, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	if _, err := tx.exec(ctx, "INSERT INTO orgs (id, code, name, kind, division, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		newID(), fcode, name, string(pubdata.KindPublicBody), division, fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "org.federated", Object: "org:" + fcode,
		Details: map[string]any{"name": name, "kind": pubdata.KindPublicBody, "division": division, "peer": peer.Division, "remote_code": code}}); err != nil {
		return nil, err
	}
	return org, nil
}

// EnsureFederatedOrg implements pubdata.FederationService.
func (s *FederationService) EnsureFederatedOrg(ctx context.Context, peer *pubdata.Peer, code, name, division string) (*pubdata.Org, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := tx.ensureFederatedOrg(ctx, peer, code, name, division)
	if err != nil {
		return nil, err
	}
	return o, tx.Commit()
}

// ApplyCatalog implements pubdata.FederationService: one transaction for the page, so the
// peer's generation moves with the entries it covers.
func (s *FederationService) ApplyCatalog(ctx context.Context, peer *pubdata.Peer, feed *pubdata.CatalogFeed) (int, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var have int64
	if err := tx.queryRow(ctx, "SELECT catalog_gen FROM federation_peers WHERE id = ?"+s.db.forUpdate(), peer.ID).Scan(&have); errors.Is(err, sql.ErrNoRows) {
		return 0, notFoundPeer(peer.ID)
	} else if err != nil {
		return 0, err
	}
	n := 0
	for _, ch := range feed.Changes {
		if ch.Generation <= have {
			continue // seen already (a page fetched twice)
		}
		var owner, status string
		err := tx.queryRow(ctx, "SELECT peer, status FROM entries WHERE id = ?", ch.ID).Scan(&owner, &status)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		if exists && owner != peer.Division {
			continue // an entry of this platform's own (or another peer's) with that id: never overwritten
		}
		if ch.Entry == nil {
			if !exists || status == string(pubdata.StatusRetired) {
				continue
			}
			if _, err := tx.exec(ctx, "UPDATE entries SET status = ?, updated_at = ? WHERE id = ?", string(pubdata.StatusRetired), fmtTime(tx.now), ch.ID); err != nil {
				return 0, err
			}
			if err := tx.unpublish(ctx, ch.ID); err != nil {
				return 0, err
			}
			if err := tx.record(ctx, change{Action: "entry.federated_withdraw", Object: "entry:" + ch.ID,
				Details: map[string]any{"peer": peer.Division, "generation": ch.Generation}}); err != nil {
				return 0, err
			}
			n++
			continue
		}
		e := *ch.Entry
		if e.ID != ch.ID || e.Version <= 0 {
			continue
		}
		org, err := tx.ensureFederatedOrg(ctx, peer, e.Org, e.OrgName, ch.OrgDivision)
		if err != nil {
			return 0, err
		}
		remoteCode := e.Code
		e.Org, e.OrgName, e.Code, e.Platform = org.Code, org.Name, mirrorCode(e.Code, peer.Division), peer.Division
		if !pubdata.DivisionCovers(peer.Division, e.Division) {
			e.Division = peer.Division
		}
		doc, err := json.Marshal(e.EntryFields)
		if err != nil {
			return 0, err
		}
		if !exists {
			_, err = tx.exec(ctx, `INSERT INTO entries (id, code, org, status, version, title, division, doc, published_on, created_at, updated_at, peer)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.ID, e.Code, e.Org, string(pubdata.StatusPublished), e.Version, e.Title, e.Division, string(doc), nullString(e.PublishedOn), fmtTime(tx.now), fmtTime(tx.now), peer.Division)
		} else {
			_, err = tx.exec(ctx, "UPDATE entries SET code = ?, org = ?, status = ?, version = ?, title = ?, division = ?, doc = ?, published_on = ?, updated_at = ? WHERE id = ?",
				e.Code, e.Org, string(pubdata.StatusPublished), e.Version, e.Title, e.Division, string(doc), nullString(e.PublishedOn), fmtTime(tx.now), e.ID)
		}
		if isUniqueViolation(err) {
			continue // the marked code is taken here: left out, never overwritten
		} else if err != nil {
			return 0, err
		}
		if _, err := tx.exec(ctx, `INSERT INTO entry_versions (entry_id, version, doc, published_at, reviewer, comment) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (entry_id, version) DO UPDATE SET doc = excluded.doc`,
			e.ID, e.Version, string(doc), fmtTime(tx.now), "federation:"+peer.Division, ""); err != nil {
			return 0, err
		}
		if err := tx.publish(ctx, &e); err != nil {
			return 0, err
		}
		if err := tx.record(ctx, change{Action: "entry.federated", Object: "entry:" + e.ID,
			Details: map[string]any{"peer": peer.Division, "version": e.Version, "code": e.Code, "remote_code": remoteCode, "generation": ch.Generation, "supplementary": e.Supplementary}}); err != nil {
			return 0, err
		}
		n++
	}
	if feed.Generation > have {
		if _, err := tx.exec(ctx, "UPDATE federation_peers SET catalog_gen = ? WHERE id = ?", feed.Generation, peer.ID); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit()
}

// AddFlowback implements pubdata.FederationService.
func (s *FederationService) AddFlowback(ctx context.Context, f *pubdata.Flowback) (*pubdata.Flowback, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var kind string
	if err := tx.queryRow(ctx, "SELECT kind FROM federation_peers WHERE id = ?", f.Peer).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundPeer(f.Peer)
	} else if err != nil {
		return nil, err
	}
	if kind != string(pubdata.PeerChild) {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Data flows back to a child platform only.").Keyed("error.federation.flowback.child")
	}
	f.CreatedBy, f.CreatedAt = pubdata.ActorFromContext(ctx).Username(), tx.now
	_, err = tx.exec(ctx, "INSERT INTO federation_flowbacks (peer_id, entry_id, column_name, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
		f.Peer, f.Entry, f.Column, f.CreatedBy, fmtTime(tx.now))
	if isUniqueViolation(err) {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "The entry already flows back to this peer.").Keyed("error.federation.flowback.taken")
	} else if err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "federation.flowback.add", Object: "entry:" + f.Entry, Details: map[string]any{"peer": f.Peer, "column": f.Column}}); err != nil {
		return nil, err
	}
	return f, tx.Commit()
}

// RemoveFlowback implements pubdata.FederationService.
func (s *FederationService) RemoveFlowback(ctx context.Context, peer, entry string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "DELETE FROM federation_flowbacks WHERE peer_id = ? AND entry_id = ?", peer, entry)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return pubdata.Errorf(pubdata.ENOTFOUND, "The entry does not flow back to this peer.").Keyed("error.federation.flowback.not_found")
	}
	if err := tx.record(ctx, change{Action: "federation.flowback.remove", Object: "entry:" + entry, Details: map[string]any{"peer": peer}}); err != nil {
		return err
	}
	return tx.Commit()
}

// FindFlowbacks implements pubdata.FederationService.
func (s *FederationService) FindFlowbacks(ctx context.Context, peer string) ([]*pubdata.Flowback, error) {
	q := "SELECT f.peer_id, f.entry_id, COALESCE(e.title, ''), f.column_name, f.created_by, f.created_at FROM federation_flowbacks f LEFT JOIN entries e ON e.id = f.entry_id"
	var args []any
	if peer != "" {
		q += " WHERE f.peer_id = ?"
		args = append(args, peer)
	}
	rows, err := s.db.query(ctx, q+" ORDER BY f.created_at, f.entry_id", args...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.Flowback, error) {
		var f pubdata.Flowback
		return &f, sc.Scan(&f.Peer, &f.Entry, &f.EntryTitle, &f.Column, &f.CreatedBy, timeCol{&f.CreatedAt})
	})
	if out == nil {
		out = []*pubdata.Flowback{}
	}
	return out, err
}

// BatchesAfter implements pubdata.FederationService.
func (s *FederationService) BatchesAfter(ctx context.Context, entryID string, seq int64, limit int) ([]*pubdata.Batch, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	rows, err := s.db.query(ctx, `SELECT id, entry_id, seq, org, actor, source, mode, status, entry_version, rows_loaded, rows_superseded, created_at, finished_at
		FROM data_batches WHERE entry_id = ? AND seq > ? ORDER BY seq LIMIT ?`, entryID, seq, limit)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.Batch, error) {
		var b pubdata.Batch
		var fin nullTime
		err := sc.Scan(&b.ID, &b.Entry, &b.Seq, &b.Org, &b.Actor, &b.Source, &b.Mode, &b.Status, &b.EntryVersion, &b.RowsLoaded, &b.RowsSuperseded, timeCol{&b.CreatedAt}, &fin)
		b.FinishedAt, b.Errors = fin.t, []pubdata.RowError{}
		return &b, err
	})
	if out == nil {
		out = []*pubdata.Batch{}
	}
	return out, err
}

// FindInflows implements pubdata.FederationService.
func (s *FederationService) FindInflows(ctx context.Context, peer string) ([]*pubdata.Inflow, error) {
	rows, err := s.db.query(ctx, "SELECT peer_id, entry_id, column_name, seq, updated_at FROM federation_inflows WHERE peer_id = ? ORDER BY entry_id", peer)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (*pubdata.Inflow, error) {
		var in pubdata.Inflow
		return &in, sc.Scan(&in.Peer, &in.Entry, &in.Column, &in.Seq, timeCol{&in.UpdatedAt})
	})
	if out == nil {
		out = []*pubdata.Inflow{}
	}
	return out, err
}

// SetInflow implements pubdata.FederationService.
func (s *FederationService) SetInflow(ctx context.Context, in *pubdata.Inflow) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `INSERT INTO federation_inflows (peer_id, entry_id, column_name, seq, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (peer_id, entry_id) DO UPDATE SET column_name = excluded.column_name, seq = excluded.seq, updated_at = excluded.updated_at`,
		in.Peer, in.Entry, in.Column, in.Seq, fmtTime(tx.now)); err != nil {
		return err
	}
	if err := tx.record(ctx, change{Action: "federation.inflow", Object: "entry:" + in.Entry, Details: map[string]any{"peer": in.Peer, "column": in.Column, "seq": in.Seq}}); err != nil {
		return err
	}
	return tx.Commit()
}

const fedAppColumns = "id, peer_id, remote_id, entry_id, entry_title, applicant, applicant_org, items, purpose, basis, until, status, reason, grant_id, due, created_at, updated_at"

func scanFedApp(sc interface{ Scan(...any) error }) (*pubdata.FederatedApplication, error) {
	var a pubdata.FederatedApplication
	var items string
	if err := sc.Scan(&a.ID, &a.Peer, &a.RemoteID, &a.Entry, &a.EntryTitle, &a.Applicant, &a.ApplicantOrg, &items, &a.Purpose, &a.Basis, &a.Until,
		&a.Status, &a.Reason, &a.Grant, &a.Due, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}); err != nil {
		return nil, err
	}
	return &a, json.Unmarshal([]byte(items), &a.Items)
}

func fedAppDetails(a *pubdata.FederatedApplication) map[string]any {
	return map[string]any{"peer": a.Peer, "remote_id": a.RemoteID, "entry": a.Entry, "applicant": a.Applicant, "applicant_org": a.ApplicantOrg,
		"items": a.Items, "purpose": a.Purpose, "basis": a.Basis, "until": a.Until, "status": a.Status, "grant": a.Grant, "due": a.Due}
}

// CreateFederatedApplication implements pubdata.FederationService.
func (s *FederationService) CreateFederatedApplication(ctx context.Context, a *pubdata.FederatedApplication) (*pubdata.FederatedApplication, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a.ID, a.CreatedAt, a.UpdatedAt = newID(), tx.now, tx.now
	if _, err := tx.exec(ctx, "INSERT INTO federation_applications ("+fedAppColumns+") VALUES ("+placeholders(17)+")",
		a.ID, a.Peer, a.RemoteID, a.Entry, a.EntryTitle, a.Applicant, a.ApplicantOrg, jsonList(a.Items), a.Purpose, a.Basis, a.Until,
		string(a.Status), a.Reason, a.Grant, a.Due, fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "federation.application.create", Object: "application:" + a.ID, Details: fedAppDetails(a)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindFederatedApplication(ctx, a.ID)
}

// UpdateFederatedApplication implements pubdata.FederationService: the peer's answer, when
// it changed anything.
func (s *FederationService) UpdateFederatedApplication(ctx context.Context, id string, remote *pubdata.Application) (*pubdata.FederatedApplication, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a, err := scanFedApp(tx.queryRow(ctx, "SELECT "+fedAppColumns+" FROM federation_applications WHERE id = ?"+s.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No application %q to a peer platform.", id).Keyed("error.federation.application.not_found", "ID", id)
	} else if err != nil {
		return nil, err
	}
	if a.Status == remote.Status && a.Grant == remote.Grant && a.Reason == remote.Reason && a.Due == remote.Due && a.RemoteID == remote.ID {
		return a, nil
	}
	from := a.Status
	a.RemoteID, a.Status, a.Reason, a.Grant, a.Due = remote.ID, remote.Status, remote.Reason, remote.Grant, remote.Due
	if _, err := tx.exec(ctx, "UPDATE federation_applications SET remote_id = ?, status = ?, reason = ?, grant_id = ?, due = ?, updated_at = ? WHERE id = ?",
		a.RemoteID, string(a.Status), a.Reason, a.Grant, a.Due, fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	d := fedAppDetails(a)
	d["from"] = from
	if err := tx.record(ctx, change{Action: "federation.application.update", Object: "application:" + id, Details: d}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindFederatedApplication(ctx, id)
}

// FindFederatedApplications implements pubdata.FederationService.
func (s *FederationService) FindFederatedApplications(ctx context.Context, applicantOrg string) ([]*pubdata.FederatedApplication, error) {
	q, args := "SELECT "+fedAppColumns+" FROM federation_applications", []any{}
	if applicantOrg != "" {
		q += " WHERE applicant_org = ?"
		args = append(args, applicantOrg)
	}
	rows, err := s.db.query(ctx, q+" ORDER BY created_at DESC, id DESC LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, scanFedApp)
	if out == nil {
		out = []*pubdata.FederatedApplication{}
	}
	return out, err
}

// FindFederatedApplication implements pubdata.FederationService.
func (s *FederationService) FindFederatedApplication(ctx context.Context, id string) (*pubdata.FederatedApplication, error) {
	a, err := scanFedApp(s.db.queryRow(ctx, "SELECT "+fedAppColumns+" FROM federation_applications WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "No application %q to a peer platform.", id).Keyed("error.federation.application.not_found", "ID", id)
	}
	return a, err
}

// RecordFederatedRead implements pubdata.FederationService.
func (s *FederationService) RecordFederatedRead(ctx context.Context, entryID string, details map[string]any) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.record(ctx, change{Action: "federation.read", Object: "entry:" + entryID, Details: details}); err != nil {
		return err
	}
	return tx.Commit()
}
