package pubdata

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Federation (issue 17 items 1–4; B5, B6, A3, D1): platforms of different levels — a
// province and its cities — know each other as peers. Each registers the other by its SM2
// certificate; every request between them is signed with the sender's key and checked
// against the certificate registered for it, with a timestamp and a nonce kept for the
// window (replay). A city's catalogue flows up into the province's (and the province's
// down into the city's), marked with the platform it comes from; a provincial table's rows
// of a city's divisions flow back into the city's platform, batch by batch; a city body
// applies for provincial data on its own platform, and the application, the grant and the
// reads travel to the province, whose rules and read path decide.

// PeerKind says what a peer is to this platform.
type PeerKind string

// Peer kinds: the platform above this one (the province, for a city) or one below.
const (
	PeerParent PeerKind = "parent"
	PeerChild  PeerKind = "child"
)

// PeerState is a peer's standing.
//
//	pending ──approve (the parent's admin)──▶ active ──suspend──▶ suspended ──resume──▶ active
//	   └──refuse──▶ refused
//
// A child registers with its parent and stays pending on both sides until the parent's
// admin approves; the child learns the parent's answer at its next contact.
type PeerState string

// Peer states.
const (
	PeerPending   PeerState = "pending"
	PeerActive    PeerState = "active"
	PeerRefused   PeerState = "refused"
	PeerSuspended PeerState = "suspended"
)

// Peer is another platform this one knows.
type Peer struct {
	ID       string   `json:"id"`
	Kind     PeerKind `json:"kind"`
	Name     string   `json:"name"`
	Division string   `json:"division"` // the peer platform's division (GB/T 2260)
	URL      string   `json:"url"`      // its public address
	// Certificate is the PEM of the peer's SM2 signing certificate, registered at the
	// exchange of keys; Fingerprint its SM3 digest (hex), which the peer's requests name.
	Certificate string     `json:"certificate"`
	Fingerprint string     `json:"fingerprint"`
	State       PeerState  `json:"state"`
	StateReason string     `json:"state_reason,omitempty"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	LastContact *time.Time `json:"last_contact,omitempty"` // the last request that passed, either way
	LastError   string     `json:"last_error,omitempty"`   // the last sync's failure ("" after a success)
	// CatalogGeneration is the peer's catalogue generation this platform has seen last: the
	// next pull of its catalogue resumes after it.
	CatalogGeneration int64 `json:"catalog_generation"`
	// OwnFingerprint is the fingerprint of this platform's own signing certificate as the
	// peer holds it: when the keyring's signer changes, the next sync announces the new key
	// to the peer (key rotation, RekeyPeer) and this follows once the peer took it.
	OwnFingerprint string `json:"own_fingerprint,omitempty"`
	// PendingCertificate and PendingFingerprint are a new key the peer announced without
	// its old one (lost): held until this platform's admin approves it (ApprovePeerRekey).
	PendingCertificate string    `json:"pending_certificate,omitempty"`
	PendingFingerprint string    `json:"pending_fingerprint,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// PeerRekey is a platform's announcement of its new signing key to a peer (key rotation):
// sent signed by its old key (taken at once), or, when the old key is lost, by the new one
// (held for the receiving admin's approval). Proof is the new key's signature of
// RekeyMessage, so the key is the sender's.
type PeerRekey struct {
	Division       string `json:"division"`
	OldFingerprint string `json:"old_fingerprint"`
	Certificate    string `json:"certificate"` // PEM of the new SM2 signing certificate
	Fingerprint    string `json:"fingerprint"`
	Proof          string `json:"proof"`
}

// RekeyMessage is what the new key of a rotation signs: the receiving platform's
// fingerprint, the sender's division, and the old and new fingerprints.
func RekeyMessage(receiver, division, oldFingerprint, newFingerprint string) []byte {
	return []byte(strings.Join([]string{"pubdata-federation/v1 rekey", receiver, division, oldFingerprint, newFingerprint}, "\n"))
}

// The ways a peer's new key is taken (the record's "how").
const (
	RekeyByOldKey   = "old_key"  // announced signed by the old key
	RekeyByApproval = "approval" // the old key lost: approved by this platform's admin
)

// PlatformIdentity is what a platform says of itself: public at GET
// /api/v1/federation/identity and sent with a registration.
type PlatformIdentity struct {
	Name        string `json:"name"`
	Division    string `json:"division"`
	URL         string `json:"url"`
	Certificate string `json:"certificate"` // PEM of its SM2 signing certificate
	Fingerprint string `json:"fingerprint,omitempty"`
}

// ValidatePlatformIdentity checks a platform's description (the certificate is the
// caller's to parse).
func ValidatePlatformIdentity(p *PlatformIdentity) error {
	p.Name, p.Division, p.URL = strings.TrimSpace(p.Name), strings.TrimSpace(p.Division), strings.TrimRight(strings.TrimSpace(p.URL), "/")
	var problems []*Error
	if p.Name == "" {
		problems = append(problems, FieldErrorf("name", "The platform's name is required.").Keyed("error.federation.name.required"))
	}
	if !ValidDivisionSyntax(p.Division) {
		problems = append(problems, FieldErrorf("division", "Division code %q must be six digits (GB/T 2260).", p.Division).Keyed("error.division.syntax", "Division", p.Division))
	}
	if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, FieldErrorf("url", "The platform's address %q must be an http or https URL.", p.URL).Keyed("error.federation.url", "URL", p.URL))
	}
	if strings.TrimSpace(p.Certificate) == "" {
		problems = append(problems, FieldErrorf("certificate", "The platform's SM2 certificate (PEM) is required.").Keyed("error.federation.certificate.required"))
	}
	return invalid(problems)
}

