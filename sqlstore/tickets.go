package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

var _ pubdata.TicketService = (*TicketService)(nil)

// TicketService implements pubdata.TicketService: problem tickets (C1). Each step locks the
// ticket's row, checks the workflow (the domain's Validate*), updates it, and writes its
// audit event and notification in one transaction.
type TicketService struct {
	db *DB
	// ReplyDays is the working days a provider has to answer (0: the domain's default).
	ReplyDays int
}

// NewTicketService returns the ticket service on db.
func NewTicketService(db *DB) *TicketService { return &TicketService{db: db} }

const ticketColumns = "t.id, t.entry_id, t.entry_title, t.division, t.provider, COALESCE(po.name, ''), t.key_values, t.category, t.description, t.reporter, t.reporter_org, " +
	"t.status, t.round, t.due, t.due_at, t.due_covered, t.answer, t.batch_id, t.answered_by, t.answered_at, t.reopen_reason, t.escalated_at, t.confirmed_at, t.created_at, t.updated_at"

const ticketFrom = " FROM tickets t LEFT JOIN orgs po ON po.code = t.provider"

func scanTicket(sc interface{ Scan(...any) error }) (*pubdata.Ticket, error) {
	var t pubdata.Ticket
	var key string
	var covered int
	err := sc.Scan(&t.ID, &t.Entry, &t.EntryTitle, &t.Division, &t.Provider, &t.ProviderName, &key, &t.Category, &t.Description, &t.Reporter, &t.ReporterOrg,
		&t.Status, &t.Rounds, &t.Due, timeCol{&t.DueAt}, &covered, &t.Answer, &t.Batch, &t.AnsweredBy, optTimeCol{&t.AnsweredAt}, &t.ReopenReason,
		optTimeCol{&t.EscalatedAt}, optTimeCol{&t.ConfirmedAt}, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt})
	if err != nil {
		return nil, err
	}
	t.DueCovered = covered != 0
	if key != "" {
		if err := json.Unmarshal([]byte(key), &t.Key); err != nil {
			return nil, fmt.Errorf("ticket %s key: %w", t.ID, err)
		}
	}
	return &t, nil
}

// optTimeCol scans a nullable stored time into a *time.Time field (nil for NULL).
type optTimeCol struct{ p **time.Time }

func (c optTimeCol) Scan(v any) error {
	var n nullTime
	err := n.Scan(v)
	*c.p = n.t
	return err
}

func notFoundTicket(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Ticket %q not found.", id).Keyed("error.ticket.not_found", "ID", id)
}

// ticketLink is the ticket's page for the provider and the authority, reporterTicketLink
// the reporter's.
func ticketLink(id string) string         { return "/console/tickets/" + id }
func reporterTicketLink(id string) string { return "/account/tickets/" + id }

func (s *TicketService) overdue(t *pubdata.Ticket) {
	t.Overdue = t.Status.AwaitsAnswer() && s.db.Now().After(t.DueAt)
}

// ticketKeyDetails is a row's key for the record: values of personal or standard-identifier
// items masked, as objections' are.
func ticketKeyDetails(key map[string]string, items []pubdata.Item) map[string]string {
	if len(key) == 0 {
		return nil
	}
	out := map[string]string{}
	for name, v := range key {
		out[name] = v
		for _, it := range items {
			if it.Name == name && (it.Personal || it.Element != "") {
				out[name] = ident.Mask(v)
			}
		}
	}
	return out
}

