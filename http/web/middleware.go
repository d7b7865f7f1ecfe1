package web

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/pubdata/pubdata"
)

// reqState is what the inner layers tell the access log and metrics about a request.
type reqState struct {
	id      string
	route   string // pattern without method; "unmatched" when nothing matched
	user    string
	token   string // the API token's id, for the early-warning counts
	ErrCode string
	pattern *string // the mux pattern the request matches (patternOf), once looked up
}

// patternOf is the ServeMux pattern r matches ("" for none), looked up once per request
// for the middleware that needs it (the body limit, the time bound).
func (s *Server) patternOf(r *http.Request) string {
	st := StateFrom(r.Context())
	if st != nil && st.pattern != nil {
		return *st.pattern
	}
	_, p := s.mux.Handler(r)
	if st != nil {
		st.pattern = &p
	}
	return p
}

type stateKey struct{}

func StateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

func RequestIDFrom(ctx context.Context) string {
	if st := StateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// requestIDPattern is what an incoming X-Request-Id must look like to be kept.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:@/+=-]{1,128}$`)

// RequestID keeps a sane incoming X-Request-Id or makes one, echoes it in the response and
// starts the request's state.
func (s *Server) RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-Id", id)
		st := &reqState{id: id, route: "unmatched"}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (sw *statusWriter) WriteHeader(status int) {
	if sw.status == 0 {
		sw.status = status
	}
	sw.ResponseWriter.WriteHeader(status)
}

func (sw *statusWriter) Write(p []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	n, err := sw.ResponseWriter.Write(p)
	sw.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// Observe writes the access log line and the request metrics.
func (s *Server) Observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		st := StateFrom(r.Context())
		s.metrics.observe(st.route, r.Method, sw.status, d)
		if s.SecurityCounts != nil && !strings.HasSuffix(st.route, "/login") { // security.go: refusals and tokens' addresses (failed sign-ins are in the record)
			s.SecurityCounts.Observe(sw.status, st.token, s.clientAddr(r))
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		s.Logger.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method),
			slog.String("route", st.route),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Duration("duration", d),
			slog.Int64("bytes", sw.bytes),
			slog.String("request_id", st.id),
			slog.String("client", s.clientAddr(r)),
			slog.String("user", st.user),
		)
	})
}

// RecoverPanics turns a panic in a handler into a logged 500.
func (s *Server) RecoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Logger.LogAttrs(r.Context(), slog.LevelError, "panic",
				slog.String("request_id", RequestIDFrom(r.Context())),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			s.RenderError(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps the request body at MaxBodyBytes, or MaxUploadBytes for the upload routes
// (handleUpload); reading past it fails with an error that renders as 413 too_large.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.MaxBodyBytes
		if len(s.uploads) > 0 && r.Method == http.MethodPost {
			if s.uploads[s.patternOf(r)] {
				limit = s.MaxUploadBytes
			}
		}
		if r.ContentLength > limit {
			s.RenderError(w, r, pubdata.Errorf(pubdata.ETOOLARGE, "Request body is larger than %d bytes.", limit).Keyed("error.too_large.body", "Limit", limit))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr is the client's IP address: the connection's peer, or — only when the peer is
// one of TrustedProxies — the nearest address in X-Forwarded-For that is not a trusted
// proxy (read from the right: what is left of it was written by the client and may be
// forged).
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.TrustedProxies) == 0 || !s.trusted(host) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a := strings.TrimSpace(parts[j])
			if _, err := netip.ParseAddr(a); err != nil {
				return host // a hop that is not an address: stop at the last trusted one
			}
			if !s.trusted(a) {
				return a
			}
			host = a
		}
	}
	return host
}

