// Package metrics holds servicecard's KPI catalog and scorecard math.
//
// It is pure Go: storage code (internal/chstore) reads additive sums and
// counts from ClickHouse rollups into a Counts, and everything derived from
// them lives here: metric values with sample sizes and 95% intervals
// (Compute), scorecards with their components (Score), coaching
// opportunities (Coach), recognition (Stars, Praise, CustomerServiceWeek),
// business-time periods (Bucket, Periods) and the configuration that fixes
// targets, floors, weights, thresholds and bearer tokens (ParseConfig).
//
// Rates are derived at read time from sums, never averaged: the value of a
// team is Compute of the team's summed Counts, not a mean of its agents.
package metrics

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrInvalidConfig marks every configuration problem (see ConfigError).
	ErrInvalidConfig = errors.New("metrics: invalid config")
	ErrUnknownMetric = errors.New("metrics: unknown metric")
	ErrUnknownLevel  = errors.New("metrics: unknown level")
	ErrUnknownGrain  = errors.New("metrics: unknown grain")
)
