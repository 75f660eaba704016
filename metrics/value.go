package metrics

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

// The value shapes catalog entries compute with (catalog.go).

// count is a volume: the count itself, its own sample size.
func count(n int64) Value { return Value{Value: ptr(float64(n)), N: n} }

// mean is sum/n without an interval (the rollups hold no sum of squares
// of durations).
func mean(sum, n int64) Value {
	if n <= 0 {
		return Value{N: max(n, 0)}
	}
	return Value{Value: ptr(float64(sum) / float64(n)), N: n}
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
