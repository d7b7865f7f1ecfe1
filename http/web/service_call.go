package web

import (
	"github.com/pubdata/pubdata"
	"time"
)

// Service interfaces (B4). The provider registers the HTTP endpoint of an entry of format
// service (PUT /api/v1/entries/{id}/endpoint); an authority covering the entry confirms it
// (POST …/endpoint/confirm). Consumers then call it through the platform:
// ANY /api/v1/entries/{id}/call/{path...} authenticates the caller, opens the read (package
// access: pubdata.DecideAccess's Allow only, purpose binding included; the reply is not
// masked; the use is counted there), forwards the
// method, path, query and body to the endpoint with its timeout — without the caller's credentials and with the provider's —
// streams the reply back and records the call ("service.call") with the read's purpose
// (X-Purpose, or the grant's; X-Grant names the grant).
//
// Status codes of a call: 404 when the entry is not published or the caller may not see
// it; 400 when it is not a service interface; 401/403 when the caller may not read it; 409
// while its endpoint is missing or not confirmed; 405 for a method the endpoint does not
// allow; 504 when the provider does not answer in time; 502 when it cannot be reached or
// refuses the platform's credential; otherwise the provider's own status.

// EndpointView is an endpoint as the API shows it: never its secret, only whether one is
// set.
type EndpointView struct {
	EntryID          string                 `json:"entry_id"`
	BaseURL          string                 `json:"base_url"`
	Methods          []string               `json:"methods"`
	CredentialHeader string                 `json:"credential_header"`
	CredentialSet    bool                   `json:"credential_set"`
	TimeoutSeconds   int                    `json:"timeout_seconds"`
	Status           pubdata.EndpointStatus `json:"status"`
	ConfirmedBy      string                 `json:"confirmed_by,omitempty"`
	ConfirmedAt      *time.Time             `json:"confirmed_at,omitempty"`
	UpdatedBy        string                 `json:"updated_by"`
	CreatedAt        time.Time              `json:"created_at"`
	UpdatedAt        time.Time              `json:"updated_at"`
	CallURL          string                 `json:"call_url"` // where consumers call it
}

func NewEndpointView(ep *pubdata.ServiceEndpoint) EndpointView {
	return EndpointView{
		EntryID: ep.EntryID, BaseURL: ep.BaseURL, Methods: ep.Methods, CredentialHeader: ep.CredentialHeader,
		CredentialSet: ep.CredentialSet, TimeoutSeconds: ep.TimeoutSeconds, Status: ep.Status,
		ConfirmedBy: ep.ConfirmedBy, ConfirmedAt: ep.ConfirmedAt, UpdatedBy: ep.UpdatedBy,
		CreatedAt: ep.CreatedAt, UpdatedAt: ep.UpdatedAt, CallURL: "/api/v1/entries/" + ep.EntryID + "/call/",
	}
}

// ErrNoEndpoints answers when the server runs without service interfaces.
var ErrNoEndpoints = pubdata.Errorf(pubdata.ENOTFOUND, "Service interfaces are not enabled on this server.").Keyed("error.not_available.endpoints")
