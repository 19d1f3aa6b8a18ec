package territory

import (
	"hash/fnv"
	"math"
)

// rng is SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014). Its output is fixed by this file rather than by
// the Go release: math/rand/v2 pins its generators' streams but not every
// derived method, and the fixtures must stay byte-identical.
type rng struct{ state uint64 }

// mix64 is SplitMix64's finaliser: a bijective avalanche of one word.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newRNG returns a stream named by labels under seed. Each part of the
// territory draws from its own stream, so that changing how many numbers one
// part consumes does not reshuffle the others.
func newRNG(seed uint64, labels ...string) *rng {
	h := fnv.New64a()
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return &rng{state: mix64(seed ^ h.Sum64())}
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix64(r.state)
}

// float returns a number in [0, 1) with 53 random bits.
func (r *rng) float() float64 { return float64(r.next()>>11) * 0x1p-53 }

// intn returns a number in [0, n). The modulo bias is below 2^-40 for the
// sizes used here.
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return int((r.next() >> 1) % uint64(n))
}

// between returns a number in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// weighted returns an index drawn with the given (non-negative) weights.
func (r *rng) weighted(w []float64) int {
	total := 0.0
	for _, v := range w {
		total += v
	}
	x := r.float() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// shuffle permutes n elements with swap (Fisher–Yates).
func (r *rng) shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.intn(i+1))
	}
}

// hashUnit maps (seed, a, b, c, d) to [0, 1) without state: lattice jitter
// depends only on the lattice index, so neighbouring cells agree on it.
func hashUnit(seed uint64, a, b, c, d int64) float64 {
	z := mix64(seed ^ 0x6a09e667f3bcc909)
	z = mix64(z ^ uint64(a))
	z = mix64(z ^ uint64(b)*0x9e3779b97f4a7c15)
	z = mix64(z ^ uint64(c)*0xc2b2ae3d27d4eb4f)
	z = mix64(z ^ uint64(d)*0x165667b19e3779f9)
	return float64(z>>11) * 0x1p-53
}

// round7 rounds a WGS84 coordinate to 1e-7 degree (about 1 cm).
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
