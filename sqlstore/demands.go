package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pubdata/pubdata"
)

// DemandService implements pubdata.DemandService: the demand list (需求清单) and its
// workflow. Each change writes its audit event and its notifications in its transaction.
type DemandService struct {
	db      *DB
	entries *EntryService
}

var _ pubdata.DemandService = (*DemandService)(nil)

// NewDemandService returns the demand service on db.
func NewDemandService(db *DB) *DemandService {
	return &DemandService{db: db, entries: NewEntryService(db)}
}

const demandColumns = "d.id, d.title, d.description, d.items, d.purpose, d.division, COALESCE(d.org, ''), COALESCE(ao.name, ''), d.username, COALESCE(d.entry, ''), d.status, d.votes, " +
	"d.provider, COALESCE(po.name, ''), d.route_note, d.routed_by, d.routed_at, d.expected, d.answer, d.answered_by, d.answered_at, d.created_at, d.updated_at"

const demandFrom = " FROM demands d LEFT JOIN orgs ao ON ao.code = d.org LEFT JOIN orgs po ON po.code = d.provider"

func scanDemand(sc interface{ Scan(...any) error }) (*pubdata.Demand, error) {
	var d pubdata.Demand
	var items string
	var routed, answered nullTime
	if err := sc.Scan(&d.ID, &d.Title, &d.Description, &items, &d.Purpose, &d.Division, &d.Org, &d.OrgName, &d.Username, &d.Entry, &d.Status, &d.Votes,
		&d.Provider, &d.ProviderName, &d.RouteNote, &d.RoutedBy, &routed, &d.Expected, &d.Answer, &d.AnsweredBy, &answered, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}); err != nil {
		return nil, err
	}
	d.RoutedAt, d.AnsweredAt = routed.t, answered.t
	if err := json.Unmarshal([]byte(items), &d.Items); err != nil {
		return nil, fmt.Errorf("demand %s items: %w", d.ID, err)
	}
	if d.Items == nil {
		d.Items = []string{}
	}
	return &d, nil
}

func notFoundDemand(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Demand %q not found.", id).Keyed("error.demand.not_found", "ID", id)
}

func demandLink(id string) string { return "/demands#d-" + id }

