// Package federation is how one pubdata platform talks to another (issue 17 items 1–4):
// requests signed with the sender's SM2 key and answered with a signature of the
// receiver's, both checked against the certificates the platforms exchanged when they
// registered, with a timestamp and a nonce against replay; and the periodic sync of a peer
// (Syncer): its catalogue, the entries that flow back from it, and the answers to the
// applications made to it. It drives the domain's services and imports no adapter.
package federation

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/pki"
)

// Signer gives this platform's signing certificate and key (the keyring's active one).
type Signer func(ctx context.Context) (*pki.Issued, error)

// Client sends signed requests to peers and checks their signed answers.
type Client struct {
	Sign Signer
	HTTP *http.Client // nil: a client with a 60-second timeout
	Now  func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// Nonce returns 128 random bits in hex.
func Nonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// ResponseMessage is what a platform signs of its answer to a signed request: the request's
// nonce binds the answer to it.
func ResponseMessage(status int, nonce, bodyHash string) []byte {
	return []byte(fmt.Sprintf("pubdata-federation/v1 response\n%d\n%s\n%s", status, nonce, bodyHash))
}

// Identity fetches a platform's public identity (unsigned: its certificate is what the
// admins compare, by fingerprint, when they register each other).
func (c *Client) Identity(ctx context.Context, baseURL string) (*pubdata.PlatformIdentity, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/api/v1/federation/identity", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("identity of %s: HTTP %d", baseURL, resp.StatusCode)
	}
	var id pubdata.PlatformIdentity
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&id); err != nil {
		return nil, fmt.Errorf("identity of %s: %w", baseURL, err)
	}
	return &id, nil
}

// Response is a peer's answer whose body is read as it comes; Close checks the peer's
// signature of the whole body (an HTTP trailer) and must be called.
type Response struct {
	Status int
	Body   io.Reader
	resp   *http.Response
	cert   *smx509.Certificate
	nonce  string
	h      hash.Hash
}

// Verify reads what is left of the body and checks the answer's signature.
func (r *Response) Verify() error {
	defer r.resp.Body.Close()
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return err
	}
	sig := r.resp.Trailer.Get(pubdata.HeaderPeerSignature)
	if sig == "" {
		sig = r.resp.Header.Get(pubdata.HeaderPeerSignature)
	}
	if sig == "" {
		return errors.New("the peer's answer is not signed")
	}
	if err := pki.VerifyMessage(r.cert, ResponseMessage(r.Status, r.nonce, hex.EncodeToString(r.h.Sum(nil))), sig); err != nil {
		return errors.New("the peer's answer does not verify against its registered certificate")
	}
	return nil
}

// Close releases the answer without checking it.
func (r *Response) Close() { r.resp.Body.Close() }

// Do sends a signed request to the peer (its URL, its registered certificate) for user (nil:
// the platform itself) and returns the answer, whose body the caller reads, then Verify.
func (c *Client) Do(ctx context.Context, peer *pubdata.Peer, method, pathQuery string, body []byte, user *pubdata.RemoteIdentity) (*Response, error) {
	return c.DoFor(ctx, peer, method, pathQuery, body, user, "", "")
}

// DoFor is Do naming the grant and the purpose of a forwarded read (X-Grant, X-Purpose).
func (c *Client) DoFor(ctx context.Context, peer *pubdata.Peer, method, pathQuery string, body []byte, user *pubdata.RemoteIdentity, grant, purpose string) (*Response, error) {
	me, err := c.Sign(ctx)
	if err != nil {
		return nil, err
	}
	certs, err := pki.ParseCertsPEM([]byte(peer.Certificate))
	if err != nil {
		return nil, err
	}
	userText := ""
	if user != nil {
		b, err := json.Marshal(user)
		if err != nil {
			return nil, err
		}
		userText = string(b)
	}
	at, nonce := c.now().UTC().Format(time.RFC3339), Nonce()
	msg := pubdata.FederationMessage(method, pathQuery, at, nonce, peer.Fingerprint, pki.BodyHash(body), userText, grant, purpose)
	sig, err := pki.SignMessage(me.Key, msg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(peer.URL, "/")+pathQuery, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(pubdata.HeaderPeerKey, pki.Fingerprint(me.Cert))
	req.Header.Set(pubdata.HeaderPeerTime, at)
	req.Header.Set(pubdata.HeaderPeerNonce, nonce)
	req.Header.Set(pubdata.HeaderPeerSignature, sig)
	if userText != "" {
		req.Header.Set(pubdata.HeaderPeerUser, userText)
	}
	if grant != "" {
		req.Header.Set("X-Grant", grant)
	}
	if purpose != "" {
		req.Header.Set("X-Purpose", purpose)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, err
	}
	h := sm3.New()
	return &Response{Status: resp.StatusCode, Body: io.TeeReader(resp.Body, h), resp: resp, cert: certs[0], nonce: nonce, h: h}, nil
}

// PeerError is a peer's refusal or failure: its status and what it said.
type PeerError struct {
	Status  int
	Code    string
	Message string
}

func (e *PeerError) Error() string {
	return fmt.Sprintf("peer answered %d: %s", e.Status, e.Message)
}

// JSON sends a signed request with in as its JSON body (nil: none) and decodes the verified
// answer into out (nil: ignored). A non-2xx answer is a *PeerError.
func (c *Client) JSON(ctx context.Context, peer *pubdata.Peer, method, pathQuery string, in, out any, user *pubdata.RemoteIdentity) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	resp, err := c.Do(ctx, peer, method, pathQuery, body, user)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		resp.Close()
		return err
	}
	if err := resp.Verify(); err != nil {
		return err
	}
	if resp.Status < 200 || resp.Status > 299 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		json.Unmarshal(data, &e)
		if e.Error.Message == "" {
			e.Error.Message = strings.TrimSpace(string(data))
		}
		return &PeerError{Status: resp.Status, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
