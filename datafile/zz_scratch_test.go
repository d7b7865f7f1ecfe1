package datafile

import (
	"io"
	"strconv"
	"os"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

func TestScratchDecode(t *testing.T) {
	path := os.Getenv("SCRATCH_CSV")
	if path == "" {
		t.Skip()
	}
	items := []pubdata.Item{{Name: "c0", Title: "c0", Type: "string", Key: true}}
	for j := 1; j < 20; j++ {
		typ := []string{"integer", "string", "number", "date"}[j%4]
		items = append(items, pubdata.Item{Name: "c" + strconv.Itoa(j), Title: "t" + itoa(j), Type: typ})
	}
	f, _ := os.Open(path)
	start := time.Now()
	src, err := Open(f, CSV, items, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, bad := 0, 0
	for {
		r, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if len(r.Errors) > 0 {
			bad++
		}
	}
	t.Logf("%d rows (%d bad) in %v: %.0f rows/s", n, bad, time.Since(start), float64(n)/time.Since(start).Seconds())
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }
