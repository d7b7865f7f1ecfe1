package backup

import "testing"

// BenchmarkKDF measures the derivation of a backup's key from its passphrase.
func BenchmarkKDF(b *testing.B) {
	for b.Loop() {
		if _, _, err := newKDF("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
