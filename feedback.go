package pubdata

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Ratings and comments on published entries (issue 6 item 6). A signed-in user rates an
// entry 1–5 (one rating each, changeable) and comments. A comment is pending until the
// authority covering the entry's division approves or rejects it; only approved comments are
// public. The provider's users reply: their comments are approved at once, marked as the
// provider's. Anyone signed in may report a comment, which puts it back in the moderation
// queue.

// Comment statuses.
const (
	CommentPending  = "pending"
	CommentApproved = "approved"
	CommentRejected = "rejected"
)

// Limits of comments.
const (
	MaxCommentText = 2000
	MaxReportText  = 500
)

// Rating is the summary of an entry's ratings.
type Rating struct {
	Entry   string  `json:"entry"`
	Average float64 `json:"average"` // 0 when there are none
	Count   int     `json:"count"`
	Mine    int     `json:"mine"` // the actor's rating, 0 when none
}

// Comment is a comment on an entry, or a reply (ReplyTo) to one.
type Comment struct {
	ID          string     `json:"id"`
	Entry       string     `json:"entry"`
	EntryTitle  string     `json:"entry_title"`
	Provider    string     `json:"provider"` // the entry's organisation
	Division    string     `json:"division"` // the entry's division
	ReplyTo     string     `json:"reply_to,omitempty"`
	Username    string     `json:"username"`
	Org         string     `json:"org,omitempty"`
	ByProvider  bool       `json:"by_provider"` // a reply of the entry's provider
	Body        string     `json:"body"`
	Status      string     `json:"status"`
	Reports     int        `json:"reports"` // reports since it was last moderated
	ModeratedBy string     `json:"moderated_by,omitempty"`
	ModeratedAt *time.Time `json:"moderated_at,omitempty"`
	Reason      string     `json:"reason,omitempty"` // why it was rejected
	CreatedAt   time.Time  `json:"created_at"`
}

// CommentCreate is a new comment; ReplyTo names an approved comment of the same entry.
type CommentCreate struct {
	Body    string `json:"body"`
	ReplyTo string `json:"reply_to,omitempty"`
}

// CommentFilter selects comments. Queue selects the moderation queue: pending comments and
// approved ones that were reported.
type CommentFilter struct {
	Entry    string
	Status   string
	Division string // entries inside this division
	Queue    bool
	Username string
	Limit    int
	Cursor   string
}

// FeedbackService keeps ratings and comments. Every change is recorded.
type FeedbackService interface {
	// RateEntry sets the actor's rating (1–5) of the published entry, replacing an earlier
	// one. EUNAUTHORIZED when anonymous, EINVALID for stars outside 1–5.
	RateEntry(ctx context.Context, e *Entry, stars int) (*Rating, error)
	// EntryRating returns the entry's rating summary, Mine for the actor.
	EntryRating(ctx context.Context, entryID string) (*Rating, error)
	// AddComment records the actor's comment on the published entry: pending, or approved
	// when the actor is of the entry's provider (a reply). The authority covering the
	// entry's division is notified of a pending one.
	AddComment(ctx context.Context, e *Entry, c *CommentCreate) (*Comment, error)
	// FindComments returns a page of the comments f selects, oldest first (the queue:
	// oldest first too), the total and the next cursor.
	FindComments(ctx context.Context, f CommentFilter) ([]*Comment, int, string, error)
	// FindCommentByID returns one comment; ENOTFOUND if none.
	FindCommentByID(ctx context.Context, id string) (*Comment, error)
	// ModerateComment approves or rejects (with a reason) the comment and clears its
	// reports (CanModerateComment). The author is notified of a rejection.
	ModerateComment(ctx context.Context, id string, approve bool, reason string) (*Comment, error)
	// ReportComment records the actor's report of an approved comment (once per user:
	// ECONFLICT after) and notifies the covering authority.
	ReportComment(ctx context.Context, id, reason string) (*Comment, error)
}

// IsModerator reports whether the actor moderates comments at all: an authority's admin or
// reviewer (CanModerateComment says which comments).
func IsModerator(a *Actor) bool {
	return a.IsAuthority() && (a.Role() == RoleAdmin || a.Role() == RoleReviewer)
}

// CanModerateComment reports whether the actor may moderate the comment: an admin or
// reviewer of an authority whose division covers the entry's.
func CanModerateComment(a *Actor, c *Comment) bool {
	return IsModerator(a) && DivisionCovers(a.Org.Division, c.Division)
}

// CanSeeComment reports whether the actor may see the comment: approved ones everyone;
// others their author and the authorities who moderate them.
func CanSeeComment(a *Actor, c *Comment) bool {
	return c.Status == CommentApproved || (!a.Anonymous() && a.Username() == c.Username) || CanModerateComment(a, c)
}

// IsProviderOf reports whether the actor is a user of the entry's provider.
func IsProviderOf(a *Actor, e *Entry) bool {
	return !a.Anonymous() && a.Org != nil && a.Org.Code == e.Org
}

// ValidateRating checks stars.
func ValidateRating(a *Actor, stars int) error {
	if a.Anonymous() {
		return Errorf(EUNAUTHORIZED, "Sign in to rate data.").Keyed("error.feedback.sign_in_rate")
	}
	if stars < 1 || stars > 5 {
		return FieldErrorf("stars", "A rating is 1 to 5 stars, not %d.", stars).Keyed("error.feedback.stars", "Stars", stars)
	}
	return nil
}

// ValidateCommentCreate trims and checks a comment.
func ValidateCommentCreate(a *Actor, c *CommentCreate) error {
	if a.Anonymous() {
		return Errorf(EUNAUTHORIZED, "Sign in to comment.").Keyed("error.feedback.sign_in_comment")
	}
	c.Body, c.ReplyTo = strings.TrimSpace(c.Body), strings.TrimSpace(c.ReplyTo)
	switch {
	case c.Body == "":
		return FieldErrorf("body", "The comment is empty.").Keyed("error.feedback.body.required")
	case utf8.RuneCountInString(c.Body) > MaxCommentText:
		return FieldErrorf("body", "A comment must be at most %d characters.", MaxCommentText).Keyed("error.feedback.body.too_long", "Max", MaxCommentText)
	}
	return nil
}

// ValidateModeration checks a moderation by the actor: a rejection needs a reason.
func ValidateModeration(a *Actor, c *Comment, approve bool, reason string) error {
	if !CanModerateComment(a, c) {
		return Errorf(EFORBIDDEN, "Only an admin or reviewer of the authority covering division %s may moderate this comment.", c.Division).Keyed("error.feedback.moderate_forbidden", "Division", c.Division)
	}
	reason = strings.TrimSpace(reason)
	switch {
	case !approve && reason == "":
		return FieldErrorf("reason", "A rejection needs a reason.").Keyed("error.feedback.reason.required")
	case utf8.RuneCountInString(reason) > MaxCommentText:
		return FieldErrorf("reason", "The reason must be at most %d characters.", MaxCommentText).Keyed("error.feedback.reason.too_long", "Max", MaxCommentText)
	}
	return nil
}

// Notification keys of comments.
const (
	NoticeCommentPending  = "comment.pending"  // to the covering authority's admins and reviewers
	NoticeCommentReported = "comment.reported" // to the covering authority's admins and reviewers
	NoticeCommentRejected = "comment.rejected" // to the author
)
