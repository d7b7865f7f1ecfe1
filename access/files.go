package access

import (
	"context"
	"fmt"
	"os"

	"github.com/pubdata/pubdata"
)

// Blobs opens the stored bytes of file entries' files (package blob's Dir). Like the raw
// tables, only a Reader holds it: a transport gets a file's bytes through OpenFile, after
// the entry's access decision, with the read recorded and counted.
type Blobs interface {
	Open(key string) (*os.File, error)
}

// WithBlobs returns a copy of r that opens files' bytes from b (cmd/pubdata wires the data
// folder's files).
func (r *Reader) WithBlobs(b Blobs) *Reader {
	c := *r
	c.blobs = b
	return &c
}

// errNoFiles answers the file reads of a Reader without blobs.
var errNoFiles = pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no files.").Keyed("error.file.not_available")

// OpenFile opens version v of the file f of the read's entry for the caller: refused (403
// with the decision's reason, 401 for an anonymous caller) when the read is; else the read
// is recorded once ("data.read" for shared reads and the authority's, with the file and its
// version, path "file") and counted as a download, and the bytes are opened. The caller
// serves them and closes the file. A stored size that differs from the row's is an internal
// error (the bytes are never served short or altered).
func (rd *Read) OpenFile(ctx context.Context, f *pubdata.EntryFile, v *pubdata.FileVersion) (*os.File, error) {
	if !rd.d.Allow {
		return nil, rd.Refused(ctx, KindFile, true)
	}
	if rd.r.blobs == nil {
		return nil, errNoFiles
	}
	if f.Entry != rd.e.ID {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "File %q was not found.", f.ID).Keyed("error.file.not_found", "ID", f.ID)
	}
	file, err := rd.r.blobs.Open(v.Blob)
	if err != nil {
		return nil, fmt.Errorf("file %s version %d: %w", f.ID, v.Version, err)
	}
	if st, err := file.Stat(); err != nil || st.Size() != v.Size {
		file.Close()
		return nil, fmt.Errorf("file %s version %d: stored size differs from %d bytes (%v)", f.ID, v.Version, v.Size, err)
	}
	if err := rd.record(ctx, KindFile, nil, map[string]any{"file": f.ID, "version": v.Version, "sha256": v.SHA256, "format": v.Format}); err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}
