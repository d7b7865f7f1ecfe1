// Package dp adds differential-privacy noise to aggregates: an exact discrete Laplace sampler
// (Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy", 2020,
// algorithms 1 and 2) driven by a cryptographic random source, with no floating point in the
// sampling, so the noise has no floating-point side channel (Mironov 2012); and the
// mechanisms built on it: noisy counts, clamped sums, means and histogram quantiles.
//
// Privacy loss is given as a rational ε = EpsNum/EpsDen; a mechanism with sensitivity Δ adds
// discrete Laplace noise of scale Δ/ε, which is ε-differentially private.
package dp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
)

// Sampler draws noise from a random source (crypto/rand.Reader by default).
type Sampler struct {
	Rand io.Reader
}

func (s Sampler) rng() io.Reader {
	if s.Rand == nil {
		return rand.Reader
	}
	return s.Rand
}

// uniform returns a uniform integer in [0, n), n > 0.
func (s Sampler) uniform(n *big.Int) *big.Int {
	v, err := rand.Int(s.rng(), n)
	if err != nil {
		panic("dp: the random source failed: " + err.Error())
	}
	return v
}

// bernoulli returns true with probability num/den (0 ≤ num ≤ den, den > 0).
func (s Sampler) bernoulli(num, den *big.Int) bool {
	return s.uniform(den).Cmp(num) < 0
}

// bernoulliExp returns true with probability exp(-num/den), num ≥ 0 (CKS20 algorithm 1).
func (s Sampler) bernoulliExp(num, den *big.Int) bool {
	one := big.NewInt(1)
	if num.Cmp(den) <= 0 {
		k := big.NewInt(1)
		for {
			kd := new(big.Int).Mul(den, k)
			if !s.bernoulli(num, kd) {
				break
			}
			k.Add(k, one)
		}
		return k.Bit(0) == 1
	}
	whole := new(big.Int).Quo(num, den)
	for i := new(big.Int); i.Cmp(whole) < 0; i.Add(i, one) {
		if !s.bernoulliExp(one, one) {
			return false
		}
	}
	rest := new(big.Int).Sub(num, new(big.Int).Mul(whole, den))
	return s.bernoulliExp(rest, den)
}

// DiscreteLaplace returns an integer x with probability proportional to exp(-|x|·s/t), that
// is the discrete Laplace distribution of scale t/s (CKS20 algorithm 2); t, s ≥ 1.
func (s Sampler) DiscreteLaplace(t, sc int64) int64 {
	if t < 1 || sc < 1 {
		panic("dp: the scale's numerator and denominator must be at least 1")
	}
	bt, bs := big.NewInt(t), big.NewInt(sc)
	one := big.NewInt(1)
	two := big.NewInt(2)
	for {
		u := s.uniform(bt)
		if !s.bernoulliExp(u, bt) {
			continue
		}
		v := int64(0)
		for s.bernoulliExp(one, one) {
			v++
		}
		x := new(big.Int).Add(u, new(big.Int).Mul(bt, big.NewInt(v)))
		y := new(big.Int).Quo(x, bs).Int64()
		b := s.bernoulli(one, two)
		if b && y == 0 {
			continue
		}
		if b {
			return -y
		}
		return y
	}
}

// Epsilon is a privacy loss as a fraction of thousandths: Milli/1000.
type Epsilon struct{ Milli int64 }

// ParseEpsilon reads ε (e.g. 0.5) to the thousandth; it must be in (0, 10].
func ParseEpsilon(x float64) (Epsilon, error) {
	if math.IsNaN(x) || x <= 0 || x > 10 {
		return Epsilon{}, fmt.Errorf("epsilon %g is not in (0, 10]", x)
	}
	m := int64(math.Round(x * 1000))
	if m < 1 {
		return Epsilon{}, fmt.Errorf("epsilon %g is below 0.001", x)
	}
	return Epsilon{Milli: m}, nil
}

// Float is ε as a number.
func (e Epsilon) Float() float64 { return float64(e.Milli) / 1000 }

// Split divides ε into n equal parts (rounded down to the thousandth, at least 0.001 each).
func (e Epsilon) Split(n int64) Epsilon {
	m := e.Milli / n
	if m < 1 {
		m = 1
	}
	return Epsilon{Milli: m}
}

