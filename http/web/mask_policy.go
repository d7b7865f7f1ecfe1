package web

import (
	"github.com/pubdata/pubdata"
)

// Mask policies (G2): the mapping from a data item's grade to the mask of shared and open
// reads. GET /api/v1/mask-policy?org= reads the platform's (org empty) or a provider's
// policy with the effective one; PUT sets it: the platform's by an authority's admin, a
// provider's by its own admins (pubdata.CanSetMaskPolicy), never looser than the
// platform's. The console page /console/mask-policy shows and sets them.

var ErrNoMaskPolicies = pubdata.Errorf(pubdata.ENOTFOUND, "Mask policies are not enabled on this server.").Keyed("error.not_available.mask_policies")

func MaskPolicyForbidden(org string) error {
	if org == "" {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's (provincial) authority may set the platform's mask policy.").Keyed("error.mask.platform_forbidden")
	}
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of %s may set its mask policy.", org).Keyed("error.mask.org_forbidden", "Org", org)
}
