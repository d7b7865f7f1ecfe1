package web

import (
	"context"
	"net/http"

	"github.com/pubdata/pubdata"
)

// Data quality (C1, C2, H1): the operations the API and the pages share. The rules and the
// failing rows are for those who see the entry's working copy (the provider's users and the
// covering authority; pubdata.CanViewQualityDetail); the score, its dimensions and each
// rule's status and count are for whoever may see the published entry (an open entry's to
// anyone). Failing rows reach a reader only through access.QualityFindings, masked as the
// reader's reads would be.

// ErrNoQuality answers the quality routes of a server without a quality service.
var ErrNoQuality = pubdata.Errorf(pubdata.ENOTFOUND, "Data quality is not enabled on this server.").Keyed("error.not_available.quality")

// QualityAutoRunRows is the most current rows a table may have for its rules to run at once
// when they are written; larger tables wait for the scheduled run or a run asked for.
const QualityAutoRunRows = 100000

// QualityEntry returns the path's entry for the quality routes: the working copy for those
// who may see it (detail true), else the published entry when the caller may see it (detail
// false); ENOTFOUND otherwise.
func (s *Server) QualityEntry(r *http.Request, id string) (e *pubdata.Entry, published *pubdata.Entry, detail bool, err error) {
	if s.Quality == nil {
		return nil, nil, false, ErrNoQuality
	}
	ctx := r.Context()
	a := pubdata.ActorFromContext(ctx)
	notFound := pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q was not found.", id).Keyed("error.entry.not_found", "ID", id)
	w, err := s.Entries.FindEntryByID(ctx, id)
	if err != nil && !ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, false, err
	}
	p, perr := s.Entries.FindPublishedEntry(ctx, id)
	if perr != nil && !ErrorIs(perr, pubdata.ENOTFOUND) {
		return nil, nil, false, perr
	}
	if perr != nil {
		p = nil
	}
	if w != nil && pubdata.CanViewQualityDetail(a, w) {
		return w, p, true, nil
	}
	if p == nil || s.Reads == nil {
		return nil, nil, false, notFound
	}
	visible, err := s.Reads.Visible(ctx, p)
	if err != nil {
		return nil, nil, false, err
	}
	if !visible {
		return nil, nil, false, notFound
	}
	return p, p, false, nil
}

// QualityReport is the entry's report for the caller: the latest full run's rules' results
// (failing rows only with detail, through the read path), the score with the current
// freshness and the weights of the settings, and the latest batch's run when it came later.
func (s *Server) QualityReport(ctx context.Context, p *pubdata.Entry, detail bool) (*pubdata.QualityReport, error) {
	rep := &pubdata.QualityReport{Entry: p.ID, Rules: []pubdata.QualityResult{}, Dimensions: map[string]*int{}}
	stats, err := s.Data.TableStats(ctx, p.ID)
	if err != nil && !ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, err
	}
	in := pubdata.QualityInputs{Published: true, ShareClass: p.ShareClass, OpenClass: p.OpenClass}
	if stats != nil {
		in.Rows = stats.Rows
		in.Freshness = pubdata.TableFreshness(p.UpdateCycle, stats.LastLoadedAt, s.Now()).Status
	} else {
		in.Freshness = pubdata.TableFreshness(p.UpdateCycle, nil, s.Now()).Status
	}
	rep.Freshness = in.Freshness
	run, err := s.Quality.LatestQualityRun(ctx, p.ID, pubdata.QualityRunFull)
	switch {
	case err == nil:
		rep.Run, rep.CheckedAt = run, run.FinishedAt
		in.Results = run.Results
		rep.Rules = run.Results
	case !ErrorIs(err, pubdata.ENOTFOUND):
		return nil, err
	}
	if run != nil {
		sc := pubdata.ScoreQuality(in, s.QualityWeights)
		rep.Score, rep.Dimensions = sc.Score, sc.Dimensions
	}
	last, err := s.Quality.LatestQualityRun(ctx, p.ID, pubdata.QualityRunBatch)
	switch {
	case err == nil && (run == nil || run.FinishedAt == nil || last.FinishedAt.After(*run.FinishedAt)):
		rep.LastBatch = last
	case err != nil && !ErrorIs(err, pubdata.ENOTFOUND):
		return nil, err
	}
	strip := func(rs []pubdata.QualityResult) ([]pubdata.QualityResult, error) {
		if detail && s.Reads != nil {
			return s.Reads.QualityFindings(ctx, p, rs)
		}
		out := make([]pubdata.QualityResult, len(rs))
		for i, r := range rs {
			out[i] = r
			out[i].Sample = nil
		}
		return out, nil
	}
	if rep.Rules, err = strip(rep.Rules); err != nil {
		return nil, err
	}
	if rep.LastBatch != nil {
		lb := *rep.LastBatch
		if lb.Results, err = strip(lb.Results); err != nil {
			return nil, err
		}
		rep.LastBatch = &lb
	}
	return rep, nil
}

// SetQualityRules writes the entry's rules for the caller (pubdata.CanEditQualityRules) and,
// when its table is small enough (QualityAutoRunRows), runs them over it at once.
func (s *Server) SetQualityRules(ctx context.Context, w, p *pubdata.Entry, rules []pubdata.QualityRule) (*pubdata.QualityRules, error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanEditQualityRules(a, w) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators and the covering authority's administrators and reviewers may write the quality rules of entry %s.", w.ID).
			Keyed("error.quality.forbidden", "Entry", w.ID)
	}
	if p == nil {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Entry %s is not published yet: quality rules apply to a published table.", w.ID).Keyed("error.quality.not_published", "Entry", w.ID)
	}
	set, err := s.Quality.SetQualityRules(ctx, p, rules)
	if err != nil {
		return nil, err
	}
	if stats, err := s.Data.TableStats(ctx, p.ID); err == nil && stats.Rows <= QualityAutoRunRows {
		if _, err := s.Quality.RunQuality(ctx, p); err != nil && !ErrorIs(err, pubdata.ECONFLICT) {
			return nil, err
		}
	}
	return set, nil
}

// RunQuality runs the entry's rules over its table now, for the caller
// (pubdata.CanEditQualityRules).
func (s *Server) RunQuality(ctx context.Context, w, p *pubdata.Entry) (*pubdata.QualityRun, error) {
	if !pubdata.CanEditQualityRules(pubdata.ActorFromContext(ctx), w) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators and the covering authority's administrators and reviewers may run the quality rules of entry %s.", w.ID).
			Keyed("error.quality.run_forbidden", "Entry", w.ID)
	}
	if p == nil {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Entry %s is not published yet: quality rules apply to a published table.", w.ID).Keyed("error.quality.not_published", "Entry", w.ID)
	}
	return s.Quality.RunQuality(context.WithoutCancel(ctx), p)
}
