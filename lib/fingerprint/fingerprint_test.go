package fingerprint

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/pubdata/pubdata/lib/datafile"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

var cols = []Column{
	{Name: "id", Title: "编号", Key: true},
	{Name: "name", Title: "名称"},
	{Name: "amount", Title: "金额", Kind: Integer},
	{Name: "rate", Title: "比率", Kind: Decimal},
	{Name: "small", Title: "小数", Kind: Integer},
}

// rows returns n rows of the columns' types with values in the marked ranges.
func rows(n int) [][]any {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([][]any, n)
	for i := range out {
		out[i] = []any{int64(1000 + i), fmt.Sprintf("单位%d", i), int64(100 + r.IntN(100000)),
			float64(r.IntN(100000)+1) / 100, int64(r.IntN(10))}
	}
	return out
}

// download marks copies of rs for recipient and writes them as CSV headed by names.
func download(t *testing.T, rs [][]any, recipient string, format datafile.Format) ([]byte, [][]any) {
	t.Helper()
	m := NewMarker(secret, "e1", recipient, cols)
	if recipient != "" && m == nil {
		t.Fatal("no marker")
	}
	var buf bytes.Buffer
	names := []string{"id", "name", "amount", "rate", "small"}
	w, err := datafile.NewWriter(&buf, format, names, datafile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var marked [][]any
	for _, r := range rs {
		v := append([]any(nil), r...)
		if recipient != "" {
			m.Row(v)
		}
		marked = append(marked, v)
		if err := w.Write(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), marked
}

// cut keeps share of the table's rows, shuffled, with its columns in another order.
func cut(t *testing.T, b []byte, share float64, seed uint64) *Table {
	t.Helper()
	tab, err := ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	r.Shuffle(len(tab.Rows), func(i, j int) { tab.Rows[i], tab.Rows[j] = tab.Rows[j], tab.Rows[i] })
	tab.Rows = tab.Rows[:int(float64(len(tab.Rows))*share)]
	perm := []int{3, 0, 2, 1, 4} // rate, id, amount, name, small
	out := &Table{}
	for _, p := range perm {
		out.Header = append(out.Header, tab.Header[p])
	}
	for _, row := range tab.Rows {
		nr := make([]string, len(perm))
		for i, p := range perm {
			nr[i] = row[p]
		}
		out.Rows = append(out.Rows, nr)
	}
	return out
}

var candidates = []string{"org:A", "org:B", "org:C", "user:zhang"}

func TestMarksAreSmallAndSelective(t *testing.T) {
	rs := rows(1000)
	_, marked := download(t, rs, "org:A", datafile.CSV)
	changed, eligible := 0, 0
	for i, r := range rs {
		m := marked[i]
		if m[0] != r[0] || m[1] != r[1] || m[4] != r[4] {
			t.Fatalf("row %d: key, text or small integer changed: %v → %v", i, r, m)
		}
		a, b := r[2].(int64), m[2].(int64)
		if d := a - b; d < -1 || d > 1 {
			t.Fatalf("integer moved by %d", d)
		}
		x, y := r[3].(float64), m[3].(float64)
		xs, ys := strconv.FormatFloat(x, 'f', -1, 64), strconv.FormatFloat(y, 'f', -1, 64)
		if len(xs) != len(ys) || xs[:len(xs)-1] != ys[:len(ys)-1] || math.Abs(x-y) > 0.1000001 {
			t.Fatalf("decimal %s moved to %s: not one unit of its last place", xs, ys)
		}
		eligible += 2
		if a != b {
			changed++
		}
		if x != y {
			changed++
		}
	}
	// One cell in Gamma is marked and half of those already have the parity.
	if changed < eligible/8 || changed > eligible*3/8 {
		t.Errorf("%d of %d cells changed, want about a quarter", changed, eligible)
	}
	// The same recipient gets the same values twice; another gets others.
	_, again := download(t, rs, "org:A", datafile.CSV)
	_, other := download(t, rs, "org:B", datafile.CSV)
	same, diff := true, false
	for i := range marked {
		for j := range marked[i] {
			same = same && marked[i][j] == again[i][j]
			diff = diff || marked[i][j] != other[i][j]
		}
	}
	if !same || !diff {
		t.Errorf("marks not deterministic per recipient (same %v) or not per recipient (differ %v)", same, diff)
	}
}

func TestTraceCutReorderedCopy(t *testing.T) {
	rs := rows(1000)
	for _, f := range []datafile.Format{datafile.CSV, datafile.XLSX, datafile.NDJSON} {
		for _, who := range []string{"org:B", "user:zhang"} {
			b, _ := download(t, rs, who, f)
			tab := cut(t, b, 0.2, 3)
			res := Detect(secret, "e1", cols, tab, candidates, 0)
			if res.Accused != who {
				t.Fatalf("%s: accused %q, want %q: %+v", f, res.Accused, who, res.Scores)
			}
			if res.Rows != 200 || res.Scores[0].Matches != res.Scores[0].Marks || res.Scores[0].Adjusted > 1e-30 {
				t.Errorf("%s: best score %+v over %d rows", f, res.Scores[0], res.Rows)
			}
			for _, s := range res.Scores[1:] {
				if s.Adjusted < 1e-3 {
					t.Errorf("%s: innocent %s scores %+v", f, s.Recipient, s)
				}
			}
		}
	}
}

func TestTraceTitledHeaderAndJSON(t *testing.T) {
	rs := rows(300)
	b, _ := download(t, rs, "org:C", datafile.CSV)
	tab, err := ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	tab.Header = []string{"编号", "名称", "金额", "比率", "小数"} // a page's download heads by titles
	if res := Detect(secret, "e1", cols, tab, candidates, 0); res.Accused != "org:C" {
		t.Errorf("titled: accused %q: %+v", res.Accused, res.Scores)
	}
	js, _ := download(t, rs, "org:C", datafile.NDJSON)
	var arr bytes.Buffer
	arr.WriteString(`{"items":[`)
	for i, line := range bytes.Split(bytes.TrimSpace(js), []byte("\n")) {
		if i > 0 {
			arr.WriteByte(',')
		}
		arr.Write(line)
	}
	arr.WriteString(`],"next":""}`)
	tab, err = ReadFile(arr.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if res := Detect(secret, "e1", cols, tab, candidates, 0); res.Accused != "org:C" {
		t.Errorf("json page: accused %q: %+v", res.Accused, res.Scores)
	}
}

func TestNoFalseAccusation(t *testing.T) {
	rs := rows(1000)
	// An unmarked copy (the provider's own, or an open download) accuses nobody.
	for seed := uint64(0); seed < 5; seed++ {
		b, _ := download(t, rs, "", datafile.CSV)
		res := Detect(secret, "e1", cols, cut(t, b, 0.2, seed), candidates, 0)
		if res.Accused != "" {
			t.Fatalf("unmarked copy accuses %q: %+v", res.Accused, res.Scores)
		}
	}
	// Another recipient's copy, when that recipient is not among the candidates.
	b, _ := download(t, rs, "org:D", datafile.CSV)
	if res := Detect(secret, "e1", cols, cut(t, b, 0.2, 9), candidates, 0); res.Accused != "" {
		t.Fatalf("org:D's copy accuses %q: %+v", res.Accused, res.Scores)
	}
	// Another entry's key: nobody.
	b, _ = download(t, rs, "org:A", datafile.CSV)
	if res := Detect(secret, "e2", cols, cut(t, b, 0.2, 9), candidates, 0); res.Accused != "" {
		t.Fatalf("another entry accuses %q", res.Accused)
	}
	// Another secret: nobody.
	if res := Detect([]byte("another secret"), "e1", cols, cut(t, b, 0.2, 9), candidates, 0); res.Accused != "" {
		t.Fatalf("another secret accuses %q", res.Accused)
	}
	// A file without the key columns cannot be read: nobody, p = 1.
	tab := cut(t, b, 0.2, 9)
	tab.Header[1] = "renamed"
	if res := Detect(secret, "e1", cols, tab, candidates, 0); res.Accused != "" {
		t.Fatalf("keyless copy accuses %q", res.Accused)
	}
}

func TestTooFewRowsAccusesNobody(t *testing.T) {
	rs := rows(1000)
	b, _ := download(t, rs, "org:A", datafile.CSV)
	tab := cut(t, b, 0.005, 1) // 5 rows: about 5 marks, p ≈ 1/32
	if res := Detect(secret, "e1", cols, tab, candidates, 0); res.Accused != "" {
		t.Fatalf("5 rows accuse %q: %+v", res.Accused, res.Scores)
	}
}

func TestBinomialTail(t *testing.T) {
	for _, c := range []struct {
		n, k int
		p    float64
	}{{10, 10, 1.0 / 1024}, {10, 0, 1}, {2, 1, 0.75}, {4, 2, 11.0 / 16}, {3, 4, 0}} {
		if got := BinomialTail(c.n, c.k); math.Abs(got-c.p) > 1e-12 {
			t.Errorf("BinomialTail(%d,%d) = %v, want %v", c.n, c.k, got, c.p)
		}
	}
	if p := BinomialTail(2000, 2000); p <= 0 && !(p == 0) {
		t.Errorf("underflow: %v", p)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadOrCreateKey(dir)
	if err != nil || len(k1) != 32 {
		t.Fatalf("create: %v %d", err, len(k1))
	}
	k2, err := LoadOrCreateKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("load: %v, same %v", err, bytes.Equal(k1, k2))
	}
}

// BenchmarkMarkerRow is the cost of fingerprinting one row of the test table (two marked
// columns), beside BenchmarkMarkerBaseline, the copy of the row alone.
func BenchmarkMarkerRow(b *testing.B) {
	rs := rows(1000)
	m := NewMarker(secret, "e1", "org:A", cols)
	v := make([]any, len(cols))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		copy(v, rs[i%len(rs)])
		m.Row(v)
	}
}

func BenchmarkMarkerBaseline(b *testing.B) {
	rs := rows(1000)
	v := make([]any, len(cols))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		copy(v, rs[i%len(rs)])
	}
}
