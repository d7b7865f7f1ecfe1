package http

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/console"
	"github.com/pubdata/pubdata/http/web"
)

// federationRoutes are the routes of federation (issue 17 items 1–4): this platform's
// identity (anyone); its peers (its authority's admins, checked by the handlers); the
// requests of peer platforms under /api/v1/federation/peer/ (anyone at the table: the
// handlers accept only a request signed by a registered peer, web.PeerRoute); and the
// applications and reads of public bodies' users through this platform to a parent.
func federationRoutes(a *api.Server, c *console.Server) []web.Route {
	t := []web.Route{
		route("GET /api/v1/federation/identity", anyone, plain, a.ApiFederationIdentity),
		route("GET /api/v1/federation/peers", signedIn, plain, a.ApiFederationPeers),
		route("POST /api/v1/federation/peers", signedIn, plain, a.ApiFederationPeerAdd),
		route("POST /api/v1/federation/peers/{id}/sync", signedIn, slow, a.ApiFederationSync),
		route("GET /api/v1/federation/peers/{id}/flowbacks", signedIn, plain, a.ApiFederationFlowbacks),
		route("POST /api/v1/federation/peers/{id}/flowbacks", signedIn, plain, a.ApiFederationFlowbackAdd),
		route("DELETE /api/v1/federation/peers/{id}/flowbacks/{entry}", signedIn, plain, a.ApiFederationFlowbackRemove),
		route("GET /api/v1/federation/applications", signedIn, data, a.ApiFederationApplications),
		route("POST /api/v1/federation/applications", signedIn, data, a.ApiFederationApply),
		route("GET /api/v1/federation/entries/{id}/rows", signedIn, data, a.ApiFederationRows),
		route("POST /api/v1/federation/peer/register", anyone, plain, a.ApiPeerRegister()),
		route("GET /api/v1/federation/peer/status", anyone, plain, a.ApiPeerStatus()),
		route("POST /api/v1/federation/peer/rekey", anyone, plain, a.ApiPeerRekey()),
		route("POST /api/v1/federation/peer/rekey-request", anyone, plain, a.ApiPeerRekeyRequest()),
		route("POST /api/v1/federation/peers/{id}/rekey", signedIn, plain, a.ApiFederationPeerRekeyApprove),
		route("GET /api/v1/federation/peer/catalog", anyone, plain, a.ApiPeerCatalog()),
		route("GET /api/v1/federation/peer/flowbacks", anyone, plain, a.ApiPeerFlowbacks()),
		route("GET /api/v1/federation/peer/flowbacks/{entry}/batches", anyone, plain, a.ApiPeerFlowbackBatches()),
		route("GET /api/v1/federation/peer/flowbacks/{entry}/batches/{seq}", anyone, data, a.ApiPeerFlowbackBatch()),
		route("POST /api/v1/federation/peer/applications", anyone, plain, a.ApiPeerApply()),
		route("GET /api/v1/federation/peer/applications/{id}", anyone, plain, a.ApiPeerApplication()),
		route("GET /api/v1/federation/peer/entries/{id}/rows", anyone, data, a.ApiPeerRows()),
		route("GET /console/federation", signedIn, plain, c.PageFederation),
		route("POST /console/federation/peers", signedIn, plain, c.PageFederationRegister),
		route("POST /console/federation/peers/{id}/flowbacks", signedIn, plain, c.PageFederationFlowback),
		route("POST /console/federation/peers/{id}/{action}", signedIn, plain, c.PageFederationPeerAction),
		route("POST /console/federation/apply", signedIn, data, c.PageFederationApply),
	}
	for _, state := range []pubdata.PeerState{pubdata.PeerActive, pubdata.PeerRefused, pubdata.PeerSuspended} {
		verb := map[pubdata.PeerState]string{pubdata.PeerActive: "approve", pubdata.PeerRefused: "refuse", pubdata.PeerSuspended: "suspend"}[state]
		t = append(t, route("POST /api/v1/federation/peers/{id}/"+verb, signedIn, plain, a.ApiFederationPeerDecide(state)))
	}
	t = append(t, route("POST /api/v1/federation/peers/{id}/resume", signedIn, plain, a.ApiFederationPeerDecide(pubdata.PeerActive)))
	return t
}