// trusted reports whether addr is one of TrustedProxies.
func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// authenticate finds the actor: a bearer token, else the session cookie, else anonymous. A
// bad bearer token is refused with 401 everywhere, never treated as anonymous. Requests
// that are not bearer-authenticated pass the cross-origin check on unsafe methods.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := pubdata.NewContextWithRequest(r.Context(), pubdata.RequestInfo{
			RequestID:  RequestIDFrom(r.Context()),
			ClientAddr: s.clientAddr(r),
			Purpose:    Purpose(r.Header.Get("X-Purpose")),
			Grant:      Purpose(r.Header.Get("X-Grant")),
		})
		r = r.WithContext(ctx)
		actor := &pubdata.Actor{}
		if auth := r.Header.Get("Authorization"); auth != "" && r.URL.Path != "/metrics" { // metrics: its own token (MetricsAllowed)
			scheme, secret, ok := strings.Cut(auth, " ")
			secret = strings.TrimSpace(secret)
			if !ok && strings.HasPrefix(auth, "pdt_") {
				// CKAN clients send the bare token (CKAN's apitoken_header_name).
				scheme, secret, ok = "Bearer", auth, true
			}
			if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
				s.RenderError(w, r, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Authorization header must be \"Bearer <token>\" (or the bare token, as CKAN clients send it).").
					Keyed("error.token.header"))
				return
			}
			a, err := s.Tokens.AuthenticateToken(ctx, secret)
			if err != nil {
				if pubdata.ErrorCode(err) == pubdata.EUNAUTHORIZED {
					err = pubdata.Errorf(pubdata.EUNAUTHORIZED, "The token is unknown, expired or revoked.").Keyed("error.token.unknown")
				}
				s.RenderError(w, r, err)
				return
			}
			actor = a
		} else {
			if err := s.cop.Check(r); err != nil {
				s.RenderError(w, r, pubdata.Errorf(pubdata.EFORBIDDEN, "Cross-site request refused.").Keyed("error.csrf"))
				return
			}
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				a, err := s.Tokens.AuthenticateSession(ctx, c.Value)
				switch {
				case err == nil:
					actor = a
				case pubdata.ErrorCode(err) == pubdata.EUNAUTHORIZED:
					s.clearSessionCookie(w) // expired or ended: carry on as anonymous
				default:
					s.RenderError(w, r, err)
					return
				}
			}
		}
		if st := StateFrom(ctx); st != nil {
			st.user, st.token = actor.Username(), actor.TokenID
		}
		next.ServeHTTP(w, r.WithContext(pubdata.NewContextWithActor(ctx, actor)))
	})
}

func (s *Server) setSessionCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    secret,
		Path:     "/",
		MaxAge:   int(pubdata.SessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   s.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// language picks the page language (?lang=, then the cookie, then Accept-Language) and
// remembers an explicit choice in a cookie for a year.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsAPI(r) {
			next.ServeHTTP(w, r)
			return
		}
		lang := ""
		if p := r.URL.Query().Get("lang"); p != "" {
			if l, ok := ParseLang(p); ok {
				lang = l
				http.SetCookie(w, &http.Cookie{
					Name: LanguageCookie, Value: l, Path: "/",
					MaxAge: 365 * 24 * 3600, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
				})
			}
		}
		if lang == "" {
			if c, err := r.Cookie(LanguageCookie); err == nil {
				lang, _ = ParseLang(c.Value)
			}
		}
		if lang == "" {
			lang = NegotiateLang(r.Header.Get("Accept-Language"))
		}
		w.Header().Add("Vary", "Accept-Language, Cookie")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), LangKey{}, lang)))
	})
}

type LangKey struct{}

// LangFrom returns the request's page language (LangZH when none was chosen).
func LangFrom(ctx context.Context) string {
	if l, ok := ctx.Value(LangKey{}).(string); ok && l != "" {
		return l
	}
	return LangZH
}

// ParseLang accepts the two languages by their tags (case-insensitive; "zh" for zh-CN).
func ParseLang(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zh-cn", "zh", "zh-hans", "zh-hans-cn":
		return LangZH, true
	case "en", "en-us", "en-gb":
		return LangEN, true
	}
	return "", false
}

// NegotiateLang picks from an Accept-Language header: the most preferred tag that is en*
// or zh* decides; anything else is zh-CN.
func NegotiateLang(header string) string {
	best, bestQ := LangZH, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		var l string
		switch {
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = LangEN
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			l = LangZH
		default:
			continue
		}
		if q > 0 && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// maxPurposeBytes bounds the X-Purpose kept in the record.
const maxPurposeBytes = 500

// Purpose returns the trimmed X-Purpose header, cut to maxPurposeBytes on a rune boundary.
func Purpose(h string) string {
	h = strings.TrimSpace(h)
	if len(h) <= maxPurposeBytes {
		return h
	}
	h = h[:maxPurposeBytes]
	for !utf8.ValidString(h) {
		h = h[:len(h)-1]
	}
	return h
}
