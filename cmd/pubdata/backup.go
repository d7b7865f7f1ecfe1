package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pubdata/pubdata/lib/audit"
	"github.com/pubdata/pubdata/lib/backup"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/sqlstore"
)

// DefaultBackupKeep is how many scheduled backups the destination keeps by default.
const DefaultBackupKeep = 7

// MinBackupInterval is the shortest interval of scheduled backups.
const MinBackupInterval = time.Minute

func (c *Config) validateBackup() error {
	if c.BackupKeep < 1 || c.BackupKeep > 1000 {
		return fmt.Errorf("setting backup_keep (PUBDATA_BACKUP_KEEP): %d must be 1 to 1000 backups", c.BackupKeep)
	}
	if c.BackupInterval == 0 {
		return nil
	}
	if c.BackupInterval < MinBackupInterval || c.BackupInterval > 31*24*time.Hour {
		return fmt.Errorf("setting backup_interval (PUBDATA_BACKUP_INTERVAL): %s must be 0 (off) or from 1m to 744h", c.BackupInterval)
	}
	if strings.TrimSpace(c.backupDest()) == "" {
		return errors.New("setting backup_to (PUBDATA_BACKUP_TO): required when backup_interval is set (unless blob is an S3 bucket): a folder on another volume or s3://bucket/prefix")
	}
	if err := backup.CheckPassphrase(c.BackupPassphrase); err != nil {
		return fmt.Errorf("setting backup_passphrase_file (PUBDATA_BACKUP_PASSPHRASE, PUBDATA_BACKUP_PASSPHRASE_FILE): %w", err)
	}
	return nil
}

// readSecretFile reads a secret from the first line of a file.
func readSecretFile(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// passphrase is the backup passphrase: --passphrase-file, else the settings'.
func passphrase(file string, cfg *Config) (string, error) {
	p := cfg.BackupPassphrase
	if file != "" {
		var err error
		if p, err = readSecretFile(file); err != nil {
			return "", fmt.Errorf("--passphrase-file: %w", err)
		}
	}
	return p, backup.CheckPassphrase(p)
}

// writeBackup writes a backup of the platform to dest and returns its manifest.
func (a *app) writeBackup(ctx context.Context, dest, pass string) (*backup.Manifest, error) {
	return a.writeBackupWith(ctx, dest, pass, nil)
}

// writeBackupWith is writeBackup; afterDump (tests) runs between the database dump and the
// copy of the data folder, where the servers keep writing.
func (a *app) writeBackupWith(ctx context.Context, dest, pass string, afterDump func(context.Context) error) (*backup.Manifest, error) {
	if err := backup.CheckPassphrase(pass); err != nil {
		return nil, err
	}
	b, err := backup.OpenDest(ctx, dest)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	signer, err := audit.LoadOrCreateSM2(a.cfg.Data, audit.KeyFile)
	if err != nil {
		return nil, err
	}
	probe, err := a.extractProbe(ctx)
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(a.cfg.Data)
	if err != nil {
		return nil, err
	}
	skip := func(string) bool { return false }
	if p := a.cfg.SQLitePath(); p != "" {
		// The database file under another name in the data folder is dumped, not copied.
		if abs, err := filepath.Abs(p); err == nil {
			if rel, err := filepath.Rel(dataDir, abs); err == nil && !strings.HasPrefix(rel, "..") {
				rel = filepath.ToSlash(rel)
				skip = func(r string) bool { return r == rel || r == rel+"-wal" || r == rel+"-shm" || r == rel+"-journal" }
			}
		}
	}
	dsn := a.cfg.DSN()
	extra := a.checkpointLogExtra(dataDir)
	// The checkpoint log kept in the blob store's bucket (checkpoints/) is read after the
	// dump, as a file log is copied after it, into a file taken as the data folder's log.
	var bucketLog audit.Log
	if a.cfg.CheckpointLog == "" && a.blobs.Local() == "" {
		bucketLog = checkpointLog(a.cfg, a.blobs)
		tmp, err := os.MkdirTemp("", "pubdata-backup-log-*")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		extra = map[string]string{audit.LogFile: filepath.Join(tmp, audit.LogFile)}
	}
	dump := func(ctx context.Context, path string) (*backup.DBInfo, error) {
		info, err := sqlstore.Dump(ctx, dsn, path)
		if err == nil && afterDump != nil {
			err = afterDump(ctx)
		}
		if err == nil && bucketLog != nil {
			err = writeLogFile(ctx, bucketLog, extra[audit.LogFile])
		}
		return info, err
	}
	opt := backup.Options{
		DataDir:    dataDir,
		SkipFile:   skip,
		Dump:       dump,
		Passphrase: pass,
		Signer:     signer,
		Probe:      probe,
		Trim:       a.checkpointLogTrim(),
		Extra:      extra,
	}
	// A blob store other than the data folder (an S3 bucket, a folder of its own): the
	// objects the dumped rows name are taken from it.
	if a.blobs.Local() != dataDir {
		opt.Blobs = a.blobs
	}
	return backup.Write(ctx, b, opt)
}

// writeLogFile writes the entries of a checkpoint log as a file log (one JSON entry a line).
func writeLogFile(ctx context.Context, log audit.Log, path string) error {
	entries, err := log.Entries(ctx)
	if err != nil {
		return err
	}
	var buf strings.Builder
	for _, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(buf.String()), 0o600)
}

