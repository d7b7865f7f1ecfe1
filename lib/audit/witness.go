package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pubdata/pubdata"
)

// Witness is another platform that cosigns this platform's checkpoints and keeps a copy of
// them (the transparency-dev witness model: a province witnesses its cities).
type Witness interface {
	Name() string
	KeyID() string
	// Cosign asks the witness to cosign; a *WitnessConflict says which size it last cosigned.
	Cosign(ctx context.Context, req *pubdata.WitnessRequest) (*pubdata.Cosignature, error)
	// Copy reads the witness's copy of the checkpoints of the platform originKeyID.
	Copy(ctx context.Context, originKeyID string) ([]*pubdata.Checkpoint, error)
}

// WitnessConflict is a witness's refusal of a request made from another size than the last
// it cosigned: Size is that size.
type WitnessConflict struct {
	Size    int64  `json:"witness_size"`
	Message string `json:"message"`
}

func (e *WitnessConflict) Error() string {
	return fmt.Sprintf("the witness last cosigned size %d: %s", e.Size, e.Message)
}

// HTTPWitness is a witness reached over HTTP: another pubdata at URL, whose cosignatures
// must verify with PublicKey (base64 PKIX DER).
type HTTPWitness struct {
	WitnessName string
	URL         string // base URL, e.g. https://data.fujian.gov.cn
	PublicKey   string
	Client      *http.Client // nil: a client with a 10 s timeout
}

// Name implements Witness.
func (w *HTTPWitness) Name() string { return w.WitnessName }

// KeyID implements Witness.
func (w *HTTPWitness) KeyID() string { return KeyID(w.PublicKey) }

func (w *HTTPWitness) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Cosign implements Witness: it checks the cosignature against the configured key.
func (w *HTTPWitness) Cosign(ctx context.Context, req *pubdata.WitnessRequest) (*pubdata.Cosignature, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(w.URL, "/")+"/api/v1/audit/witness", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := w.client().Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusConflict {
		var c WitnessConflict
		if json.Unmarshal(b, &c) == nil && strings.Contains(string(b), "witness_size") {
			return nil, &c
		}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %s", w.URL, resp.Status, strings.TrimSpace(string(b)))
	}
	var cs pubdata.Cosignature
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("%s: %w", w.URL, err)
	}
	cp := req.Checkpoint
	if cs.PublicKey != w.PublicKey || cs.KeyID != w.KeyID() || cs.Size != cp.Size || cs.Root != cp.Root {
		return nil, fmt.Errorf("%s answered a cosignature of another key or checkpoint", w.URL)
	}
	if err := VerifyBody(w.PublicKey, CosignatureBody(cp.KeyID, cs.Size, cs.Root, cs.Time), cs.Signature); err != nil {
		return nil, fmt.Errorf("%s: cosignature: %w", w.URL, err)
	}
	cs.Witness = w.WitnessName
	return &cs, nil
}