// markVoted sets Voted on the demands the actor voted for.
func (s *DemandService) markVoted(ctx context.Context, ds []*pubdata.Demand) error {
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() || len(ds) == 0 {
		return nil
	}
	args := []any{a.Username()}
	marks := make([]string, len(ds))
	for i, d := range ds {
		marks[i] = "?"
		args = append(args, d.ID)
	}
	rows, err := s.db.query(ctx, "SELECT demand_id FROM demand_votes WHERE username = ? AND demand_id IN ("+strings.Join(marks, ", ")+")", args...)
	if err != nil {
		return err
	}
	ids, err := scanRows(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	if err != nil {
		return err
	}
	for _, d := range ds {
		d.Voted = slices.Contains(ids, d.ID)
	}
	return nil
}

// FindDemands implements pubdata.DemandService.
func (s *DemandService) FindDemands(ctx context.Context, limit int, cursor string) ([]*pubdata.Demand, int, string, error) {
	return s.FindDemandList(ctx, pubdata.DemandFilter{Limit: limit, Cursor: cursor})
}

// FindDemandList implements pubdata.DemandService.
func (s *DemandService) FindDemandList(ctx context.Context, f pubdata.DemandFilter) ([]*pubdata.Demand, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	if f.Status != "" && !slices.Contains(pubdata.DemandStatuses, f.Status) {
		return nil, 0, "", pubdata.FieldErrorf("status", "Status %q is not one of %s.", f.Status, strings.Join(pubdata.DemandStatuses, ", ")).Keyed("error.list.status", "Status", f.Status, "Statuses", strings.Join(pubdata.DemandStatuses, ", "))
	}
	var c conds
	c.eq("d.status", f.Status)
	c.eq("d.provider", f.Provider)
	c.eq("d.username", f.Username)
	c.inDivision("d.division", f.Division)
	order := " ORDER BY d.created_at DESC, d.id DESC"
	switch f.Sort {
	case "", pubdata.DemandSortNewest:
	case pubdata.DemandSortVotes:
		order = " ORDER BY d.votes DESC, d.created_at DESC, d.id DESC"
	default:
		return nil, 0, "", pubdata.FieldErrorf("sort", "Sort %q is not newest or votes.", f.Sort).Keyed("error.demand.sort", "Sort", f.Sort)
	}
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM demands d"+c.sql(), c.args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	rows, err := s.db.query(ctx, "SELECT "+demandColumns+demandFrom+c.sql()+order+" LIMIT ? OFFSET ?", append(c.args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanDemand)
	if err != nil {
		return nil, 0, "", err
	}
	if out == nil {
		out = []*pubdata.Demand{}
	}
	if err := s.markVoted(ctx, out); err != nil {
		return nil, 0, "", err
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

// FindDemandByID implements pubdata.DemandService.
func (s *DemandService) FindDemandByID(ctx context.Context, id string) (*pubdata.Demand, error) {
	d, err := scanDemand(s.db.queryRow(ctx, "SELECT "+demandColumns+demandFrom+" WHERE d.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundDemand(id)
	} else if err != nil {
		return nil, err
	}
	return d, s.markVoted(ctx, []*pubdata.Demand{d})
}

// demand reads a demand inside tx, locking its row.
func (tx *Tx) demand(ctx context.Context, id string) (*pubdata.Demand, error) {
	d, err := scanDemand(tx.queryRow(ctx, "SELECT "+demandColumns+demandFrom+" WHERE d.id = ?"+tx.db.forUpdateOf("d"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundDemand(id)
	}
	return d, err
}

func requesterName(d *pubdata.Demand) string {
	if d.OrgName != "" {
		return d.OrgName
	}
	return d.Username
}

// CreateDemand implements pubdata.DemandService.
func (s *DemandService) CreateDemand(ctx context.Context, c *pubdata.DemandCreate) (*pubdata.Demand, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateDemandCreate(a, c); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	id := newID()
	var org any
	if a.Org != nil {
		org = a.Org.Code
	}
	if _, err := tx.exec(ctx, `INSERT INTO demands (id, title, description, items, purpose, division, org, username, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, c.Title, c.Description, jsonList(c.Items), c.Purpose, c.Division, org, a.Username(), pubdata.DemandOpen, fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "demand.create", Object: "demand:" + id, Details: map[string]any{
		"title": c.Title, "items": c.Items, "purpose": c.Purpose, "division": c.Division}}); err != nil {
		return nil, err
	}
	auth, err := tx.coveringAuthority(ctx, c.Division)
	if err != nil {
		return nil, err
	}
	requester := a.Username()
	if a.Org != nil {
		requester = a.Org.Name
	}
	n := pubdata.NewNotification(pubdata.NoticeDemandNew, map[string]string{"requester": requester, "title": c.Title}, "/console/demands", "demand:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindDemandByID(ctx, id)
}

// VoteDemand implements pubdata.DemandService.
func (s *DemandService) VoteDemand(ctx context.Context, id string) (*pubdata.Demand, error) {
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to vote.").Keyed("error.demand.sign_in_vote")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.demand(ctx, id); err != nil {
		return nil, err
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM demand_votes WHERE demand_id = ? AND username = ?", id, a.Username()).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "You have already voted for this demand.").Keyed("error.demand.voted")
	}
	if _, err := tx.exec(ctx, "INSERT INTO demand_votes (demand_id, username, created_at) VALUES (?, ?, ?)", id, a.Username(), fmtTime(tx.now)); err != nil {
		if isUniqueViolation(err) {
			return nil, pubdata.Errorf(pubdata.ECONFLICT, "You have already voted for this demand.").Keyed("error.demand.voted")
		}
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE demands SET votes = votes + 1 WHERE id = ?", id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "demand.vote", Object: "demand:" + id}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindDemandByID(ctx, id)
}

// RouteDemand implements pubdata.DemandService.
func (s *DemandService) RouteDemand(ctx context.Context, id string, r *pubdata.DemandRoute) (*pubdata.Demand, error) {
	a := pubdata.ActorFromContext(ctx)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	d, err := tx.demand(ctx, id)
	if err != nil {
		return nil, err
	}
	var org *pubdata.Org
	if code := strings.TrimSpace(r.Provider); code != "" {
		var o pubdata.Org
		err := tx.queryRow(ctx, "SELECT code, name, kind, division FROM orgs WHERE code = ?", code).Scan(&o.Code, &o.Name, &o.Kind, &o.Division)
		if err == nil {
			org = &o
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if err := pubdata.ValidateDemandRoute(a, d, r, org); err != nil {
		return nil, err
	}
	next, err := pubdata.NextDemandStatus(d.Status, "route")
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE demands SET status = ?, provider = ?, route_note = ?, routed_by = ?, routed_at = ?, expected = '', answer = '', answered_by = '', answered_at = NULL, updated_at = ? WHERE id = ?",
		next, r.Provider, r.Note, a.Username(), fmtTime(tx.now), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "demand.route", Object: "demand:" + id, Details: map[string]any{
		"from": d.Status, "to": next, "provider": r.Provider, "note": r.Note}}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeDemandRouted, map[string]string{"title": d.Title, "note": r.Note}, "/console/demands?role=routed", "demand:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: r.Provider}); err != nil {
		return nil, err
	}
	n = pubdata.NewNotification(pubdata.NoticeDemandForward, map[string]string{"title": d.Title, "provider": org.Name}, demandLink(id), "demand:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{User: d.Username}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindDemandByID(ctx, id)
}

// AnswerDemand implements pubdata.DemandService.
func (s *DemandService) AnswerDemand(ctx context.Context, id string, ans *pubdata.DemandAnswer) (*pubdata.Demand, error) {
	a := pubdata.ActorFromContext(ctx)
	d, err := s.FindDemandByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateDemandAnswer(a, d, ans, s.db.Now()); err != nil {
		return nil, err
	}
	var entry any
	if ans.Outcome == pubdata.OutcomePublished {
		e, err := s.entries.FindPublishedEntry(ctx, ans.Entry)
		switch {
		case pubdata.ErrorCode(err) == pubdata.ENOTFOUND:
			return nil, pubdata.FieldErrorf("entry", "Entry %q is not a published catalogue entry.", ans.Entry).Keyed("error.application.entry.unpublished", "Entry", ans.Entry)
		case err != nil:
			return nil, err
		case e.Org != d.Provider:
			return nil, pubdata.FieldErrorf("entry", "Entry %q is not your organisation's.", ans.Entry).Keyed("error.demand.entry.not_own", "Entry", ans.Entry)
		}
		entry = e.ID
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if d, err = tx.demand(ctx, id); err != nil {
		return nil, err
	}
	if !pubdata.CanAnswerDemand(a, d) { // routed elsewhere meanwhile
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the organisation the demand is routed to may answer it.").Keyed("error.demand.answer_forbidden")
	}
	next, err := pubdata.NextDemandStatus(d.Status, ans.Outcome)
	if err != nil {
		return nil, err
	}
	expected := ""
	if ans.Outcome == pubdata.OutcomePlanned {
		expected = ans.Expected
	}
	if _, err := tx.exec(ctx, "UPDATE demands SET status = ?, entry = ?, expected = ?, answer = ?, answered_by = ?, answered_at = ?, updated_at = ? WHERE id = ?",
		next, entry, expected, ans.Reason, a.Username(), fmtTime(tx.now), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	details := map[string]any{"from": d.Status, "to": next, "outcome": ans.Outcome, "provider": d.Provider}
	if expected != "" {
		details["expected"] = expected
	}
	if entry != nil {
		details["entry"] = entry
	}
	if ans.Reason != "" {
		details["reason"] = ans.Reason
	}
	if err := tx.record(ctx, change{Action: "demand.answer", Object: "demand:" + id, Details: details}); err != nil {
		return nil, err
	}
	key := map[string]string{pubdata.OutcomePlanned: pubdata.NoticeDemandPlanned, pubdata.OutcomePublished: pubdata.NoticeDemandAnswered, pubdata.OutcomeDeclined: pubdata.NoticeDemandDeclined}[ans.Outcome]
	n := pubdata.NewNotification(key, map[string]string{"title": d.Title, "provider": d.ProviderName, "expected": expected, "reason": ans.Reason}, demandLink(id), "demand:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{User: d.Username}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindDemandByID(ctx, id)
}
