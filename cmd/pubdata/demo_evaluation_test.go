package main

import (
	"context"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestDemoEvaluation: the demo publishes the current month and quarter, ranking its
// units (the ones with a catalogue and data above those without); running it again leaves
// the frozen periods as they were.
func TestDemoEvaluation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		if _, err := createDemoProvince(ctx, a); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := createDemoEvaluation(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		svc := sqlstore.NewEvaluationService(a.db)
		current := pubdata.MonthPeriod(time.Now())
		e, err := svc.FindEvaluation(ctx, current.Key)
		if err != nil || e.Status != pubdata.EvaluationPublished || e.Units < 3 || len(e.Results) != e.Units {
			t.Fatalf("the current month %+v %v", e, err)
		}
		first, last := e.Results[0], e.Results[len(e.Results)-1]
		if first.Rank != 1 || first.Score == nil || first.Facts.Published == 0 || (last.Score != nil && *last.Score >= *first.Score) {
			t.Fatalf("ranking: first %+v, last %+v", first, last)
		}
		list, err := svc.ListEvaluations(ctx)
		if err != nil || len(list) != 2 || list[0].Key != current.Key || list[1].Kind != pubdata.PeriodQuarter || list[1].Status != pubdata.EvaluationPublished {
			t.Fatalf("periods %+v %v", list, err)
		}
		if trend, _ := svc.EvaluationTrend(ctx, first.Org, pubdata.PeriodMonth); len(trend) != 1 {
			t.Fatalf("trend %+v", trend)
		}
	})
}
