package console

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/pubdata/pubdata/http/web"
)

// The job queue's page (issue 17 item 6): the operator sees the background jobs of every
// server — queued, running, failed, completed — and runs a failed one again or cancels one
// that has not finished. Only the platform authority's admins (pubdata.CanOperateJobs).

// jobsShown bounds the jobs listed.
const jobsShown = 100

// jobStateGroups are the page's filters: each a label and the queue's states it shows.
var jobStateGroups = []struct {
	Key    string
	States []string
}{
	{"queued", []string{"available", "scheduled", "pending"}},
	{"running", []string{"running"}},
	{"failed", []string{"retryable", "discarded"}},
	{"completed", []string{"completed"}},
	{"cancelled", []string{"cancelled"}},
}

type jobFilter struct {
	Key     string
	Count   int
	Current bool
}

type jobRow struct {
	web.Job
	Group     string
	CanRetry  bool
	CanCancel bool
	LastError string
	LastNode  string // the server (queue client) of the last attempt
}

type jobsView struct {
	web.Page
	Filter  string
	Filters []jobFilter
	Total   int
	Jobs    []jobRow
	Done    string
}

// jobGroup is the filter a state belongs to.
func jobGroup(state string) string {
	for _, g := range jobStateGroups {
		if slices.Contains(g.States, state) {
			return g.Key
		}
	}
	return ""
}

// PageJobs lists the queue's jobs, newest first, by state (?state=queued|running|failed|
// completed|cancelled, all by default).
func (s *Server) PageJobs(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if _, err := s.JobOperator(r); err != nil {
		return err
	}
	filter := r.URL.Query().Get("state")
	var states []string
	for _, g := range jobStateGroups {
		if g.Key == filter {
			states = g.States
		}
	}
	if states == nil {
		filter = ""
	}
	jobs, counts, err := s.Jobs.ListJobs(r.Context(), states, jobsShown)
	if err != nil {
		return err
	}
	v := &jobsView{Page: s.Base(r, true), Filter: filter, Done: r.URL.Query().Get("done")}
	for _, g := range jobStateGroups {
		f := jobFilter{Key: g.Key, Current: g.Key == filter}
		for _, st := range g.States {
			f.Count += counts[st]
		}
		v.Total += f.Count
		v.Filters = append(v.Filters, f)
	}
	for _, j := range jobs {
		row := jobRow{Job: j, Group: jobGroup(j.State)}
		switch j.State {
		case "running", "available":
		default:
			row.CanRetry = true
		}
		switch j.State {
		case "completed", "cancelled", "discarded":
		default:
			row.CanCancel = true
		}
		if len(j.AttemptedBy) > 0 {
			row.LastNode = j.AttemptedBy[len(j.AttemptedBy)-1]
		}
		if len(j.Errors) > 0 {
			row.LastError = j.Errors[len(j.Errors)-1]
		}
		v.Jobs = append(v.Jobs, row)
	}
	return s.Render(w, r, "jobs", http.StatusOK, v)
}

// jobID reads the {id} of a job route.
func jobID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, web.ErrJobNotFound(r.PathValue("id"))
	}
	return id, nil
}

// PageJobRetry runs a job again now (recorded as job.retry).
func (s *Server) PageJobRetry(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.JobOperator(r); err != nil {
		return err
	}
	id, err := jobID(r)
	if err != nil {
		return err
	}
	if err := s.Jobs.RetryJob(r.Context(), id); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/jobs", "done", "retried"))
	return nil
}

// PageJobCancel cancels a job that has not finished (recorded as job.cancel).
func (s *Server) PageJobCancel(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.JobOperator(r); err != nil {
		return err
	}
	id, err := jobID(r)
	if err != nil {
		return err
	}
	if err := s.Jobs.CancelJob(r.Context(), id); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/jobs", "done", "cancelled"))
	return nil
}
