package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/pubdata/pubdata"
)

// FeedbackService implements pubdata.FeedbackService: ratings and moderated comments, each
// change recorded with its notifications in its transaction.
type FeedbackService struct{ db *DB }

var _ pubdata.FeedbackService = (*FeedbackService)(nil)

// NewFeedbackService returns the ratings and comments on db.
func NewFeedbackService(db *DB) *FeedbackService { return &FeedbackService{db: db} }

func publishedOnly(e *pubdata.Entry) error {
	if e == nil || e.Version == 0 || e.Status == pubdata.StatusRetired {
		return pubdata.FieldErrorf("entry", "Only a published catalogue entry can be rated or commented on.").Keyed("error.feedback.entry")
	}
	return nil
}

// RateEntry implements pubdata.FeedbackService.
func (s *FeedbackService) RateEntry(ctx context.Context, e *pubdata.Entry, stars int) (*pubdata.Rating, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateRating(a, stars); err != nil {
		return nil, err
	}
	if err := publishedOnly(e); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `INSERT INTO ratings (entry_id, username, stars, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (entry_id, username) DO UPDATE SET stars = excluded.stars, updated_at = excluded.updated_at`, e.ID, a.Username(), stars, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "entry.rate", Object: "entry:" + e.ID, Details: map[string]any{"stars": stars}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.EntryRating(ctx, e.ID)
}

