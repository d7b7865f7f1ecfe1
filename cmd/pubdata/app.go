package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	pdhttp "github.com/pubdata/pubdata/http"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/audit"
	"github.com/pubdata/pubdata/lib/backup"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/lib/certpdf"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/lib/federation"
	"github.com/pubdata/pubdata/lib/fingerprint"
	"github.com/pubdata/pubdata/lib/pki"
	"github.com/pubdata/pubdata/lib/pull"
	"github.com/pubdata/pubdata/lib/sealed"
	"github.com/pubdata/pubdata/sqlstore"
)

// app is the wiring: the store and the services over it. Only this package joins the
// adapters together.
type app struct {
	cfg       *Config
	logger    *slog.Logger
	db        *sqlstore.DB
	divisions *division.Table
	orgs      pubdata.OrgService
	users     pubdata.UserService
	tokens    pubdata.TokenService
	audit     pubdata.AuditService
	// witness cosigns the checkpoints of the platforms of witness_for (nil: none).
	witness  pubdata.WitnessService
	entries  pubdata.EntryService
	elements pubdata.ElementService
	demands  pubdata.DemandService
	data     pubdata.DataService
	// rows is the store's raw row reader: handed to access.New (the one read path) and
	// used by the CLI's own checks (bench), never to the web server.
	rows *sqlstore.RowReader
	// secrets seals the secrets kept in the database (service credentials, pull DSNs):
	// the SM4 key in the data folder (sealed.KeyFile), created on first start.
	secrets   *sealed.Key
	endpoints pubdata.EndpointService
	// pullSources are the providers' databases; puller runs them (serve starts it).
	pullSources pubdata.PullSourceService
	puller      *pull.Scheduler
	// applications keeps applications and grants (serve runs its jobs); notifications
	// the console's notifications.
	applications  pubdata.ApplicationService
	notifications pubdata.NotificationService
	// evidence records subject lookups and extracts; extracts signs them with the SM2 key
	// in the data folder (extract.KeyFile), created on first start.
	evidence pubdata.EvidenceService
	// quality keeps the entries' quality rules and runs them (serve's quality jobs:
	// quality.go), with the weights of the settings.
	quality *sqlstore.QualityService
	// monitor keeps the monitoring aggregates (serve's monitor job: monitor.go).
	monitor *sqlstore.MonitorService
	// certs keeps the keyring (signing keys and certificates, sealed with secrets) and the
	// electronic certificates; extracts signs and verifies with the keyring; certPDF
	// renders certificates' PDFs.
	certs    *sqlstore.CertificateService
	keyring  *pki.Keyring
	extracts *extract.Service
	certPDF  *certpdf.Renderer
	// security keeps the early-warning rules and incidents (serve's security job:
	// security.go); counts are the web layer's refusals and tokens' addresses.
	security *sqlstore.SecurityService
	counts   *web.SecurityCounts
	// fingerprintKey is the secret of the fingerprints of shared copies (lib/fingerprint).
	fingerprintKey []byte
	// accounts keeps public accounts and the notifications' outbox; mailer is the SMTP
	// server (nil without smtp_addr); web is the handler's server (its usage counts).
	accounts *sqlstore.AccountService
	mailer   pubdata.Mailer
	web      *pdhttp.Server
	// devspaces keeps the development spaces (serve's schedule of their reports:
	// devspace.go) and products the data products registered from them.
	devspaces *sqlstore.DevSpaceService
	products  *sqlstore.ProductService
	// syncer syncs the peer platforms (federation.go; nil until used, or without federation).
	syncer *federation.Syncer
	// blobs is the store of every file (cluster.go): the data folder, or an S3 bucket that
	// every node of a cluster shares. jobs is serve's client of the job queue (jobs.go).
	blobs *blob.Store
	jobs  *jobQueue
}

