package web

import (
	"net/http"

	"github.com/pubdata/pubdata"
)

// ErrNoJobs answers the job pages of a server without a job queue.
var ErrNoJobs = pubdata.Errorf(pubdata.ENOTFOUND, "This server runs no job queue.").Keyed("error.jobs.none")

// JobOperator returns the signed-in actor when they may operate the job queue
// (pubdata.CanOperateJobs); 404 without a queue, 403 for anyone else.
func (s *Server) JobOperator(r *http.Request) (*pubdata.Actor, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if s.Jobs == nil {
		return nil, ErrNoJobs
	}
	if !pubdata.CanOperateJobs(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's authority may see and steer the job queue.").Keyed("error.jobs.forbidden")
	}
	return a, nil
}

// ErrJobNotFound is the error of a job id the queue does not have.
func ErrJobNotFound(id any) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Job %v was not found.", id).Keyed("error.job.not_found", "ID", id)
}

// ErrJobRetryState refuses to run again a job that is running or queued.
func ErrJobRetryState(id int64, state string) error {
	return pubdata.Errorf(pubdata.ECONFLICT, "Job %d is %s; only a job that is not running or queued can be run again.", id, state).
		Keyed("error.job.retry_state", "ID", id, "State", state)
}

// ErrJobCancelState refuses to cancel a job that has ended.
func ErrJobCancelState(id int64, state string) error {
	return pubdata.Errorf(pubdata.ECONFLICT, "Job %d has ended (%s); there is nothing to cancel.", id, state).
		Keyed("error.job.cancel_state", "ID", id, "State", state)
}