// checkpointLogExtra takes the checkpoint log of a configured folder (checkpoint_log) into
// the backup as the data folder's checkpoints.log: a restore needs the log that agrees with
// the restored record, and restores it there.
func (a *app) checkpointLogExtra(dataDir string) map[string]string {
	if a.cfg.CheckpointLog == "" {
		return nil
	}
	dir, err := filepath.Abs(a.cfg.CheckpointLog)
	if err != nil || dir == dataDir {
		return nil
	}
	return map[string]string{audit.LogFile: filepath.Join(dir, audit.LogFile)}
}

// checkpointLogTrim trims the checkpoint log (the data folder's, or the configured folder's
// taken as the data folder's: checkpointLogExtra) to the dumped record: the log is copied
// after the dump, and a checkpoint signed in between covers events the dump lacks
// (audit.TrimLog).
func (a *app) checkpointLogTrim() map[string]func([]byte, *backup.DBInfo) ([]byte, string) {
	return map[string]func([]byte, *backup.DBInfo) ([]byte, string){
		audit.LogFile: func(b []byte, db *backup.DBInfo) ([]byte, string) {
			events := db.Tables["audit_events"]
			kept, dropped := audit.TrimLog(b, events)
			if dropped == 0 {
				return kept, ""
			}
			return kept, fmt.Sprintf("%d entries signed after the database dump (beyond its %d events) left out", dropped, events)
		},
	}
}