// dueFrom counts the answer's due time from the instant from, with the transaction's
// calendar.
func (s *TicketService) dueFrom(ctx context.Context, tx *Tx, from time.Time) (time.Time, bool, error) {
	cal, err := tx.calendar(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	dueAt := cal.AddWorkdays(from, pubdata.TicketReplyDays(s.ReplyDays))
	return dueAt.UTC(), cal.SpanCovered(from, dueAt), nil
}

// CreateTicket implements pubdata.TicketService.
func (s *TicketService) CreateTicket(ctx context.Context, e *pubdata.Entry, c *pubdata.TicketCreate) (*pubdata.Ticket, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateTicketCreate(a, e, c); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	dueAt, covered, err := s.dueFrom(ctx, tx, tx.now)
	if err != nil {
		return nil, err
	}
	t := &pubdata.Ticket{ID: newID(), Entry: e.ID, EntryTitle: e.Title, Division: e.Division, Provider: e.Org, Key: c.Key, Category: c.Category,
		Description: c.Description, Reporter: a.Username(), ReporterOrg: a.OrgCode(), Status: pubdata.TicketOpen, Due: pubdata.Today(dueAt), DueAt: dueAt, DueCovered: covered}
	key := ""
	if len(t.Key) > 0 {
		if key, err = tx.sealObjectionKey(ctx, e.ID, t.Key); err != nil { // encryption.go
			return nil, err
		}
	}
	if _, err := tx.exec(ctx, `INSERT INTO tickets (id, entry_id, entry_title, division, provider, key_values, category, description, reporter, reporter_org, status, due_from, due, due_at, due_covered, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Entry, t.EntryTitle, t.Division, t.Provider, key, string(t.Category), t.Description, t.Reporter, t.ReporterOrg, string(t.Status),
		fmtTime(tx.now), t.Due, fmtTime(t.DueAt), boolInt(covered), fmtTime(tx.now), fmtTime(tx.now)); err != nil {
		return nil, err
	}
	details := map[string]any{"entry": t.Entry, "provider": t.Provider, "category": t.Category, "reporter": t.Reporter, "status": t.Status, "due": t.Due}
	if k := ticketKeyDetails(t.Key, e.Items); k != nil {
		details["key"] = k
	}
	if err := tx.record(ctx, change{Action: "ticket.create", Object: "ticket:" + t.ID, Org: t.Provider, Division: t.Division, Details: details}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeTicketNew, map[string]string{"entry": t.EntryTitle, "category": string(t.Category), "due": t.Due}, ticketLink(t.ID), "ticket:"+t.ID)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: t.Provider}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindTicketByID(ctx, t.ID)
}

// FindTicketByID implements pubdata.TicketService.
func (s *TicketService) FindTicketByID(ctx context.Context, id string) (*pubdata.Ticket, error) {
	t, err := scanTicket(s.db.queryRow(ctx, "SELECT "+ticketColumns+ticketFrom+" WHERE t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundTicket(id)
	} else if err == nil {
		err = s.db.openKey(ctx, s.db, t.Entry, t.Key)
	}
	if err != nil {
		return nil, err
	}
	s.overdue(t)
	return t, nil
}

// FindTickets implements pubdata.TicketService.
func (s *TicketService) FindTickets(ctx context.Context, f pubdata.TicketFilter) ([]*pubdata.Ticket, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var c conds
	c.eq("t.reporter", f.Reporter)
	c.eq("t.provider", f.Provider)
	c.eq("t.entry_id", f.Entry)
	c.eq("t.status", string(f.Status))
	c.inDivision("t.division", f.Division)
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM tickets t"+c.sql(), c.args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	const waiting = "t.status IN ('open', 'reopened', 'escalated')"
	order := " ORDER BY CASE WHEN " + waiting + " THEN 0 ELSE 1 END, CASE WHEN " + waiting + " THEN t.due_at ELSE '' END, t.created_at DESC, t.id DESC"
	rows, err := s.db.query(ctx, "SELECT "+ticketColumns+ticketFrom+c.sql()+order+" LIMIT ? OFFSET ?", append(c.args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanTicket)
	if err != nil {
		return nil, 0, "", err
	}
	if out == nil {
		out = []*pubdata.Ticket{}
	}
	for _, t := range out {
		if err := s.db.openKey(ctx, s.db, t.Entry, t.Key); err != nil {
			return nil, 0, "", err
		}
		s.overdue(t)
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

// lockTicket reads the ticket in tx, locking its row (PostgreSQL) for the step.
func (tx *Tx) lockTicket(ctx context.Context, id string) (*pubdata.Ticket, error) {
	t, err := scanTicket(tx.queryRow(ctx, "SELECT "+ticketColumns+ticketFrom+" WHERE t.id = ?"+tx.db.forUpdateOf("t"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundTicket(id)
	} else if err == nil {
		err = tx.db.openKey(ctx, tx, t.Entry, t.Key)
	}
	return t, err
}

// AnswerTicket implements pubdata.TicketService.
func (s *TicketService) AnswerTicket(ctx context.Context, id string, ans *pubdata.TicketAnswer) (*pubdata.Ticket, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := tx.lockTicket(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateTicketAnswer(t, ans); err != nil {
		return nil, err
	}
	if ans.Batch != "" {
		b := &pubdata.Batch{ID: ans.Batch}
		err := tx.queryRow(ctx, "SELECT entry_id, status FROM data_batches WHERE id = ?", ans.Batch).Scan(&b.Entry, &b.Status)
		if errors.Is(err, sql.ErrNoRows) {
			b = nil
		} else if err != nil {
			return nil, err
		}
		if err := pubdata.ValidateTicketBatch(t, ans.Batch, b); err != nil {
			return nil, err
		}
	}
	a := pubdata.ActorFromContext(ctx)
	if _, err := tx.exec(ctx, "UPDATE tickets SET status = 'answered', answer = ?, batch_id = ?, answered_by = ?, answered_at = ?, updated_at = ? WHERE id = ?",
		ans.Answer, ans.Batch, a.Username(), fmtTime(tx.now), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	details := map[string]any{"entry": t.Entry, "provider": t.Provider, "from": t.Status, "status": pubdata.TicketAnswered, "round": t.Rounds, "batch": ans.Batch, "late": tx.now.After(t.DueAt)}
	if err := tx.record(ctx, change{Action: "ticket.answer", Object: "ticket:" + id, Org: t.Provider, Division: t.Division, Details: details}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeTicketAnswered, map[string]string{"entry": t.EntryTitle}, reporterTicketLink(id), "ticket:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{User: t.Reporter}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindTicketByID(ctx, id)
}

// ConfirmTicket implements pubdata.TicketService.
func (s *TicketService) ConfirmTicket(ctx context.Context, id string) (*pubdata.Ticket, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := tx.lockTicket(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateTicketConfirm(t); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE tickets SET status = 'confirmed', confirmed_at = ?, updated_at = ? WHERE id = ?", fmtTime(tx.now), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	details := map[string]any{"entry": t.Entry, "provider": t.Provider, "status": pubdata.TicketConfirmed, "round": t.Rounds, "batch": t.Batch}
	if err := tx.record(ctx, change{Action: "ticket.confirm", Object: "ticket:" + id, Org: t.Provider, Division: t.Division, Details: details}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeTicketConfirmed, map[string]string{"entry": t.EntryTitle}, ticketLink(id), "ticket:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: t.Provider}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindTicketByID(ctx, id)
}

// ReopenTicket implements pubdata.TicketService.
func (s *TicketService) ReopenTicket(ctx context.Context, id string, r *pubdata.TicketReopen) (*pubdata.Ticket, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := tx.lockTicket(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateTicketReopen(t, r); err != nil {
		return nil, err
	}
	dueAt, covered, err := s.dueFrom(ctx, tx, tx.now)
	if err != nil {
		return nil, err
	}
	due := pubdata.Today(dueAt)
	if _, err := tx.exec(ctx, "UPDATE tickets SET status = 'reopened', round = round + 1, reopen_reason = ?, due_from = ?, due = ?, due_at = ?, due_covered = ?, updated_at = ? WHERE id = ?",
		r.Reason, fmtTime(tx.now), due, fmtTime(dueAt), boolInt(covered), fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	details := map[string]any{"entry": t.Entry, "provider": t.Provider, "status": pubdata.TicketReopened, "round": t.Rounds + 1, "due": due}
	if err := tx.record(ctx, change{Action: "ticket.reopen", Object: "ticket:" + id, Org: t.Provider, Division: t.Division, Details: details}); err != nil {
		return nil, err
	}
	n := pubdata.NewNotification(pubdata.NoticeTicketReopened, map[string]string{"entry": t.EntryTitle, "due": due}, ticketLink(id), "ticket:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Provider: t.Provider}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindTicketByID(ctx, id)
}

// EscalateTickets implements pubdata.TicketService. Each ticket is escalated by one
// transaction that acts only if it still waits for an answer unescalated, so that two
// servers (or two ticks) never escalate twice; a reopening starts a new round that may be
// escalated again.
func (s *TicketService) EscalateTickets(ctx context.Context, now time.Time) (int, error) {
	return s.db.eachOnce(ctx, "SELECT id FROM tickets WHERE status IN ('open', 'reopened') AND due_at < ? ORDER BY due_at", []any{fmtTime(now)}, s.escalate)
}

func (s *TicketService) escalate(ctx context.Context, id string) (bool, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE tickets SET status = 'escalated', escalated_at = ?, updated_at = ? WHERE id = ? AND status IN ('open', 'reopened')",
		fmtTime(tx.now), fmtTime(tx.now), id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	t, err := scanTicket(tx.queryRow(ctx, "SELECT "+ticketColumns+ticketFrom+" WHERE t.id = ?", id))
	if err == nil {
		err = tx.db.openKey(ctx, tx, t.Entry, t.Key)
	}
	if err != nil {
		return false, err
	}
	auth, err := tx.coveringAuthority(ctx, t.Division)
	if err != nil {
		return false, err
	}
	if err := tx.record(ctx, change{Org: t.Provider, Division: t.Division, Action: "ticket.escalate", Object: "ticket:" + id,
		Details: map[string]any{"entry": t.Entry, "provider": t.Provider, "due": t.Due, "round": t.Rounds, "authority": auth}}); err != nil {
		return false, err
	}
	provider := t.ProviderName
	if provider == "" {
		provider = t.Provider
	}
	n := pubdata.NewNotification(pubdata.NoticeTicketOverdue, map[string]string{"provider": provider, "entry": t.EntryTitle, "due": t.Due}, ticketLink(id), "ticket:"+id)
	if err := tx.notify(ctx, n, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