// Copy implements Witness: it pages through GET /api/v1/audit/witness/{key_id}/checkpoints.
func (w *HTTPWitness) Copy(ctx context.Context, originKeyID string) ([]*pubdata.Checkpoint, error) {
	var out []*pubdata.Checkpoint
	cursor := ""
	for page := 0; page < 100000; page++ {
		u := strings.TrimSuffix(w.URL, "/") + "/api/v1/audit/witness/" + url.PathEscape(originKeyID) + "/checkpoints?limit=1000"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := w.client().Do(r)
		if err != nil {
			return nil, err
		}
		var reply struct {
			Items []*pubdata.Checkpoint `json:"items"`
			Next  string                `json:"next"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&reply)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s answered %s", u, resp.Status)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", u, err)
		}
		out = append(out, reply.Items...)
		if reply.Next == "" {
			return out, nil
		}
		cursor = reply.Next
	}
	return nil, errors.New("too many pages")
}

// Origin is a platform this one witnesses.
type Origin struct {
	Name      string
	PublicKey string
}

// Keeper is this platform acting as a witness (pubdata.WitnessService): it cosigns the
// checkpoints of the configured origins, each only if consistent with the last one it
// cosigned for that origin, and keeps its copy in a log file per origin in Dir (outside
// the database: the origin's checkpoints are no business of this platform's database).
type Keeper struct {
	Dir     string
	Signer  Signer
	Origins map[string]Origin // by key id
	Now     func() time.Time
	mu      sync.Mutex
}

var _ pubdata.WitnessService = (*Keeper)(nil)

var keyIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (k *Keeper) log(keyID string) *FileLog {
	return NewFileLog(filepath.Join(k.Dir, keyID+".log"))
}

// last returns the newest checkpoint kept for the origin, nil if none.
func (k *Keeper) kept(ctx context.Context, keyID string) ([]*pubdata.Checkpoint, error) {
	es, err := k.log(keyID).Entries(ctx)
	if err != nil {
		return nil, err
	}
	var out []*pubdata.Checkpoint
	for _, e := range es {
		if e.Checkpoint != nil {
			out = append(out, e.Checkpoint)
		}
	}
	return out, nil
}

// Cosign implements pubdata.WitnessService.
func (k *Keeper) Cosign(ctx context.Context, req *pubdata.WitnessRequest) (*pubdata.Cosignature, error) {
	cp := req.Checkpoint
	if cp == nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The request has no checkpoint.").Keyed("error.witness.no_checkpoint")
	}
	o, ok := k.Origins[cp.KeyID]
	if !ok || !keyIDPattern.MatchString(cp.KeyID) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "This platform does not witness the key %q.", cp.KeyID).Keyed("error.witness.unknown", "Key", cp.KeyID)
	}
	if err := VerifyCheckpoint(o.PublicKey, cp); err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The checkpoint's signature does not verify: %v.", err).Keyed("error.witness.signature")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	kept, err := k.kept(ctx, cp.KeyID)
	if err != nil {
		return nil, err
	}
	var last *pubdata.Checkpoint
	for _, c := range kept {
		if last == nil || c.Size > last.Size {
			last = c
		}
	}
	if last != nil {
		switch {
		case cp.Size < last.Size:
			return nil, &WitnessConflict{Size: last.Size, Message: fmt.Sprintf("older than the checkpoint at size %d already cosigned", last.Size)}
		case cp.Size == last.Size && cp.Root != last.Root:
			return nil, pubdata.Errorf(pubdata.EINVALID, "Fork: a checkpoint at size %d with another root was already cosigned.", cp.Size).Keyed("error.witness.fork", "Size", cp.Size)
		case cp.Size > last.Size:
			if req.OldSize != last.Size {
				return nil, &WitnessConflict{Size: last.Size, Message: fmt.Sprintf("prove consistency from size %d", last.Size)}
			}
			if err := VerifyConsistency(last.Size, cp.Size, req.Consistency, last.Root, cp.Root); err != nil {
				return nil, pubdata.Errorf(pubdata.EINVALID, "The checkpoint at size %d is not consistent with the one at size %d already cosigned: %v.", cp.Size, last.Size, err).
					Keyed("error.witness.inconsistent", "Size", cp.Size, "Old", last.Size)
			}
		}
	}
	now := time.Now
	if k.Now != nil {
		now = k.Now
	}
	ts := now().UTC().Format(TimeFormat)
	sig, err := k.Signer.SignBody(CosignatureBody(cp.KeyID, cp.Size, cp.Root, ts))
	if err != nil {
		return nil, err
	}
	cs := &pubdata.Cosignature{Size: cp.Size, Root: cp.Root, Witness: o.Name, KeyID: k.Signer.KeyID(), PublicKey: k.Signer.PublicKey(), Time: ts, Signature: sig}
	if last == nil || cp.Size > last.Size {
		keep := *cp
		keep.Cosignatures = nil
		if err := os.MkdirAll(k.Dir, 0o700); err != nil {
			return nil, err
		}
		if err := k.log(cp.KeyID).Append(ctx, Entry{Checkpoint: &keep}); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// Witnessed implements pubdata.WitnessService.
func (k *Keeper) Witnessed(ctx context.Context, keyID string, after int64, limit int) ([]*pubdata.Checkpoint, bool, error) {
	if _, ok := k.Origins[keyID]; !ok || !keyIDPattern.MatchString(keyID) {
		return nil, false, pubdata.Errorf(pubdata.ENOTFOUND, "This platform does not witness the key %q.", keyID).Keyed("error.witness.unknown", "Key", keyID)
	}
	kept, err := k.kept(ctx, keyID)
	if err != nil {
		return nil, false, err
	}
	var out []*pubdata.Checkpoint
	for _, c := range kept {
		if c.Size > after {
			if len(out) == limit {
				return out, true, nil
			}
			out = append(out, c)
		}
	}
	return out, false, nil
}

// FormatSize is strconv.FormatInt for cursors.
func FormatSize(n int64) string { return strconv.FormatInt(n, 10) }
