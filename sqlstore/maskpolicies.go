package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/pubdata/pubdata"
)

var _ pubdata.MaskPolicyService = (*MaskPolicyService)(nil)

// MaskPolicyService implements pubdata.MaskPolicyService on mask_policies.
type MaskPolicyService struct {
	db *DB
}

// NewMaskPolicyService returns the mask-policy service on db.
func NewMaskPolicyService(db *DB) *MaskPolicyService { return &MaskPolicyService{db: db} }

// findPolicy reads the rows of org's policy; nil when it has none.
func findPolicy(ctx context.Context, q interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, org string) (pubdata.MaskPolicy, error) {
	rows, err := q.query(ctx, "SELECT grade, mask FROM mask_policies WHERE org = ? ORDER BY grade", org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var p pubdata.MaskPolicy
	for rows.Next() {
		var g int
		var m string
		if err := rows.Scan(&g, &m); err != nil {
			return nil, err
		}
		if p == nil {
			p = pubdata.MaskPolicy{}
		}
		p[g] = m
	}
	return p, rows.Err()
}

// Find implements pubdata.MaskPolicyService.
func (s *MaskPolicyService) Find(ctx context.Context, org string) (pubdata.MaskPolicy, error) {
	org = strings.TrimSpace(org)
	p, err := findPolicy(ctx, s.db, org) // one statement: no transaction (every read asks)
	if err != nil {
		return nil, err
	}
	if org == "" && p == nil {
		return pubdata.CompleteMaskPolicy(nil, pubdata.DefaultMaskPolicy), nil
	}
	return p, nil
}

// Effective implements pubdata.MaskPolicyService: one statement for both policies.
func (s *MaskPolicyService) Effective(ctx context.Context, org string) (pubdata.MaskPolicy, error) {
	org = strings.TrimSpace(org)
	return s.db.cachedMaskPolicy(ctx, org, func() (pubdata.MaskPolicy, error) { return s.effective(ctx, org) }) // readcache.go
}

// effective reads the effective mask policy of org.
func (s *MaskPolicyService) effective(ctx context.Context, org string) (pubdata.MaskPolicy, error) {
	rows, err := s.db.query(ctx, "SELECT org, grade, mask FROM mask_policies WHERE org IN ('', ?)", org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var platform, own pubdata.MaskPolicy
	for rows.Next() {
		var o, m string
		var g int
		if err := rows.Scan(&o, &g, &m); err != nil {
			return nil, err
		}
		p := &own
		if o == "" {
			p = &platform
		}
		if *p == nil {
			*p = pubdata.MaskPolicy{}
		}
		(*p)[g] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if org == "" {
		own = nil
	}
	if platform == nil {
		platform = pubdata.CompleteMaskPolicy(nil, pubdata.DefaultMaskPolicy)
	}
	return pubdata.EffectiveMaskPolicy(platform, own), nil
}

// Set implements pubdata.MaskPolicyService.
func (s *MaskPolicyService) Set(ctx context.Context, org string, p pubdata.MaskPolicy) (pubdata.MaskPolicy, error) {
	org = strings.TrimSpace(org)
	if err := pubdata.ValidateMaskPolicy(p); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	platform, err := findPolicy(ctx, tx, "")
	if err != nil {
		return nil, err
	}
	if platform == nil {
		platform = pubdata.DefaultMaskPolicy
	}
	var old pubdata.MaskPolicy
	if org != "" {
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE code = ?", org).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Organisation %q not found.", org).Keyed("error.org.not_found", "Org", org)
		}
		if err := pubdata.CheckMaskPolicyNotLooser(p, platform); err != nil {
			return nil, err
		}
		if old, err = findPolicy(ctx, tx, org); err != nil {
			return nil, err
		}
	} else {
		old = platform
	}
	full := pubdata.CompleteMaskPolicy(p, platform)
	if _, err := tx.exec(ctx, "DELETE FROM mask_policies WHERE org = ?", org); err != nil {
		return nil, err
	}
	actor := pubdata.ActorFromContext(ctx).Username()
	for g := 0; g <= pubdata.MaxGrade; g++ {
		if _, err := tx.exec(ctx, "INSERT INTO mask_policies (org, grade, mask, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)",
			org, g, full[g], actor, fmtTime(tx.now)); err != nil {
			return nil, err
		}
	}
	details := map[string]any{"org": org, "policy": policyDetails(full)}
	if old != nil {
		details["before"] = policyDetails(old)
	}
	if err := tx.record(ctx, change{Action: "mask_policy.set", Object: pubdata.MaskPolicyObject(org), Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return full, nil
}

// policyDetails is a policy as the record keeps it: grade (as text) → mask.
func policyDetails(p pubdata.MaskPolicy) map[string]string {
	out := map[string]string{}
	for g := 0; g <= pubdata.MaxGrade; g++ {
		out[string(rune('0'+g))] = p.Mask(g)
	}
	return out
}