// PeerKindFor is what a platform of division other is to one of division own: its parent
// when its division strictly contains ours, its child when ours strictly contains its; two
// platforms of one division, or of unrelated ones, do not federate.
func PeerKindFor(own, other string) (PeerKind, error) {
	switch {
	case own != other && DivisionCovers(other, own):
		return PeerParent, nil
	case own != other && DivisionCovers(own, other):
		return PeerChild, nil
	}
	return "", Errorf(EINVALID, "A platform of division %s can be neither the parent nor a child of this platform (division %s).", other, own).
		Keyed("error.federation.division.unrelated", "Other", other, "Own", own)
}

// CanManageFederation reports whether the actor manages this platform's peers: an admin of
// an authority whose division covers the platform's own (the province's admin on the
// province's platform, the city's on the city's).
func CanManageFederation(a *Actor, platformDivision string) bool {
	return a.IsAuthority() && a.Role() == RoleAdmin && platformDivision != "" && DivisionCovers(a.Org.Division, platformDivision)
}

// FederationWindow is how far a signed request's time may be from the receiver's clock;
// its nonce is kept as long, so a request cannot be played twice.
const FederationWindow = 5 * time.Minute

// The headers of a signed request between platforms.
const (
	HeaderPeerKey       = "X-Pubdata-Peer"      // the sender's certificate fingerprint
	HeaderPeerTime      = "X-Pubdata-Time"      // RFC 3339 UTC
	HeaderPeerNonce     = "X-Pubdata-Nonce"     // 128 random bits, hex
	HeaderPeerSignature = "X-Pubdata-Signature" // SM2-with-SM3 over FederationMessage, base64
	HeaderPeerUser      = "X-Pubdata-User"      // the city user a forwarded request is made for (JSON of RemoteIdentity)
)

// FederationMessage is the canonical text a request between platforms is signed over: the
// method, the path with its query, the time, the nonce, the receiver's certificate
// fingerprint (so it cannot be replayed to another platform), the SM3 of the body (hex),
// the identity of the user it is made for, and the grant and purpose it names (X-Grant,
// X-Purpose), one per line.
func FederationMessage(method, pathQuery, at, nonce, receiver, bodyHash, user, grant, purpose string) []byte {
	return []byte(strings.Join([]string{"pubdata-federation/v1", method, pathQuery, at, nonce, receiver, bodyHash, user, grant, purpose}, "\n"))
}

// PeerActor is the actor a platform records a peer platform's own requests under (the
// deliveries of flow-back): no organisation, the username "peer:" and its division.
func PeerActor(p *Peer) *Actor {
	return &Actor{User: &User{Username: "peer:" + p.Division, DisplayName: p.Name}}
}

