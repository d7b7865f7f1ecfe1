// Package web holds what pubdata's web audiences (packages api, ckan, console and portal)
// share: the Server with its services and settings, the route adapter (who may call, data
// routes, error rendering), the middleware, the template engine and base view, form
// decoding, paging, streaming, and the operations both the API and the pages perform (named
// after the files they came from: objections.go, evidence.go, data.go, …). Handlers return
// errors; one adapter renders them as JSON (under /api/) or as an HTML page, with the
// status from one table.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/lib/certpdf"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/lib/federation"
	"github.com/pubdata/pubdata/lib/workday"
)

// DefaultMaxBodyBytes is the request body limit when Server.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 10 << 20

// DefaultMaxUploadBytes is the data upload limit when Server.MaxUploadBytes is zero.
const DefaultMaxUploadBytes = 2 << 30

// Cookie names.
const (
	SessionCookie  = "pubdata_session"
	LanguageCookie = "pubdata_lang"
)

// Server holds what the handlers need. Set the fields, then call Handler once.
type Server struct {
	Orgs   pubdata.OrgService
	Users  pubdata.UserService
	Tokens pubdata.TokenService
	Audit  pubdata.AuditService
	// Witness cosigns other platforms' checkpoints (POST /api/v1/audit/witness); nil: this
	// platform witnesses no one.
	Witness  pubdata.WitnessService
	Entries  pubdata.EntryService
	Elements pubdata.ElementService
	Demands  pubdata.DemandService
	// Data holds the entries' tables (aggregation); nil: the data endpoints answer 404.
	// It returns no rows: every read of an entry's data goes through Reads.
	Data pubdata.DataService
	// Reads is the one read path of entries' data (package access, built by cmd/pubdata on
	// the store's raw row reader); required with Data. The server sets its services (Data,
	// Applications' grants, MaskPolicies, the use counter, the clock) in Handler.
	Reads *access.Reader
	// Endpoints keeps the service interfaces' endpoints (service_call.go); nil: the
	// endpoint and call routes answer 404.
	Endpoints pubdata.EndpointService
	// PullSources keeps the providers' pull sources (pull_sources.go); nil: their routes
	// answer 404. RunPull runs a source now (claims it, runs it, records the outcome); set
	// by cmd/pubdata.
	PullSources pubdata.PullSourceService
	RunPull     func(ctx context.Context, sourceID string) (*pubdata.Batch, error)
	// Evidence looks up subjects' entries and records lookups and extracts (evidence.go);
	// Extracts signs extracts and certificates with the keyring's certificate and verifies
	// them (lib/extract, lib/pki). nil: their routes answer 404.
	Evidence pubdata.EvidenceService
	Extracts *extract.Service
	// Certificates keeps certificate registers and electronic certificates; CertPDF renders
	// their PDFs. nil: the certificate routes answer 404.
	Certificates pubdata.CertificateService
	CertPDF      *certpdf.Renderer
	// MaskPolicies keeps the grade → mask policies of shared and open reads (access.go);
	// nil: pubdata.DefaultMaskPolicy applies and the policy routes answer 404.
	MaskPolicies pubdata.MaskPolicyService
	// Privacy keeps the privacy budgets of usable-but-invisible entries' verifications and
	// aggregates (invisible.go); nil: those routes answer 404.
	Privacy pubdata.PrivacyService
	// FingerprintKey is the platform's fingerprint secret (lib/fingerprint): shared reads'
	// copies of rows carry their recipient's fingerprint; empty: not fingerprinted.
	// Fingerprints keeps their recipients and the items providers keep unmarked.
	FingerprintKey []byte
	Fingerprints   pubdata.FingerprintService
	// ScanAggregates makes noisy aggregates scan the table instead of reading the kept
	// summary (pubdata bench aggregate's baseline). SummaryWanted queues the build of an
	// entry's aggregate summary found missing or stale (serve's job queue; nil: none).
	ScanAggregates bool
	SummaryWanted  func(e *pubdata.Entry)
	// Licenses keeps the licence list (license.go); nil: entries show no licence and the
	// licence routes answer 404.
	Licenses pubdata.LicenseService

	// Applications keeps applications and grants (applications.go); Notifications the
	// console's notifications. nil: their routes answer 404. ShareReplyDays and
	// OpenReplyDays are the working days a provider has to answer (0: the domain's
	// defaults, 2 and 10).
	Applications   pubdata.ApplicationService
	Notifications  pubdata.NotificationService
	ShareReplyDays int
	OpenReplyDays  int

	// Usage keeps the entries' usage counts (usage.go; nil: not counted); Feedback the
	// ratings and moderated comments (feedback.go; nil: their routes answer 404).
	Usage    pubdata.UsageService
	Feedback pubdata.FeedbackService
	// Quality keeps entries' quality rules and runs them (quality.go); nil: the quality
	// routes answer 404. QualityWeights are the dimensions' weights of the scores (nil:
	// pubdata.DefaultQualityWeights).
	Quality        pubdata.QualityService
	QualityWeights pubdata.QualityWeights
	// Objections keeps objections to records (objections.go); nil: their routes answer 404.
	// ObjectionReplyDays is the working days a provider has to answer one (0: the domain's
	// default, 5).
	Objections         pubdata.ObjectionService
	ObjectionReplyDays int
	// Tickets keeps problem tickets (tickets.go); nil: their routes answer 404.
	// TicketReplyDays is the working days a provider has to answer one (0: the domain's
	// default, 5).
	Tickets         pubdata.TicketService
	TicketReplyDays int

	// Compliance gathers the facts of non-compliance and keeps rectification orders
	// (compliance.go, H3); OpenWatch the opened-data findings (E7). nil: their routes
	// answer 404.
	Compliance pubdata.ComplianceService
	OpenWatch  pubdata.OpenWatchService

	// Systems keeps the units' information systems (systems.go, H4); nil: its routes
	// answer 404.
	Systems pubdata.SystemService
	// Evaluations keeps the units' evaluations per period (evaluation.go, H1); nil: its
	// routes answer 404.
	Evaluations pubdata.EvaluationService

	// Monitor reads the monitoring aggregates (monitor.go, C2 and H2); nil: the board's
	// routes answer 404 and /metrics has no figures of units. MetricsToken is the bearer
	// token /metrics asks for; "" allows only direct loopback requests (metrics.go).
	Monitor      pubdata.MonitorService
	MetricsToken string
	// Security keeps the early-warning rules' alerts and the incident register
	// (security.go, G4 and F4); nil: their routes answer 404.
	Security pubdata.SecurityService
	// SecurityCounts counts the 401 and 403 answers per address and the addresses each API
	// token is used from, for serve's early-warning job to drain (nil: not counted).
	SecurityCounts *SecurityCounts

	// Backups keeps the scheduled backups' runs and Backup the schedule in force
	// (console/backups.go: the platform authority's admins see them); nil: the page
	// answers 404.
	Backups pubdata.BackupService
	Backup  BackupSchedule

	// Discoveries keeps the discoveries of personal data (discoveries.go, issue 15 item 3);
	// Officers names units' security officers (G8). nil: their routes answer 404.
	Discoveries pubdata.DiscoveryService
	Officers    pubdata.SecurityOfficerService

	// Accounts keeps public accounts (register.go: registration, e-mail verification,
	// password reset, contact details, tokens' usage); nil: those routes answer 404. Mail
	// sends the account e-mails; nil: no e-mail is configured (registration works
	// unverified, resets are unavailable). BaseURL is the platform's public address for
	// links in e-mail ("" uses the request's host).
	Accounts pubdata.AccountService
	Mail     pubdata.Mailer
	BaseURL  string
	// KeyRateLimit is the API requests a minute of each token (app key) and signed-in user,
	// AnonRateLimit of each anonymous client address (ratelimit.go); 0: unlimited.
	// AccountRateLimit is the registrations, and the reset requests, an address may make an
	// hour (0: DefaultAccountRateLimit).
	KeyRateLimit     int
	AnonRateLimit    int
	AccountRateLimit int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client (for
	// rate limits, lockouts, the log and the record); empty: the header is never read.
	TrustedProxies []netip.Prefix

	Divisions *division.Table
	// Calendar is the working-day calendar deadlines are counted with (the store's, kept up
	// to date by it); nil means workday.Default(). Calendars keeps its years (nil: the
	// calendar cannot be changed or listed).
	Calendar  *workday.Calendar
	Calendars pubdata.CalendarService
	// Ready reports whether the server can serve (the database answers); nil means always.
	Ready  func(ctx context.Context) error
	Logger *slog.Logger // nil: slog.Default()
	// SecureCookies sets Secure on cookies; turn it on behind TLS.
	SecureCookies bool
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxUploadBytes limits the bodies of the upload routes (handleUpload: data files);
	// 0 means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// BatchDir is where uploaded data files are kept, one per batch named by its id, so
	// that a failed batch can be retried; "" means a folder under os.TempDir().
	BatchDir string
	// Files keeps the files of file entries (files.go) and FileStore spools and keeps their
	// bytes (package blob; Reads opens them, with access.Reader.WithBlobs); nil: the file
	// routes answer 404. MaxFileBytes limits one file (0: pubdata.DefaultMaxFileBytes).
	Files        pubdata.FileService
	FileStore    FileSpooler
	MaxFileBytes int64

	// Profile is the platform's regional rules (profile.go: reply days, the labels and sets
	// of share and open classes, who answers applications, the negative list); nil: the
	// default. DivisionRules keeps the divisions' own reply days (profile.go; nil: none, and
	// the rules' routes answer 404).
	Profile       *pubdata.Profile
	DivisionRules pubdata.DivisionRuleService
	// DevSpaces keeps the development spaces and Products the data products registered from
	// them (devspaces.go, issue 16 items 3 and 4; their content is kept with FileStore);
	// PlatformName names the platform on products' labels. nil: their routes answer 404.
	DevSpaces    pubdata.DevSpaceService
	Products     pubdata.ProductService
	PlatformName string

	// Trade keeps model contracts, listings, contracts and deliveries (trading.go, issue 16
	// item 5) of the Products above; TradeSettings are the gate's thresholds (zero:
	// pubdata.DefaultTradeSettings). nil: the trading routes answer 404.
	Trade         pubdata.TradeService
	TradeSettings pubdata.TradeSettings
	// The cluster (cluster.go). Batches keeps the uploads of batches, one object per batch
	// named by its id (nil: the folder BatchDir), so that a retry on any server finds it.
	// Loads, when set, runs loads on the job queue (any server's worker may take one);
	// nil runs them in this process. Jobs lists and steers the job queue for the operator's
	// page (nil: the page answers 404). SharedRates counts the rate limits in a store every
	// server shares (nil: each server counts in memory).
	Batches     *blob.Store
	Loads       LoadQueue
	Jobs        JobService
	SharedRates RateCounter

	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time

	// The fields below are the server's state, made by Build: not settings. The exported
	// ones are read by the audience packages (EntryUses, Used) and the tests (DataRoutes,
	// Routes, BatchWait, which tests shorten).
	DataRoutes     map[string]bool // the patterns registered as data routes
	mux            *http.ServeMux
	pages          *pageSet
	assets         *assetSet
	metrics        *metrics
	cop            *http.CrossOriginProtection
	Routes         []string        // the registered patterns, for tests and the OpenAPI check
	uploads        map[string]bool // the patterns whose bodies may be as large as MaxUploadBytes
	slowRoutes     map[string]bool // the patterns that may outlast RequestTimeout
	limiter        *limiter        // API rate limits
	accountLimiter *limiter        // registrations and reset requests per address
	loginLimiter   *limiter        // failed sign-ins per account and address, and per address
	usage          usageCounter    // API tokens' requests between flushes
	EntryUses      entryUses       // entries' uses between flushes (usage.go)
	Used           usedRanking     // the most used entries for the home page (portal/home.go)
	// BatchWait is how long a load request waits for its batch before answering 202.
	BatchWait time.Duration
	labelKeys map[string]string // the profile's class-label keys (profile.go), set by Build

	// Federation keeps the peer platforms (federation.go, issue 17); nil: the federation
	// routes answer 404. FederationSelf is this platform's identity (its name, division,
	// address and signing certificate); FederationClient signs requests to peers and answers
	// to them; RunFederationSync syncs a peer now (cmd/pubdata's syncer).
	Federation        pubdata.FederationService
	FederationSelf    func(ctx context.Context) (*pubdata.PlatformIdentity, error)
	FederationClient  *federation.Client
	RunFederationSync func(ctx context.Context, peerID string) error
	// loadWaiters are this server's requests waiting for queued loads (cluster.go).
	loadWaiters loadWaiterMap
}

// Build checks the server's fields, parses the embedded templates and assets (failing fast
// on any error), registers the routes that routes returns and the metrics and returns the
// root handler with its middleware. Call it once per Server.
func (s *Server) Build(routes func(*prometheus.Registry) []Route, pages ...Templates) (http.Handler, error) {
	switch {
	case s.Orgs == nil, s.Users == nil, s.Tokens == nil, s.Audit == nil:
		return nil, errors.New("http: Server needs Orgs, Users, Tokens and Audit")
	case s.Divisions == nil:
		return nil, errors.New("http: Server needs Divisions")
	case s.mux != nil:
		return nil, errors.New("http: Handler called twice")
	case s.Data != nil && s.Reads == nil:
		return nil, errors.New("http: Server with Data needs Reads (access.New on the store's row reader)")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.MaxBodyBytes <= 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.MaxUploadBytes <= 0 {
		s.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if s.MaxFileBytes <= 0 {
		s.MaxFileBytes = pubdata.DefaultMaxFileBytes
	}
	if s.BatchWait <= 0 {
		s.BatchWait = 3 * time.Second
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Profile == nil {
		s.Profile = pubdata.DefaultProfile()
	}
	s.labelKeys = s.Profile.LabelKeys()
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s.assets, s.labelKeys, pages); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	if s.metrics, err = newMetrics(reg); err != nil {
		return nil, err
	}
	if s.Calendar == nil {
		s.Calendar = workday.Default()
	}
	if err = reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pubdata_calendar_covered_days",
		Help: "Days from today to the end of the working-day calendar's covered holidays (0 when this year is not covered); the authority's admins are warned from 60.",
	}, func() float64 { return s.calendarDaysLeft() })); err != nil {
		return nil, err
	}
	if err = reg.Register(monitorCollector{s}); err != nil { // nothing without Monitor
		return nil, err
	}
	s.cop = http.NewCrossOriginProtection()
	s.limiter = NewLimiter(RateWindow, maxRateKeys)
	if s.Batches == nil {
		s.Batches = blob.Folder(s.batchDir())
	}
	s.accountLimiter = NewLimiter(time.Hour, maxRateKeys)
	s.loginLimiter = NewLimiter(pubdata.LockoutDuration, maxRateKeys)

	s.mux = http.NewServeMux()
	for _, rt := range routes(reg) {
		s.register(rt)
	}

	// Outermost first: request id, access log and metrics, panic recovery, body limit,
	// language (pages), authentication with cross-origin protection, then routing.
	var h http.Handler = http.HandlerFunc(s.dispatch)
	h = s.rateLimit(h) // ratelimit.go: the API's limits per token, user or address
	h = s.authenticate(h)
	h = s.checkInput(h) // input.go: bad bytes, long parameters, the request's time
	h = s.language(h)
	h = s.limitBody(h)
	h = s.RecoverPanics(h)
	h = s.Observe(h)
	h = s.RequestID(h)
	return h, nil
}