// extractProbe is an extract signed now with the platform's key, kept in the backup: after
// a restore it must still verify, as every extract issued before the backup must.
func (a *app) extractProbe(ctx context.Context) ([]byte, error) {
	s, err := a.extracts.Sign(ctx, &extract.Document{Entry: "backup-probe", EntryTitle: "backup probe", Columns: []string{}, Rows: [][]any{},
		Requester: extract.Requester{Username: "backup"}, Purpose: "backup check", Time: time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

func backupCommand() *command {
	cmd := &command{
		name:     "backup",
		synopsis: "--to DIR|s3://bucket/prefix [--passphrase-file F] [--keep N] [--data DIR | --db DSN]",
		summary:  "write a consistent backup: database, keys (encrypted), uploaded files",
		help: "Backup writes a backup named pubdata-<UTC time> under the destination, a folder (on another\n" +
			"volume) or an S3-compatible bucket (s3://bucket/prefix?endpoint=…&region=…&use_path_style=true;\n" +
			"credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY). It holds a consistent dump of the\n" +
			"database, taken while servers run (SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc, which must be on\n" +
			"PATH), every key and certificate of the data folder encrypted with the backup passphrase\n" +
			"(Argon2id, SM4-GCM), the uploaded files — from the blob store wherever it is (--blob: an S3\n" +
			"bucket, another folder), every object the database names, with its SM3 — and a manifest of\n" +
			"SHA-256 checksums signed with the platform's SM2 key. The passphrase comes from\n" +
			"--passphrase-file or PUBDATA_BACKUP_PASSPHRASE;\n" +
			"without one nothing is written. With --keep N only the newest N backups are kept there.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var to, passFile string
		var keep int
		fs.StringVar(&to, "to", "", "destination: a `folder` or s3://bucket/prefix (default: the backup_to setting)")
		fs.StringVar(&passFile, "passphrase-file", "", "`file` whose first line is the backup passphrase (else PUBDATA_BACKUP_PASSPHRASE)")
		fs.IntVar(&keep, "keep", 0, "keep only the newest `N` backups at the destination (0: keep all)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		cfg, err := c.loadConfig(cmd, cf)
		if err != nil {
			return err
		}
		if to == "" {
			to = cfg.backupDest()
		}
		if to == "" {
			return usagef("%s: --to is required (see pubdata backup --help)", cmd.name)
		}
		if keep < 0 {
			return usagef("%s: --keep %d must be 0 or more", cmd.name, keep)
		}
		pass, err := passphrase(passFile, cfg)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			m, err := a.writeBackup(ctx, to, pass)
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			fmt.Fprintf(c.stdout, "backup %s written to %s: %d parts, %s, database of %d tables (%s)\n",
				m.Name, backup.Redact(to), len(m.Parts), byteSize(m.Size()), len(m.Tables), m.DBFormat)
			for _, n := range m.Notes {
				fmt.Fprintf(c.stdout, "note: %s\n", n)
			}
			if keep > 0 {
				b, err := backup.OpenDest(ctx, to)
				if err != nil {
					return err
				}
				defer b.Close()
				deleted, err := backup.Prune(ctx, b, keep)
				if err != nil {
					return fmt.Errorf("backup: %w", err)
				}
				for _, d := range deleted {
					fmt.Fprintf(c.stdout, "deleted the older backup %s\n", d)
				}
			}
			return nil
		})
	}
	return cmd
}

// openBackup opens the backup at from: a backup's own folder (with manifest.json) or a
// destination, whose newest complete backup is taken.
func openBackup(ctx context.Context, from string) (*backup.Backup, func(), error) {
	if from == "" {
		return nil, nil, errors.New("no backup given (--from)")
	}
	dest, name := from, ""
	if !backup.IsS3(from) {
		if _, err := os.Stat(filepath.Join(from, backup.ManifestFile)); err == nil {
			dest, name = filepath.Dir(filepath.Clean(from)), filepath.Base(filepath.Clean(from))
		} else if _, err := os.Stat(from); err != nil {
			return nil, nil, fmt.Errorf("backup %s: %w", from, err)
		}
	} else if u, err := url.Parse(from); err == nil {
		// s3://bucket/prefix/pubdata-…: the last element names one backup.
		if base := filepath.Base(strings.TrimSuffix(u.Path, "/")); strings.HasPrefix(base, backup.NamePrefix) {
			name = base
			u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), base)
			dest = u.String()
		}
	}
	b, err := backup.OpenDest(ctx, dest)
	if err != nil {
		return nil, nil, err
	}
	bk, err := backup.Open(ctx, b, name)
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return bk, func() { b.Close() }, nil
}

// restoreReport is what a restore found.
type restoreReport struct {
	Backup      string
	Tables      int
	Differences []string // tables whose row counts differ from the manifest's
	Events      int64
	Checkpoints int
	AuditOK     bool
	AuditFailed string
	Extracts    int // extracts verified (the backup's probe and those given)
	// LogNewest is the size of the newest checkpoint of the restored checkpoint log (-1:
	// the log could not be read); Notes are the backup's (what it trimmed to the dump).
	LogNewest int64
	Notes     []string
	// Blobs is how many objects of the blob store the restored rows name were checked
	// (size and digests); BlobsPut were put into the store, BlobsPresent were there.
	Blobs, BlobsPut, BlobsPresent int
}

// checkBlobs checks that every object refs name is in the store with the size, SHA-256 and
// SM3 the rows give, and returns the differences; an optional object (a failed batch's
// upload) may be gone. n counts the objects checked.
func checkBlobs(ctx context.Context, store *blob.Store, refs []backup.BlobRef, n *int) []string {
	var out []string
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref.Key] {
			continue
		}
		seen[ref.Key] = true
		rd, err := store.Reader(ctx, ref.Key)
		if err != nil {
			if !(ref.Optional && blob.IsNotExist(err)) {
				out = append(out, fmt.Sprintf("blob %s named by %s: %s", ref.Key, ref.From, oneLine(err.Error())))
			}
			continue
		}
		d, err := ref.CheckBlob(rd)
		rd.Close()
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("blob %s named by %s: %s", ref.Key, ref.From, oneLine(err.Error())))
		case d != "":
			out = append(out, fmt.Sprintf("blob %s named by %s: %s", ref.Key, ref.From, d))
		}
		*n++
	}
	return out
}

