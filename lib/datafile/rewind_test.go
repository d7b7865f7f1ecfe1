package datafile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pubdata/pubdata"
)

func TestRewind(t *testing.T) {
	items := []pubdata.Item{{Name: "id", Title: "编号", Type: "integer", Key: true}, {Name: "name", Title: "名称", Type: "string"}}
	path := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(path, []byte("编号,名称\n1,甲\n2,乙\n"), 0o600)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := Open(f, CSV, items, Options{})
	if err != nil {
		t.Fatal(err)
	}
	read := func() (n int) {
		for {
			r, err := src.Next()
			if err == io.EOF {
				return n
			} else if err != nil {
				t.Fatal(err)
			}
			if r.Num != int64(n+2) {
				t.Fatalf("row %d numbered %d", n, r.Num)
			}
			n++
		}
	}
	if !src.Rewindable() {
		t.Fatal("a file is rewindable")
	}
	if n := read(); n != 2 {
		t.Fatalf("first pass: %d rows", n)
	}
	if err := src.Rewind(); err != nil {
		t.Fatal(err)
	}
	if n := read(); n != 2 {
		t.Fatalf("second pass: %d rows", n)
	}
	// A reader that cannot seek is not rewindable.
	src, _ = Open(io.MultiReader(bytes.NewReader([]byte("编号,名称\n1,甲\n"))), CSV, items, Options{})
	if src.Rewindable() || src.Rewind() == nil {
		t.Fatal("a plain reader claims to be rewindable")
	}
}
