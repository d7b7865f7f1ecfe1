package main

import (
	"context"
	"time"

	"github.com/pubdata/pubdata"
	pdhttp "github.com/pubdata/pubdata/http"
	"github.com/pubdata/pubdata/lib/federation"
	"github.com/pubdata/pubdata/lib/pki"
	"github.com/pubdata/pubdata/sqlstore"
)

// Federation's wiring (issue 17 items 1–4): with [federation] division set, the platform
// federates: its identity is its name, division, public address and the keyring's signing
// certificate; serve syncs each peer every federation interval: a periodic job of the queue
// (jobs.go), each peer under its lease (claimPeer), so once per interval across the servers.

// federates reports whether the platform has a federation division.
func (a *app) federates() bool { return a.cfg.Federation.Division != "" }

// federationSigner is the keyring's active signing certificate and key.
func (a *app) federationSigner(ctx context.Context) (*pki.Issued, error) {
	ring, err := a.keyring.Load(ctx)
	if err != nil {
		return nil, err
	}
	is, _, err := ring.Signer()
	return is, err
}

// federationOldSigner is the keyring's signing certificate of the fingerprint with its key
// when the keyring keeps it and it is not revoked (a rotated-out key announces its
// successor to the peers); nil otherwise.
func (a *app) federationOldSigner(ctx context.Context, fingerprint string) (*pki.Issued, error) {
	ring, err := a.keyring.Load(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range ring.Keys {
		c := ring.Cert(k.ID)
		if k.Kind != pubdata.KeyKindSigning || k.Status == pubdata.KeyRevoked || c == nil || pki.Fingerprint(c) != fingerprint {
			continue
		}
		is, err := ring.Issued(k)
		if err != nil || is.Key == nil {
			return nil, nil // not kept: the peer's admin approves the new key
		}
		return is, nil
	}
	return nil, nil
}

// federationSelf is this platform's identity.
func (a *app) federationSelf(ctx context.Context) (*pubdata.PlatformIdentity, error) {
	is, err := a.federationSigner(ctx)
	if err != nil {
		return nil, err
	}
	name := a.cfg.Federation.Name
	if name == "" {
		name = a.platformName()
	}
	return &pubdata.PlatformIdentity{Name: name, Division: a.cfg.Federation.Division, URL: a.cfg.PublicURL,
		Certificate: string(pki.CertPEM(is.Cert)), Fingerprint: pki.Fingerprint(is.Cert)}, nil
}

// federationSyncer is the syncer of the peers (nil when the platform does not federate).
func (a *app) federationSyncer() *federation.Syncer {
	if !a.federates() {
		return nil
	}
	if a.syncer == nil {
		a.syncer = &federation.Syncer{Client: &federation.Client{Sign: a.federationSigner}, Peers: sqlstore.NewFederationService(a.db),
			Entries: a.entries, Data: a.data, Self: a.federationSelf, Logger: a.logger, Claim: a.claimPeer,
			OldSigner: a.federationOldSigner}
	}
	return a.syncer
}

// wireFederation gives the web server the federation's services.
func (a *app) wireFederation(srv *pdhttp.Server) {
	s := a.federationSyncer()
	if s == nil {
		return
	}
	srv.Federation, srv.FederationSelf, srv.FederationClient = s.Peers, a.federationSelf, s.Client
	srv.RunFederationSync = func(ctx context.Context, peerID string) error {
		ran, err := s.SyncOnce(context.WithoutCancel(ctx), peerID)
		if err == nil && !ran {
			return pubdata.ErrPeerSyncBusy()
		}
		return err
	}
}

// federationInterval is how often the peers are synced.
func (a *app) federationInterval() time.Duration {
	if d := a.cfg.Federation.Interval; d > 0 {
		return d
	}
	return DefaultFederationInterval
}

// federationLease bounds one peer's sync (and holds off the others meanwhile).
const federationLease = 10 * time.Minute

// claimPeer is the Syncer's Claim: the lease "federation:PEER" in the database, so that one
// server at a time syncs a peer — the periodic job (once per interval across the servers)
// and an operator's "sync now" never pull the same catalogue page or flow-back batch twice.
func (a *app) claimPeer(ctx context.Context, peerID string) (func(), bool, error) {
	name := "federation:" + peerID
	now := time.Now()
	until := now.Add(federationLease)
	ok, err := a.db.ClaimJobLease(ctx, name, now, until)
	if err != nil || !ok {
		return nil, false, err
	}
	return func() {
		if err := a.db.ReleaseJobLease(context.WithoutCancel(ctx), name, until); err != nil {
			a.logger.Warn("giving back a peer's sync lease", "peer", peerID, "error", err)
		}
	}, true, nil
}

// syncPeers syncs every peer (the periodic job federation_sync, jobs.go).
func (a *app) syncPeers(ctx context.Context) {
	s := a.federationSyncer()
	if s == nil {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, federationLease)
	defer cancel()
	s.SyncAll(cctx)
}
