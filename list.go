package pubdata

// Page sizes of every list: DefaultLimit when none is asked, never more than MaxLimit.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// PageLimit returns the page size to use for a requested limit, or EINVALID for a negative
// limit or one above MaxLimit.
func PageLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, Errorf(EINVALID, "limit must be between 1 and %d.", MaxLimit).Keyed("error.list.limit", "Max", MaxLimit)
	}
	return limit, nil
}