// openApp creates the data folder if needed, opens the database (generating the SM2 audit
// key in the data folder on first start), brings the schema up to date and builds the
// services.
func openApp(ctx context.Context, cfg *Config, logger *slog.Logger) (*app, error) {
	if err := privateDir(cfg.Data); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	if p := cfg.SQLitePath(); p != "" {
		if err := privateDir(filepath.Dir(p)); err != nil {
			return nil, fmt.Errorf("database folder: %w", err)
		}
		// The database file (and with it SQLite's -wal and -shm, which take its mode) is
		// the owner's only, whatever existed before.
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("database file: %w", err)
		}
		f.Close()
		for _, name := range []string{p, p + "-wal", p + "-shm"} {
			if err := os.Chmod(name, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("database file: %w", err)
			}
		}
	}
	db, err := sqlstore.Open(ctx, cfg.DSN(), cfg.Data)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(cfg.DSN()), err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	if err := migrateJobs(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.SetEncryptionPolicy(pubdata.EncryptionPolicy{Grade: cfg.EncryptGrade, Personal: cfg.EncryptPersonal})
	secrets, err := sealed.LoadOrCreateKey(cfg.Data)
	if err != nil {
		db.Close()
		return nil, err
	}
	divisions := division.Default()
	a := &app{
		cfg:       cfg,
		logger:    logger,
		db:        db,
		divisions: divisions,
		orgs:      sqlstore.NewOrgService(db, divisions),
		users:     sqlstore.NewUserService(db),
		tokens:    sqlstore.NewTokenService(db),
		audit:     newAuditService(cfg, db, blobs),
		entries:   profileEntries(db, cfg),
		elements:  sqlstore.NewElementService(db),
		demands:   sqlstore.NewDemandService(db),
		data:      &sqlstore.DataService{},
		rows:      sqlstore.NewRowReader(db),
		secrets:   secrets,
		endpoints: sqlstore.NewEndpointService(db, secrets),
		blobs:     blobs,
	}
	data := sqlstore.NewDataService(db)
	data.HeartbeatEvery = max(cfg.BatchStaleAfter/9, time.Second)
	a.data = data
	a.witness = newWitness(cfg, a.audit.(*sqlstore.AuditService).Signer)
	a.pullSources = sqlstore.NewPullSourceService(db, secrets)
	apps := sqlstore.NewApplicationService(db)
	apps.ReplyDays = a.replyDays()
	apps.Profile = cfg.ActiveProfile()
	a.applications = apps
	a.notifications = sqlstore.NewNotificationService(db)
	a.evidence = sqlstore.NewEvidenceService(db)
	a.quality = sqlstore.NewQualityService(db)
	a.monitor = sqlstore.NewMonitorService(db)
	a.security, a.counts = sqlstore.NewSecurityService(db), &web.SecurityCounts{}
	if a.quality.Weights, err = pubdata.ParseQualityWeights(cfg.QualityWeights); err != nil {
		db.Close()
		return nil, err
	}
	a.accounts = sqlstore.NewAccountService(db, divisions)
	a.mailer = cfg.mailer()
	a.certs = sqlstore.NewCertificateService(db)
	a.keyring = &pki.Keyring{Store: a.certs, Secrets: secrets}
	if err := a.setupKeyring(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.extracts = &extract.Service{Keys: a.keyring}
	if a.certPDF, err = certpdf.NewRenderer(cfg.CertificateFont); err != nil {
		db.Close()
		return nil, err
	}
	if a.fingerprintKey, err = fingerprint.LoadOrCreateKey(cfg.Data); err != nil {
		db.Close()
		return nil, err
	}
	a.devspaces, a.products = sqlstore.NewDevSpaceService(db), sqlstore.NewProductService(db)
	a.puller = &pull.Scheduler{Sources: a.pullSources, Entries: a.entries, Data: a.data, Logger: logger,
		Hosts: pull.Hosts{Allowed: cfg.PullHosts, Own: ownDatabases(cfg)}}
	return a, nil
}

// objections is the objection service, counting due dates with the reply-days settings.
func (a *app) objections() *sqlstore.ObjectionService {
	svc := sqlstore.NewObjectionService(a.db)
	svc.ReplyDays = a.replyDays()
	return svc
}

// tickets is the problem ticket service, counting due dates with the ticket_reply_days
// setting.
func (a *app) tickets() *sqlstore.TicketService {
	svc := sqlstore.NewTicketService(a.db)
	svc.ReplyDays = a.cfg.TicketReplyDays
	return svc
}

// replyDays are the settings of the working days to answer applications and objections:
// the application days only where given explicitly (zero: the profile's, profile.go).
func (a *app) replyDays() pubdata.ReplyDays { return a.cfg.ExplicitReplyDays() }

// profileEntries is the catalogue service taking only the profile's classes.
func profileEntries(db *sqlstore.DB, cfg *Config) *sqlstore.EntryService {
	svc := sqlstore.NewEntryService(db)
	svc.Profile = cfg.ActiveProfile()
	return svc
}

// batchDir is the folder of the uploaded data files kept for retries: <data>/batches.
func (a *app) batchDir() string { return filepath.Join(a.cfg.Data, "batches") }

// fileDir is the folder of the file entries' files, named by their SHA-256: <data>/files.
func (a *app) fileDir() string { return filepath.Join(a.cfg.Data, "files") }

// ownDatabases are the platform's own databases as host:port/database, which no pull
// source may read (none for SQLite: a file, not a server).
func ownDatabases(cfg *Config) []string {
	if e, ok := pull.EndpointOf(pubdata.DriverPostgres, cfg.DSN()); ok {
		return []string{net.JoinHostPort(e.Host, e.Port) + "/" + e.Database}
	}
	return nil
}

// privateDir creates dir (and its parents) or makes an existing one private: 0700, as the
// database, keys and uploaded files in it are the platform's alone.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// BatchFileRetention is how long the file of a failed batch is kept for a retry.
const BatchFileRetention = 30 * 24 * time.Hour

// removeOldBatchFiles deletes the files of batches older than BatchFileRetention (a done
// batch's file is removed when it is done; a failed one's is kept for a retry until then,
// and a retry afterwards says to load the data again). It returns how many it removed.
func (a *app) removeOldBatchFiles(now time.Time) (int, error) {
	ctx := context.Background()
	store := a.batchStore()
	objs, err := store.List(ctx, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range objs {
		if now.Sub(o.ModTime) < BatchFileRetention {
			continue
		}
		if err := store.Delete(ctx, o.Key); err == nil {
			n++
		}
	}
	return n, nil
}

// failStaleBatches fails the batches left running by a server that stopped: on SQLite (one
// process) every running batch this process does not run; on PostgreSQL those whose
// heartbeat is older than batch_stale_after (DefaultBatchStaleAfter).
func (a *app) failStaleBatches(ctx context.Context) {
	before := time.Now()
	if a.cfg.IsPostgres() {
		before = before.Add(-a.cfg.BatchStaleAfter)
	}
	n, err := a.data.FailStaleBatches(ctx, before)
	switch {
	case err != nil:
		a.logger.Error("failing interrupted batches", "error", err)
	case n > 0:
		a.logger.Warn("failed batches interrupted by a stop; they can be retried", "batches", n)
	}
}

// Close closes the database.
func (a *app) Close() error { return a.db.Close() }

// newAuditService wires the record: the checkpoint log in checkpoint_log (or the data
// folder) and the configured witnesses.
func newAuditService(cfg *Config, db *sqlstore.DB, blobs *blob.Store) *sqlstore.AuditService {
	s := sqlstore.NewAuditService(db)
	s.Log = checkpointLog(cfg, blobs)
	for _, w := range cfg.Witnesses {
		s.Witnesses = append(s.Witnesses, &audit.HTTPWitness{WitnessName: w.Name, URL: w.URL, PublicKey: strings.TrimSpace(w.PublicKey)})
	}
	return s
}

// newWitness is this platform as the witness of the platforms of witness_for: its copies
// are kept in the folder witnessed of the data folder.
func newWitness(cfg *Config, signer audit.Signer) pubdata.WitnessService {
	if len(cfg.WitnessFor) == 0 {
		return nil
	}
	k := &audit.Keeper{Dir: filepath.Join(cfg.Data, "witnessed"), Signer: signer, Origins: map[string]audit.Origin{}}
	for _, o := range cfg.WitnessFor {
		pub := strings.TrimSpace(o.PublicKey)
		k.Origins[audit.KeyID(pub)] = audit.Origin{Name: o.Name, PublicKey: pub}
	}
	return k
}

// handler builds the web server's root handler.
func (a *app) handler() (http.Handler, error) {
	srv := &pdhttp.Server{
		Orgs:               a.orgs,
		Users:              a.users,
		Tokens:             a.tokens,
		Audit:              a.audit,
		Witness:            a.witness,
		Entries:            a.entries,
		Elements:           a.elements,
		Demands:            a.demands,
		Divisions:          a.divisions,
		Calendar:           a.db.Calendar(),
		Calendars:          sqlstore.NewCalendarService(a.db),
		Ready:              a.db.Ping,
		Logger:             a.logger,
		SecureCookies:      a.cfg.SecureCookies,
		MaxBodyBytes:       a.cfg.MaxBody,
		Data:               a.data,
		Reads:              access.New(a.rows).WithBlobs(a.fileStore()),
		Files:              sqlstore.NewFileService(a.db),
		FileStore:          a.fileStore(),
		MaxFileBytes:       a.cfg.MaxFile,
		Endpoints:          a.endpoints,
		MaxUploadBytes:     a.cfg.MaxUpload,
		BatchDir:           a.batchDir(),
		PullSources:        a.pullSources,
		Applications:       a.applications,
		Notifications:      a.notifications,
		ShareReplyDays:     a.replyDays().Share,
		OpenReplyDays:      a.replyDays().Open,
		Objections:         a.objections(),
		ObjectionReplyDays: a.cfg.ObjectionReplyDays,
		Tickets:            a.tickets(),
		TicketReplyDays:    a.cfg.TicketReplyDays,
		Compliance:         sqlstore.NewComplianceService(a.db),
		Systems:            sqlstore.NewSystemService(a.db),
		Evaluations:        sqlstore.NewEvaluationService(a.db),
		Monitor:            a.monitor,
		Security:           a.security,
		SecurityCounts:     a.counts,
		MetricsToken:       a.cfg.MetricsToken,
		OpenWatch:          sqlstore.NewOpenWatchService(a.db),
		Discoveries:        sqlstore.NewDiscoveryService(a.db),
		Officers:           sqlstore.NewOrgService(a.db, a.divisions),
		Evidence:           a.evidence,
		Quality:            a.quality,
		QualityWeights:     a.quality.Weights,
		Extracts:           a.extracts,
		Certificates:       a.certs,
		CertPDF:            a.certPDF,
		MaskPolicies:       sqlstore.NewMaskPolicyService(a.db),
		Privacy:            sqlstore.NewPrivacyService(a.db),
		FingerprintKey:     a.fingerprintKey,
		Fingerprints:       sqlstore.NewFingerprintService(a.db),
		Licenses:           sqlstore.NewLicenseService(a.db),
		Accounts:           a.accounts,
		Mail:               a.mailer,
		BaseURL:            a.cfg.PublicURL,
		KeyRateLimit:       a.cfg.RateLimit,
		AnonRateLimit:      a.cfg.AnonRateLimit,
		TrustedProxies:     a.cfg.TrustedProxies,
		Usage:              sqlstore.NewUsageService(a.db),
		Feedback:           sqlstore.NewFeedbackService(a.db),
		Backups:            sqlstore.NewBackupService(a.db),
		Backup:             web.BackupSchedule{Destination: backup.Redact(a.cfg.backupDest()), Interval: a.cfg.BackupInterval, Keep: a.cfg.BackupKeep},
		Profile:            a.cfg.ActiveProfile(),
		DivisionRules:      sqlstore.NewDivisionRuleService(a.db),
		DevSpaces:          a.devspaces,
		Products:           a.products,
		PlatformName:       a.productPlatform(),
		// Trading (issue 16 item 5) of the products above
		Trade:         sqlstore.NewTradeService(a.db),
		TradeSettings: a.cfg.TradeSettings(),
		// Run now: the run goes on (and is recorded) if the client goes away.
		RunPull: func(ctx context.Context, id string) (*pubdata.Batch, error) {
			return a.puller.RunSource(context.WithoutCancel(ctx), id)
		},
	}
	// The cluster (cluster.go): batches' uploads in the blob store, the rate limits counted
	// in the database on PostgreSQL; serve adds the job queue (Loads, Jobs).
	srv.Batches = a.batchStore()
	if rc := a.rateCounts(); rc != nil {
		srv.SharedRates = rc
	}
	a.web = srv
	a.wireFederation(srv) // federation.go
	h, err := pdhttp.NewHandler(srv)
	if err != nil {
		return nil, err
	}
	return withReadState(h), nil
}

// withReadState gives each request its own view of the store's read generation
// (sqlstore.WithReadState): the cached lookups of one request — the published entry, the
// mask policies, the table's figures and freezes — read it once, not once each.
func withReadState(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(sqlstore.WithReadState(r.Context())))
	})
}

