package api

import (
	"context"
	"errors"
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

func (s *Server) ApiEndpointGet(w http.ResponseWriter, r *http.Request) error {
	if s.Endpoints == nil {
		return web.ErrNoEndpoints
	}
	a, e, err := s.entryForChange(r)
	if err != nil {
		return err
	}
	if !pubdata.CanViewEndpoint(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider %s and the authority for division %s see this entry's service interface.", e.Org, e.Division).
			Keyed("error.endpoint.see_forbidden", "Org", e.Org, "Division", e.Division)
	}
	ep, err := s.Endpoints.FindEndpoint(r.Context(), e.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewEndpointView(ep))
	return nil
}

func (s *Server) ApiEndpointPut(w http.ResponseWriter, r *http.Request) error {
	if s.Endpoints == nil {
		return web.ErrNoEndpoints
	}
	a, e, err := s.entryForChange(r)
	if err != nil {
		return err
	}
	if !pubdata.CanSetEndpoint(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of %s may register this entry's service interface.", e.Org).
			Keyed("error.endpoint.register_forbidden_named", "Org", e.Org)
	}
	var c pubdata.EndpointChange
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	ep, err := s.Endpoints.SetEndpoint(r.Context(), e.ID, &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewEndpointView(ep))
	return nil
}

func (s *Server) ApiEndpointConfirm(w http.ResponseWriter, r *http.Request) error {
	if s.Endpoints == nil {
		return web.ErrNoEndpoints
	}
	a, e, err := s.entryForChange(r)
	if err != nil {
		return err
	}
	if !pubdata.CanConfirmEndpoint(a, e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator or reviewer of the authority for division %s may confirm this entry's service interface.", e.Division).
			Keyed("error.endpoint.confirm_forbidden_entry", "Division", e.Division)
	}
	ep, err := s.Endpoints.ConfirmEndpoint(r.Context(), e.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewEndpointView(ep))
	return nil
}

// serviceClient forwards calls: it never follows a redirect (which could carry the
// credential to another host); the reply's status is passed on instead.
var serviceClient = &http.Client{
	Transport:     http.DefaultTransport.(*http.Transport).Clone(),
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// droppedRequestHeaders are the caller's headers never forwarded: its credentials, what
// proxies and the transport set, and anything claiming to describe the client.
var droppedRequestHeaders = []string{"Authorization", "Cookie", "Proxy-Authorization", "Forwarded", "X-Real-Ip",
	"X-Client-Ip", "True-Client-Ip", "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade", "Accept-Encoding", "X-Request-Id"}

// passedReplyHeaders are the provider's reply headers passed on; all others (Set-Cookie,
// Location, Server …) are dropped.
var passedReplyHeaders = []string{"Content-Type", "Content-Disposition", "Content-Language", "Etag", "Last-Modified", "Retry-After"}

// forwardHeaders returns the headers of the forwarded request: the caller's, minus
// droppedRequestHeaders, X-Forwarded-* and those named in Connection, plus the request id
// and the provider's credential.
func forwardHeaders(in http.Header, requestID string, ep *pubdata.ServiceEndpoint) http.Header {
	out := in.Clone()
	for _, f := range in.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, h := range droppedRequestHeaders {
		out.Del(h)
	}
	for name := range out {
		if strings.HasPrefix(strings.ToLower(name), "x-forwarded-") {
			delete(out, name)
		}
	}
	if requestID != "" {
		out.Set("X-Request-Id", requestID)
	}
	if ep.CredentialHeader != "" {
		out.Del(ep.CredentialHeader)
		out.Set(ep.CredentialHeader, ep.Secret)
	}
	return out
}

// callPath returns the escaped path below /api/v1/entries/{id}/call/ and its unescaped
// form; EINVALID for a dot segment, which could climb above the endpoint's URL.
func callPath(r *http.Request) (escaped, plain string, err error) {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/api/v1/entries/")
	_, rest, _ = strings.Cut(rest, "/") // the entry id
	escaped = strings.TrimPrefix(rest, "call/")
	plain, err = url.PathUnescape(escaped)
	if err != nil {
		return "", "", pubdata.Errorf(pubdata.EINVALID, "The call's path is not validly escaped.").Keyed("error.endpoint.path_escape")
	}
	for _, seg := range strings.Split(plain, "/") {
		if seg == "." || seg == ".." {
			return "", "", pubdata.Errorf(pubdata.EINVALID, "The call's path must not hold . or .. segments.").Keyed("error.endpoint.path_dots")
		}
	}
	return escaped, plain, nil
}

// callTarget joins the endpoint's URL, the call's path and the caller's query.
func callTarget(base string, escaped, plain, query string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.RawPath = strings.TrimSuffix(u.EscapedPath(), "/") + "/" + escaped
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + plain
	u.RawQuery = query
	return u.String(), nil
}

// gatewayError writes the JSON error of a call that got no usable reply.
func gatewayError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	if st := web.StateFrom(r.Context()); st != nil {
		st.ErrCode = code
	}
	web.WriteJSON(w, status, web.ErrorBody{Error: web.ErrorDetail{Code: code, Message: message}})
}

func (s *Server) ApiServiceCall(w http.ResponseWriter, r *http.Request) error {
	if s.Endpoints == nil {
		return web.ErrNoEndpoints
	}
	id := r.PathValue("id")
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return web.NotFoundEntry(id)
	} else if err != nil {
		return err
	}
	if ok, err := s.Reader().Visible(r.Context(), e); err != nil {
		return err
	} else if !ok {
		return web.NotFoundEntry(id)
	}
	if e.Format != pubdata.FormatService {
		return pubdata.Errorf(pubdata.EINVALID, "Entry %q is not a service interface (its format is %s); only service entries can be called.", id, e.Format).
			Keyed("error.endpoint.not_service_call", "Entry", id, "Format", e.Format)
	}
	rd, err := s.OpenRead(r, e)
	if err != nil {
		return err
	}
	if !rd.Allowed() {
		return rd.Refused(r.Context(), access.KindCall, true)
	}
	r = r.WithContext(rd.Context(r.Context()))
	ep, err := s.Endpoints.FindEndpoint(r.Context(), e.ID)
	if web.ErrorIs(err, pubdata.ENOTFOUND) || err == nil && ep.Status != pubdata.EndpointConfirmed {
		return pubdata.Errorf(pubdata.ECONFLICT, "The service interface of entry %q is not available: its endpoint is not yet confirmed by the authority.", id).
			Keyed("error.endpoint.unconfirmed", "Entry", id)
	} else if err != nil {
		return err
	}
	if !ep.Allows(r.Method) {
		w.Header().Set("Allow", strings.Join(ep.Methods, ", "))
		return web.ErrMethodNotAllowed
	}
	escaped, plain, err := callPath(r)
	if err != nil {
		return err
	}
	target, err := callTarget(ep.BaseURL, escaped, plain, r.URL.RawQuery)
	if err != nil {
		return web.Internalf("service endpoint of %s: %w", e.ID, err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), ep.Timeout())
	defer cancel()
	var body io.Reader
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		body = r.Body
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, target, body)
	if err != nil {
		return web.Internalf("service call request: %w", err)
	}
	out.ContentLength = max(r.ContentLength, 0)
	if body != nil && r.ContentLength < 0 {
		out.ContentLength = -1
	}
	out.Header = forwardHeaders(r.Header, web.RequestIDFrom(r.Context()), ep)

	start := time.Now()
	call := &pubdata.ServiceCall{Entry: e.ID, Method: r.Method, Path: "/" + plain}
	if err := rd.Serve(r.Context(), access.KindCall); err != nil { // counts the use; the call is its record
		return err
	}
	record := func() {
		call.DurationMS = time.Since(start).Milliseconds()
		// The call is recorded even when the caller has gone away.
		if err := s.Endpoints.RecordCall(context.WithoutCancel(r.Context()), call); err != nil {
			s.Logger.LogAttrs(r.Context(), slog.LevelError, "service call not recorded",
				slog.String("request_id", web.RequestIDFrom(r.Context())), slog.String("entry", e.ID), slog.String("error", err.Error()))
		}
	}
	resp, err := serviceClient.Do(out)
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return web.NormalizeError(mbe)
		case r.Context().Err() != nil:
			call.Error = "interrupted"
			record()
			return nil // the caller has gone: nobody to answer
		case errors.Is(err, context.DeadlineExceeded):
			call.Status, call.Error = http.StatusGatewayTimeout, "timeout"
			record()
			gatewayError(w, r, http.StatusGatewayTimeout, "gateway_timeout",
				fmt.Sprintf("The provider's service did not answer within %d seconds.", ep.TimeoutSeconds))
			return nil
		}
		call.Status, call.Error = http.StatusBadGateway, "unreachable"
		record()
		s.Logger.LogAttrs(r.Context(), slog.LevelWarn, "service endpoint unreachable",
			slog.String("request_id", web.RequestIDFrom(r.Context())), slog.String("entry", e.ID), slog.String("error", err.Error()))
		gatewayError(w, r, http.StatusBadGateway, "bad_gateway", "The provider's service could not be reached.")
		return nil
	}
	defer resp.Body.Close()
	call.Status = resp.StatusCode
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusProxyAuthRequired {
		// The provider refused the platform's credential: the caller cannot fix that.
		call.Error = "credential_refused"
		record()
		gatewayError(w, r, http.StatusBadGateway, "bad_gateway", "The provider's service refused the platform's credential; the provider must correct its service interface.")
		return nil
	}
	h := w.Header()
	for _, name := range passedReplyHeaders {
		if v := resp.Header.Values(name); len(v) > 0 {
			h[http.CanonicalHeaderKey(name)] = v
		}
	}
	if resp.ContentLength >= 0 {
		h.Set("Content-Length", fmt.Sprint(resp.ContentLength))
	}
	// The reply comes from this site's origin: it may not run scripts or be cached.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			call.Bytes += int64(m)
			if werr != nil {
				call.Error = "interrupted"
				break
			}
			_ = rc.Flush()
		}
		if err == io.EOF {
			break
		} else if err != nil {
			call.Error = "interrupted"
			if errors.Is(err, context.DeadlineExceeded) {
				call.Error = "timeout"
			}
			break
		}
	}
	record()
	return nil
}