// moveFolderBlobs moves the data folder's files/ and batches/ (a backup of a platform
// whose blob store was its data folder) into the store, and returns how many it moved.
func moveFolderBlobs(ctx context.Context, dataDir string, store *blob.Store) (int, error) {
	n := 0
	for _, sub := range []string{"files", "batches"} {
		dir := filepath.Join(dataDir, sub)
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return n, err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			key := sub + "/" + e.Name()
			if ok, err := store.Exists(ctx, key); err != nil {
				return n, err
			} else if ok {
				os.Remove(filepath.Join(dir, e.Name()))
				continue
			}
			if err := store.PutFile(ctx, key, filepath.Join(dir, e.Name())); err != nil {
				return n, fmt.Errorf("restore: move %s into the blob store: %w", key, err)
			}
			n++
		}
		os.Remove(dir)
	}
	return n, nil
}

// placeBucketLog puts the restored checkpoint log (<data>/checkpoints.log) into the blob
// store's checkpoints/ (the log of a bucket store without a checkpoint_log folder) when it
// holds none; the cluster's live log is never added to. It says what it did.
func placeBucketLog(ctx context.Context, cfg *Config, blobs *blob.Store) (string, error) {
	src := filepath.Join(cfg.Data, audit.LogFile)
	entries, err := audit.NewFileLog(src).Entries(ctx)
	if err != nil || len(entries) == 0 {
		return "", err
	}
	dst := blobs.Sub("checkpoints")
	there, err := dst.List(ctx, "")
	if err != nil {
		return "", err
	}
	if len(there) > 0 {
		return fmt.Sprintf("the blob store's checkpoints/ (%s) already holds a checkpoint log, left as it is; the backup's is %s: "+
			"the servers verify against the one in the store", dst, src), nil
	}
	// One object an entry, named in the log's order.
	at := time.Now().UTC()
	log := &audit.BucketLog{Bucket: dst.Bucket(), Where: dst.String(), Now: func() time.Time { at = at.Add(time.Microsecond); return at }}
	for _, e := range entries {
		if err := log.Append(ctx, e); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("the backup's checkpoint log is restored to the blob store's checkpoints/ (%s) and %s", dst, src), nil
}

// restoreInto restores the backup into the empty data folder and database of cfg, then
// checks it: every table's row count against the manifest, `audit verify`, and the extracts
// (the probe signed at backup time and those given) against the restored key. An error
// means nothing usable was restored (the folder is emptied again); check the report's
// findings for the rest.
func restoreInto(ctx context.Context, cfg *Config, bk *backup.Backup, pass string, extracts [][]byte, logger *slog.Logger) (*restoreReport, error) {
	m := bk.Manifest
	dsn := cfg.DSN()
	if err := backup.EmptyFolder(cfg.Data); err != nil {
		return nil, err
	}
	if err := sqlstore.Empty(ctx, dsn); err != nil {
		return nil, err
	}
	if (m.Dialect == sqlstore.Postgres) != cfg.IsPostgres() {
		want := "a SQLite data folder (no --db)"
		if m.Dialect == sqlstore.Postgres {
			want = "an empty PostgreSQL database (--db postgres://…)"
		}
		return nil, fmt.Errorf("backup %s is of a %s database: restore it into %s", m.Name, m.Dialect, want)
	}
	// The blob store of the restoring platform: the objects of the backup's blob parts go
	// there (the data folder's files/ and batches/ when it is the data folder).
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer blobs.Close()
	ropt := backup.RestoreOptions{DataDir: cfg.Data, Passphrase: pass, KeyFile: audit.KeyFile}
	dataDir, err := filepath.Abs(cfg.Data)
	if err != nil {
		return nil, err
	}
	elsewhere := blobs.Local() != dataDir
	if elsewhere {
		ropt.Blobs = blobs
	}
	dump, err := bk.Restore(ctx, ropt)
	if err != nil {
		return nil, err
	}
	if err := sqlstore.Load(ctx, dsn, m.DBFormat, dump); err != nil {
		backup.Clear(cfg.Data)
		if elsewhere { // the objects put for it go too: the store is as the restore found it
			if rerr := bk.RemovePutBlobs(context.WithoutCancel(ctx), blobs); rerr != nil {
				logger.Warn("a refused restore could not remove an object it put", "error", rerr)
			}
		}
		return nil, fmt.Errorf("restore the database: %w", err)
	}
	if err := backup.RemoveStaging(cfg.Data); err != nil {
		return nil, err
	}
	r := &restoreReport{Backup: m.Name, BlobsPut: bk.BlobsPut, BlobsPresent: bk.BlobsPresent}
	if elsewhere {
		// A backup of a platform whose store was its data folder holds its files there:
		// they move into this platform's store.
		n, err := moveFolderBlobs(ctx, dataDir, blobs)
		if err != nil {
			return nil, err
		}
		r.BlobsPut += n
	}
	counts, _, err := sqlstore.TableCounts(ctx, dsn)
	if err != nil {
		return nil, err
	}
	r.Tables = len(counts)
	for _, t := range sortedKeys(m.Tables, counts) {
		want, inManifest := m.Tables[t]
		got, restored := counts[t]
		switch {
		case !restored:
			r.Differences = append(r.Differences, fmt.Sprintf("table %s: missing (the backup had %d rows)", t, want))
		case !inManifest:
			r.Differences = append(r.Differences, fmt.Sprintf("table %s: not in the backup's manifest (%d rows)", t, got))
		case got != want:
			r.Differences = append(r.Differences, fmt.Sprintf("table %s: %d rows, the backup had %d", t, got, want))
		}
	}
	// The record is checked against the checkpoint log restored with it, in the data
	// folder; a configured checkpoint_log folder without a log gets a copy of it.
	logNote, err := placeCheckpointLog(cfg)
	if err != nil {
		return r, err
	}
	if cfg.CheckpointLog == "" && blobs.Local() == "" {
		if logNote, err = placeBucketLog(ctx, cfg, blobs); err != nil {
			return r, err
		}
	}
	vcfg := *cfg
	vcfg.CheckpointLog = ""
	a, err := openApp(ctx, &vcfg, logger)
	if err != nil {
		return r, err
	}
	defer a.Close()
	v, err := a.audit.Verify(systemContext(ctx))
	if err != nil {
		return r, fmt.Errorf("audit verify: %w", err)
	}
	r.Events, r.Checkpoints, r.AuditOK = v.Events, v.Checkpoints, v.OK
	if !v.OK {
		r.AuditFailed = fmt.Sprintf("record broken at seq %d: %s", v.FirstBad, v.Problem)
	}
	r.Notes, r.LogNewest = m.Notes, -1
	if logNote != "" {
		r.Notes = append(r.Notes, logNote)
	}
	if entries, err := audit.NewFileLog(filepath.Join(cfg.Data, audit.LogFile)).Entries(ctx); err == nil {
		r.LogNewest = 0
		for _, e := range entries {
			if e.Checkpoint != nil && e.Checkpoint.Size > r.LogNewest {
				r.LogNewest = e.Checkpoint.Size
			}
		}
	}
	// Every object the restored rows name is in the store, with the size and digests the
	// rows give.
	refs, err := sqlstore.BlobRefs(ctx, dsn, counts)
	if err != nil {
		return r, err
	}
	r.Differences = append(r.Differences, checkBlobs(ctx, blobs, refs, &r.Blobs)...)
	if len(m.Probe) > 0 {
		extracts = append([][]byte{m.Probe}, extracts...)
	}
	for i, raw := range extracts {
		if _, err := a.extracts.Verify(ctx, raw); err != nil {
			what := fmt.Sprintf("extract %d given", i+1)
			if len(m.Probe) > 0 {
				what = fmt.Sprintf("extract %d given", i)
				if i == 0 {
					what = "the extract signed at backup time"
				}
			}
			return r, fmt.Errorf("%s does not verify with the restored key: %w", what, err)
		}
		r.Extracts++
	}
	return r, nil
}

// placeCheckpointLog copies the restored checkpoint log (<data>/checkpoints.log) into the
// configured checkpoint_log folder when that folder holds none, so that the servers find
// it; a log already there (the cluster's live one) is never overwritten. It says what it
// did, "" when there is no such folder.
func placeCheckpointLog(cfg *Config) (string, error) {
	if cfg.CheckpointLog == "" {
		return "", nil
	}
	dir, err := filepath.Abs(cfg.CheckpointLog)
	if err != nil {
		return "", err
	}
	if data, err := filepath.Abs(cfg.Data); err == nil && data == dir {
		return "", nil
	}
	src := filepath.Join(cfg.Data, audit.LogFile)
	b, err := os.ReadFile(src)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, audit.LogFile)
	if _, err := os.Stat(dst); err == nil {
		return fmt.Sprintf("checkpoint_log %s already holds a checkpoint log, left as it is; the backup's is %s: "+
			"the servers verify against the one in checkpoint_log", dir, src), nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		return "", err
	}
	return fmt.Sprintf("the backup's checkpoint log is restored to %s (checkpoint_log) and %s", dst, src), nil
}