// HandlerFunc is the signature of every handler: it returns an error for the adapter to
// render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Who says who may call a route; the adapter enforces it before the handler runs, and the
// handler checks the rest (organisation, role, entry) through the domain's rules.
type Who int

const (
	// Anyone may call the route, signed in or not.
	Anyone Who = iota
	// SignedIn routes answer an anonymous caller 401 (the API) or send it to sign in (pages).
	SignedIn
)

// RouteKind says what the sanctions and the body limit make of a route.
type RouteKind int

const (
	// PlainRoute is neither a data route nor an upload.
	PlainRoute RouteKind = iota
	// DataRoute is a route whose use an organisation whose data service is suspended or
	// terminated loses (sanctions.go, F4): reading and loading rows, downloads, service
	// calls, dumps, applications and grants, subject lookups and extracts, and the console
	// pages that show or load data. The reads themselves refuse a stopped organisation as well
	// (pubdata.DecideAccess, through package access).
	DataRoute
	// UploadRoute is a data route whose body may be as large as MaxUploadBytes instead of
	// MaxBodyBytes (limitBody): the data uploads.
	UploadRoute
	// SlowRoute is a plain route whose work may outlast RequestTimeout (input.go): a
	// catalogue import, a pull run now. The server's write timeout still bounds it.
	SlowRoute
)

