package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/pubdata/pubdata"
)

// Entry is one line of a checkpoint log: a checkpoint the platform signed, or a witness's
// cosignature of one.
type Entry struct {
	Checkpoint  *pubdata.Checkpoint  `json:"checkpoint,omitempty"`
	Cosignature *pubdata.Cosignature `json:"cosignature,omitempty"`
}

// Log is an append-only checkpoint log kept outside the database, where the database's
// writers cannot reach: a file in the data folder or a configured folder (FileLog); an
// object-store bucket can implement it too.
type Log interface {
	// Append adds the entry durably (on disk, or acknowledged by the store) before returning.
	Append(ctx context.Context, e Entry) error
	// Entries reads the whole log in order. A line that does not parse is a *LineError.
	Entries(ctx context.Context) ([]Entry, error)
	// String says where the log is, for messages.
	String() string
}

// LineError is a line of a log that is not a well-formed entry.
type LineError struct {
	Where string
	Line  int
	Err   error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s line %d: %v", e.Where, e.Line, e.Err)
}

// LogFile is the name of the checkpoint log in the data folder or the configured folder.
const LogFile = "checkpoints.log"

// FileLog is a checkpoint log in a file: one JSON entry a line, each appended with O_APPEND
// in one write and synced to disk before Append returns.
type FileLog struct {
	path string
	mu   sync.Mutex
}

// NewFileLog returns the log in the file path (created at the first Append, mode 0600).
func NewFileLog(path string) *FileLog { return &FileLog{path: path} }

// String implements Log.
func (l *FileLog) String() string { return l.path }

// Append implements Log.
func (l *FileLog) Append(_ context.Context, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, statErr := os.Stat(l.path)
	created := errors.Is(statErr, fs.ErrNotExist)
	if created {
		if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
			return fmt.Errorf("checkpoint log: %w", err)
		}
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("checkpoint log: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint log %s: %w", l.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint log %s: %w", l.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint log %s: %w", l.path, err)
	}
	if created { // the new file's name must survive a crash too
		if d, err := os.Open(filepath.Dir(l.path)); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// Entries implements Log: a log that does not exist yet is empty.
func (l *FileLog) Entries(_ context.Context) ([]Entry, error) {
	b, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("checkpoint log: %w", err)
	}
	return ParseEntries(l.path, b)
}

// ParseEntries parses the lines of a log read from where.
func ParseEntries(where string, b []byte) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Entry
		d := json.NewDecoder(bytes.NewReader(line))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return out, &LineError{Where: where, Line: n, Err: err}
		}
		if (e.Checkpoint == nil) == (e.Cosignature == nil) {
			return out, &LineError{Where: where, Line: n, Err: errors.New("neither a checkpoint nor a cosignature")}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return out, &LineError{Where: where, Line: n + 1, Err: err}
	}
	return out, nil
}

// CosignatureBody is the text a witness signs: the platform's key id and the checkpoint's
// size and root, and the time it cosigned.
func CosignatureBody(originKeyID string, size int64, root, t string) []byte {
	return []byte("pubdata-audit-cosignature/v1\n" + originKeyID + "\n" + strconv.FormatInt(size, 10) + "\n" + root + "\n" + t + "\n")
}

// VerifyCheckpoint checks a checkpoint's signature against the trusted public key pub, and
// that it names that key.
func VerifyCheckpoint(pub string, c *pubdata.Checkpoint) error {
	if c.PublicKey != pub || c.KeyID != KeyID(pub) {
		return errors.New("signed by another key")
	}
	return VerifySignature(pub, c.Size, c.Root, c.Time, c.Signature)
}

// TrimLog keeps the lines of a checkpoint log (its bytes, as FileLog writes them) that a
// record of size events can hold: checkpoints and cosignatures of at most size events. A
// backup takes it after dumping the database, whose record has size events: a checkpoint
// signed between the dump and the copy covers events the dump lacks, and is left out so
// that the restored log and record agree (every checkpoint of the dump was appended to the
// log before it reached the database, so none is lost). Lines that do not parse are kept,
// for audit verify to report. It returns the kept bytes and how many lines it left out.
func TrimLog(b []byte, size int64) ([]byte, int) {
	var out bytes.Buffer
	dropped := 0
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		var e Entry
		if err := json.Unmarshal(bytes.TrimSpace(line), &e); err == nil {
			if (e.Checkpoint != nil && e.Checkpoint.Size > size) || (e.Cosignature != nil && e.Cosignature.Size > size) {
				dropped++
				continue
			}
		}
		out.Write(line)
	}
	return out.Bytes(), dropped
}