func sortedKeys(a, b map[string]int64) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]int64{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func restoreCommand() *command {
	cmd := &command{
		name:     "restore",
		synopsis: "--from DIR|s3://bucket/prefix[/pubdata-…] [--passphrase-file F] [--extract FILE]… [--data DIR | --db DSN]",
		summary:  "restore a backup into an empty data folder (and empty database), then check it",
		help: "Restore reads a backup (the newest under --from, or the one --from names), checks the SHA-256\n" +
			"of every part and the manifest's signature, decrypts the keys with the backup passphrase and\n" +
			"writes everything into the data folder, which must be empty or absent; the database goes into\n" +
			"the data folder's SQLite file, or into the PostgreSQL database of --db, which must be empty\n" +
			"(pg_restore must be on PATH); the blob store's objects go into the store of --blob (default\n" +
			"the data folder). It then compares every table's row count with the backup's, checks every\n" +
			"object of the blob store the restored rows name (size, SHA-256, SM3),\n" +
			"runs audit verify, and verifies an extract signed at backup time and every --extract given\n" +
			"with the restored key. It refuses a data folder or database that is not empty.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var from, passFile string
		var extractFiles stringList
		fs.StringVar(&from, "from", "", "the backup: a `folder` or s3://bucket/prefix (the newest there) or one backup's own")
		fs.StringVar(&passFile, "passphrase-file", "", "`file` whose first line is the backup passphrase (else PUBDATA_BACKUP_PASSPHRASE)")
		fs.Var(&extractFiles, "extract", "a signed extract `file` (JSON) issued before the backup, to verify after the restore (repeatable)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"from": from}, "from"); err != nil {
			return err
		}
		cfg, err := c.loadConfig(cmd, cf)
		if err != nil {
			return err
		}
		pass, err := passphrase(passFile, cfg)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		var extracts [][]byte
		for _, f := range extractFiles {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("restore: --extract: %w", err)
			}
			extracts = append(extracts, b)
		}
		bk, done, err := openBackup(ctx, from)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer done()
		r, err := restoreInto(ctx, cfg, bk, pass, extracts, quietLogger(cfg, c.stderr))
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		fmt.Fprintf(c.stdout, "restored backup %s into %s (%s): %d tables, %d parts checked\n", r.Backup, cfg.Data, redactDSN(cfg.DSN()), r.Tables, len(bk.Manifest.Parts))
		return r.result(c.stdout, "restore")
	}
	return cmd
}

