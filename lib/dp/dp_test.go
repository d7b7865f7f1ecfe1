package dp

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// seeded is a reproducible random source for the distribution tests.
func seeded() Sampler {
	var seed [32]byte
	seed[0] = 7
	return Sampler{Rand: rand.NewChaCha8(seed)}
}

// The sampler's frequencies match the discrete Laplace PMF
// P(x) = (1-e^{-1/τ})/(1+e^{-1/τ}) · e^{-|x|/τ} within 5 standard errors.
func TestDiscreteLaplaceDistribution(t *testing.T) {
	for _, tc := range []struct{ t, s int64 }{{2, 1}, {3, 2}, {1000, 500}} {
		s := seeded()
		tau := float64(tc.t) / float64(tc.s)
		const n = 60000
		counts := map[int64]int{}
		sum := 0.0
		for i := 0; i < n; i++ {
			x := s.DiscreteLaplace(tc.t, tc.s)
			counts[x]++
			sum += float64(x)
		}
		norm := (1 - math.Exp(-1/tau)) / (1 + math.Exp(-1/tau))
		for x := int64(-4); x <= 4; x++ {
			p := norm * math.Exp(-math.Abs(float64(x))/tau)
			want := p * n
			se := math.Sqrt(n * p * (1 - p))
			if got := float64(counts[x]); math.Abs(got-want) > 5*se {
				t.Errorf("scale %g: P(%d) observed %d, expected %.0f ± %.0f", tau, x, counts[x], want, se)
			}
		}
		if mean := sum / n; math.Abs(mean) > 0.1*tau+0.05 {
			t.Errorf("scale %g: mean %g, want 0", tau, mean)
		}
	}
}

func TestBernoulliExp(t *testing.T) {
	s := seeded()
	for _, g := range []float64{0.25, 1, 2.5} {
		const n = 40000
		hits := 0
		for i := 0; i < n; i++ {
			num, den := bigs(int64(g*4), 4)
			if s.bernoulliExp(num, den) {
				hits++
			}
		}
		p := math.Exp(-g)
		se := math.Sqrt(n * p * (1 - p))
		if math.Abs(float64(hits)-p*n) > 5*se {
			t.Errorf("exp(-%g): %d of %d, want %.0f", g, hits, n, p*n)
		}
	}
}

func TestMechanisms(t *testing.T) {
	s := seeded()
	eps, err := ParseEpsilon(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []float64{0, -1, 11, math.NaN(), 0.0001} {
		if _, err := ParseEpsilon(bad); err == nil {
			t.Errorf("epsilon %g accepted", bad)
		}
	}
	if c := s.Count(0, eps); c < 0 {
		t.Fatalf("negative count %d", c)
	}
	// Noise is there: 200 noisy counts of 1000 are not all 1000, and average close to it.
	same, sum := 0, 0.0
	for i := 0; i < 200; i++ {
		c := s.Count(1000, eps)
		if c == 1000 {
			same++
		}
		sum += float64(c)
	}
	if same > 100 || math.Abs(sum/200-1000) > 1 {
		t.Fatalf("counts: %d unchanged, mean %g", same, sum/200)
	}
	b := Bounds{Lower: 0, Upper: 100}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Bounds{Lower: 5, Upper: 5}).Validate(); err == nil {
		t.Fatal("empty bounds accepted")
	}
	if m, ok := s.Mean(50*10000, 10000, b, eps); !ok || math.Abs(m-50) > 1 {
		t.Fatalf("mean %g %v", m, ok)
	}
	values := make([]int64, 10000)
	for i := range values {
		values[i] = int64(i % 100)
	}
	q := s.Quantiles(Histogram(values, b), b, []float64{0.5, 0.9}, eps)
	if math.Abs(q[0]-50) > 4 || math.Abs(q[1]-90) > 4 {
		t.Fatalf("quantiles %v", q)
	}
}

func bigs(n, d int64) (*big.Int, *big.Int) { return big.NewInt(n), big.NewInt(d) }
