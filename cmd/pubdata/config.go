package main

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/emmansun/gmsm/smx509"
	"gopkg.in/yaml.v3"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Config is every setting of the binary. It is built by loadConfig from defaults, then the
// config file, then PUBDATA_* environment variables, then command-line flags, and checked by
// Validate. Nothing else reads the environment or holds settings.
type Config struct {
	Data               string        // folder of the SQLite file, the SM2 audit key and files
	DB                 string        // database DSN; "" means sqlite:<Data>/pubdata.db
	Addr               string        // listen address of serve
	LogLevel           string        // debug|info|warn|error
	LogFormat          string        // text|json
	SecureCookies      bool          // mark cookies Secure (behind TLS)
	MaxBody            int64         // largest request body in bytes
	MaxUpload          int64         // largest data upload (POST /api/v1/entries/{id}/data) in bytes
	MaxFile            int64         // largest file of a file entry in bytes
	CheckpointInterval time.Duration // how often serve signs the audit tree head (0 < d ≤ 1m)
	ShutdownTimeout    time.Duration // how long serve waits for requests on shutdown
	ShareReplyDays     int           // working days a provider has to answer a share application
	OpenReplyDays      int           // working days a provider has to answer an open application
	ObjectionReplyDays int           // working days a provider has to answer an objection (C4)
	TicketReplyDays    int           // working days a provider has to answer a problem ticket (C1)
	// E-mail (issue 6): the SMTP server (host:port; "" turns e-mail off), the sender, and
	// the PLAIN login. SMTPPassword is a secret: it comes only from the environment
	// (PUBDATA_SMTP_PASSWORD) or a file (smtp_password_file, PUBDATA_SMTP_PASSWORD_FILE)
	// and is never logged.
	SMTPAddr     string
	SMTPFrom     string
	SMTPUsername string
	SMTPPassword string
	PublicURL    string // the platform's public address for links in e-mail; "" uses the request's host
	// CertificateFont is a CJK TrueType font (.ttf, or .ttc: its first face) for the PDFs of
	// electronic certificates; "" looks for Debian's (lib/certpdf.Fonts) and degrades
	// without one.
	CertificateFont string
	// RateLimit is each API token's (and signed-in user's) requests a minute, AnonRateLimit
	// each anonymous client address's; 0 turns the limit off. Counted per server.
	RateLimit     int
	AnonRateLimit int
	// TrustedProxies are the reverse proxies (CIDRs, e.g. 10.0.0.0/8 or 127.0.0.1/32) whose
	// X-Forwarded-For names the client; empty: the header is never read, and the client is
	// the connection's address.
	TrustedProxies []netip.Prefix
	// PullHosts are the hosts pull sources may read (names, "*.suffix" or CIDRs), set by
	// the authority; empty: no pull source connects anywhere. The platform's own database
	// is refused whatever the list says.
	PullHosts []string
	// QualityWeights are the dimensions' weights of the quality scores, written
	// "conformity=20,completeness=20,…" (pubdata.ParseQualityWeights; "" the defaults);
	// QualityInterval is how often serve runs each entry's quality rules over its whole
	// table (0 turns the scheduled runs off).
	QualityWeights  string
	QualityInterval time.Duration
	// MonitorInterval is how often serve refreshes the monitoring aggregates (and sooner
	// after a load, at most once a minute; 0 turns the refresh off); PullAlertFailures the
	// pull failures in a row that raise an alert. MetricsToken is the bearer token /metrics
	// asks for ("": loopback clients only).
	MonitorInterval   time.Duration
	PullAlertFailures int
	MetricsToken      string
	// The record (issue 14): CheckpointLog is the folder of the checkpoint log
	// (checkpoints.log), "" the data folder; Witnesses are the platforms that cosign this
	// platform's checkpoints; WitnessFor the platforms whose checkpoints this one cosigns.
	CheckpointLog string
	Witnesses     []WitnessConfig
	WitnessFor    []WitnessOrigin
	// EncryptGrade and EncryptPersonal choose the data items whose values are stored
	// encrypted (issue 15 item 2): items of grade EncryptGrade or higher (0: none by
	// grade), and items marked personal information when EncryptPersonal. The master key is
	// the file master-sm4.key in the data folder, or PUBDATA_MASTER_KEY (lib/envelope).
	EncryptGrade    int
	EncryptPersonal bool
	// Scheduled backups (backup.go): every BackupInterval (0: none) serve writes a backup to
	// BackupTo (a folder or s3://bucket/prefix), keeping the newest BackupKeep there.
	// BackupPassphrase encrypts the keys in it; a secret, it comes only from the environment
	// (PUBDATA_BACKUP_PASSPHRASE) or a file (backup_passphrase_file,
	// PUBDATA_BACKUP_PASSPHRASE_FILE) and is never logged.
	BackupTo         string
	BackupInterval   time.Duration
	BackupKeep       int
	BackupPassphrase string
	// Profile is the regional rules the platform follows (pubdata.LookupProfile: default,
	// fujian, jilin, shandong, shanxi, tianjin; "" the default). Its reply days apply unless
	// share_reply_days or open_reply_days are given explicitly (daysGiven records which).
	Profile   string
	daysGiven map[string]bool
	// DiscoveryInterval is how often serve samples each published table's current rows for
	// unmarked personal data again (discover_schedule.go); 0 turns it off.
	DiscoveryInterval time.Duration
	// The trade gate (issue 16 item 5, trading.go): a product is listed only when the
	// prosecutor re-identification risk of its content is at most TradeRiskThreshold and
	// its smallest equivalence class holds at least TradeMinK records.
	TradeRiskThreshold float64
	TradeMinK          int
	// Federation (issue 17, federation.go): the platform's name and division as its peers
	// know it ([federation] name, division; no division: the platform does not federate),
	// and how often serve syncs each peer (interval, default 30s).
	Federation FederationConfig
	// The cluster (cluster.go): Blob is the store of every file — batch uploads, file
	// entries' files, the checkpoint log, scheduled backups by default — a folder or
	// s3://bucket/prefix?… ("" the data folder); BatchStaleAfter is how long a running
	// batch may go without a heartbeat before another node fails it (PostgreSQL).
	Blob            string
	BatchStaleAfter time.Duration
	// PullCheckInterval is how often the queue's leader looks for due pull sources.
	PullCheckInterval time.Duration
}

