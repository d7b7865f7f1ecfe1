package pubdata

import "context"

// BulkEntry is an entry to publish without the workflow: its provider and fields.
type BulkEntry struct {
	Org    string
	Fields EntryFields
}

// EntryBulkPublisher publishes entries in bulk, each as version 1, without the workflow's
// create, submit and approve steps, in one transaction for the whole slice: the catalogue
// row and search index are written as an approval writes them (a table entry's table at its first load), and each entry's
// publication is recorded ("entry.publish_bulk"). It serves benchmark fixtures (pubdata
// bench search) and catalogues reviewed elsewhere; it returns the new entries' ids in order.
type EntryBulkPublisher interface {
	PublishBulk(ctx context.Context, entries []BulkEntry) ([]string, error)
}
