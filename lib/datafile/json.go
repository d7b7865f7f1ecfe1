package datafile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/pubdata/pubdata"
)

// peekStart buffers r, skips a UTF-8 byte-order mark and reports an empty input.
func peekStart(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if bytes.HasPrefix(head, utf8BOM) {
		br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	if err == io.EOF && len(bytes.TrimSpace(head)) == 0 {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The file is empty.").Keyed("error.file.empty")
	}
	return br, nil
}

// jsonReader reads a top-level array of objects element by element.
type jsonReader struct {
	dec *json.Decoder
	lim *recordLimit
	rec *recorder
	n   int64
}

func openJSON(r io.Reader, items []pubdata.Item, opt Options) (func() (*pubdata.SourceRow, error), error) {
	br, err := peekStart(r)
	if err != nil {
		return nil, err
	}
	lim := &recordLimit{r: br}
	dec := json.NewDecoder(lim)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "The file is not JSON: %s.", jsonProblem(err)).Keyed("error.file.json.not_json", "Problem", jsonProblemMessage(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		hint, key := "", "error.file.json.not_array"
		if d == '{' {
			hint, key = " For one object a line, load it as ndjson.", "error.file.json.not_array_object"
		}
		return nil, pubdata.Errorf(pubdata.EINVALID, "A JSON file must be one array of objects ([{…}, {…}]), and this one does not start with [.%s", hint).Keyed(key)
	}
	j := &jsonReader{dec: dec, lim: lim, rec: newRecorder(items, opt)}
	return j.next, nil
}

func (j *jsonReader) next() (*pubdata.SourceRow, error) {
	j.lim.n = 0
	if !j.dec.More() {
		tok, err := j.dec.Token()
		if err != nil {
			return nil, j.fail(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != ']' {
			return nil, j.fail(fmt.Errorf("unexpected %v", tok))
		}
		if _, err := j.dec.Token(); err != io.EOF {
			return nil, pubdata.Errorf(pubdata.EINVALID, "The JSON file goes on after its array ends (at byte %d); a JSON file must be one array.", j.dec.InputOffset()).
				Keyed("error.file.json.after_array", "Byte", j.dec.InputOffset())
		}
		return nil, io.EOF
	}
	j.n++
	var v any
	if err := j.dec.Decode(&v); err != nil {
		return nil, j.fail(err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return malformed(j.n, "row.json.element", "Index", j.n, "Kind", jsonKind(v)), nil
	}
	return j.rec.record(obj, j.n), nil
}

func (j *jsonReader) fail(err error) error {
	if errors.Is(err, errRecordTooLong) {
		return pubdata.Errorf(pubdata.EINVALID, "Element %d of the JSON array is longer than %d MiB.", j.n, maxRecord>>20).
			Keyed("error.file.json.element_too_long", "Index", j.n, "MiB", maxRecord>>20)
	}
	return pubdata.Errorf(pubdata.EINVALID, "The JSON cannot be read at element %d of the array (byte %d): %s.", j.n, j.dec.InputOffset(), jsonProblem(err)).
		Keyed("error.file.json.element", "Index", j.n, "Byte", j.dec.InputOffset(), "Problem", jsonProblemMessage(err))
}

// jsonProblemMessage is jsonProblem as a message.
func jsonProblemMessage(err error) *pubdata.Message {
	var se *json.SyntaxError
	if !errors.As(err, &se) && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) {
		return pubdata.NewMessage("error.file.json.ends_early")
	}
	return pubdata.NewMessage("error.sentence", "Text", jsonProblem(err))
}

// jsonProblem words a decoding error.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the file ends too early"
	}
	return err.Error()
}

// jsonKind is the message naming the kind of a JSON value that is not an object.
func jsonKind(v any) *pubdata.Message {
	kind := "number"
	switch v.(type) {
	case nil:
		kind = "null"
	case []any:
		kind = "array"
	case string:
		kind = "string"
	case bool:
		kind = "boolean"
	}
	return pubdata.NewMessage("row.json.kind." + kind)
}

// ndjsonReader reads one object a line.
type ndjsonReader struct {
	br   *bufio.Reader
	rec  *recorder
	line int64
	buf  []byte
}

func openNDJSON(r io.Reader, items []pubdata.Item, opt Options) (func() (*pubdata.SourceRow, error), error) {
	br, err := peekStart(r)
	if err != nil {
		return nil, err
	}
	n := &ndjsonReader{br: br, rec: newRecorder(items, opt)}
	return n.next, nil
}

// readLine returns the next line without its end; io.EOF at the end.
func (n *ndjsonReader) readLine() ([]byte, error) {
	n.buf = n.buf[:0]
	for {
		part, err := n.br.ReadSlice('\n')
		n.buf = append(n.buf, part...)
		if len(n.buf) > maxRecord {
			return nil, pubdata.Errorf(pubdata.EINVALID, "Line %d is longer than %d MiB.", n.line+1, maxRecord>>20).
				Keyed("error.file.ndjson.line_too_long", "Line", n.line+1, "MiB", maxRecord>>20)
		}
		switch {
		case err == nil:
			n.line++
			return n.buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(n.buf) == 0 {
				return nil, io.EOF
			}
			n.line++
			return n.buf, nil
		default:
			return nil, err
		}
	}
}

func (n *ndjsonReader) next() (*pubdata.SourceRow, error) {
	for {
		line, err := n.readLine()
		if err != nil {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return malformed(n.line, "row.json.line", "Line", n.line, "Problem", jsonProblemMessage(err)), nil

		}
		if dec.More() {
			return malformed(n.line, "row.json.line_many", "Line", n.line), nil
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return malformed(n.line, "row.json.line_kind", "Line", n.line, "Kind", jsonKind(v)), nil
		}
		return n.rec.record(obj, n.line), nil
	}
}