// FederationConfig is the [federation] table of the config file.
type FederationConfig struct {
	Name     string        `toml:"name" yaml:"name"`
	Division string        `toml:"division" yaml:"division"`
	Interval time.Duration `toml:"-" yaml:"-"`
	Every    string        `toml:"interval" yaml:"interval"`
}

// DefaultFederationInterval is how often serve syncs each peer platform.
const DefaultFederationInterval = 30 * time.Second

// WitnessConfig is a platform that witnesses this one: its name, base URL and SM2 public key
// (base64 PKIX DER, as GET /api/v1/audit/checkpoints/latest shows it).
type WitnessConfig struct {
	Name      string `toml:"name" yaml:"name"`
	URL       string `toml:"url" yaml:"url"`
	PublicKey string `toml:"public_key" yaml:"public_key"`
}

// WitnessOrigin is a platform this one witnesses: its name and public key.
type WitnessOrigin struct {
	Name      string `toml:"name" yaml:"name"`
	PublicKey string `toml:"public_key" yaml:"public_key"`
}

// Default API rate limits, requests a minute.
const (
	DefaultRateLimit     = 60
	DefaultAnonRateLimit = 20
)

// Defaults of the settings.
const (
	DefaultData               = "./data"
	DefaultAddr               = "127.0.0.1:8080"
	DefaultMaxBody            = web.DefaultMaxBodyBytes
	DefaultMaxUpload          = web.DefaultMaxUploadBytes
	DefaultMaxFile            = pubdata.DefaultMaxFileBytes
	DefaultCheckpointInterval = time.Minute
	DefaultShutdownTimeout    = 15 * time.Second
	MaxCheckpointInterval     = time.Minute // the regulations' record: at least every minute
	MaxReplyDays              = 60          // the longest answer deadline in working days
)

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Data:               DefaultData,
		Addr:               DefaultAddr,
		LogLevel:           "info",
		LogFormat:          "text",
		MaxBody:            DefaultMaxBody,
		MaxUpload:          DefaultMaxUpload,
		MaxFile:            DefaultMaxFile,
		CheckpointInterval: DefaultCheckpointInterval,
		ShutdownTimeout:    DefaultShutdownTimeout,
		ShareReplyDays:     pubdata.DefaultShareReplyDays,
		OpenReplyDays:      pubdata.DefaultOpenReplyDays,
		ObjectionReplyDays: pubdata.DefaultObjectionReplyDays,
		TicketReplyDays:    pubdata.DefaultTicketReplyDays,
		RateLimit:          DefaultRateLimit,
		AnonRateLimit:      DefaultAnonRateLimit,
		QualityInterval:    DefaultQualityInterval,
		MonitorInterval:    DefaultMonitorInterval,
		PullAlertFailures:  pubdata.DefaultPullAlertFailures,
		EncryptGrade:       pubdata.DefaultEncryptionPolicy().Grade,
		EncryptPersonal:    pubdata.DefaultEncryptionPolicy().Personal,
		BackupKeep:         DefaultBackupKeep,
		DiscoveryInterval:  DefaultDiscoveryInterval,
		TradeRiskThreshold: pubdata.DefaultTradeRiskThreshold,
		TradeMinK:          pubdata.DefaultTradeMinK,
		BatchStaleAfter:    DefaultBatchStaleAfter,
		PullCheckInterval:  DefaultPullCheckInterval,
	}
}

// DefaultMonitorInterval is how often serve refreshes the monitoring aggregates.
const DefaultMonitorInterval = 5 * time.Minute

// DefaultQualityInterval is how often serve runs the quality rules over each table: daily.
const DefaultQualityInterval = 24 * time.Hour

// DSN returns the database DSN: DB, or the SQLite file in the data folder when DB is empty.
func (c *Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return "sqlite:" + filepath.Join(c.Data, "pubdata.db")
}

