package sqlstore

import (
	"context"
	"strings"

	"github.com/pubdata/pubdata"
)

var _ pubdata.EvidenceService = (*EvidenceService)(nil)

// EvidenceService implements pubdata.EvidenceService.
type EvidenceService struct{ db *DB }

// NewEvidenceService returns the service of subject lookups and signed extracts' records.
func NewEvidenceService(db *DB) *EvidenceService { return &EvidenceService{db: db} }

// SubjectEntries implements pubdata.EvidenceService: the published versions' documents that
// mention the element are read, and the table entries with an item of it kept.
func (s *EvidenceService) SubjectEntries(ctx context.Context, element string) ([]*pubdata.SubjectCandidate, error) {
	if element == "" {
		return nil, pubdata.Errorf(pubdata.EINVALID, "A data element is required.").Keyed("error.evidence.element.required")
	}
	rows, err := s.db.query(ctx, "SELECT "+catalogColumns+catalogFrom+" WHERE v.doc LIKE ? ESCAPE '\\' ORDER BY c.entry_id",
		likeContainsCase(`"element":"`+element+`"`))
	if err != nil {
		return nil, err
	}
	entries, err := scanRows(rows, scanCatalog)
	if err != nil {
		return nil, err
	}
	out := []*pubdata.SubjectCandidate{}
	for _, e := range entries {
		if e.Format != pubdata.FormatTable {
			continue
		}
		for _, it := range e.Items {
			if it.Element == element {
				out = append(out, &pubdata.SubjectCandidate{Entry: e, Item: it.Name})
				break
			}
		}
	}
	return out, nil
}

// likeContainsCase is likeContains without lower-casing.
func likeContainsCase(s string) string { return "%" + likeEscape(s) + "%" }

// RecordSubjectLookup implements pubdata.EvidenceService.
func (s *EvidenceService) RecordSubjectLookup(ctx context.Context, element, maskedKey string, entries []string) error {
	if entries == nil {
		entries = []string{}
	}
	return s.recordOne(ctx, change{Action: "subject.lookup", Object: "subject:" + element,
		Details: map[string]any{"element": element, "key": maskedKey, "entries": entries}})
}

// RecordExtract implements pubdata.EvidenceService.
func (s *EvidenceService) RecordExtract(ctx context.Context, r *pubdata.ExtractRecord) error {
	if r.Entry == "" || strings.TrimSpace(r.Digest) == "" {
		return pubdata.Errorf(pubdata.EINVALID, "An extract's record needs its entry and digest.").Keyed("error.evidence.extract.record")

	}
	cols := r.Columns
	if cols == nil {
		cols = []string{}
	}
	return s.recordOne(ctx, change{Action: "extract.sign", Object: "entry:" + r.Entry,
		Details: map[string]any{"version": r.EntryVersion, "rows": r.Rows, "columns": cols, "purpose": r.Purpose, "digest": r.Digest, "time": r.Time}})
}

// recordOne writes one audit event in a transaction of its own.
func (s *EvidenceService) recordOne(ctx context.Context, c change) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.record(ctx, c); err != nil {
		return err
	}
	return tx.Commit()
}