// CheckFederationTime reads a request's time and checks it is within the window of now.
func CheckFederationTime(at string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, Errorf(EUNAUTHORIZED, "The request's time %q is not an RFC 3339 time.", at).Keyed("error.federation.time.syntax", "Time", at)
	}
	if d := now.Sub(t); d > FederationWindow || d < -FederationWindow {
		return time.Time{}, Errorf(EUNAUTHORIZED, "The request's time %s is more than %s from this platform's clock (%s).", at, FederationWindow, now.UTC().Format(time.RFC3339)).
			Keyed("error.federation.time.window", "Time", at, "Now", now.UTC().Format(time.RFC3339))
	}
	return t, nil
}

// RemoteIdentity is the user of one platform on whose behalf that platform calls another:
// a city body's user applying for or reading provincial data.
type RemoteIdentity struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name,omitempty"`
	Org         string `json:"org"`
	OrgName     string `json:"org_name"`
	OrgKind     string `json:"org_kind"`
	Division    string `json:"division"`
}

// RemoteIdentityOf is the identity a platform sends for its user.
func RemoteIdentityOf(a *Actor) RemoteIdentity {
	id := RemoteIdentity{Username: a.Username()}
	if a.User != nil {
		id.DisplayName = a.User.DisplayName
	}
	if a.Org != nil {
		id.Org, id.OrgName, id.OrgKind, id.Division = a.Org.Code, a.Org.Name, string(a.Org.Kind), a.Org.Division
	}
	return id
}

// FederatedOrgCode is the code under which a platform keeps an organisation of a peer
// platform (the provider of a mirrored entry, the applicant of an application that came
// from the peer): "fed" + the peer's division + "-" + its own code.
func FederatedOrgCode(peerDivision, code string) string { return "fed" + peerDivision + "-" + code }

