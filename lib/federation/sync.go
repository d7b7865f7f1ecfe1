package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/pki"
)

// Syncer keeps this platform in step with its peers, one peer at a time (Job): it learns a
// parent's answer to its registration, pulls each active peer's catalogue changes after the
// generation it saw last (A3), applies the batches of the parent's entries that flow back
// to it (B5) and fetches the parent's answers to its users' applications (D1).
type Syncer struct {
	Client  *Client
	Peers   pubdata.FederationService
	Entries pubdata.EntryService
	Data    pubdata.DataService
	// Self is this platform's identity, sent again when a registration did not arrive.
	Self   func(ctx context.Context) (*pubdata.PlatformIdentity, error)
	Logger *slog.Logger
	// Claim, when set, takes the sync of a peer for this caller: ok false when another
	// (server) syncs it now; release ends the claim. serve's is a lease in the database.
	Claim func(ctx context.Context, peerID string) (release func(), ok bool, err error)
	// OldSigner gives this platform's rotated-out signing certificate of the fingerprint
	// with its key, or nil when the key is not kept (lost, revoked): a key rotation is
	// announced under the old key when there is one (rekey).
	OldSigner func(ctx context.Context, fingerprint string) (*pki.Issued, error)
}

// SyncAll syncs every peer, each on its own (one peer's failure does not stop the others),
// skipping those another server syncs now.
func (s *Syncer) SyncAll(ctx context.Context) {
	peers, err := s.Peers.FindPeers(ctx)
	if err != nil {
		s.log().Error("federation: listing peers", "error", err)
		return
	}
	for _, p := range peers {
		if ran, err := s.SyncOnce(ctx, p.ID); err != nil {
			s.log().Warn("federation: sync failed", "peer", p.Name, "division", p.Division, "error", err)
		} else if !ran {
			s.log().Debug("federation: peer synced elsewhere now; skipped", "peer", p.Name)
		}
	}
}

// SyncOnce syncs the peer under its claim (Claim): ran is false, and nothing is done, when
// another caller holds it.
func (s *Syncer) SyncOnce(ctx context.Context, peerID string) (ran bool, err error) {
	if s.Claim != nil {
		release, ok, err := s.Claim(ctx, peerID)
		if err != nil || !ok {
			return false, err
		}
		defer release()
	}
	return true, s.Sync(ctx, peerID)
}