// Route is one row of the route table (routes.go).
type Route struct {
	Pattern string
	Who     Who
	Kind    RouteKind
	Handler HandlerFunc
}

// register adds rt to the mux, wrapped by the adapter that enforces its Who, refuses a stopped
// organisation's users on a data route, renders the handler's error and records the route for
// logs and metrics.
func (s *Server) register(rt Route) {
	s.Routes = append(s.Routes, rt.Pattern)
	data := rt.Kind == DataRoute || rt.Kind == UploadRoute
	if data {
		if s.DataRoutes == nil {
			s.DataRoutes = map[string]bool{}
		}
		s.DataRoutes[rt.Pattern] = true
	}
	if rt.Kind == SlowRoute {
		if s.slowRoutes == nil {
			s.slowRoutes = map[string]bool{}
		}
		s.slowRoutes[rt.Pattern] = true
	}
	if rt.Kind == UploadRoute {
		if s.uploads == nil {
			s.uploads = map[string]bool{}
		}
		s.uploads[rt.Pattern] = true
	}
	s.mux.Handle(rt.Pattern, s.adapt(rt, data))
}

// adapt turns a route's handler into an http.Handler: it refuses an anonymous caller of a
// SignedIn route, and on a data route a stopped organisation's users (sanctions.go), then
// renders the handler's error.
func (s *Server) adapt(rt Route, data bool) http.Handler {
	h := rt.Handler
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := StateFrom(r.Context()); st != nil {
			st.route = routeLabel(r.Pattern)
		}
		if rt.Who == SignedIn && pubdata.ActorFromContext(r.Context()).Anonymous() {
			s.RenderError(w, r, errSignIn)
			return
		}
		if data {
			if err := Stopped(r); err != nil {
				s.RenderStopped(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.RenderError(w, r, err)
		}
	})
}

