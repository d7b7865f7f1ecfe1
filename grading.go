package pubdata

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Classification and grading (分类分级, G1; GB/T 43697-2024). Every entry carries its data
// category (数据分类: the industry domain and business attributes it is classified by) and its
// data level (数据级别): general, important or core data (一般数据 / 重要数据 / 核心数据).
// Its data items carry the provincial four grades (Item.Grade, 1–4), which GB/T 43697's
// Annex H places inside general data (一般数据 1–4级). Both are versioned fields of the entry:
// the provider writes them, the authority reviews them with the entry (the review diff shows
// a change), the change is recorded with the edit and the approval, and the approval re-runs
// the policies they drive (masks by grade through the read cache, the opened-data check on
// items newly graded 3 or above: openwatch.go).

// Data levels (GB/T 43697-2024 §6.5), lowest first.
const (
	LevelGeneral   = "general"   // 一般数据
	LevelImportant = "important" // 重要数据
	LevelCore      = "core"      // 核心数据
)

// DataLevels lists the levels, lowest first.
var DataLevels = []string{LevelGeneral, LevelImportant, LevelCore}

// MaxDataCategory bounds the data category's text.
const MaxDataCategory = 100

// GradeLevels is the lowest data level an item's provincial grade implies (就高从严: a data
// set takes at least its highest element's level). GB/T 43697's Annex H (informative) and the
// provincial guides (e.g. DB33/T 2350-2021) place all four grades inside general data;
// important and core data are identified by Annex G's catalogue, not by item grades, so a
// province that maps its top grade higher changes this table.
var GradeLevels = map[int]string{1: LevelGeneral, 2: LevelGeneral, 3: LevelGeneral, 4: LevelGeneral}

// DataLevelRank orders the levels: 0 none (""), 1 general, 2 important, 3 core; -1 unknown.
func DataLevelRank(level string) int {
	if level == "" {
		return 0
	}
	if i := slices.Index(DataLevels, level); i >= 0 {
		return i + 1
	}
	return -1
}

// ImpliedDataLevel returns the lowest level the entry's items imply: the level of its highest
// item grade (GradeLevels), general for an entry with items none of which is graded, and ""
// for one without items.
func ImpliedDataLevel(items []Item) string {
	if len(items) == 0 {
		return ""
	}
	level := LevelGeneral
	for _, it := range items {
		if l, ok := GradeLevels[it.Grade]; ok && DataLevelRank(l) > DataLevelRank(level) {
			level = l
		}
	}
	return level
}

// HighestGrade returns the highest grade of the items (0: none graded).
func HighestGrade(items []Item) int {
	g := 0
	for _, it := range items {
		g = max(g, it.Grade)
	}
	return g
}

// DefaultDataLevel gives an entry without a level the level its items imply; the store calls
// it when it writes an entry, so that every stored entry states its level.
func DefaultDataLevel(f *EntryFields) {
	if f.DataLevel == "" {
		f.DataLevel = ImpliedDataLevel(f.Items)
	}
}

// checkGrading checks the entry's category and level (ValidateEntryFields): the level one of
// DataLevels ("" stands for the level the items imply), at least what the items imply, and an
// entry of important or core data not opened to the public (不予开放, GB/T 43697 and the
// policy matrix of shared/reference/standards.md §2.3).
func checkGrading(f *EntryFields) []*Error {
	var p []*Error
	if utf8.RuneCountInString(f.DataCategory) > MaxDataCategory {
		p = append(p, FieldErrorf("data_category", "The data category must be at most %d characters.", MaxDataCategory).Keyed("error.entry.data_category.too_long", "Max", MaxDataCategory))
	}
	implied := ImpliedDataLevel(f.Items)
	level := f.DataLevel
	if level == "" {
		level = implied
	}
	switch r := DataLevelRank(level); {
	case r < 0:
		p = append(p, FieldErrorf("data_level", "Data level %q is not one of %s.", f.DataLevel, strings.Join(DataLevels, ", ")).Keyed("error.entry.data_level", "Level", f.DataLevel, "Levels", strings.Join(DataLevels, ", ")))
	case r < DataLevelRank(implied):
		p = append(p, FieldErrorf("data_level", "The data level %s is below the %s its items' grades imply.", f.DataLevel, implied).Keyed("error.entry.data_level.below",
			"Level", NewMessage("grading.level."+f.DataLevel), "Implied", NewMessage("grading.level."+implied)))
	case r >= DataLevelRank(LevelImportant) && f.Opens():
		p = append(p, FieldErrorf("open_class", "Important and core data are not opened to the public.").Keyed("error.entry.data_level.open"))
	}
	return p
}
