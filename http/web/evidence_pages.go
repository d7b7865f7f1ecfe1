package web

import ()

// NormalizeOr is normalizeError's result when it recognises err, else def.
func NormalizeOr(err, def error) error {
	if e := NormalizeError(err); e != err {
		return e
	}
	return def
}
