package web

import (
	"context"
	"github.com/pubdata/pubdata"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate limits of the API (issue 6): every API token (app key) and every signed-in user has
// Server.KeyRateLimit requests a minute; anonymous callers Server.AnonRateLimit a minute per
// client address. A single server counts in memory; the servers of a cluster count in the
// database (Server.SharedRates), so the limit holds whichever server a request reaches.

// RateWindow is the fixed window the limits count in.
const RateWindow = time.Minute

// maxRateKeys bounds the limiter's memory: beyond it, windows that have ended are dropped,
// and while every tracked key is still live new callers share one overflow window.
const maxRateKeys = 100_000

// overflowBucket is the window shared by new callers while the limiter is full.
const overflowBucket = "overflow"

// limiter counts requests per key in fixed windows.
type limiter struct {
	mu      sync.Mutex
	window  time.Duration
	maxKeys int
	m       map[string]*rateBucket
}

type rateBucket struct {
	start time.Time
	n     int
}

func NewLimiter(window time.Duration, maxKeys int) *limiter {
	return &limiter{window: window, maxKeys: maxKeys, m: map[string]*rateBucket{}}
}

// Take counts one request of key against limit at now. It reports whether the request is
// allowed, how many remain in the window and when the window ends.
func (l *limiter) Take(key string, limit int, now time.Time) (ok bool, remaining int, reset time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[key]
	if b == nil {
		if len(l.m) >= l.maxKeys {
			l.evict(now)
		}
		if len(l.m) >= l.maxKeys {
			key = overflowBucket
			b = l.m[key]
		}
		if b == nil {
			b = &rateBucket{start: now}
			l.m[key] = b
		}
	}
	if now.Sub(b.start) >= l.window {
		b.start, b.n = now, 0
	}
	reset = b.start.Add(l.window)
	if b.n >= limit {
		return false, 0, reset
	}
	b.n++
	return true, limit - b.n, reset
}

// Blocked reports whether key has used up limit in its current window (without counting).
func (l *limiter) Blocked(key string, limit int, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[key]
	if b == nil || now.Sub(b.start) >= l.window {
		return false, time.Time{}
	}
	return b.n >= limit, b.start.Add(l.window)
}

// evict drops the windows that ended (idle keys). Called with mu held.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.m {
		if now.Sub(b.start) >= l.window {
			delete(l.m, k)
		}
	}
}

// Size returns the number of tracked keys.
func (l *limiter) Size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// usageCounter collects the requests per API token between flushes.
type usageCounter struct {
	mu sync.Mutex
	m  map[string]pubdata.TokenUsage
}

func (u *usageCounter) add(tokenID string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string]pubdata.TokenUsage{}
	}
	c := u.m[tokenID]
	c.Requests++
	if now.After(c.LastUsed) {
		c.LastUsed = now
	}
	u.m[tokenID] = c
}

// take returns the counts and starts afresh.
func (u *usageCounter) take() map[string]pubdata.TokenUsage {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.m
	u.m = nil
	return m
}

// putBack adds counts that could not be written to the current ones.
func (u *usageCounter) putBack(m map[string]pubdata.TokenUsage) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string]pubdata.TokenUsage{}
	}
	for id, c := range m {
		cur := u.m[id]
		cur.Requests += c.Requests
		if c.LastUsed.After(cur.LastUsed) {
			cur.LastUsed = c.LastUsed
		}
		u.m[id] = cur
	}
}

// UsageFlushInterval is how often pubdata serve writes the tokens' usage counts.
const UsageFlushInterval = 5 * time.Second

// FlushUsage writes the API tokens' usage counted since the last flush (one transaction);
// on failure the counts are kept for the next flush. No-op without Accounts.
func (s *Server) FlushUsage(ctx context.Context) error {
	if s.Accounts == nil {
		return nil
	}
	m := s.usage.take()
	if len(m) == 0 {
		return nil
	}
	if err := s.Accounts.RecordTokenUsage(ctx, m); err != nil {
		s.usage.putBack(m)
		return err
	}
	return nil
}

// rateLimited reports whether the request is one the API's limits apply to: the JSON API
// (downloads included) and CKAN's, by either of its paths (/api/3/action, /api/action) and
// its dumps — one limit for all of them.
func rateLimited(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/v1/") || strings.HasPrefix(p, "/api/3/") || strings.HasPrefix(p, "/api/action/") || strings.HasPrefix(p, "/datastore/")
}

// rateLimit counts API requests against the caller's limit, sets the X-RateLimit-* headers
// on every API reply and answers 429 with Retry-After beyond the limit. It runs after
// authenticate; it also counts each API token's use.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rateLimited(r) {
			next.ServeHTTP(w, r)
			return
		}
		a := pubdata.ActorFromContext(r.Context())
		now := s.Now()
		if a.TokenID != "" && s.Accounts != nil {
			s.usage.add(a.TokenID, now)
		}
		key, limit := "a:"+s.clientAddr(r), s.AnonRateLimit
		switch {
		case a.TokenID != "":
			key, limit = "t:"+a.TokenID, s.KeyRateLimit
		case !a.Anonymous():
			key, limit = "u:"+a.User.ID, s.KeyRateLimit
		}
		if limit <= 0 { // no limit configured
			next.ServeHTTP(w, r)
			return
		}
		ok, remaining, reset := s.takeRate(r.Context(), key, limit, now)
		secs := int(reset.Sub(now).Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", strconv.Itoa(secs))
		if !ok {
			h.Set("Retry-After", strconv.Itoa(secs))
			msg := "Rate limit of " + strconv.Itoa(limit) + " requests a minute exceeded; try again in " + strconv.Itoa(secs) + " s."
			if IsCKANAction(r.URL.Path) {
				WriteCKANError(w, r, http.StatusTooManyRequests, msg)
				return
			}
			WriteJSON(w, http.StatusTooManyRequests, ErrorBody{Error: ErrorDetail{Code: "rate_limited", Message: msg}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// AddrLimit counts an action per client address (registration, reset requests) in
// windows of an hour; it reports whether one more is allowed.
func (s *Server) AddrLimit(r *http.Request, action string) bool {
	limit := s.AccountRateLimit
	if limit <= 0 {
		limit = DefaultAccountRateLimit
	}
	ok, _, _ := s.accountLimiter.Take(action+":"+s.clientAddr(r), limit, s.Now())
	return ok
}

// DefaultAccountRateLimit is how many registrations, and separately how many password
// reset requests, one client address may make an hour when Server.AccountRateLimit is 0.
const DefaultAccountRateLimit = 10

// takeRate counts one request of key: in the shared store when there is one (a cluster),
// else in this server's memory. When the shared store fails the request is counted in
// memory, so that a database hiccup neither refuses nor unlimits callers.
func (s *Server) takeRate(ctx context.Context, key string, limit int, now time.Time) (ok bool, remaining int, reset time.Time) {
	if s.SharedRates != nil {
		start := now.Truncate(RateWindow)
		n, err := s.SharedRates.CountRequest(ctx, key, start)
		if err == nil {
			return n <= limit, max(0, limit-n), start.Add(RateWindow)
		}
		s.Logger.Warn("shared rate count failed; counting in memory", "error", err)
	}
	return s.limiter.Take(key, limit, now)
}
