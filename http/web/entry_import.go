package web

import (
	"errors"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/entryfile"
	"github.com/pubdata/pubdata/locale"

	"io"
	"net/http"
)

// MaxImportMemory is how much of a multipart upload is held in memory; the rest goes to a
// temporary file. The body limit (Server.MaxBodyBytes) bounds the whole upload.
const MaxImportMemory = 8 << 20

// ImportEntries decodes the file and imports its entries into the actor's organisation:
// all or nothing, or only checked with dryRun.
func (s *Server) ImportEntries(r *http.Request, a *pubdata.Actor, file io.Reader, dryRun bool) (*entryfile.Result, error) {
	if s.Entries == nil {
		return nil, errors.New("import: the server has no EntryService")
	}
	opt := entryfile.Options{DefaultDivision: a.Org.Division}
	if s.Elements != nil {
		els, err := s.Elements.FindElements(r.Context())
		if err != nil {
			return nil, err
		}
		opt.Elements = els
	}
	res, err := entryfile.ImportFile(r.Context(), s.Entries, a.Org.Code, file, opt, entryfile.ImportOptions{
		DryRun: dryRun,
		Check: func(f *pubdata.EntryFields) error {
			return pubdata.CheckEntryDivision(a.Org, f.Division, s.Divisions.Check)
		},
	})
	return res, NormalizeError(err)
}

// ImportErrorsIn puts the problems of an import in lang: each keyed problem's message
// replaces its English.
func ImportErrorsIn(lang string, res *entryfile.Result) {
	if res == nil {
		return
	}
	for i, e := range res.Errors {
		if e.Msg != nil {
			res.Errors[i].Message = locale.Render(lang, e.Msg)
		}
	}
}

// BoolParam reads a true/false query parameter (default false).
func BoolParam(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, ParamError(name, pubdata.NewMessage("error.param.bool", "Value", v), "must be true or false, not %q.", v)
	}
}