// result prints the checks of a restore and returns an error if one failed.
func (r *restoreReport) result(w io.Writer, what string) error {
	for _, d := range r.Differences {
		fmt.Fprintf(w, "difference: %s\n", d)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if r.AuditOK {
		fmt.Fprintf(w, "audit record intact: %d events, %d signed checkpoints verified\n", r.Events, r.Checkpoints)
		if r.LogNewest >= 0 {
			fmt.Fprintf(w, "checkpoint log agrees with the record: newest checkpoint at %d of %d events (%d after it, covered by the sealed head)\n",
				r.LogNewest, r.Events, r.Events-r.LogNewest)
		}
	}
	if r.BlobsPut+r.BlobsPresent > 0 {
		fmt.Fprintf(w, "blob store: %d objects put, %d already there\n", r.BlobsPut, r.BlobsPresent)
	}
	fmt.Fprintf(w, "objects of the blob store the records name checked (size, SHA-256, SM3): %d\n", r.Blobs)
	fmt.Fprintf(w, "extracts verified with the restored key: %d\n", r.Extracts)
	switch {
	case !r.AuditOK:
		return fmt.Errorf("%s: audit verify: %s", what, r.AuditFailed)
	case len(r.Differences) > 0:
		return fmt.Errorf("%s: %d tables differ from the backup's manifest", what, len(r.Differences))
	}
	return nil
}

func backupVerifyCommand() *command {
	cmd := &command{
		name:     "backup verify",
		synopsis: "--from DIR|s3://bucket/prefix[/pubdata-…] [--passphrase-file F] [--data DIR | --db DSN]",
		summary:  "restore a backup into a scratch place and check it",
		help: "Backup verify reads every part of the backup and compares its size and SHA-256 with the\n" +
			"manifest, then restores it into a scratch place — a temporary folder, and for a PostgreSQL\n" +
			"backup a temporary database created on the server of --db (the role needs CREATEDB) and\n" +
			"dropped afterwards — compares every table's row count with the manifest's, runs audit verify\n" +
			"and verifies the extract signed at backup time. It prints every difference and exits 1 if any.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var from, passFile string
		fs.StringVar(&from, "from", "", "the backup: a `folder` or s3://bucket/prefix (the newest there) or one backup's own")
		fs.StringVar(&passFile, "passphrase-file", "", "`file` whose first line is the backup passphrase (else PUBDATA_BACKUP_PASSPHRASE)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"from": from}, "from"); err != nil {
			return err
		}
		cfg, err := c.loadConfig(cmd, cf)
		if err != nil {
			return err
		}
		pass, err := passphrase(passFile, cfg)
		if err != nil {
			return fmt.Errorf("backup verify: %w", err)
		}
		bk, done, err := openBackup(ctx, from)
		if err != nil {
			return fmt.Errorf("backup verify: %w", err)
		}
		defer done()
		problems, err := bk.Check(ctx)
		if err != nil {
			return fmt.Errorf("backup verify: %w", err)
		}
		for _, p := range problems {
			fmt.Fprintf(c.stdout, "difference: part %s\n", p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("backup verify: %d parts of backup %s differ from its manifest", len(problems), bk.Manifest.Name)
		}
		fmt.Fprintf(c.stdout, "backup %s: %d parts match their checksums (%s); signed: %v\n", bk.Manifest.Name, len(bk.Manifest.Parts), byteSize(bk.Manifest.Size()), bk.Signed())
		scratch, cleanup, err := scratchConfig(ctx, cfg, bk.Manifest.Dialect)
		if err != nil {
			return fmt.Errorf("backup verify: %w", err)
		}
		defer cleanup()
		r, err := restoreInto(ctx, scratch, bk, pass, nil, quietLogger(cfg, c.stderr))
		if err != nil {
			return fmt.Errorf("backup verify: %w", err)
		}
		fmt.Fprintf(c.stdout, "restored into a scratch place: %d tables\n", r.Tables)
		return r.result(c.stdout, "backup verify")
	}
	return cmd
}

// scratchConfig returns the settings of a scratch place to restore a backup of the given
// dialect into, and a function that removes it: a temporary data folder, and for PostgreSQL
// a temporary database on the server of cfg.
func scratchConfig(ctx context.Context, cfg *Config, dialect string) (*Config, func(), error) {
	dir, err := os.MkdirTemp("", "pubdata-verify-*")
	if err != nil {
		return nil, nil, err
	}
	s := *cfg
	// The scratch place's blob store is its data folder, never the live store.
	s.Data, s.DB, s.Blob = filepath.Join(dir, "data"), "", ""
	s.BackupInterval = 0
	if dialect != sqlstore.Postgres {
		return &s, func() { os.RemoveAll(dir) }, nil
	}
	if !cfg.IsPostgres() {
		os.RemoveAll(dir)
		return nil, nil, errors.New("a PostgreSQL backup is verified in a scratch database: give --db postgres://… of a server where this role may create databases")
	}
	u, err := url.Parse(cfg.DSN())
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	admin, err := sql.Open("pgx", cfg.DSN())
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "pubdata_verify_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("create the scratch database: %w", err)
	}
	u.Path = "/" + name
	s.DB = u.String()
	return &s, func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		admin.ExecContext(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
		os.RemoveAll(dir)
	}, nil
}

// quietLogger logs warnings and errors only, as the commands other than serve do.
func quietLogger(cfg *Config, w io.Writer) *slog.Logger {
	l := *cfg
	l.LogLevel = "warn"
	return l.NewLogger(w)
}

// byteSize writes a size in bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
