package metrics

import "math"

// Z95 is the two-sided 95% normal quantile used by every interval and test.
const Z95 = 1.96

// Wilson is the Wilson score interval of a share x/n at normal quantile z:
//
//	center = (p + z²/2n) / (1 + z²/n)
//	half   = z * sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
//
// Unlike p ± z·sqrt(p(1-p)/n) it stays inside 0..1 and is not empty at
// p = 0 or 1, which small agent samples hit often.
func Wilson(x, n int64, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	x = min(max(x, 0), n)
	nf := float64(n)
	p := float64(x) / nf
	z2 := z * z
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return clamp(center-half, 0, 1), clamp(center+half, 0, 1)
}

// NPSInterval is the adjusted-Wald interval of an NPS:
// add 3 to n and 3/4 to promoters and detractors, then with p and d the
// adjusted shares
//
//	nps' = p - d,  var = (p + d - (p - d)²) / (n + 3)
//	interval = 100 * (nps' ± z·sqrt(var)), clamped to -100..100.
//
// The interval is centred on the adjusted nps', not on the raw NPS.
func NPSInterval(promoters, detractors, n int64, z float64) (low, high float64) {
	na := float64(n) + 3
	p := (float64(promoters) + 0.75) / na
	d := (float64(detractors) + 0.75) / na
	diff := p - d
	se := math.Sqrt((p + d - diff*diff) / na)
	return clamp(100*(diff-z*se), -100, 100), clamp(100*(diff+z*se), -100, 100)
}

// tQuantile975 is the 97.5% quantile of Student's t with df degrees of
// freedom: a table to 30, then the Cornish-Fisher expansion around the
// normal quantile (error below 0.001 for df > 30).
func tQuantile975(df int64) float64 {
	table := [...]float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df < 1 {
		return math.Inf(1)
	}
	if df < int64(len(table)) {
		return table[df]
	}
	z, v := Z95, float64(df)
	z3, z5 := z*z*z, z*z*z*z*z
	return z + (z3+z)/(4*v) + (5*z5+16*z3+3*z)/(96*v*v)
}

// twoProportion is the pooled two-proportion z-test of x1/n1 against
// x2/n2: z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)) with p the pooled share,
// and the two-sided p-value. ok is false when the test is undefined
// (an empty sample, or both shares 0 or both 1).
func twoProportion(x1, n1, x2, n2 int64) (z, pValue float64, ok bool) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 1, false
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	p := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(p * (1 - p) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 || math.IsNaN(se) {
		return 0, 1, false
	}
	z = (p1 - p2) / se
	return z, twoSidedP(z), true
}

// twoSidedP is P(|Z| >= |z|) for a standard normal Z.
func twoSidedP(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

func clamp(x, lo, hi float64) float64 { return math.Min(math.Max(x, lo), hi) }