// EntryRating implements pubdata.FeedbackService.
func (s *FeedbackService) EntryRating(ctx context.Context, entryID string) (*pubdata.Rating, error) {
	r := &pubdata.Rating{Entry: entryID}
	var sum sql.NullInt64
	if err := s.db.queryRow(ctx, "SELECT COUNT(*), SUM(stars) FROM ratings WHERE entry_id = ?", entryID).Scan(&r.Count, &sum); err != nil {
		return nil, err
	}
	if r.Count > 0 {
		r.Average = float64(int(float64(sum.Int64)/float64(r.Count)*10+0.5)) / 10
	}
	if a := pubdata.ActorFromContext(ctx); !a.Anonymous() {
		err := s.db.queryRow(ctx, "SELECT stars FROM ratings WHERE entry_id = ? AND username = ?", entryID, a.Username()).Scan(&r.Mine)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return r, nil
}

const commentColumns = "id, entry_id, entry_title, provider, division, reply_to, username, org, by_provider, body, status, reports, moderated_by, moderated_at, reason, created_at"

func scanComment(sc interface{ Scan(...any) error }) (*pubdata.Comment, error) {
	var c pubdata.Comment
	var byProvider int
	var moderated nullTime
	if err := sc.Scan(&c.ID, &c.Entry, &c.EntryTitle, &c.Provider, &c.Division, &c.ReplyTo, &c.Username, &c.Org, &byProvider, &c.Body, &c.Status, &c.Reports,
		&c.ModeratedBy, &moderated, &c.Reason, timeCol{&c.CreatedAt}); err != nil {
		return nil, err
	}
	c.ByProvider, c.ModeratedAt = byProvider != 0, moderated.t
	return &c, nil
}

func notFoundComment(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Comment %q not found.", id).Keyed("error.feedback.not_found", "ID", id)
}

func (tx *Tx) comment(ctx context.Context, id string) (*pubdata.Comment, error) {
	c, err := scanComment(tx.queryRow(ctx, "SELECT "+commentColumns+" FROM comments WHERE id = ?"+tx.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundComment(id)
	}
	return c, err
}

const moderationLink = "/console/comments"

// AddComment implements pubdata.FeedbackService.
func (s *FeedbackService) AddComment(ctx context.Context, e *pubdata.Entry, cc *pubdata.CommentCreate) (*pubdata.Comment, error) {
	a := pubdata.ActorFromContext(ctx)
	if err := pubdata.ValidateCommentCreate(a, cc); err != nil {
		return nil, err
	}
	if err := publishedOnly(e); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if cc.ReplyTo != "" {
		parent, err := tx.comment(ctx, cc.ReplyTo)
		if err != nil || parent.Entry != e.ID || parent.Status != pubdata.CommentApproved {
			if err != nil && pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
				return nil, err
			}
			return nil, pubdata.FieldErrorf("reply_to", "Comment %q is not an approved comment on this entry.", cc.ReplyTo).Keyed("error.feedback.reply_to", "ID", cc.ReplyTo)
		}
	}
	byProvider := pubdata.IsProviderOf(a, e)
	c := &pubdata.Comment{ID: newID(), Entry: e.ID, EntryTitle: e.Title, Provider: e.Org, Division: e.Division, ReplyTo: cc.ReplyTo, Username: a.Username(),
		Org: a.OrgCode(), ByProvider: byProvider, Body: cc.Body, Status: pubdata.CommentPending, CreatedAt: tx.now}
	if byProvider {
		c.Status = pubdata.CommentApproved
	}
	if _, err := tx.exec(ctx, "INSERT INTO comments (id, entry_id, entry_title, provider, division, reply_to, username, org, by_provider, body, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.Entry, c.EntryTitle, c.Provider, c.Division, c.ReplyTo, c.Username, c.Org, boolInt(byProvider), c.Body, c.Status, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "comment.create", Object: "comment:" + c.ID, Details: map[string]any{
		"entry": e.ID, "reply_to": c.ReplyTo, "status": c.Status, "by_provider": byProvider}}); err != nil {
		return nil, err
	}
	if c.Status == pubdata.CommentPending {
		auth, err := tx.coveringAuthority(ctx, e.Division)
		if err != nil {
			return nil, err
		}
		n := pubdata.NewNotification(pubdata.NoticeCommentPending, map[string]string{"entry": e.Title}, moderationLink, "comment:"+c.ID)
		if err := tx.notify(ctx, n, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindCommentByID(ctx, c.ID)
}

// FindCommentByID implements pubdata.FeedbackService.
func (s *FeedbackService) FindCommentByID(ctx context.Context, id string) (*pubdata.Comment, error) {
	c, err := scanComment(s.db.queryRow(ctx, "SELECT "+commentColumns+" FROM comments WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundComment(id)
	}
	return c, err
}

// FindComments implements pubdata.FeedbackService.
func (s *FeedbackService) FindComments(ctx context.Context, f pubdata.CommentFilter) ([]*pubdata.Comment, int, string, error) {
	limit, err := pubdata.PageLimit(f.Limit)
	if err != nil {
		return nil, 0, "", err
	}
	offset, err := decodeOffset(f.Cursor)
	if err != nil {
		return nil, 0, "", err
	}
	var c conds
	c.eq("entry_id", f.Entry)
	c.eq("username", f.Username)
	switch f.Status {
	case "", pubdata.CommentPending, pubdata.CommentApproved, pubdata.CommentRejected:
		c.eq("status", f.Status)
	default:
		return nil, 0, "", pubdata.FieldErrorf("status", "Status %q is not pending, approved or rejected.", f.Status).Keyed("error.feedback.status", "Status", f.Status)
	}
	if f.Queue {
		c.add("(status = 'pending' OR (status = 'approved' AND reports > 0))")
	}
	c.inDivision("division", f.Division)
	var total int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM comments"+c.sql(), c.args...).Scan(&total); err != nil {
		return nil, 0, "", err
	}
	rows, err := s.db.query(ctx, "SELECT "+commentColumns+" FROM comments"+c.sql()+" ORDER BY created_at, id LIMIT ? OFFSET ?", append(c.args, limit, offset)...)
	if err != nil {
		return nil, 0, "", err
	}
	out, err := scanRows(rows, scanComment)
	if err != nil {
		return nil, 0, "", err
	}
	if out == nil {
		out = []*pubdata.Comment{}
	}
	return out, total, nextOffset(offset, len(out), total), nil
}

// ModerateComment implements pubdata.FeedbackService.
func (s *FeedbackService) ModerateComment(ctx context.Context, id string, approve bool, reason string) (*pubdata.Comment, error) {
	a := pubdata.ActorFromContext(ctx)
	reason = strings.TrimSpace(reason)
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := tx.comment(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := pubdata.ValidateModeration(a, c, approve, reason); err != nil {
		return nil, err
	}
	status := pubdata.CommentApproved
	if !approve {
		status = pubdata.CommentRejected
	}
	if _, err := tx.exec(ctx, "UPDATE comments SET status = ?, reports = 0, moderated_by = ?, moderated_at = ?, reason = ? WHERE id = ?",
		status, a.Username(), fmtTime(tx.now), reason, id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "comment.moderate", Object: "comment:" + id, Details: map[string]any{
		"entry": c.Entry, "from": c.Status, "to": status, "reports": c.Reports, "reason": reason}}); err != nil {
		return nil, err
	}
	if !approve {
		n := pubdata.NewNotification(pubdata.NoticeCommentRejected, map[string]string{"entry": c.EntryTitle, "reason": reason}, "/catalog/"+c.Entry, "comment:"+id)
		if err := tx.notify(ctx, n, pubdata.NoticeParties{User: c.Username}); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindCommentByID(ctx, id)
}

// ReportComment implements pubdata.FeedbackService.
func (s *FeedbackService) ReportComment(ctx context.Context, id, reason string) (*pubdata.Comment, error) {
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() {
		return nil, pubdata.Errorf(pubdata.EUNAUTHORIZED, "Sign in to report a comment.").Keyed("error.feedback.sign_in_report")
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > pubdata.MaxReportText {
		return nil, pubdata.FieldErrorf("reason", "The reason must be at most %d characters.", pubdata.MaxReportText).Keyed("error.feedback.reason.too_long", "Max", pubdata.MaxReportText)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := tx.comment(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != pubdata.CommentApproved {
		return nil, notFoundComment(id) // only public comments can be reported
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM comment_reports WHERE comment_id = ? AND username = ?", id, a.Username()).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "You have already reported this comment.").Keyed("error.feedback.reported")
	}
	if _, err := tx.exec(ctx, "INSERT INTO comment_reports (comment_id, username, reason, created_at) VALUES (?, ?, ?, ?)", id, a.Username(), reason, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE comments SET reports = reports + 1 WHERE id = ?", id); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "comment.report", Object: "comment:" + id, Details: map[string]any{"entry": c.Entry, "reason": reason}}); err != nil {
		return nil, err
	}
	auth, err := tx.coveringAuthority(ctx, c.Division)
	if err != nil {
		return nil, err
	}
	note := pubdata.NewNotification(pubdata.NoticeCommentReported, map[string]string{"entry": c.EntryTitle, "reason": reason}, moderationLink, "comment:"+id)
	if err := tx.notify(ctx, note, pubdata.NoticeParties{Authorities: authorities(auth)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindCommentByID(ctx, id)
}
