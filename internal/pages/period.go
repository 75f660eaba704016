package pages

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// inputError is a bad query parameter: a 400 page that says which and why.
type inputError struct {
	Param string
	Msg   string
}

func (e *inputError) Error() string { return e.Param + ": " + e.Msg }

func badInput(param, format string, a ...any) error {
	return &inputError{Param: param, Msg: fmt.Sprintf(format, a...)}
}

// readQuery reads a page's query string strictly, as the API does: an
// unknown or repeated parameter is an error, so a typo is not silently
// ignored.
func readQuery(raw string, allowed ...string) (url.Values, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badInput("query", "the address's query string is malformed")
	}
	for name, vals := range v {
		if !slices.Contains(allowed, name) {
			return nil, badInput(domain.Printable(name), "unknown parameter (this page takes %s)", strings.Join(allowed, ", "))
		}
		if len(vals) > 1 {
			return nil, badInput(name, "given %d times, want once", len(vals))
		}
	}
	return v, nil
}

// Bounds of a page's period.
var (
	minDay = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDay = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
)

const maxPeriodDays = 366

// parseDay reads a YYYY-MM-DD date as the local midnight starting it.
func parseDay(param, s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), loc)
	if err != nil {
		return time.Time{}, badInput(param, "want a date as YYYY-MM-DD, got %q", domain.Printable(s))
	}
	if d.Before(minDay) || !d.Before(maxDay) {
		return time.Time{}, badInput(param, "want a date from 1990-01-01 to 2999-12-31, got %s", d.Format(time.DateOnly))
	}
	return metrics.Bucket(d, metrics.GrainDay, loc), nil
}

// addDays moves a local midnight by n calendar days (DST-safe: a day is
// 23 or 25 hours across a change).
func addDays(t time.Time, n int, loc *time.Location) time.Time {
	l := t.In(loc)
	return metrics.Bucket(time.Date(l.Year(), l.Month(), l.Day()+n, 12, 0, 0, 0, loc), metrics.GrainDay, loc)
}

// period is a half-open range of whole local days [From, To).
type period struct {
	From, To time.Time
}

// readPeriod reads from and to (inclusive dates) over a default: a
// missing to keeps def.To, a missing from is days before to.
func readPeriod(v url.Values, def period, days int, loc *time.Location) (period, error) {
	out := def
	if s := v.Get("to"); s != "" {
		d, err := parseDay("to", s, loc)
		if err != nil {
			return out, err
		}
		out.To = addDays(d, 1, loc)
		out.From = addDays(out.To, -days, loc)
	}
	if s := v.Get("from"); s != "" {
		d, err := parseDay("from", s, loc)
		if err != nil {
			return out, err
		}
		out.From = d
	}
	if !out.From.Before(out.To) {
		return out, badInput("to", "must not be before from (from %s, to %s)",
			out.From.In(loc).Format(time.DateOnly), out.To.In(loc).Add(-time.Nanosecond).Format(time.DateOnly))
	}
	if addDays(out.From, maxPeriodDays, loc).Before(out.To) {
		return out, badInput("from", "the period is at most %d days", maxPeriodDays)
	}
	return out, nil
}