// IsPostgres reports whether the DSN names a PostgreSQL database.
func (c *Config) IsPostgres() bool {
	dsn := c.DSN()
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLitePath returns the file of a sqlite: DSN ("" for PostgreSQL).
func (c *Config) SQLitePath() string {
	dsn := c.DSN()
	if !strings.HasPrefix(dsn, "sqlite:") {
		return ""
	}
	p := strings.TrimPrefix(dsn, "sqlite:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return strings.TrimPrefix(p, "//")
}

// Validate checks every setting and returns an error naming the first bad one.
func (c *Config) Validate() error {
	switch {
	case strings.TrimSpace(c.Data) == "":
		return errors.New("setting data (--data, PUBDATA_DATA): must not be empty")
	}
	if c.DB != "" {
		switch {
		case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
		case strings.HasPrefix(c.DB, "sqlite:"):
			if c.SQLitePath() == "" {
				return fmt.Errorf("setting db (--db, PUBDATA_DB): %q names no file; use sqlite:PATH", c.DB)
			}
		default:
			return fmt.Errorf("setting db (--db, PUBDATA_DB): %q must start with postgres://, postgresql:// or sqlite:PATH", redactDSN(c.DB))
		}
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("setting addr (--addr, PUBDATA_ADDR): %q is not host:port", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("setting addr (--addr, PUBDATA_ADDR): %q has a bad port", c.Addr)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("setting log_format (--log-format, PUBDATA_LOG_FORMAT): %q is not text or json", c.LogFormat)
	}
	if c.MaxBody <= 0 {
		return fmt.Errorf("setting max_body (--max-body, PUBDATA_MAX_BODY): %d must be a positive number of bytes", c.MaxBody)
	}
	if c.MaxUpload <= 0 {
		return fmt.Errorf("setting max_upload (--max-upload, PUBDATA_MAX_UPLOAD): %d must be a positive number of bytes", c.MaxUpload)
	}
	if c.MaxFile <= 0 || c.MaxFile > c.MaxUpload {
		return fmt.Errorf("setting max_file (--max-file, PUBDATA_MAX_FILE): %d must be a positive number of bytes, at most max_upload (%d)", c.MaxFile, c.MaxUpload)
	}
	if c.CheckpointInterval <= 0 || c.CheckpointInterval > MaxCheckpointInterval {
		return fmt.Errorf("setting checkpoint_interval (--checkpoint-interval, PUBDATA_CHECKPOINT_INTERVAL): %s must be more than 0 and at most %s", c.CheckpointInterval, MaxCheckpointInterval)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("setting shutdown_timeout (--shutdown-timeout, PUBDATA_SHUTDOWN_TIMEOUT): %s must be positive", c.ShutdownTimeout)
	}
	if c.ShareReplyDays < 1 || c.ShareReplyDays > MaxReplyDays {
		return fmt.Errorf("setting share_reply_days (--share-reply-days, PUBDATA_SHARE_REPLY_DAYS): %d must be 1 to %d working days", c.ShareReplyDays, MaxReplyDays)
	}
	if c.SMTPAddr != "" {
		if _, port, err := net.SplitHostPort(c.SMTPAddr); err != nil || port == "" {
			return fmt.Errorf("setting smtp_addr (PUBDATA_SMTP_ADDR): %q is not host:port", c.SMTPAddr)
		}
		if pubdata.ValidateEmail(c.SMTPFrom) != nil || c.SMTPFrom == "" {
			return fmt.Errorf("setting smtp_from (PUBDATA_SMTP_FROM): %q must be an e-mail address when smtp_addr is set", c.SMTPFrom)
		}
	}
	if c.SMTPPassword != "" && c.SMTPUsername == "" {
		return errors.New("setting smtp_username (PUBDATA_SMTP_USERNAME): required when an SMTP password is given")
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		return fmt.Errorf("setting public_url (PUBDATA_PUBLIC_URL): %q must start with http:// or https://", c.PublicURL)
	}
	if c.RateLimit < 0 || c.AnonRateLimit < 0 {
		return errors.New("settings rate_limit and anon_rate_limit (PUBDATA_RATE_LIMIT, PUBDATA_ANON_RATE_LIMIT): requests a minute must be 0 (no limit) or more")
	}
	if c.OpenReplyDays < 1 || c.OpenReplyDays > MaxReplyDays {
		return fmt.Errorf("setting open_reply_days (--open-reply-days, PUBDATA_OPEN_REPLY_DAYS): %d must be 1 to %d working days", c.OpenReplyDays, MaxReplyDays)
	}
	if c.EncryptGrade < 0 || c.EncryptGrade > pubdata.MaxGrade {
		return fmt.Errorf("setting encrypt_grade (PUBDATA_ENCRYPT_GRADE): %d must be 0 (none by grade) to %d", c.EncryptGrade, pubdata.MaxGrade)
	}
	if c.ObjectionReplyDays < 1 || c.ObjectionReplyDays > MaxReplyDays {
		return fmt.Errorf("setting objection_reply_days (--objection-reply-days, PUBDATA_OBJECTION_REPLY_DAYS): %d must be 1 to %d working days", c.ObjectionReplyDays, MaxReplyDays)
	}
	if _, err := pubdata.ParseQualityWeights(c.QualityWeights); err != nil {
		return fmt.Errorf("setting quality_weights (PUBDATA_QUALITY_WEIGHTS): %w", err)
	}
	if c.QualityInterval != 0 && (c.QualityInterval < time.Minute || c.QualityInterval > 31*24*time.Hour) {
		return fmt.Errorf("setting quality_interval (PUBDATA_QUALITY_INTERVAL): %s must be 0 (off) or from 1m to 744h", c.QualityInterval)
	}
	if c.MonitorInterval != 0 && (c.MonitorInterval < time.Minute || c.MonitorInterval > 24*time.Hour) {
		return fmt.Errorf("setting monitor_interval (PUBDATA_MONITOR_INTERVAL): %s must be 0 (off) or from 1m to 24h", c.MonitorInterval)
	}
	if c.PullAlertFailures < 1 || c.PullAlertFailures > 100 {
		return fmt.Errorf("setting pull_alert_failures (PUBDATA_PULL_ALERT_FAILURES): %d must be 1 to 100", c.PullAlertFailures)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return fmt.Errorf("setting metrics_token (PUBDATA_METRICS_TOKEN): must be at least 16 characters")
	}
	for _, w := range c.Witnesses {
		if w.Name == "" || (!strings.HasPrefix(w.URL, "http://") && !strings.HasPrefix(w.URL, "https://")) {
			return fmt.Errorf("setting witnesses: each witness needs a name and a url starting with http:// or https:// (%q, %q)", w.Name, w.URL)
		}
		if err := checkPublicKey(w.PublicKey); err != nil {
			return fmt.Errorf("setting witnesses: witness %s: public_key: %w", w.Name, err)
		}
	}
	for _, o := range c.WitnessFor {
		if o.Name == "" {
			return errors.New("setting witness_for: each platform needs a name")
		}
		if err := checkPublicKey(o.PublicKey); err != nil {
			return fmt.Errorf("setting witness_for: platform %s: public_key: %w", o.Name, err)
		}
	}
	if c.TicketReplyDays < 1 || c.TicketReplyDays > MaxReplyDays {
		return fmt.Errorf("setting ticket_reply_days (--ticket-reply-days, PUBDATA_TICKET_REPLY_DAYS): %d must be 1 to %d working days", c.TicketReplyDays, MaxReplyDays)
	}
	if err := c.validateBackup(); err != nil {
		return err
	}
	if _, err := pubdata.LookupProfile(c.Profile); err != nil {
		return fmt.Errorf("setting profile (--profile, PUBDATA_PROFILE): %w", err)
	}
	if c.DiscoveryInterval != 0 && (c.DiscoveryInterval < time.Minute || c.DiscoveryInterval > 366*24*time.Hour) {
		return fmt.Errorf("setting discovery_interval (PUBDATA_DISCOVERY_INTERVAL): %s must be 0 (off) or from 1m to 8784h", c.DiscoveryInterval)
	}
	if err := c.validateTrade(); err != nil {
		return err
	}
	if err := c.validateCluster(); err != nil {
		return err
	}
	return nil
}

// givenDays records that share_reply_days or open_reply_days (kind) was set explicitly: it
// then overrides the profile's.
func (c *Config) givenDays(kind string) {
	if c.daysGiven == nil {
		c.daysGiven = map[string]bool{}
	}
	c.daysGiven[kind] = true
}

// ActiveProfile returns the profile the settings choose (Validate has checked the name).
func (c *Config) ActiveProfile() *pubdata.Profile {
	p, err := pubdata.LookupProfile(c.Profile)
	if err != nil {
		return pubdata.DefaultProfile()
	}
	return p
}

// ExplicitReplyDays are the reply days given explicitly (zero where not: the profile's
// apply), with the objection days.
func (c *Config) ExplicitReplyDays() pubdata.ReplyDays {
	d := pubdata.ReplyDays{Objection: c.ObjectionReplyDays}
	if c.daysGiven["share"] {
		d.Share = c.ShareReplyDays
	}
	if c.daysGiven["open"] {
		d.Open = c.OpenReplyDays
	}
	return d
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("setting log_level (--log-level, PUBDATA_LOG_LEVEL): %q is not debug, info, warn or error", s)
}

// NewLogger returns the logger the settings ask for, writing to w.
func (c *Config) NewLogger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redactDSN hides a password in a DSN so that errors never show it.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if colon := strings.IndexByte(rest[:at], ':'); colon >= 0 {
				return dsn[:i+3] + rest[:colon] + ":xxxxx" + rest[at:]
			}
		}
	}
	return dsn
}

