package envelope

import "testing"

// BenchmarkSeal: one encrypted cell of a load (Encrypt and Index of an 18-character value).
func BenchmarkSeal(b *testing.B) {
	k, err := NewEntryKeys("01a24eae-2a06-7221-ab06-366a15c19cab", make([]byte, 48))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Encrypt("uscc", "91350100MA2Y0000X1"); err != nil {
			b.Fatal(err)
		}
		k.Index("uscc", "91350100MA2Y0000X1")
	}
}
