package datafile

import (
	"fmt"
	"github.com/pubdata/pubdata/internal/testdb"
	"io"
	"runtime"
	"strconv"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/ident"
)

// wideItems are 20 columns of every type, keyed by a USCC, with a resident ID and a mobile
// number: the shape of a typical departmental table.
var wideItems = func() []pubdata.Item {
	its := []pubdata.Item{
		{Name: "uscc", Title: "统一社会信用代码", Type: "string", Key: true, Element: "uscc", Length: 18},
		{Name: "name", Title: "企业名称", Type: "string", Length: 100},
		{Name: "legal_id", Title: "法定代表人身份证号", Type: "string", Element: "resident_id", Personal: true},
		{Name: "mobile", Title: "联系电话", Type: "string", Element: "mobile", Personal: true},
		{Name: "capital", Title: "注册资本", Type: "number"},
		{Name: "staff", Title: "从业人数", Type: "integer"},
		{Name: "founded", Title: "成立日期", Type: "date"},
		{Name: "active", Title: "存续", Type: "boolean"},
		{Name: "updated", Title: "更新时间", Type: "datetime"},
		{Name: "division", Title: "行政区划", Type: "string", Element: "division"},
	}
	for i := len(its); i < 20; i++ {
		typ := []string{"string", "integer", "number"}[i%3]
		its = append(its, pubdata.Item{Name: fmt.Sprintf("c%d", i), Title: fmt.Sprintf("字段%d", i), Type: typ, Length: 200})
	}
	return its
}()

// wideCSV generates a CSV of the wide items row by row, never holding the file.
type wideCSV struct {
	rows, n int // rows to write, rows written
	buf     []byte
	off     int
	usccs   []string
	ids     []string
	heads   [][]byte // the start of row n%1000, to the number in its name
	tails   [][]byte // the rest of row n%1000
}

func newWideCSV(rows int) *wideCSV {
	g := &wideCSV{rows: rows}
	for i := 0; i < 1000; i++ {
		g.usccs = append(g.usccs, ident.CompleteUSCC(fmt.Sprintf("9133010%09d", i)))
		g.ids = append(g.ids, ident.CompleteResidentID(fmt.Sprintf("33010619%02d0307%03d", 50+i%50, i)))
	}
	for i, it := range wideItems {
		if i > 0 {
			g.buf = append(g.buf, ',')
		}
		g.buf = append(g.buf, it.Title...)
	}
	g.buf = append(g.buf, '\n')
	for i := 0; i < 1000; i++ {
		g.heads = append(g.heads, g.head(nil, i))
		g.tails = append(g.tails, g.tail(nil, i))
	}
	return g
}

func (g *wideCSV) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.n == g.rows {
			return 0, io.EOF
		}
		g.buf, g.off = g.row(g.buf[:0], g.n), 0
		g.n++
	}
	k := copy(p, g.buf[g.off:])
	g.off += k
	return k, nil
}

// row is row n: its name holds n, the rest repeats every 1000 rows.
func (g *wideCSV) row(b []byte, n int) []byte {
	b = append(b, g.heads[n%1000]...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, g.tails[n%1000]...)
}

func (g *wideCSV) head(b []byte, n int) []byte {
	b = append(b, g.usccs[n%1000]...)
	return append(b, ",杭州某某科技有限公司第"...)
}

func (g *wideCSV) tail(b []byte, n int) []byte {
	b = append(b, "分公司,"...)
	b = append(b, g.ids[n%1000]...)
	b = append(b, ",1380013"...)
	b = strconv.AppendInt(b, int64(1000+n%9000), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, float64(n%100000)/4, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(n%5000), 10)
	b = append(b, ",20"...)
	b = strconv.AppendInt(b, int64(10+n%15), 10)
	b = append(b, "-03-07,是,2024-05-06 07:08:09,330106"...)
	for i := 10; i < 20; i++ {
		b = append(b, ',')
		switch i % 3 {
		case 0:
			b = append(b, "西湖区文三路"...)
			b = strconv.AppendInt(b, int64(i*n%997), 10)
			b = append(b, "号"...)
		case 1:
			b = strconv.AppendInt(b, int64(i*n), 10)
		case 2:
			b = strconv.AppendFloat(b, float64(i*n)/8, 'f', -1, 64)
		}
	}
	return append(b, '\n')
}

// BenchmarkCSV decodes and validates a generated 20-column CSV with a USCC key; it reports
// rows/s.
func BenchmarkCSV(b *testing.B) {
	const rows = 100000
	var size int64
	{
		n, _ := io.Copy(io.Discard, newWideCSV(rows))
		size = n
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Open(newWideCSV(rows), CSV, wideItems, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			r, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if r.Errors != nil {
				b.Fatalf("row %d: %v", r.Num, r.Errors)
			}
			n++
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestBoundedMemory streams a generated CSV of about 300 MB (never in memory) and samples
// the heap: it stays under 64 MB.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() && !testdb.InCI() {
		t.Skip("streams 305 MB: not in -short (always in CI)")
	}
	const rows = 1200000 // ≈ 320 MB
	const bound = 64 << 20
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sys0 := ms.Sys
	gen := newWideCSV(rows)
	s, err := Open(gen, CSV, wideItems, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var maxHeap uint64
	var kept []*pubdata.SourceRow // a few rows, to check they stay valid
	for {
		r, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Errors != nil {
			t.Fatalf("row %d: %v", r.Num, r.Errors)
		}
		n++
		if n%100000 == 1 {
			kept = append(kept, r)
		}
		if n%25000 == 0 {
			runtime.ReadMemStats(&ms)
			maxHeap = max(maxHeap, ms.HeapInuse)
		}
	}
	runtime.ReadMemStats(&ms)
	t.Logf("%d rows, %d MB read; max HeapInuse %d MB, Sys grew %d MB", n, s.Read()>>20, maxHeap>>20, (ms.Sys-sys0)>>20)
	if n != rows || s.Read() < 250<<20 {
		t.Fatalf("%d rows, %d bytes", n, s.Read())
	}
	if maxHeap > bound || ms.Sys-sys0 > bound {
		t.Errorf("max HeapInuse %d MB, Sys grew %d MB; want under %d MB", maxHeap>>20, (ms.Sys-sys0)>>20, bound>>20)
	}
	// The rows kept are intact: their values were not overwritten by later rows.
	for i, r := range kept {
		want := gen.row(nil, i*100000)
		got := r.Values[0].(string) + "," + r.Values[1].(string)
		if string(want[:len(got)]) != got {
			t.Errorf("row %d changed: %q", r.Num, got)
		}
	}
}