// fileConfig is the config file: every key optional; unknown keys are an error.
type fileConfig struct {
	Data               *string           `toml:"data" yaml:"data"`
	DB                 *string           `toml:"db" yaml:"db"`
	Addr               *string           `toml:"addr" yaml:"addr"`
	LogLevel           *string           `toml:"log_level" yaml:"log_level"`
	LogFormat          *string           `toml:"log_format" yaml:"log_format"`
	SecureCookies      *bool             `toml:"secure_cookies" yaml:"secure_cookies"`
	MaxBody            *int64            `toml:"max_body" yaml:"max_body"`
	MaxUpload          *int64            `toml:"max_upload" yaml:"max_upload"`
	MaxFile            *int64            `toml:"max_file" yaml:"max_file"`
	CheckpointInterval *string           `toml:"checkpoint_interval" yaml:"checkpoint_interval"`
	ShutdownTimeout    *string           `toml:"shutdown_timeout" yaml:"shutdown_timeout"`
	ShareReplyDays     *int              `toml:"share_reply_days" yaml:"share_reply_days"`
	OpenReplyDays      *int              `toml:"open_reply_days" yaml:"open_reply_days"`
	ObjectionReplyDays *int              `toml:"objection_reply_days" yaml:"objection_reply_days"`
	TicketReplyDays    *int              `toml:"ticket_reply_days" yaml:"ticket_reply_days"`
	SMTPAddr           *string           `toml:"smtp_addr" yaml:"smtp_addr"`
	SMTPFrom           *string           `toml:"smtp_from" yaml:"smtp_from"`
	SMTPUsername       *string           `toml:"smtp_username" yaml:"smtp_username"`
	SMTPPasswordFile   *string           `toml:"smtp_password_file" yaml:"smtp_password_file"`
	PublicURL          *string           `toml:"public_url" yaml:"public_url"`
	RateLimit          *int              `toml:"rate_limit" yaml:"rate_limit"`
	AnonRateLimit      *int              `toml:"anon_rate_limit" yaml:"anon_rate_limit"`
	TrustedProxies     []string          `toml:"trusted_proxies" yaml:"trusted_proxies"`
	PullHosts          []string          `toml:"pull_hosts" yaml:"pull_hosts"`
	QualityWeights     *string           `toml:"quality_weights" yaml:"quality_weights"`
	QualityInterval    *string           `toml:"quality_interval" yaml:"quality_interval"`
	CheckpointLog      *string           `toml:"checkpoint_log" yaml:"checkpoint_log"`
	Witnesses          []WitnessConfig   `toml:"witnesses" yaml:"witnesses"`
	WitnessFor         []WitnessOrigin   `toml:"witness_for" yaml:"witness_for"`
	MonitorInterval    *string           `toml:"monitor_interval" yaml:"monitor_interval"`
	PullAlertFailures  *int              `toml:"pull_alert_failures" yaml:"pull_alert_failures"`
	MetricsToken       *string           `toml:"metrics_token" yaml:"metrics_token"`
	EncryptGrade       *int              `toml:"encrypt_grade" yaml:"encrypt_grade"`
	EncryptPersonal    *bool             `toml:"encrypt_personal" yaml:"encrypt_personal"`
	BackupTo           *string           `toml:"backup_to" yaml:"backup_to"`
	BackupInterval     *string           `toml:"backup_interval" yaml:"backup_interval"`
	BackupKeep         *int              `toml:"backup_keep" yaml:"backup_keep"`
	BackupPassphrase   *string           `toml:"backup_passphrase_file" yaml:"backup_passphrase_file"`
	CertificateFont    *string           `toml:"certificate_font" yaml:"certificate_font"`
	Profile            *string           `toml:"profile" yaml:"profile"`
	DiscoveryInterval  *string           `toml:"discovery_interval" yaml:"discovery_interval"`
	TradeRiskThreshold *float64          `toml:"trade_risk_threshold" yaml:"trade_risk_threshold"`
	TradeMinK          *int              `toml:"trade_min_k" yaml:"trade_min_k"`
	Federation         *FederationConfig `toml:"federation" yaml:"federation"`
	Blob               *string           `toml:"blob" yaml:"blob"`
	BatchStaleAfter    *string           `toml:"batch_stale_after" yaml:"batch_stale_after"`
	PullCheckInterval  *string           `toml:"pull_check_interval" yaml:"pull_check_interval"`
}

