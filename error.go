package pubdata

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in the http package's table.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	ETOOLARGE     = "too_large"
	EINTERNAL     = "internal"
)

// Error is the one error type of the domain. Message is a sentence safe to show a user, in
// English; anything internal goes to the log, never into Message. Msg, when set, names the
// same sentence in the message files (package locale) with its arguments, so that the http
// layer shows it in the reader's language; Message stays the default (logs, a language
// without the key). Build one with Errorf or FieldErrorf and name its message with Keyed:
//
//	FieldErrorf("decision", "Decision is required: approve or reject.").Keyed("error.decision.required")
type Error struct {
	Code    string
	Message string
	Msg     *Message
	// Field names the input field at fault, when one is.
	Field string
	// Fields holds each field's problem when a validation found several; Message then joins
	// their messages.
	Fields []*Error
}

func (e *Error) Error() string {
	return fmt.Sprintf("pubdata error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Keyed names e's message in the message files: key with args, pairs of a placeholder name
// and its value (see NewMessage; a column is named by its title, as the user wrote it). It
// returns e, so that it follows its constructor.
func (e *Error) Keyed(key string, args ...any) *Error {
	e.Msg = NewMessage(key, args...)
	return e
}

// MessageOf returns the message of the first *Error in err's chain: its keyed message, else
// its English sentence as the message error.sentence (the same in every language); for
// another error, the internal error's. It lets a message quote another error's.
func MessageOf(err error) *Message {
	var e *Error
	switch {
	case errors.As(err, &e) && e.Msg != nil:
		return e.Msg
	case e != nil:
		return NewMessage("error.sentence", "Text", e.Message)
	}
	return NewMessage("error.internal.message")
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// FieldErrorf returns an EINVALID *Error about one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// invalid combines the problems of one validation: nil when there are none, the problem
// itself when there is one, else one EINVALID error holding them all.
func invalid(problems []*Error) error {
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return problems[0]
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Message
	}
	return &Error{Code: EINVALID, Message: strings.Join(msgs, " "), Fields: problems}
}

// WithFieldError adds the field problem p (nil: none) to err, which is nil or an EINVALID
// error from a validation; any other error is returned as it is.
func WithFieldError(err error, p *Error) error {
	if p == nil {
		return err
	}
	if err == nil {
		return p
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID {
		return err
	}
	problems := e.Fields
	if len(problems) == 0 {
		problems = []*Error{e}
	}
	return invalid(append(append([]*Error{}, problems...), p))
}

// ErrorFields returns the problem of each input field named in err (empty when none), so a
// form can show each next to its field.
func ErrorFields(err error) map[string]*Error {
	out := map[string]*Error{}
	var e *Error
	if !errors.As(err, &e) {
		return out
	}
	for _, p := range append([]*Error{e}, e.Fields...) {
		if _, seen := out[p.Field]; p.Field != "" && !seen {
			out[p.Field] = p
		}
	}
	return out
}

// ErrorMessage returns the user-safe message of the first *Error in err's chain, or a
// generic sentence for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