// errSignIn answers an anonymous caller of a SignedIn route.
var errSignIn = pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in, or send \"Authorization: Bearer <token>\".").Keyed("error.sign_in")

// noTables is the Reader of a server without Data: decisions only.
var noTables = access.New(nil)

// Reader is Reads with the server's current services (its Data, Applications' grants,
// MaskPolicies, the use counter and the clock).
func (s *Server) Reader() *access.Reader {
	r := s.Reads
	if r == nil {
		r = noTables
	}
	return r.With(access.Services{Data: s.Data, Grants: s.Applications, MaskPolicies: s.MaskPolicies, CountUse: s.CountUse, Now: s.Now, Privacy: s.Privacy,
		FingerprintKey: s.FingerprintKey, Fingerprints: s.Fingerprints, ScanAggregates: s.ScanAggregates, SummaryWanted: s.SummaryWanted})
}

// routeLabel drops the method from a ServeMux pattern: "GET /api/v1/me" → "/api/v1/me".
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return strings.TrimSpace(pattern[i+1:])
	}
	return pattern
}

// dispatch routes the request; requests no pattern matches get the API's or the pages' own
// 404 or 405 instead of ServeMux's plain text.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	cw := &captureWriter{header: http.Header{}}
	h.ServeHTTP(cw, r)
	switch {
	case cw.status == http.StatusMethodNotAllowed:
		if allow := cw.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		s.RenderError(w, r, ErrMethodNotAllowed)
	case cw.status >= 300 && cw.status < 400:
		// ServeMux's redirect to a cleaned path.
		for k, v := range cw.header {
			w.Header()[k] = v
		}
		w.WriteHeader(cw.status)
	default:
		s.RenderError(w, r, pubdata.Errorf(pubdata.ENOTFOUND, "Not found: %s", r.URL.Path).Keyed("error.not_found.path", "Path", r.URL.Path))
	}
}

// captureWriter records what ServeMux's fallback handlers write, so that dispatch can
// answer in the server's own format.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(p), nil
}

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// ErrMethodNotAllowed marks a known path asked with the wrong method.
var ErrMethodNotAllowed = (&pubdata.Error{Code: pubdata.EINVALID, Message: "Method not allowed on this path."}).Keyed("error.method_not_allowed")

// Internalf wraps an unexpected error with context for the log; it renders as internal.
func Internalf(format string, args ...any) error { return fmt.Errorf(format, args...) }
