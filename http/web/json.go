package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
)

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// DecodeJSON reads one JSON object from the body into v. Unknown fields, trailing data
// and malformed JSON are EINVALID naming the problem; an oversize body is ETOOLARGE.
func DecodeJSON(r *http.Request, v any) error {
	if r.Body == nil {
		return pubdata.Errorf(pubdata.EINVALID, "Request body is required.").Keyed("error.json.body.required")
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return JsonError(err)
	}
	return DecodeJSONBytes(raw, v)
}

// DecodeJSONBytes decodes one JSON object from raw into v as DecodeJSON decodes a body
// (unknown fields refused), e.g. a multipart form's JSON part.
func DecodeJSONBytes(raw []byte, v any) error {
	if err := checkJSONBody(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return JsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			if e := NormalizeError(err); e != err {
				return e
			}
		}
		return pubdata.Errorf(pubdata.EINVALID, "Request body must hold one JSON object.").Keyed("error.json.one_object")
	}
	return nil
}

func JsonError(err error) error {
	var (
		mbe    *http.MaxBytesError
		syn    *json.SyntaxError
		typ    *json.UnmarshalTypeError
		prefix = "Request body is not valid JSON"
	)
	switch {
	case errors.As(err, &mbe):
		return NormalizeError(err)
	case errors.Is(err, io.EOF):
		return pubdata.Errorf(pubdata.EINVALID, "Request body is required.").Keyed("error.json.body.required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return pubdata.Errorf(pubdata.EINVALID, "%s: it ends too early.", prefix).Keyed("error.json.ends_early")
	case errors.As(err, &syn):
		return pubdata.Errorf(pubdata.EINVALID, "%s at byte %d.", prefix, syn.Offset).Keyed("error.json.syntax", "Offset", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			kind := jsonKind(typ.Type.Kind().String())
			return pubdata.Errorf(pubdata.EINVALID, "Field %q must be a JSON %s.", typ.Field, kind).
				Keyed("error.json.field_type", "Field", typ.Field, "Type", kind)
		}
		return pubdata.Errorf(pubdata.EINVALID, "Request body must be a JSON object.").Keyed("error.json.object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return pubdata.Errorf(pubdata.EINVALID, "Unknown field %s.", field).Keyed("error.json.unknown_field", "Field", field)
	}
	return pubdata.Errorf(pubdata.EINVALID, "%s.", prefix).Keyed("error.json.invalid")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return "number"
}

// ListReply is the shape of every list.
type ListReply[T any] struct {
	Items []T    `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next"`
}

// NewList returns a list reply with items never null.
func NewList[T any](items []T, total int, next string) ListReply[T] {
	if items == nil {
		items = []T{}
	}
	return ListReply[T]{Items: items, Total: total, Next: next}
}

// PageParams reads limit and cursor from the query.
func PageParams(q url.Values) (limit int, cursor string, err error) {
	n := 0
	if v := q.Get("limit"); v != "" {
		if n, err = strconv.Atoi(v); err != nil {
			return 0, "", pubdata.Errorf(pubdata.EINVALID, "Parameter limit must be a whole number, not %q.", v).
				Keyed("error.param.limit.syntax", "Value", v)
		}
		if n == 0 {
			return 0, "", pubdata.Errorf(pubdata.EINVALID, "Parameter limit must be between 1 and %d.", pubdata.MaxLimit).
				Keyed("error.param.limit.range", "Max", pubdata.MaxLimit)
		}
	}
	if limit, err = pubdata.PageLimit(n); err != nil {
		return 0, "", pubdata.Errorf(pubdata.EINVALID, "Parameter limit must be between 1 and %d.", pubdata.MaxLimit).
			Keyed("error.param.limit.range", "Max", pubdata.MaxLimit)
	}
	cursor = q.Get("cursor")
	if len(cursor) > 512 {
		return 0, "", pubdata.Errorf(pubdata.EINVALID, "Parameter cursor is too long.").Keyed("error.param.cursor.too_long")
	}
	return limit, cursor, nil
}

// ParamError is an EINVALID naming a query parameter: "Parameter <name> <problem>", the
// problem given as its message (pubdata.NewMessage("error.param.…", …)) and its English
// sentence (format and args), so that the reader gets it in their language with the
// parameter's name as it is written.
func ParamError(name string, problem *pubdata.Message, format string, args ...any) error {
	return pubdata.Errorf(pubdata.EINVALID, "Parameter %s %s", name, fmt.Sprintf(format, args...)).
		Keyed("error.param", "Name", name, "Problem", problem)
}