// systemContext returns ctx acting as the system: changes made from the command line and by
// the server itself (the demo data) are recorded with no user, and with the operating-system
// account that ran the binary as the record's client address, e.g. "local:root".
func systemContext(ctx context.Context) context.Context {
	ctx = pubdata.NewContextWithActor(ctx, &pubdata.Actor{})
	who := "local"
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = "local:" + u.Username
	}
	return pubdata.NewContextWithRequest(ctx, pubdata.RequestInfo{ClientAddr: who})
}

// platformName names the platform in its certificates' subjects: the public address's host,
// else "pubdata".
func (a *app) platformName() string {
	if u, err := url.Parse(a.cfg.PublicURL); err == nil && u.Host != "" {
		return "pubdata " + u.Host
	}
	return "pubdata"
}

// setupKeyring makes the platform CA and its signing certificate in the database on first
// start (nothing when they exist, on any node), and adds the public key of the data
// folder's pubdata-extract/v1 key (extract.KeyFile), if there is one, so that every node
// keeps verifying the extracts signed with it.
func (a *app) setupKeyring(ctx context.Context) error {
	ctx = systemContext(ctx)
	if _, err := a.keyring.Setup(ctx, a.platformName()); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if _, err := os.Stat(filepath.Join(a.cfg.Data, extract.KeyFile)); err == nil {
		k, err := extract.LoadOrCreateKey(a.cfg.Data)
		if err != nil {
			return err
		}
		if err := a.keyring.ImportLegacy(ctx, k.PublicKey()); err != nil {
			return fmt.Errorf("keyring: legacy extract key: %w", err)
		}
	}
	return nil
}
