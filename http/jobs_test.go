package http

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata/http/web"
)

// fakeJobs is a job queue for the page's tests (the real one, river, is cmd/pubdata's and
// is tested there on both databases).
type fakeJobs struct {
	jobs             []web.Job
	retried, cancels []int64
}

func (f *fakeJobs) ListJobs(_ context.Context, states []string, limit int) ([]web.Job, map[string]int, error) {
	counts := map[string]int{}
	var out []web.Job
	for _, j := range f.jobs {
		counts[j.State]++
		if len(states) == 0 || contains(states, j.State) {
			out = append(out, j)
		}
	}
	return out, counts, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (f *fakeJobs) RetryJob(_ context.Context, id int64) error {
	for _, j := range f.jobs {
		if j.ID == id && (j.State == "running" || j.State == "available") {
			return web.ErrJobRetryState(id, j.State)
		}
	}
	f.retried = append(f.retried, id)
	return nil
}

func (f *fakeJobs) CancelJob(_ context.Context, id int64) error {
	f.cancels = append(f.cancels, id)
	return nil
}

// TestConsoleJobs: the platform authority's admin sees the job queue by state, in both
// languages, and runs a failed job again or cancels one; nobody else may, and a server
// without a queue answers 404.
func TestConsoleJobs(t *testing.T) {
	e := newEnv(t)
	admin := e.login(authAdmin)
	if w := e.do(req{path: "/console/jobs", cookies: []*http.Cookie{admin}}); w.Code != http.StatusNotFound {
		t.Fatalf("without a queue: %d, want 404", w.Code)
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f := &fakeJobs{jobs: []web.Job{
		{ID: 3, Kind: "load", State: "running", Attempt: 1, MaxAttempts: 5, Args: "batch b1, entry e1", CreatedAt: now, AttemptedBy: []string{"node-a"}},
		{ID: 2, Kind: "pull_due", State: "retryable", Attempt: 1, MaxAttempts: 25, Args: "{}", CreatedAt: now, Errors: []string{"connect: refused"}},
		{ID: 1, Kind: "cleanup", State: "completed", Attempt: 1, MaxAttempts: 25, Args: "{}", CreatedAt: now, FinalizedAt: &now},
	}}
	e.srv.Jobs = f
	admin = e.login(authAdmin)
	w := e.do(req{path: "/console/jobs?lang=en", cookies: []*http.Cookie{admin}})
	body := w.Body.String()
	for _, want := range []string{"Background jobs", "<code>load</code>", "batch b1, entry e1", "connect: refused", "Last run on node-a",
		`action="/console/jobs/2/retry"`, `action="/console/jobs/3/cancel"`, "Failed (1)", `href="/console/jobs"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
	if strings.Contains(body, `action="/console/jobs/3/retry"`) || strings.Contains(body, `action="/console/jobs/1/cancel"`) {
		t.Error("a running job offers to run again, or a completed one to cancel")
	}
	w = e.do(req{path: "/console/jobs?state=failed&lang=zh-CN", cookies: []*http.Cookie{admin}})
	body = w.Body.String()
	if !strings.Contains(body, "后台任务") || !strings.Contains(body, "pull_due") || strings.Contains(body, "<code>cleanup</code>") {
		t.Errorf("the Chinese page filtered by failed:\n%s", body)
	}
	if w := e.do(req{method: "POST", path: "/console/jobs/2/retry", cookies: []*http.Cookie{admin}}); w.Code != http.StatusSeeOther || len(f.retried) != 1 {
		t.Fatalf("retry: %d %v", w.Code, f.retried)
	}
	if w := e.do(req{method: "POST", path: "/console/jobs/3/retry", cookies: []*http.Cookie{admin}}); w.Code != http.StatusConflict {
		t.Fatalf("retry of a running job: %d, want 409", w.Code)
	}
	if w := e.do(req{method: "POST", path: "/console/jobs/3/cancel", cookies: []*http.Cookie{admin}}); w.Code != http.StatusSeeOther || len(f.cancels) != 1 {
		t.Fatalf("cancel: %d %v", w.Code, f.cancels)
	}
	if w := e.do(req{method: "POST", path: "/console/jobs/x/cancel", cookies: []*http.Cookie{admin}}); w.Code != http.StatusNotFound {
		t.Fatalf("cancel of a malformed id: %d, want 404", w.Code)
	}

	for _, who := range []string{authReviewer, authMember, cityAdmin, pbAdmin} {
		c := e.login(who)
		for _, r := range []req{{path: "/console/jobs"}, {method: "POST", path: "/console/jobs/2/retry"}, {method: "POST", path: "/console/jobs/3/cancel"}} {
			r.cookies = []*http.Cookie{c}
			if w := e.do(r); w.Code != http.StatusForbidden {
				t.Errorf("%s %s %s: %d, want 403", who, r.method, r.path, w.Code)
			}
		}
		if w := e.do(req{path: "/console", cookies: []*http.Cookie{c}}); strings.Contains(w.Body.String(), `href="/console/jobs"`) {
			t.Errorf("%s sees the jobs in the navigation", who)
		}
	}
	if len(f.retried) != 1 || len(f.cancels) != 1 {
		t.Errorf("refused callers changed jobs: %v %v", f.retried, f.cancels)
	}
	if w := e.do(req{path: "/console/jobs"}); w.Code != http.StatusSeeOther && w.Code != http.StatusFound && w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", w.Code)
	}
	if w := e.do(req{method: "POST", path: "/console/jobs/2/retry"}); w.Code < 300 || len(f.retried) != 1 {
		t.Errorf("anonymous retry: %d", w.Code)
	}
}