// IsFederatedOrgCode reports whether code is a peer platform's organisation as kept here
// (FederatedOrgCode: "fed", a six-digit division, "-"). Such organisations and the entries
// they hold here (mirrored from the peer's catalogue, with the rows that flow back) are the
// peer's units: the monitoring board and the evaluation count them on their own platform,
// never on this one.
func IsFederatedOrgCode(code string) bool {
	rest, ok := strings.CutPrefix(code, "fed")
	if !ok || len(rest) < 8 || rest[6] != '-' {
		return false
	}
	for _, c := range rest[:6] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// FederatedUsername is the name under which a platform records a peer's user.
func FederatedUsername(peerDivision, username string) string {
	return username + "@fed" + peerDivision
}

// FederatedActor is the actor a platform acts as for a request its child peer forwards for
// one of its users: a member of a public body of the child's division (never an authority:
// a peer's word gives no authority here), named so that the record shows the user, the
// organisation and the platform.
func FederatedActor(p *Peer, id RemoteIdentity) (*Actor, error) {
	if p == nil || p.Kind != PeerChild || p.State != PeerActive {
		return nil, Errorf(EFORBIDDEN, "Only an active child platform acts for its users here.").Keyed("error.federation.not_active_child")
	}
	if id.Username == "" || id.Org == "" {
		return nil, Errorf(EUNAUTHORIZED, "A forwarded request names the user and the organisation it is made for.").Keyed("error.federation.user.required")
	}
	if !DivisionCovers(p.Division, id.Division) {
		return nil, Errorf(EFORBIDDEN, "The organisation's division %s is outside the peer platform's division %s.", id.Division, p.Division).
			Keyed("error.federation.user.division", "Division", id.Division, "Peer", p.Division)
	}
	if id.OrgKind != string(KindPublicBody) && id.OrgKind != string(KindAuthority) {
		return nil, Errorf(EFORBIDDEN, "Only public bodies apply for or read shared data across platforms.").Keyed("error.federation.user.kind")
	}
	org := &Org{Code: FederatedOrgCode(p.Division, id.Org), Name: id.OrgName, Kind: KindPublicBody, Division: id.Division}
	user := &User{Username: FederatedUsername(p.Division, id.Username), DisplayName: id.DisplayName, OrgCode: org.Code, Role: RoleMember}
	return &Actor{User: user, Org: org}, nil
}

// CatalogChange is one entry's change in a platform's catalogue feed: its live published
// version, or its withdrawal (Entry nil: retired, or no longer published).
type CatalogChange struct {
	Generation int64  `json:"generation"`
	ID         string `json:"id"`
	Entry      *Entry `json:"entry,omitempty"`
	// OrgDivision is the provider's division (the mirror's organisation is kept with it).
	OrgDivision string `json:"org_division,omitempty"`
}

// CatalogFeed is a page of a platform's catalogue changes after a generation, in
// generation order; Generation is the last one in the page (or the after asked when the
// page is empty) and More says whether more follow.
type CatalogFeed struct {
	Changes    []CatalogChange `json:"changes"`
	Generation int64           `json:"generation"`
	More       bool            `json:"more"`
}

// Flowback is a provincial table entry whose rows of a child platform's divisions flow
// back to it (B5): the rows whose value of Column lies in the child's division.
type Flowback struct {
	Peer       string    `json:"peer"`
	Entry      string    `json:"entry"`
	EntryTitle string    `json:"entry_title,omitempty"`
	Column     string    `json:"column"`
	CreatedBy  string    `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// ValidateFlowback checks that e is a published table entry with a key and that column
// is one of its items (the division code of each row).
func ValidateFlowback(e *Entry, column string) error {
	if e == nil || e.Version == 0 || e.Status == StatusRetired {
		return Errorf(EINVALID, "Only a published entry flows back.").Keyed("error.federation.flowback.unpublished")
	}
	items, err := TableItems(e)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Name == column {
			return nil
		}
	}
	return FieldErrorf("column", "The entry has no item %q to say which division a row belongs to.", column).Keyed("error.federation.flowback.column", "Column", column)
}

// ErrPeerSyncBusy says that a peer's sync is running already (on this server or another of
// the cluster): an operator's "sync now" does not run beside it.
func ErrPeerSyncBusy() error {
	return Errorf(ECONFLICT, "A sync of this peer is running (on this or another server); its result shows on the peer shortly.").
		Keyed("error.federation.sync_busy")
}

// FlowbackMode is how a child applies a batch that flows back to it from a table of these
// items: by key (ModeUpsert: the batch's rows in the child's divisions, and deletes of the
// keys it superseded there), or, for a table without a key, ModeReplace: the batch brings
// the division's whole rows as they stand after it, and they become the child's table, so
// that the child's copy always equals the parent's rows of its divisions.
func FlowbackMode(items []Item) LoadMode {
	if len(KeyItems(items)) == 0 {
		return ModeReplace
	}
	return ModeUpsert
}

// FlowbackCovers reports whether a row whose division item holds value belongs to the
// peer of division peerDivision: the value's first six digits (a county, or a township's
// or village's longer code) lie in it.
func FlowbackCovers(peerDivision string, value any) bool {
	var s string
	switch v := value.(type) {
	case nil:
		return false
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		s = fmt.Sprint(v)
	}
	s = strings.TrimSpace(s)
	if len(s) < 6 {
		return false
	}
	return DivisionCovers(peerDivision, s[:6])
}

// Inflow is a flowed-back entry on the receiving platform: how far it has applied the
// provider's batches.
type Inflow struct {
	Peer      string    `json:"peer"`
	Entry     string    `json:"entry"`
	Column    string    `json:"column"`
	Seq       int64     `json:"seq"` // the provider's last batch applied here
	UpdatedAt time.Time `json:"updated_at"`
}

// SourceFederation is the source of a batch that applies a peer platform's batch (flow-back).
const SourceFederation = "federation"

// FederatedApplication is a city body's application for a peer platform's entry, as the
// city's platform keeps it: the application itself lives on the peer, which answers it.
type FederatedApplication struct {
	ID           string            `json:"id"`
	Peer         string            `json:"peer"`
	RemoteID     string            `json:"remote_id"` // the application's id on the peer
	Entry        string            `json:"entry"`
	EntryTitle   string            `json:"entry_title"`
	Applicant    string            `json:"applicant"`
	ApplicantOrg string            `json:"applicant_org"`
	Items        []string          `json:"items"`
	Purpose      string            `json:"purpose"`
	Basis        string            `json:"basis"`
	Until        string            `json:"until,omitempty"`
	Status       ApplicationStatus `json:"status"`
	Reason       string            `json:"reason,omitempty"`
	Grant        string            `json:"grant,omitempty"`
	Due          string            `json:"due,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// FederationService keeps the peers and what federation keeps of them.
type FederationService interface {
	// AddPeer records a peer this platform registered with (a parent, pending until its
	// admin approves) or a child that registered here (RegisterPeer). ECONFLICT when a peer
	// of the division or the certificate is known.
	AddPeer(ctx context.Context, p *Peer) (*Peer, error)
	// DecidePeer approves (active), refuses, suspends or resumes a peer, with a reason.
	DecidePeer(ctx context.Context, id string, state PeerState, reason string) (*Peer, error)
	// FindPeers lists the peers; FindPeer one by id or division; FindPeerByFingerprint by
	// the fingerprint its requests name.
	FindPeers(ctx context.Context) ([]*Peer, error)
	FindPeer(ctx context.Context, idOrDivision string) (*Peer, error)
	FindPeerByFingerprint(ctx context.Context, fingerprint string) (*Peer, error)
	// Contact notes a contact with the peer: the time, and the error of a failed sync ("").
	Contact(ctx context.Context, id string, failure string) error
	// RekeyPeer takes a peer's new certificate announced under its old key (whose
	// fingerprint must still be the peer's); RequestPeerRekey holds one announced without
	// it for the admin; ApprovePeerRekey (an admin) takes the held one. ECONFLICT when the
	// old fingerprint is not the peer's, nothing is held, or the new key is another peer's.
	RekeyPeer(ctx context.Context, id, oldFingerprint, cert, fingerprint string) (*Peer, error)
	RequestPeerRekey(ctx context.Context, id, cert, fingerprint string) (*Peer, error)
	ApprovePeerRekey(ctx context.Context, id string) (*Peer, error)
	// SetOwnFingerprint notes the fingerprint the peer holds this platform by (after it
	// took a rotated key: how is RekeyByOldKey or RekeyByApproval; "" for the first note).
	SetOwnFingerprint(ctx context.Context, id, fingerprint, how string) error
	// UseNonce keeps a request's nonce for the window; EUNAUTHORIZED when it was used.
	UseNonce(ctx context.Context, fingerprint, nonce string) error

	// CatalogChanges is this platform's own catalogue (mirrors left out) changed after the
	// generation after, at most limit entries.
	CatalogChanges(ctx context.Context, after int64, limit int) (*CatalogFeed, error)
	// ApplyCatalog writes a peer's catalogue changes as mirrored entries (published,
	// marked with the peer; withdrawn ones retired) and moves the peer's generation.
	ApplyCatalog(ctx context.Context, peer *Peer, feed *CatalogFeed) (int, error)

	// AddFlowback makes an entry flow back to a child; RemoveFlowback stops it;
	// FindFlowbacks lists a peer's ("": every peer's).
	AddFlowback(ctx context.Context, f *Flowback) (*Flowback, error)
	RemoveFlowback(ctx context.Context, peer, entry string) error
	FindFlowbacks(ctx context.Context, peer string) ([]*Flowback, error)
	// BatchesAfter lists an entry's batches that wrote to its table after seq, in order.
	BatchesAfter(ctx context.Context, entryID string, seq int64, limit int) ([]*Batch, error)
	// FindInflows lists the entries flowing back from a peer and how far each is;
	// SetInflow records one's progress.
	FindInflows(ctx context.Context, peer string) ([]*Inflow, error)
	SetInflow(ctx context.Context, in *Inflow) error

	// EnsureFederatedOrg keeps an organisation of a peer under FederatedOrgCode (a public
	// body of its division), creating it on first use.
	EnsureFederatedOrg(ctx context.Context, peer *Peer, code, name, division string) (*Org, error)
	// CreateFederatedApplication, UpdateFederatedApplication, FindFederatedApplications and
	// FindFederatedApplication keep this platform's copy of its users' applications to peers.
	CreateFederatedApplication(ctx context.Context, a *FederatedApplication) (*FederatedApplication, error)
	UpdateFederatedApplication(ctx context.Context, id string, remote *Application) (*FederatedApplication, error)
	FindFederatedApplications(ctx context.Context, applicantOrg string) ([]*FederatedApplication, error)
	FindFederatedApplication(ctx context.Context, id string) (*FederatedApplication, error)
	// RecordFederatedRead records a read of a peer's entry made through this platform
	// ("federation.read", object "entry:<id>").
	RecordFederatedRead(ctx context.Context, entryID string, details map[string]any) error
}
