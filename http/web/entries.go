package web

import (
	"github.com/pubdata/pubdata"
)

// NotFoundEntry is the error for an entry the caller may not see or that does not exist.
func NotFoundEntry(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q was not found.", id).Keyed("error.entry.not_found", "ID", id)
}

// Offset cursors: the catalogue search pages by offset, carried in an opaque cursor.
const MaxSearchOffset = 100000

// ListQuery is the catalogue search behind an entry list for the actor. The negative list
// and the open catalogue are public as a whole (SX27); the share catalogue and the
// responsibility list show anonymous callers, public users and companies their open part,
// as the portal's list pages do.
func ListQuery(kind string, a *pubdata.Actor) pubdata.CatalogQuery {
	cq := pubdata.CatalogQuery{Sort: "code"}
	switch kind {
	case "share":
		cq.Filters = []pubdata.CatalogFilter{pubdata.ShareCatalog}
	case "open":
		cq.Filters = []pubdata.CatalogFilter{pubdata.OpenCatalog}
	case "negative":
		cq.Filters = []pubdata.CatalogFilter{pubdata.NegativeList}
	}
	if kind != "negative" && kind != "open" && !pubdata.SeesWholeCatalog(a) {
		cq.Filters = append(cq.Filters, pubdata.OpenCatalog)
	}
	return cq
}
