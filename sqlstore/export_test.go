package sqlstore

// SetCommonTermDF sets the number of entries from which a term's postings are kept in memory
// (postings.go), so that tests can search with every term in memory, or none.
func SetCommonTermDF(d *DB, n int) { d.catalog.postings.minDF = n }