func (s *Syncer) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Sync syncs one peer and notes the contact (with the failure, if any) on it.
func (s *Syncer) Sync(ctx context.Context, peerID string) error {
	p, err := s.Peers.FindPeer(ctx, peerID)
	if err != nil {
		return err
	}
	ctx = pubdata.NewContextWithActor(ctx, pubdata.PeerActor(p))
	ctx = pubdata.NewContextWithRequest(ctx, pubdata.RequestInfo{ClientAddr: "federation:" + p.Division})
	var errs []error
	switch {
	case p.Kind == pubdata.PeerParent && p.State == pubdata.PeerPending:
		if p, err = s.awaitApproval(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	if p.State == pubdata.PeerActive {
		if err := s.rekey(ctx, p); err != nil {
			// Until the peer holds this platform's key, nothing else passes there.
			err = fmt.Errorf("key rotation: %w", err)
			if cerr := s.Peers.Contact(ctx, p.ID, err.Error()); cerr != nil {
				return errors.Join(err, cerr)
			}
			return err
		}
		if err := s.catalog(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("catalogue: %w", err))
		}
		if p.Kind == pubdata.PeerParent {
			if err := s.flowback(ctx, p); err != nil {
				errs = append(errs, fmt.Errorf("flow-back: %w", err))
			}
			if err := s.applications(ctx, p); err != nil {
				errs = append(errs, fmt.Errorf("applications: %w", err))
			}
		}
	} else if len(errs) == 0 {
		return nil // pending here, refused or suspended: nothing to sync
	}
	err = errors.Join(errs...)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if cerr := s.Peers.Contact(ctx, p.ID, msg); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// ErrRekeyPending says that the peer holds this platform's new key for its admin's
// approval (the old key was not kept): the sync waits for it.
var ErrRekeyPending = errors.New("the peer platform's admin has to approve this platform's new signing key (its old key is not kept)")

// rekey announces this platform's new signing key to the peer when the keyring's signer is
// not the key the peer holds (OwnFingerprint): signed by the old key when it is kept (the
// peer takes it at once), else by the new one alone (the peer's admin approves it). Once
// the peer holds it, the peer record notes it, with its event.
func (s *Syncer) rekey(ctx context.Context, p *pubdata.Peer) error {
	me, err := s.Client.Sign(ctx)
	if err != nil {
		return err
	}
	cur := pki.Fingerprint(me.Cert)
	switch {
	case p.OwnFingerprint == cur:
		return nil
	case p.OwnFingerprint == "": // a peer registered before rotations were followed
		return s.Peers.SetOwnFingerprint(ctx, p.ID, cur, "")
	case s.Self == nil:
		return nil
	}
	self, err := s.Self(ctx)
	if err != nil {
		return err
	}
	in := pubdata.PeerRekey{Division: self.Division, OldFingerprint: p.OwnFingerprint, Certificate: string(pki.CertPEM(me.Cert)), Fingerprint: cur}
	if in.Proof, err = pki.SignMessage(me.Key, pubdata.RekeyMessage(p.Fingerprint, self.Division, p.OwnFingerprint, cur)); err != nil {
		return err
	}
	var old *pki.Issued
	if s.OldSigner != nil {
		if old, err = s.OldSigner(ctx, p.OwnFingerprint); err != nil {
			return err
		}
	}
	var answer struct {
		State pubdata.PeerState `json:"state"`
	}
	how := pubdata.RekeyByApproval
	if old != nil && old.Key != nil {
		how = pubdata.RekeyByOldKey
		oc := &Client{Sign: func(context.Context) (*pki.Issued, error) { return old, nil }, HTTP: s.Client.HTTP, Now: s.Client.Now}
		err = oc.JSON(ctx, p, http.MethodPost, "/api/v1/federation/peer/rekey", in, &answer, nil)
	} else {
		err = s.Client.JSON(ctx, p, http.MethodPost, "/api/v1/federation/peer/rekey-request", in, &answer, nil)
	}
	if err != nil {
		return err
	}
	if answer.State != pubdata.PeerActive {
		return ErrRekeyPending
	}
	s.log().Info("federation: the peer holds this platform's new signing key", "peer", p.Name, "fingerprint", cur, "how", how)
	return s.Peers.SetOwnFingerprint(ctx, p.ID, cur, how)
}

// awaitApproval asks the parent how it holds this platform, registering again if the
// parent does not know it, and follows its answer.
func (s *Syncer) awaitApproval(ctx context.Context, p *pubdata.Peer) (*pubdata.Peer, error) {
	var st struct {
		State  pubdata.PeerState `json:"state"`
		Reason string            `json:"reason"`
	}
	err := s.Client.JSON(ctx, p, http.MethodGet, "/api/v1/federation/peer/status", nil, &st, nil)
	var pe *PeerError
	if errors.As(err, &pe) && pe.Status == http.StatusUnauthorized && s.Self != nil {
		self, serr := s.Self(ctx)
		if serr != nil {
			return p, serr
		}
		if err := s.Client.JSON(ctx, p, http.MethodPost, "/api/v1/federation/peer/register", self, &st, nil); err != nil {
			return p, err
		}
	} else if err != nil {
		return p, err
	}
	switch st.State {
	case pubdata.PeerActive:
		return s.Peers.DecidePeer(ctx, p.ID, pubdata.PeerActive, "approved by "+p.Name)
	case pubdata.PeerRefused:
		return s.Peers.DecidePeer(ctx, p.ID, pubdata.PeerRefused, "refused by "+p.Name+": "+st.Reason)
	}
	return p, nil
}

// catalog pulls the peer's catalogue changes after the generation seen last, page by page,
// each page applied with the generation it reaches (so a stop resumes there).
func (s *Syncer) catalog(ctx context.Context, p *pubdata.Peer) error {
	after := p.CatalogGeneration
	for range 1000 {
		var feed pubdata.CatalogFeed
		if err := s.Client.JSON(ctx, p, http.MethodGet, "/api/v1/federation/peer/catalog?limit=200&after="+strconv.FormatInt(after, 10), nil, &feed, nil); err != nil {
			return err
		}
		if _, err := s.Peers.ApplyCatalog(ctx, p, &feed); err != nil {
			return err
		}
		if !feed.More || feed.Generation <= after {
			return nil
		}
		after = feed.Generation
	}
	return nil
}

// flowback applies, for each of the parent's entries that flow back here, the parent's
// batches after the last one applied: one batch here for each batch there, in order.
func (s *Syncer) flowback(ctx context.Context, p *pubdata.Peer) error {
	var list struct {
		Items []*pubdata.Flowback `json:"items"`
	}
	if err := s.Client.JSON(ctx, p, http.MethodGet, "/api/v1/federation/peer/flowbacks", nil, &list, nil); err != nil {
		return err
	}
	inflows, err := s.Peers.FindInflows(ctx, p.ID)
	if err != nil {
		return err
	}
	done := map[string]int64{}
	for _, in := range inflows {
		done[in.Entry] = in.Seq
	}
	var errs []error
	for _, f := range list.Items {
		e, err := s.Entries.FindPublishedEntry(ctx, f.Entry)
		if err != nil || e.Platform != p.Division {
			continue // the catalogue has not brought the entry yet
		}
		if err := s.flowEntry(ctx, p, e, f, done[f.Entry]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Title, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Syncer) flowEntry(ctx context.Context, p *pubdata.Peer, e *pubdata.Entry, f *pubdata.Flowback, seq int64) error {
	for range 1000 {
		var bs struct {
			Items []*pubdata.Batch `json:"items"`
		}
		path := "/api/v1/federation/peer/flowbacks/" + url.PathEscape(f.Entry) + "/batches?after=" + strconv.FormatInt(seq, 10)
		if err := s.Client.JSON(ctx, p, http.MethodGet, path, nil, &bs, nil); err != nil {
			return err
		}
		if len(bs.Items) == 0 {
			return nil
		}
		for _, b := range bs.Items {
			if err := s.applyBatch(ctx, p, e, f, b); err != nil {
				return err
			}
			seq = b.Seq
			if err := s.Peers.SetInflow(ctx, &pubdata.Inflow{Peer: p.ID, Entry: e.ID, Column: f.Column, Seq: seq}); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyBatch applies the parent's batch b here as one batch, keyed by the parent's batch
// (so a repeat finds it), naming it as its provenance: an upsert of a keyed table, a
// replace of a keyless one (pubdata.FlowbackMode).
func (s *Syncer) applyBatch(ctx context.Context, p *pubdata.Peer, e *pubdata.Entry, f *pubdata.Flowback, b *pubdata.Batch) error {
	items, err := pubdata.TableItems(e)
	if err != nil {
		return err
	}
	// By key, or (a keyless table) the division's whole rows after the batch replace ours.
	opt := pubdata.LoadOptions{Mode: pubdata.FlowbackMode(items), OnError: pubdata.OnErrorAbort, Source: pubdata.SourceFederation, Format: "ndjson",
		FileName:       fmt.Sprintf("%s %s #%d", p.Division, b.ID, b.Seq),
		IdempotencyKey: "federation:" + p.Division + ":" + b.ID}
	local, created, err := s.Data.CreateBatch(ctx, e, opt)
	if err != nil {
		return err
	}
	if !created && local.Status == pubdata.BatchDone {
		return nil
	}
	resp, err := s.Client.Do(ctx, p, http.MethodGet, "/api/v1/federation/peer/flowbacks/"+url.PathEscape(f.Entry)+"/batches/"+strconv.FormatInt(b.Seq, 10), nil, nil)
	if err != nil {
		return err
	}
	defer resp.Close()
	if resp.Status != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return &PeerError{Status: resp.Status, Message: string(data)}
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	src := &streamSource{dec: dec, items: items, resp: resp}
	got, err := s.Data.RunBatch(ctx, e, local.ID, src, opt)
	if err != nil {
		return err
	}
	if got.Status != pubdata.BatchDone {
		return fmt.Errorf("batch %s (the parent's %s) %s: %s", got.ID, b.ID, got.Status, got.Message)
	}
	return nil
}

// streamSource reads a flow-back stream as a batch's rows; at its end it checks the
// parent's signature of the whole stream, so a batch from a stream that does not verify
// fails (nothing of it is written).
type streamSource struct {
	dec   *json.Decoder
	items []pubdata.Item
	resp  *Response
	n     int64
}

func (s *streamSource) Next() (*pubdata.SourceRow, error) {
	var line struct {
		Row    map[string]any `json:"row"`
		Delete bool           `json:"delete"`
		Error  string         `json:"error"`
	}
	if err := s.dec.Decode(&line); err == io.EOF {
		if err := s.resp.Verify(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	} else if err != nil {
		return nil, err
	}
	if line.Error != "" {
		return nil, errors.New("the parent's stream failed: " + line.Error)
	}
	s.n++
	row := datafile.Record(s.items, line.Row, s.n, datafile.Options{})
	row.Delete = line.Delete
	return row, nil
}

func (s *streamSource) Read() int64 { return s.n }
func (s *streamSource) Size() int64 { return -1 }

// applications fetches the parent's answers to the applications still open.
func (s *Syncer) applications(ctx context.Context, p *pubdata.Peer) error {
	apps, err := s.Peers.FindFederatedApplications(ctx, "")
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range apps {
		if a.Peer != p.ID || a.RemoteID == "" {
			continue
		}
		switch a.Status {
		case pubdata.AppPending, pubdata.AppDisputed, pubdata.AppApproved:
		default:
			continue
		}
		var remote pubdata.Application
		if err := s.Client.JSON(ctx, p, http.MethodGet, "/api/v1/federation/peer/applications/"+url.PathEscape(a.RemoteID), nil, &remote, nil); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := s.Peers.UpdateFederatedApplication(ctx, a.ID, &remote); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
