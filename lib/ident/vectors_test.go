package ident

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"github.com/pubdata/pubdata/internal/testdb"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// vectors is testdata/validator-test-vectors.json, a copy of
// shared/data/validators/validator-test-vectors.json (see docs/DATA.md).
type vectors struct {
	ResidentID struct {
		Weights []int             `json:"weights"`
		Check   string            `json:"check_char_by_sum_mod_11"`
		Valid   []string          `json:"valid"`
		Invalid map[string]string `json:"invalid"`
	} `json:"resident_id"`
	USCC struct {
		Charset string            `json:"charset"`
		Weights []int             `json:"weights"`
		Valid   []string          `json:"valid"`
		Invalid map[string]string `json:"invalid"`
	} `json:"uscc"`
	OrgCode struct {
		Weights []int    `json:"weights"`
		Valid   []string `json:"valid"`
	} `json:"org_code"`
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/validator-test-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.ResidentID.Valid) == 0 || len(v.ResidentID.Invalid) == 0 || len(v.USCC.Valid) == 0 ||
		len(v.USCC.Invalid) == 0 || len(v.OrgCode.Valid) == 0 {
		t.Fatal("test vectors: a section is empty; has the file's structure changed?")
	}
	return v
}

func TestVectorConstants(t *testing.T) {
	v := loadVectors(t)
	if !slices.Equal(v.ResidentID.Weights, residentWeights[:]) || v.ResidentID.Check != residentCheckChars {
		t.Error("resident ID weights or check characters differ from the vectors")
	}
	if !slices.Equal(v.USCC.Weights, usccWeights[:]) || v.USCC.Charset != usccChars {
		t.Error("USCC weights or character set differ from the vectors")
	}
	if !slices.Equal(v.OrgCode.Weights, orgWeights[:]) {
		t.Error("organisation code weights differ from the vectors")
	}
}

func TestVectorsResidentID(t *testing.T) {
	v := loadVectors(t)
	now := time.Now()
	for _, s := range v.ResidentID.Valid {
		if err := ResidentID(s, now); err != nil {
			t.Errorf("valid %s: %v", Mask(s), err)
		}
	}
	for s, why := range v.ResidentID.Invalid {
		err := ResidentID(s, now)
		if err == nil {
			t.Errorf("invalid %s (%s): passed", Mask(s), why)
			continue
		}
		assertMasked(t, s, err)
		t.Logf("%s (%s): %v", Mask(s), why, err)
	}
	// The lower-case x vector says "normalise, or reject": ResidentID rejects it as written,
	// and accepts it once normalised.
	const lower = "11010519491231002x"
	if _, ok := v.ResidentID.Invalid[lower]; !ok {
		t.Fatal("the lower-case x vector is gone")
	}
	if err := ResidentID(lower, now); ruleOf(err) != RuleCase {
		t.Errorf("lower-case x: rule %q, want %q", ruleOf(err), RuleCase)
	}
	n, err := NormalizeResidentID(lower)
	if err != nil || n != "11010519491231002X" || ResidentID(n, now) != nil {
		t.Errorf("lower-case x normalised to %s, %v", Mask(n), err)
	}
}

func TestVectorsUSCC(t *testing.T) {
	v := loadVectors(t)
	for _, s := range v.USCC.Valid {
		if err := USCC(s); err != nil {
			t.Errorf("valid %s: %v", s, err)
		}
		if err := OrgCode(s[8:17]); err != nil {
			t.Errorf("valid %s: its organisation code: %v", s, err)
		}
	}
	for s, why := range v.USCC.Invalid {
		err := USCC(s)
		if err == nil {
			t.Errorf("invalid %s (%s): passed", s, why)
			continue
		}
		assertMasked(t, s, err)
		t.Logf("%s (%s): %v", s, why, err)
	}
}

func TestVectorsOrgCode(t *testing.T) {
	v := loadVectors(t)
	for _, s := range v.OrgCode.Valid {
		if err := OrgCode(s); err != nil {
			t.Errorf("valid %s: %v", s, err)
		}
		if err := OrgCode(strings.Replace(s, "-", "", 1)); err != nil {
			t.Errorf("valid %s without the hyphen: %v", s, err)
		}
	}
}

// TestSampleUSCCs runs the 533 USCCs of the shared enterprise-registration samples (real
// codes, among them development-zone and central registration authorities), when present.
func TestSampleUSCCs(t *testing.T) {
	n := 0
	for _, name := range []string{"enterprise-registration-beijing-1990.csv", "enterprise-registration-shanghai-1986.csv"} {
		f, err := os.Open("../../../shared/data/samples/" + name)
		if errors.Is(err, os.ErrNotExist) {
			if testdb.InCI() {
				t.Fatalf("shared samples are required in CI: %v", err)
			}
			t.Skip("shared samples not present")
		} else if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(rows[0], "统一社会信用代码")
		if col < 0 {
			t.Fatalf("%s: no USCC column", name)
		}
		for i, r := range rows[1:] {
			n++
			if err := USCC(r[col]); err != nil {
				t.Errorf("%s row %d: %v", name, i+2, err)
			}
		}
	}
	if n != 533 {
		t.Errorf("checked %d sample USCCs, want 533", n)
	}
}

// TestEmbeddedDivisions checks the embedded code list against the history file it was
// derived from, when present.
func TestEmbeddedDivisions(t *testing.T) {
	f, err := os.Open("../../../shared/data/mca-divisions-history-1980-2024.csv")
	if errors.Is(err, os.ErrNotExist) {
		if testdb.InCI() {
			t.Fatalf("the shared history file is required in CI: %v", err)
		}
		t.Skip("shared history file not present")
	} else if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{}
	for _, r := range rows[1:] {
		n, ok := sixDigits(r[0])
		if !ok {
			t.Fatalf("history file: bad code %q", r[0])
		}
		want[n] = true
	}
	got := 0
	for n := 0; n < 1_000_000; n++ {
		if knownDivision(n) {
			got++
			if !want[n] {
				t.Errorf("%06d embedded but not in the history file", n)
			}
		} else if want[n] {
			t.Errorf("%06d in the history file but not embedded", n)
		}
	}
	if got != len(want) || got < 6000 {
		t.Errorf("embedded %d codes, history file has %d", got, len(want))
	}
}

func ruleOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule
	}
	if err == nil {
		return ""
	}
	return "(not an *ident.Error)"
}

// assertMasked fails when the message of err holds the whole value or any 10 consecutive
// characters of it (for a resident ID, more than the address code or the birth date).
func assertMasked(t testing.TB, value string, err error) {
	t.Helper()
	msg := err.Error()
	if len(value) >= 6 && strings.Contains(msg, value) {
		t.Errorf("message %q repeats the whole value", msg)
		return
	}
	for i := 0; i+10 <= len(value); i++ {
		if strings.Contains(msg, value[i:i+10]) {
			t.Errorf("message %q repeats 10 characters of the value", msg)
			return
		}
	}
}