// applyFile reads the config file at path (TOML, or YAML for .yaml/.yml) over c.
func (c *Config) applyFile(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var f fileConfig
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".toml":
		md, err := toml.Decode(string(src), &f)
		if err != nil {
			return fmt.Errorf("config file %s: %s", path, oneLine(err.Error()))
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			sort.Strings(keys)
			return fmt.Errorf("config file %s: unknown setting %s", path, strings.Join(keys, ", "))
		}
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(src))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("config file %s: %s", path, oneLine(err.Error()))
		}
	default:
		return fmt.Errorf("config file %s: extension %q is not .toml, .yaml or .yml", path, ext)
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Data, f.Data)
	set(&c.DB, f.DB)
	set(&c.Addr, f.Addr)
	set(&c.LogLevel, f.LogLevel)
	set(&c.LogFormat, f.LogFormat)
	if f.SecureCookies != nil {
		c.SecureCookies = *f.SecureCookies
	}
	if f.MaxBody != nil {
		c.MaxBody = *f.MaxBody
	}
	if f.MaxUpload != nil {
		c.MaxUpload = *f.MaxUpload
	}
	if f.MaxFile != nil {
		c.MaxFile = *f.MaxFile
	}
	if f.ShareReplyDays != nil {
		c.ShareReplyDays = *f.ShareReplyDays
		c.givenDays("share")
	}
	if f.OpenReplyDays != nil {
		c.OpenReplyDays = *f.OpenReplyDays
		c.givenDays("open")
	}
	set(&c.Profile, f.Profile)
	if f.ObjectionReplyDays != nil {
		c.ObjectionReplyDays = *f.ObjectionReplyDays
	}
	if f.TicketReplyDays != nil {
		c.TicketReplyDays = *f.TicketReplyDays
	}
	if f.EncryptGrade != nil {
		c.EncryptGrade = *f.EncryptGrade
	}
	if f.EncryptPersonal != nil {
		c.EncryptPersonal = *f.EncryptPersonal
	}
	set(&c.SMTPAddr, f.SMTPAddr)
	set(&c.CertificateFont, f.CertificateFont)
	set(&c.SMTPFrom, f.SMTPFrom)
	set(&c.SMTPUsername, f.SMTPUsername)
	set(&c.PublicURL, f.PublicURL)
	set(&c.QualityWeights, f.QualityWeights)
	set(&c.CheckpointLog, f.CheckpointLog)
	if f.Witnesses != nil {
		c.Witnesses = f.Witnesses
	}
	if f.WitnessFor != nil {
		c.WitnessFor = f.WitnessFor
	}
	if f.SMTPPasswordFile != nil {
		if err := c.readSMTPPassword("config file "+path+": setting smtp_password_file", *f.SMTPPasswordFile); err != nil {
			return err
		}
	}
	set(&c.BackupTo, f.BackupTo)
	set(&c.Blob, f.Blob)
	if f.BackupKeep != nil {
		c.BackupKeep = *f.BackupKeep
	}
	if f.BackupPassphrase != nil {
		p, err := readSecretFile(*f.BackupPassphrase)
		if err != nil {
			return fmt.Errorf("config file %s: setting backup_passphrase_file: %w", path, err)
		}
		c.BackupPassphrase = p
	}
	if f.RateLimit != nil {
		c.RateLimit = *f.RateLimit
	}
	if f.AnonRateLimit != nil {
		c.AnonRateLimit = *f.AnonRateLimit
	}
	if f.PullHosts != nil {
		c.PullHosts = f.PullHosts
	}
	if f.PullAlertFailures != nil {
		c.PullAlertFailures = *f.PullAlertFailures
	}
	if f.MetricsToken != nil {
		c.MetricsToken = *f.MetricsToken
	}
	if f.TrustedProxies != nil {
		ps, err := parseProxies(f.TrustedProxies)
		if err != nil {
			return fmt.Errorf("config file %s: setting trusted_proxies: %w", path, err)
		}
		c.TrustedProxies = ps
	}
	for _, d := range []struct {
		key string
		v   *string
		dst *time.Duration
	}{
		{"checkpoint_interval", f.CheckpointInterval, &c.CheckpointInterval},
		{"shutdown_timeout", f.ShutdownTimeout, &c.ShutdownTimeout},
		{"quality_interval", f.QualityInterval, &c.QualityInterval},
		{"monitor_interval", f.MonitorInterval, &c.MonitorInterval},
		{"backup_interval", f.BackupInterval, &c.BackupInterval},
		{"discovery_interval", f.DiscoveryInterval, &c.DiscoveryInterval},
		{"batch_stale_after", f.BatchStaleAfter, &c.BatchStaleAfter},
		{"pull_check_interval", f.PullCheckInterval, &c.PullCheckInterval},
	} {
		if d.v == nil {
			continue
		}
		v, err := time.ParseDuration(*d.v)
		if err != nil {
			return fmt.Errorf("config file %s: setting %s: %q is not a duration like 30s or 1m", path, d.key, *d.v)
		}
		*d.dst = v
	}
	c.applyTradeFile(&f)
	if f.Federation != nil {
		c.Federation = *f.Federation
		if f.Federation.Every != "" {
			v, err := time.ParseDuration(f.Federation.Every)
			if err != nil || v <= 0 {
				return fmt.Errorf("config file %s: setting federation.interval: %q is not a duration like 30s or 1m", path, f.Federation.Every)
			}
			c.Federation.Interval = v
		}
		if c.Federation.Division != "" && !pubdata.ValidDivisionSyntax(c.Federation.Division) {
			return fmt.Errorf("config file %s: setting federation.division: %q is not a six-digit division code", path, c.Federation.Division)
		}
	}
	return nil
}

