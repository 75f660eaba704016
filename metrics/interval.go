package metrics

import "math"

// Z95 is the two-sided 95% normal quantile used by every interval and test.
const Z95 = 1.96

// Value is one metric's value with its sample size and, where a method
// applies, a 95% interval.
type Value struct {
	// Value is nil when undefined (a zero denominator).
	Value *float64 `json:"value"`
	// N is the sample size: the denominator (for offered and handled, the
	// count itself; for occupancy and adherence, seconds).
	N int64 `json:"n"`
	// Low and High bound the 95% interval: adjusted Wald for nps, Wilson
	// for contact and survey shares, Student t for ces when the sum of
	// squares is known. Nil for counts, durations and time shares, whose
	// units (seconds) are not independent trials.
	Low  *float64 `json:"low,omitempty"`
	High *float64 `json:"high,omitempty"`
	// Reason says why Value is nil when that is not simply a zero
	// denominator (a metric not available for this source or level).
	Reason string `json:"reason,omitempty"`
}

func ptr(f float64) *float64 { return &f }

// Compute derives every catalog metric from c. cfg matters only for
// short_abandon_s = 0, where any ShortAbandons in c are ignored.
func Compute(c Counts, cfg Config) map[string]Value {
	short := c.ShortAbandons
	if cfg.ShortAbandonS == 0 {
		short = 0
	}
	base := c.Offered - short
	return map[string]Value{
		IDOffered:      {Value: ptr(float64(c.Offered)), N: c.Offered},
		IDHandled:      {Value: ptr(float64(c.HandledContacts)), N: c.HandledContacts},
		IDAHT:          mean(c.HandleS, c.Handled),
		IDASA:          mean(c.WaitAnsweredS, c.Answered),
		IDServiceLevel: share(c.AnsweredWithin, base),
		IDAbandonRate:  share(max(c.Abandoned-short, 0), base),
		IDTransferRate: share(c.Transferred, c.Handled),
		IDHoldRate:     share(c.Held, c.Handled),
		IDFCRRate:      share(c.FCRResolved, c.FCRKnown),
		IDOccupancy:    occupancy(c),
		IDAdherence:    ratio(c.AdherentS, c.ScheduledS),
		IDNPS:          nps(c.Promoters, c.Detractors, c.NPSN),
		IDCSAT:         share(c.CSATSatisfied, c.CSATN),
		IDCES:          ces(c.CESSum, c.CESSumSq, c.CESN),
		IDSurveyRate:   share(c.SurveysLinked, c.HandledContacts),
	}
}

// mean is sum/n without an interval (the rollups hold no sum of squares
// of durations).
func mean(sum, n int64) Value {
	if n <= 0 {
		return Value{N: max(n, 0)}
	}
	return Value{Value: ptr(float64(sum) / float64(n)), N: n}
}

// NoOccupancyReason explains a null occupancy.
const NoOccupancyReason = "not available: no agent time in available, on-contact or after-call-work states (queue_log logs only logins and pauses)"

// occupancy is occupied over staffed time; without staffed time it is not
// available, not 0.
func occupancy(c Counts) Value {
	v := ratio(c.OccupiedS, c.AvailableS)
	if v.Value == nil {
		v.Reason = NoOccupancyReason
	}
	return v
}

// ratio is a share of time: no interval, seconds are not trials.
func ratio(x, n int64) Value { return mean(x, n) }

// share is x/n with its Wilson interval.
func share(x, n int64) Value {
	v := mean(x, n)
	if v.Value == nil {
		return v
	}
	lo, hi := Wilson(x, n, Z95)
	v.Low, v.High = &lo, &hi
	return v
}

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

// nps is 100*(promoters-detractors)/n with the adjusted-Wald interval.
func nps(promoters, detractors, n int64) Value {
	if n <= 0 {
		return Value{}
	}
	v := 100 * float64(promoters-detractors) / float64(n)
	lo, hi := NPSInterval(promoters, detractors, n, Z95)
	return Value{Value: &v, N: n, Low: &lo, High: &hi}
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

// ces is the mean effort score; with a sum of squares it carries a
// Student t interval, mean ± t(0.975, n-1)·s/sqrt(n), clamped to 1..7.
func ces(sum, sumSq, n int64) Value {
	v := mean(sum, n)
	if v.Value == nil || n < 2 || sumSq <= 0 {
		return v
	}
	nf := float64(n)
	variance := (float64(sumSq) - float64(sum)*float64(sum)/nf) / (nf - 1)
	if variance < 0 { // a sum of squares that does not fit the sum: no interval
		return v
	}
	half := tQuantile975(n-1) * math.Sqrt(variance/nf)
	lo, hi := clamp(*v.Value-half, 1, 7), clamp(*v.Value+half, 1, 7)
	v.Low, v.High = &lo, &hi
	return v
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
