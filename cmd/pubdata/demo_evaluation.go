package main

import (
	"context"
	"fmt"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// demoUses are uses of the demo's entries this month (by resource code), so that the
// evaluation's usage indicator and its most used data have figures: views, downloads and
// API calls.
var demoUses = map[string][3]int64{
	"102001/00001": {320, 41, 1200}, // the provincial enterprise registry
	"302001/00001": {150, 12, 300},
	"352001/00004": {60, 5, 0},
}

// createDemoEvaluation publishes the evaluation of the current month and of the current
// quarter, early (the demo's facts are all recorded today, so earlier periods would hold no
// unit), as the provincial authority's admin, so that /evaluation ranks the demo units. A
// period already published is left as it is (frozen); the uses are added with the first
// publication of the current month.
func createDemoEvaluation(ctx context.Context, a *app) error {
	svc := sqlstore.NewEvaluationService(a.db)
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	admin, err := actors.as("fj-admin")
	if err != nil {
		return err
	}
	now := a.db.Now()
	current := pubdata.MonthPeriod(now)
	t := current.Start
	quarter, err := pubdata.ParseEvalPeriod(fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())+2)/3))
	if err != nil {
		return err
	}
	for _, p := range []pubdata.EvalPeriod{current, quarter} {
		e, err := svc.FindEvaluation(ctx, p.Key)
		switch {
		case err == nil && e.Status == pubdata.EvaluationPublished:
			continue
		case err != nil && pubdata.ErrorCode(err) != pubdata.ENOTFOUND:
			return err
		}
		if p.Key == current.Key {
			if err := addDemoUses(ctx, a, now); err != nil {
				return err
			}
		}
		if _, err := svc.ComputeEvaluation(admin, p); err != nil {
			return fmt.Errorf("compute %s: %w", p.Key, err)
		}
		if _, err := svc.PublishEvaluation(admin, p.Key, !p.Ended(now)); err != nil {
			return fmt.Errorf("publish %s: %w", p.Key, err)
		}
	}
	return nil
}

func addDemoUses(ctx context.Context, a *app, now time.Time) error {
	var counts []pubdata.UsageCount
	for code, n := range demoUses {
		e, err := a.entries.FindPublishedEntry(ctx, code)
		if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		for i, kind := range []pubdata.UseKind{pubdata.UseView, pubdata.UseDownload, pubdata.UseAPICall} {
			if n[i] > 0 {
				counts = append(counts, pubdata.UsageCount{Day: pubdata.UsageDay(now), Entry: e.ID, Provider: e.Org, Kind: kind, N: n[i]})
			}
		}
	}
	return sqlstore.NewUsageService(a.db).AddUsage(ctx, counts)
}
