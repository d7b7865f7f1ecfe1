package access

import (
	"context"
	"time"

	"github.com/pubdata/pubdata"
)

// Development spaces (pubdata's devspace.go): inside an approved space its developer reads
// the space's entries under the space alone — as if it held a grant on each for the
// space's purpose until the space's last day (DevSpace.Grant) — so the decision, the masks,
// the usable-but-invisible rule and the privacy budget (one per space) are the read path's
// as for any grant. The space's state is checked here too: a suspended, ended or pending
// space holds nothing.

// KindSpaceAnonymise is a whole table read to be anonymised inside a space; the space's
// record ("devspace.use") is its record.
var KindSpaceAnonymise = Kind{Path: "devspace/anonymise", Use: pubdata.UseDownload, OwnRecord: true}

// InSpace returns a copy of r whose caller's only standing is the space's.
func (r *Reader) InSpace(s *pubdata.DevSpace) *Reader {
	c := *r
	c.svc.Grants = spaceGrants{s}
	return &c
}

// SpacePurpose is the purpose of a space's reads: its purpose, under its grant.
func SpacePurpose(s *pubdata.DevSpace) Purpose {
	return Purpose{Text: s.Purpose, Grant: s.GrantID()}
}

type spaceGrants struct{ s *pubdata.DevSpace }

func (g spaceGrants) LiveGrants(_ context.Context, a *pubdata.Actor, entryID string, now time.Time) ([]*pubdata.Grant, error) {
	if !pubdata.IsSpaceDeveloper(a, g.s) || g.s.CheckUse(now, entryID, "") != nil {
		return nil, nil
	}
	e := g.s.Entry(entryID)
	pe := &pubdata.Entry{ID: entryID, Org: e.Provider}
	pe.Title = e.EntryTitle
	return []*pubdata.Grant{g.s.Grant(pe, a)}, nil
}
