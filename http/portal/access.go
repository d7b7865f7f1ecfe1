package portal

import (
	"context"
	"github.com/pubdata/pubdata"
)

// decideAccessFor is the decision of a read of e for purpose, for the pages that show what
// the caller may do (buttons, refusals) without reading.
func (s *Server) decideAccessFor(ctx context.Context, e *pubdata.Entry, purpose string) (pubdata.AccessDecision, error) {
	rd, err := s.OpenReadFor(ctx, e, purpose)
	if err != nil {
		return pubdata.AccessDecision{}, err
	}
	return rd.Decision(), nil
}