// envLookup finds an environment variable; os.LookupEnv in the binary, a map in tests.
type envLookup func(string) (string, bool)

// applyEnv reads the PUBDATA_* variables over c. Empty variables count as unset.
func (c *Config) applyEnv(getenv envLookup) error {
	get := func(name string) (string, bool) {
		v, ok := getenv(name)
		if !ok || v == "" {
			return "", false
		}
		return v, true
	}
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"PUBDATA_DATA", &c.Data},
		{"PUBDATA_DB", &c.DB},
		{"PUBDATA_ADDR", &c.Addr},
		{"PUBDATA_LOG_LEVEL", &c.LogLevel},
		{"PUBDATA_LOG_FORMAT", &c.LogFormat},
		{"PUBDATA_SMTP_ADDR", &c.SMTPAddr},
		{"PUBDATA_CERTIFICATE_FONT", &c.CertificateFont},
		{"PUBDATA_SMTP_FROM", &c.SMTPFrom},
		{"PUBDATA_SMTP_USERNAME", &c.SMTPUsername},
		{"PUBDATA_SMTP_PASSWORD", &c.SMTPPassword},
		{"PUBDATA_PUBLIC_URL", &c.PublicURL},
		{"PUBDATA_METRICS_TOKEN", &c.MetricsToken},
		{"PUBDATA_CHECKPOINT_LOG", &c.CheckpointLog},
		{"PUBDATA_BACKUP_TO", &c.BackupTo},
		{"PUBDATA_BACKUP_PASSPHRASE", &c.BackupPassphrase},
		{"PUBDATA_PROFILE", &c.Profile},
		{"PUBDATA_BLOB", &c.Blob},
	} {
		if v, ok := get(s.name); ok {
			*s.dst = v
		}
	}
	if v, ok := get("PUBDATA_SMTP_PASSWORD_FILE"); ok && c.SMTPPassword == "" {
		if err := c.readSMTPPassword("environment PUBDATA_SMTP_PASSWORD_FILE", v); err != nil {
			return err
		}
	}
	if v, ok := get("PUBDATA_ENCRYPT_PERSONAL"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("environment PUBDATA_ENCRYPT_PERSONAL: %q is not true or false", v)
		}
		c.EncryptPersonal = b
	}
	if v, ok := get("PUBDATA_BACKUP_PASSPHRASE_FILE"); ok {
		if _, set := get("PUBDATA_BACKUP_PASSPHRASE"); !set {
			p, err := readSecretFile(v)
			if err != nil {
				return fmt.Errorf("environment PUBDATA_BACKUP_PASSPHRASE_FILE: %w", err)
			}
			c.BackupPassphrase = p
		}
	}
	if v, ok := get("PUBDATA_SECURE_COOKIES"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("environment PUBDATA_SECURE_COOKIES: %q is not true or false", v)
		}
		c.SecureCookies = b
	}
	for _, b := range []struct {
		name string
		dst  *int64
	}{
		{"PUBDATA_MAX_BODY", &c.MaxBody},
		{"PUBDATA_MAX_UPLOAD", &c.MaxUpload},
		{"PUBDATA_MAX_FILE", &c.MaxFile},
	} {
		if v, ok := get(b.name); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("environment %s: %q is not a number of bytes", b.name, v)
			}
			*b.dst = n
		}
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{
		{"PUBDATA_SHARE_REPLY_DAYS", &c.ShareReplyDays},
		{"PUBDATA_OPEN_REPLY_DAYS", &c.OpenReplyDays},
		{"PUBDATA_OBJECTION_REPLY_DAYS", &c.ObjectionReplyDays},
		{"PUBDATA_TICKET_REPLY_DAYS", &c.TicketReplyDays},
		{"PUBDATA_RATE_LIMIT", &c.RateLimit},
		{"PUBDATA_ANON_RATE_LIMIT", &c.AnonRateLimit},
		{"PUBDATA_PULL_ALERT_FAILURES", &c.PullAlertFailures},
		{"PUBDATA_ENCRYPT_GRADE", &c.EncryptGrade},
		{"PUBDATA_BACKUP_KEEP", &c.BackupKeep},
	} {
		if v, ok := get(n.name); ok {
			d, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("environment %s: %q is not a whole number", n.name, v)
			}
			*n.dst = d
			switch n.name {
			case "PUBDATA_SHARE_REPLY_DAYS":
				c.givenDays("share")
			case "PUBDATA_OPEN_REPLY_DAYS":
				c.givenDays("open")
			}
		}
	}
	if v, ok := get("PUBDATA_QUALITY_WEIGHTS"); ok {
		c.QualityWeights = v
	}
	if v, ok := get("PUBDATA_PULL_HOSTS"); ok {
		c.PullHosts = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				c.PullHosts = append(c.PullHosts, h)
			}
		}
	}
	if v, ok := get("PUBDATA_TRUSTED_PROXIES"); ok {
		ps, err := parseProxies(strings.Split(v, ","))
		if err != nil {
			return fmt.Errorf("environment PUBDATA_TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = ps
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"PUBDATA_CHECKPOINT_INTERVAL", &c.CheckpointInterval},
		{"PUBDATA_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout},
		{"PUBDATA_QUALITY_INTERVAL", &c.QualityInterval},
		{"PUBDATA_MONITOR_INTERVAL", &c.MonitorInterval},
		{"PUBDATA_BACKUP_INTERVAL", &c.BackupInterval},
		{"PUBDATA_DISCOVERY_INTERVAL", &c.DiscoveryInterval},
		{"PUBDATA_BATCH_STALE_AFTER", &c.BatchStaleAfter},
		{"PUBDATA_PULL_CHECK_INTERVAL", &c.PullCheckInterval},
	} {
		if v, ok := get(d.name); ok {
			dur, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("environment %s: %q is not a duration like 30s or 1m", d.name, v)
			}
			*d.dst = dur
		}
	}
	return c.applyTradeEnv(get)
}

