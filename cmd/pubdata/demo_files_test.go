package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/pubdata/pubdata/lib/filetype"
)

// TestDemoPDF: the demo's PDF is a PDF by its bytes, its text escaped, and its
// cross-reference table points at its objects.
func TestDemoPDF(t *testing.T) {
	pdf := demoPDF([]string{"a (b) c"})
	if filetype.Sniff(pdf, nil, int64(len(pdf)), "x") != filetype.PDF || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: %q", pdf)
	}
	if !bytes.Contains(pdf, []byte(`(a \(b\) c) Tj`)) {
		t.Fatal("text not escaped")
	}
	i := bytes.Index(pdf, []byte("xref\n0 6\n"))
	if i < 0 {
		t.Fatal("no cross-reference table")
	}
	for n := 1; n <= 5; n++ {
		var off int
		fmt.Sscanf(string(pdf[i+len("xref\n0 6\n")+20*n:]), "%010d", &off)
		if !bytes.HasPrefix(pdf[off:], []byte(fmt.Sprintf("%d 0 obj", n))) {
			t.Fatalf("object %d is not at offset %d", n, off)
		}
	}
}