// Noise returns discrete Laplace noise for an integer query of sensitivity delta (≥ 1)
// under ε: scale delta/ε = delta·1000/Milli.
func (s Sampler) Noise(delta int64, eps Epsilon) int64 {
	if delta < 1 {
		delta = 1
	}
	return s.DiscreteLaplace(delta*1000, eps.Milli)
}

// Count is a noisy count (sensitivity 1), never below 0.
func (s Sampler) Count(n int64, eps Epsilon) int64 {
	v := n + s.Noise(1, eps)
	if v < 0 {
		return 0
	}
	return v
}

// Bounds clamp the values of a sum, mean or quantile: each record's value is taken as
// min(max(v, Lower), Upper). Bounds are integers in the values' unit.
type Bounds struct{ Lower, Upper int64 }

// Validate checks Lower < Upper and that the range is not absurd.
func (b Bounds) Validate() error {
	if b.Lower >= b.Upper {
		return fmt.Errorf("the lower bound %d is not below the upper bound %d", b.Lower, b.Upper)
	}
	if b.Upper-b.Lower > 1<<40 || b.Lower < -(1<<40) || b.Upper > 1<<40 {
		return errors.New("the bounds are too far apart (at most 2^40)")
	}
	return nil
}

// Clamp clamps v into the bounds.
func (b Bounds) Clamp(v int64) int64 {
	if v < b.Lower {
		return b.Lower
	}
	if v > b.Upper {
		return b.Upper
	}
	return v
}

func (b Bounds) sensitivity() int64 {
	m := b.Upper
	if -b.Lower > m {
		m = -b.Lower
	}
	if m < 1 {
		m = 1
	}
	return m
}

// Sum is a noisy sum of values already clamped into b (sensitivity max(|Lower|, |Upper|)).
func (s Sampler) Sum(sum int64, b Bounds, eps Epsilon) int64 {
	return sum + s.Noise(b.sensitivity(), eps)
}

// Mean is a noisy mean: a noisy sum over a noisy count, ε split between them; the result is
// clamped into the bounds. ok is false when the noisy count is 0.
func (s Sampler) Mean(sum, n int64, b Bounds, eps Epsilon) (float64, bool) {
	half := eps.Split(2)
	ns := s.Sum(sum, b, half)
	nc := s.Count(n, half)
	if nc <= 0 {
		return 0, false
	}
	m := float64(ns) / float64(nc)
	return math.Max(float64(b.Lower), math.Min(float64(b.Upper), m)), true
}

// Bins is the number of equal-width bins the quantiles' histogram uses.
const Bins = 64

// Histogram counts clamped values into Bins equal-width bins over b.
func Histogram(values []int64, b Bounds) []int64 {
	h := make([]int64, Bins)
	w := float64(b.Upper-b.Lower) / Bins
	for _, v := range values {
		i := int(float64(b.Clamp(v)-b.Lower) / w)
		if i >= Bins {
			i = Bins - 1
		}
		h[i]++
	}
	return h
}

// Quantiles reads the quantiles qs (each in [0,1]) off the histogram h after adding noise to
// each bin (a record is in one bin: the histogram has sensitivity 1 under ε); each quantile
// is the upper edge of the bin where the noisy cumulative count reaches it.
func (s Sampler) Quantiles(h []int64, b Bounds, qs []float64, eps Epsilon) []float64 {
	noisy := make([]int64, len(h))
	total := int64(0)
	for i, c := range h {
		noisy[i] = s.Count(c, eps)
		total += noisy[i]
	}
	w := float64(b.Upper-b.Lower) / float64(len(h))
	out := make([]float64, len(qs))
	for j, q := range qs {
		target := q * float64(total)
		cum := int64(0)
		i := 0
		for ; i < len(noisy); i++ {
			cum += noisy[i]
			if float64(cum) >= target {
				break
			}
		}
		if i == len(noisy) {
			i--
		}
		out[j] = float64(b.Lower) + w*float64(i+1)
	}
	return out
}

// SortedQuantile is the exact quantile of sorted values (for tests and for the provider's own
// view, never for consumers).
func SortedQuantile(sorted []int64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	if !sort.SliceIsSorted(sorted, func(i, j int) bool { return sorted[i] < sorted[j] }) {
		panic("dp: values not sorted")
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return float64(sorted[i])
}
