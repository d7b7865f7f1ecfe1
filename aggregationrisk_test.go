package pubdata

import (
	"slices"
	"testing"
)

func TestAssessAggregation(t *testing.T) {
	people := &Entry{ID: "p", EntryFields: EntryFields{Items: []Item{
		{Name: "id_no", Title: "公民身份号码", Element: "resident_id", Key: true, Personal: true, Grade: 3},
		{Name: "gender", Title: "性别", Personal: true, Grade: 2},
		{Name: "birth_date", Title: "出生日期", Type: "date", Personal: true, Grade: 2},
	}}}
	homes := &Entry{ID: "h", EntryFields: EntryFields{Items: []Item{
		{Name: "id_no", Title: "公民身份号码", Element: "resident_id", Key: true, Personal: true, Grade: 3},
		{Name: "address", Title: "住址", Element: "address", Grade: 2},
	}}}
	firms := &Entry{ID: "f", EntryFields: EntryFields{Items: []Item{
		{Name: "uscc", Title: "统一社会信用代码", Element: "uscc", Key: true},
		{Name: "page_count", Title: "页数", Type: "integer"},
		{Name: "usage", Title: "用途"},
	}}}
	both := AssessAggregation([]AggregationPart{{Entry: people}, {Entry: homes}})
	if both.Entries != 2 || !slices.Equal(both.Links, []string{"resident_id"}) || !slices.Equal(both.QuasiIdentifiers, []string{"address", "birth_date", "sex"}) ||
		!slices.Equal(both.Identifiers, []string{"resident_id"}) || both.MaxGrade != 3 || both.Personal != 4 {
		t.Fatalf("people + homes: %+v", both)
	}
	// 30 (three kinds) + 15 (birth, sex, place) + 10 + 20 (linked) + 15 (grade 3) + 5 = 95
	if both.Score != 95 || !NeedsAggregationReview(both, 60) {
		t.Errorf("people + homes score %d", both.Score)
	}
	alone := AssessAggregation([]AggregationPart{{Entry: people}, {Entry: people}})
	if alone.Entries != 1 || NeedsAggregationReview(alone, 10) || len(alone.Links) != 0 {
		t.Errorf("one entry twice: %+v", alone)
	}
	// Items not asked for do not count: without the address, no place.
	part := AssessAggregation([]AggregationPart{{Entry: people}, {Entry: homes, Items: []string{"id_no"}}})
	if slices.Contains(part.QuasiIdentifiers, "address") || part.Score >= both.Score {
		t.Errorf("items not asked for counted: %+v", part)
	}
	// Firms and people share no link; "page_count" and "usage" are not ages.
	mixed := AssessAggregation([]AggregationPart{{Entry: firms}, {Entry: homes, Items: []string{"address"}}})
	if len(mixed.Links) != 0 || !slices.Equal(mixed.QuasiIdentifiers, []string{"address"}) || mixed.Score >= 60 {
		t.Errorf("firms + addresses: %+v", mixed)
	}
	if NeedsAggregationReview(mixed, 60) {
		t.Error("a low score needs review")
	}
}
