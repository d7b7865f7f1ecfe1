package access

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// KindIncident is the read of an incident's rows to list the data subjects to notify.
var KindIncident = Kind{Path: "incident", Always: true}

// IncidentSubjects lists the key values (the key items joined by ",") of the rows of the
// published entry e that a grant with rowFilter ("" none) exposes: the data subjects an
// incident involving the grant must notify. Only the provider's users and the covering
// authority may (they read every row in clear); the read is recorded ("data.read", path
// incident). At most limit rows; more is reported by truncated.
func (r *Reader) IncidentSubjects(ctx context.Context, e *pubdata.Entry, rowFilter string, limit int) (subjects []string, truncated bool, err error) {
	a := pubdata.ActorFromContext(ctx)
	if !pubdata.CanReadAllData(a, e) {
		return nil, false, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's users and the covering authority list the rows of entry %s.", e.ID).
			Keyed("error.incident.act_forbidden")
	}
	var keys []string
	for _, it := range e.Items {
		if it.Key {
			keys = append(keys, it.Name)
		}
	}
	if len(keys) == 0 {
		return []string{}, false, nil
	}
	rd, err := r.Open(ctx, e, Purpose{Text: "incident"})
	if err != nil {
		return nil, false, err
	}
	q := &pubdata.RowQuery{Fields: keys, Limit: limit + 1}
	if rowFilter != "" {
		if _, err := url.ParseQuery(rowFilter); err != nil {
			return nil, false, err
		}
		d := rd.d
		d.Filter = rowFilter
		if err := addGrantFilter(d, e.Items, q); err != nil {
			return nil, false, err
		}
	}
	sel, err := rd.Select(ctx, q, KindIncident)
	if err != nil {
		return nil, false, err
	}
	subjects = []string{}
	_, err = sel.Each(ctx, func(values []any) error {
		if len(subjects) == limit {
			truncated = true
			return errEnough
		}
		parts := make([]string, len(values))
		for i, v := range values {
			if v != nil {
				parts[i] = fmt.Sprint(v)
			}
		}
		subjects = append(subjects, strings.Join(parts, ","))
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return subjects, truncated, err
}

var errEnough = errors.New("enough rows")
