package portal

import (
	"github.com/pubdata/pubdata"
)

// Objections (C4): a signed-in user objects to a record of a published table entry they may
// see in the catalogue, naming it by its key; the rows are frozen at once on every read path
// (the store's reads exclude them). Who may see and answer is the domain's
// (CanSeeObjection, CanResolveObjection); objections the caller may not see are 404.
//
// A key no current row has is refused only when the filer may read the entry's rows with the
// key columns in clear (DecideAccess): otherwise the objection is accepted without saying
// whether a row matched, so that filing cannot probe data the filer may not read.

// ObjectionDays returns the working days a provider has to answer an objection:
// ObjectionReplyDays, or pubdata.DefaultObjectionReplyDays when it is zero.
func (s *Server) ObjectionDays() int {
	return pubdata.ReplyDays{Objection: s.ObjectionReplyDays}.ForObjection()
}
