package metrics

import "math"

// fisherExact is Fisher's exact test of x1/n1 against x2/n2: under
// equality, given the x1+x2 events, x1 is hypergeometric. It returns the
// two-sided p-value, the sum of the probabilities of every table no more
// likely than the one observed. It is valid for any counts, where the
// normal approximation of a z-test fails: with 1 event among 1,000 legs
// against 0 among the peers, the z-test gives p = 0.02 while the exact
// p-value is the agent's share of the pooled legs. ok is false when the
// test is undefined (an empty sample, or no events or no non-events at
// all).
func fisherExact(x1, n1, x2, n2 int64) (pValue float64, ok bool) {
	if n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2 {
		return 1, false
	}
	k, n := x1+x2, n1+n2
	if k == 0 || k == n {
		return 1, false
	}
	// log P(X = x) = log C(n1, x) + log C(n2, k-x) - log C(n, k)
	logC := func(a, b int64) float64 {
		la, _ := math.Lgamma(float64(a + 1))
		lb, _ := math.Lgamma(float64(b + 1))
		lab, _ := math.Lgamma(float64(a - b + 1))
		return la - lb - lab
	}
	base := logC(n, k)
	logP := func(x int64) float64 { return logC(n1, x) + logC(n2, k-x) - base }
	obs := logP(x1)
	// Tables within a relative 1e-7 of the observed probability count as
	// equally likely (floating-point ties).
	limit := obs + math.Log1p(1e-7)
	var p float64
	for x := max(0, k-n2); x <= min(k, n1); x++ {
		if lp := logP(x); lp <= limit {
			p += math.Exp(lp)
		}
	}
	return math.Min(p, 1), true
}