// readSMTPPassword reads the SMTP password from a file (its first line); what names the
// setting in errors, which never hold the password.
func (c *Config) readSMTPPassword(what, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	c.SMTPPassword = strings.TrimRight(line, "\r")
	return nil
}

// configFlags are the flags shared by every subcommand that reads settings. The values are
// applied over the config only for the flags given on the command line.
type configFlags struct {
	fs          *flag.FlagSet
	configPath  string
	data, db    string
	logLevel    string
	logFormat   string
	addr        string
	secure      bool
	maxBody     int64
	maxUpload   int64
	maxFile     int64
	checkpoint  time.Duration
	shutdownTTL time.Duration
	shareDays   int
	openDays    int
	objDays     int
	ticketDays  int
	profile     string
	blob        string
}

// addConfigFlags registers --config, --data, --db, --log-level and --log-format on fs; with
// server true also the serve settings.
func addConfigFlags(fs *flag.FlagSet, server bool) *configFlags {
	d := DefaultConfig()
	cf := &configFlags{fs: fs}
	fs.StringVar(&cf.configPath, "config", "", "config `file` (.toml, .yaml or .yml); env PUBDATA_CONFIG")
	fs.StringVar(&cf.data, "data", d.Data, "data `folder`: SQLite file, SM2 audit key, files; env PUBDATA_DATA")
	fs.StringVar(&cf.db, "db", "", "database `DSN`: postgres://… or sqlite:PATH (default sqlite:<data>/pubdata.db); env PUBDATA_DB")
	fs.StringVar(&cf.logLevel, "log-level", d.LogLevel, "log `level`: debug, info, warn, error; env PUBDATA_LOG_LEVEL")
	fs.StringVar(&cf.logFormat, "log-format", d.LogFormat, "log `format`: text or json; env PUBDATA_LOG_FORMAT")
	if server {
		fs.StringVar(&cf.addr, "addr", d.Addr, "listen `address` host:port; env PUBDATA_ADDR")
		fs.BoolVar(&cf.secure, "secure-cookies", d.SecureCookies, "mark cookies Secure (set it behind TLS); env PUBDATA_SECURE_COOKIES")
		fs.Int64Var(&cf.maxBody, "max-body", d.MaxBody, "largest request body in `bytes`; env PUBDATA_MAX_BODY")
		fs.Int64Var(&cf.maxUpload, "max-upload", d.MaxUpload, "largest data upload in `bytes`; env PUBDATA_MAX_UPLOAD")
		fs.Int64Var(&cf.maxFile, "max-file", d.MaxFile, "largest file of a file entry in `bytes`; env PUBDATA_MAX_FILE")
		fs.DurationVar(&cf.checkpoint, "checkpoint-interval", d.CheckpointInterval, "how often to sign the audit tree head (at most 1m); env PUBDATA_CHECKPOINT_INTERVAL")
		fs.DurationVar(&cf.shutdownTTL, "shutdown-timeout", d.ShutdownTimeout, "how long to wait for requests on shutdown; env PUBDATA_SHUTDOWN_TIMEOUT")
		fs.IntVar(&cf.shareDays, "share-reply-days", d.ShareReplyDays, "working `days` a provider has to answer a share application; env PUBDATA_SHARE_REPLY_DAYS")
		fs.IntVar(&cf.openDays, "open-reply-days", d.OpenReplyDays, "working `days` a provider has to answer an open application; env PUBDATA_OPEN_REPLY_DAYS")
		fs.IntVar(&cf.objDays, "objection-reply-days", d.ObjectionReplyDays, "working `days` a provider has to answer an objection; env PUBDATA_OBJECTION_REPLY_DAYS")
		fs.IntVar(&cf.ticketDays, "ticket-reply-days", d.TicketReplyDays, "working `days` a provider has to answer a problem ticket; env PUBDATA_TICKET_REPLY_DAYS")
		fs.StringVar(&cf.profile, "profile", "", "regional rules `name`: "+strings.Join(pubdata.ProfileNames(), ", ")+" (default: default); env PUBDATA_PROFILE")
	}
	fs.StringVar(&cf.blob, "blob", "", "where files are kept: a `folder` or s3://bucket/prefix?endpoint=… (default the data folder); env PUBDATA_BLOB")
	return cf
}

