package main

import (
	"context"
	"fmt"
	"time"

	"github.com/pubdata/pubdata"
	pdhttp "github.com/pubdata/pubdata/http"
	"github.com/pubdata/pubdata/lib/federation"
	"github.com/pubdata/pubdata/lib/pki"
	"github.com/pubdata/pubdata/sqlstore"
)

// Federation's wiring (issue 17 items 1–4): with [federation] division set, the platform
// federates: its identity is its name, division, public address and the keyring's signing
// certificate; serve syncs each peer every federation interval (a Syncer job per peer).

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
			Entries: a.entries, Data: a.data, Self: a.federationSelf, Logger: a.logger}
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
		return s.Sync(context.WithoutCancel(ctx), peerID)
	}
}

// runFederationJobs syncs every peer every federation interval until ctx ends.
func (a *app) runFederationJobs(ctx context.Context) {
	s := a.federationSyncer()
	if s == nil {
		return
	}
	every := a.cfg.Federation.Interval
	if every <= 0 {
		every = DefaultFederationInterval
	}
	if _, err := a.federationSelf(ctx); err != nil {
		a.logger.Error("federation: no signing certificate", "error", fmt.Sprint(err))
		return
	}
	federation.Every(ctx, every, func(ctx context.Context) {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		s.SyncAll(cctx)
	})
}
