package web

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/fingerprint"
)

// MaxTraceBytes bounds a leaked copy sent to be traced (a fifth of a large table is enough).
const MaxTraceBytes = 32 << 20

// TraceCandidate is a recipient of fingerprinted copies of an entry with its score against a
// leaked copy: the body (or person), its grants and how often it downloaded.
type TraceCandidate struct {
	Recipient string   `json:"recipient"`
	Org       string   `json:"org,omitempty"`
	OrgName   string   `json:"org_name,omitempty"`
	Username  string   `json:"username,omitempty"`
	Grants    []string `json:"grants"`
	Reads     int64    `json:"reads"`
	Marks     int      `json:"marks"`
	Matches   int      `json:"matches"`
	P         float64  `json:"p"`
	Adjusted  float64  `json:"p_adjusted"`
}

// TraceReport is the outcome of tracing a leaked copy of an entry: the recipient named
// (Accused, nil when the evidence is below the threshold) and every candidate, best first.
type TraceReport struct {
	Entry      string           `json:"entry"`
	Title      string           `json:"title"`
	Rows       int              `json:"rows"`
	Columns    []string         `json:"columns"`
	Threshold  float64          `json:"threshold"`
	Accused    *TraceCandidate  `json:"accused"`
	Candidates []TraceCandidate `json:"candidates"`
}

// ReadTraceFile reads a leaked copy from a request: the "file" part of a multipart form,
// else the body; at most MaxTraceBytes.
func ReadTraceFile(r *http.Request) ([]byte, error) {
	var body io.Reader = r.Body
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, pubdata.Errorf(pubdata.EINVALID, "The multipart body could not be read: %v.", err).Keyed("error.upload.multipart_body", "Error", err)
		}
		for body == r.Body {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil, pubdata.FieldErrorf("file", "The multipart body has no \"file\" field.").Keyed("error.upload.no_file_field")
			} else if err != nil {
				return nil, NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The multipart body could not be read: %v.", err).Keyed("error.upload.multipart_body", "Error", err))
			}
			if part.FormName() == "file" {
				body = part
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(body, MaxTraceBytes+1))
	if err != nil {
		return nil, NormalizeError(err)
	}
	if len(b) > MaxTraceBytes {
		return nil, pubdata.FieldErrorf("file", "The file is larger than %d MiB: send part of it.", MaxTraceBytes>>20).Keyed("error.fingerprint.too_large", "MiB", MaxTraceBytes>>20)
	}
	if len(b) == 0 {
		return nil, pubdata.FieldErrorf("file", "The file is not CSV, XLSX, JSON or NDJSON.").Keyed("error.fingerprint.file")
	}
	return b, nil
}

// TraceEntry finds the published entry id for a trace by the caller: ENOTFOUND when the
// caller may not see it, EFORBIDDEN when the caller may not trace it.
func (s *Server) TraceEntry(ctx context.Context, id string) (*pubdata.Entry, error) {
	e, err := s.Entries.FindPublishedEntry(ctx, id)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, NotFoundEntry(id)
	} else if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanViewPublished(a, e) {
		return nil, NotFoundEntry(id)
	}
	if !pubdata.CanTraceLeak(a, e) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins and reviewers trace leaked copies.").Keyed("error.fingerprint.trace_forbidden")
	}
	return e, nil
}

// TraceLeak traces a leaked copy of e (access.Reader.Trace) and names the candidates.
func (s *Server) TraceLeak(ctx context.Context, e *pubdata.Entry, file []byte) (*TraceReport, error) {
	t, err := s.Reader().Trace(ctx, e, file, 0)
	if err != nil {
		return nil, err
	}
	rep := &TraceReport{Entry: e.ID, Title: e.Title, Rows: t.Result.Rows, Columns: t.Result.Columns, Threshold: t.Result.Threshold}
	for _, sc := range t.Result.Scores {
		c := TraceCandidate{Recipient: sc.Recipient, Marks: sc.Marks, Matches: sc.Matches, P: sc.P, Adjusted: sc.Adjusted, Grants: []string{}}
		for _, rc := range t.Recipients {
			if rc.Recipient != sc.Recipient {
				continue
			}
			c.Org, c.Username = rc.Org, rc.Username
			c.Reads += rc.Reads
			if rc.Grant != "" {
				c.Grants = append(c.Grants, rc.Grant)
			}
		}
		if c.Org != "" {
			if o, err := s.Orgs.FindOrgByCode(ctx, c.Org); err == nil {
				c.OrgName = o.Name
			}
		}
		rep.Candidates = append(rep.Candidates, c)
	}
	if t.Result.Accused != "" && len(rep.Candidates) > 0 {
		rep.Accused = &rep.Candidates[0]
	}
	return rep, nil
}

// TraceThreshold is the default threshold, for the pages' explanation.
const TraceThreshold = fingerprint.DefaultThreshold