// load builds the config: defaults, then the file, then the environment, then the flags that
// were given, then Validate. Call it after fs.Parse.
func (cf *configFlags) load(getenv envLookup) (*Config, error) {
	c := DefaultConfig()
	given := map[string]bool{}
	cf.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	path := cf.configPath
	if !given["config"] {
		if v, ok := getenv("PUBDATA_CONFIG"); ok && v != "" {
			path = v
		}
	}
	if path != "" {
		if err := c.applyFile(path); err != nil {
			return nil, err
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return nil, err
	}
	for name, apply := range map[string]func(){
		"data":                 func() { c.Data = cf.data },
		"db":                   func() { c.DB = cf.db },
		"log-level":            func() { c.LogLevel = cf.logLevel },
		"log-format":           func() { c.LogFormat = cf.logFormat },
		"addr":                 func() { c.Addr = cf.addr },
		"secure-cookies":       func() { c.SecureCookies = cf.secure },
		"max-body":             func() { c.MaxBody = cf.maxBody },
		"max-upload":           func() { c.MaxUpload = cf.maxUpload },
		"max-file":             func() { c.MaxFile = cf.maxFile },
		"checkpoint-interval":  func() { c.CheckpointInterval = cf.checkpoint },
		"shutdown-timeout":     func() { c.ShutdownTimeout = cf.shutdownTTL },
		"share-reply-days":     func() { c.ShareReplyDays = cf.shareDays },
		"open-reply-days":      func() { c.OpenReplyDays = cf.openDays },
		"objection-reply-days": func() { c.ObjectionReplyDays = cf.objDays },
		"ticket-reply-days":    func() { c.TicketReplyDays = cf.ticketDays },
		"profile":              func() { c.Profile = cf.profile },
		"blob":                 func() { c.Blob = cf.blob },
	} {
		if given[name] {
			apply()
		}
	}
	if given["share-reply-days"] {
		c.givenDays("share")
	}
	if given["open-reply-days"] {
		c.givenDays("open")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// oneLine folds an error message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// parseProxies reads trusted_proxies: CIDRs, or single addresses (a /32 or /128), blanks
// skipped.
func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "/") {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR such as 10.0.0.0/8", v)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", v)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// checkPublicKey checks that pub is a base64 PKIX DER SM2 public key.
func checkPublicKey(pub string) error {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(pub))
	if err != nil {
		return fmt.Errorf("not base64: %w", err)
	}
	k, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return err
	}
	if _, ok := k.(*ecdsa.PublicKey); !ok {
		return errors.New("not an SM2 key")
	}
	return nil
}
