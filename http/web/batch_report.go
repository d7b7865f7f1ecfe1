package web

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// ReportFor is batch b as the actor reads its report (the API's batch, the console's batch
// page and its CSV alike): the rejected values kept as given are shown in clear to the
// uploading provider's admins and editors, who hold that data anyway, and masked for every
// other reader (pubdata.Batch.ReportFor). Values stored masked (reports written before
// migration 0022) are shown as stored. b itself is left as it is.
func ReportFor(a *pubdata.Actor, b *pubdata.Batch) *pubdata.Batch {
	return b.ReportFor(a, ident.Mask)
}
