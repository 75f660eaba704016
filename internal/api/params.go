package api

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// Limits on query parameters. A range is limited by how many periods it
// spans so a single request cannot ask for millions of rows.
const (
	maxDayRangeDays   = 366      // grain=day (and coaching, recognition, exports: see maxRange)
	maxWeekRangeDays  = 3 * 371  // grain=week: about three years
	maxMonthRangeDays = 10 * 366 // grain=month: ten years
	maxTeams          = 100      // team values in one filter
	maxTeamLen        = 200      // bytes of one team name
)

// maxRange is the longest from..to a grain allows ("" for the routes
// without a grain: coaching, recognition, exports).
func maxRange(g metrics.Grain) (time.Duration, string) {
	day := 24 * time.Hour
	switch g {
	case metrics.GrainDay:
		return maxDayRangeDays*day + day, "366 days for grain=day"
	case metrics.GrainMonth:
		return maxMonthRangeDays*day + day, "10 years for grain=month"
	case metrics.GrainWeek:
		return maxWeekRangeDays*day + day, "3 years for grain=week"
	}
	// Exports stream, so they could go further, but an export of every
	// year at once is a job for the analyst's SQL user, not one request.
	return 10*366*day + day, "10 years"
}

// query reads a request's query string strictly: unknown parameters and
// repeated single-valued ones are 400s, so a typo (grian=week) is not
// silently ignored.
type query struct {
	v url.Values
}

func readQuery(c echo.Context, allowed ...string) (query, error) {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return query{}, badParam("query", "malformed query string: %v", err)
	}
	for name, vals := range v {
		if !slices.Contains(allowed, name) {
			if len(allowed) == 0 {
				return query{}, badParam(domain.Printable(name), "unknown parameter (this route takes none)")
			}
			return query{}, badParam(domain.Printable(name), "unknown parameter (want %s)", strings.Join(allowed, ", "))
		}
		if name != "team" && len(vals) > 1 {
			return query{}, badParam(name, "given %d times, want once", len(vals))
		}
	}
	return query{v: v}, nil
}

func (q query) get(name string) string { return q.v.Get(name) }

// teams reads the team filter: repeated (team=a&team=b) or comma-separated
// (team=a,b), duplicates dropped.
func (q query) teams() ([]string, error) {
	var out []string
	for _, v := range q.v["team"] {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			switch {
			case t == "":
				continue
			case len(t) > maxTeamLen:
				return nil, badParam("team", "a team name is at most %d bytes", maxTeamLen)
			case !utf8.ValidString(t) || strings.IndexFunc(t, unicode.IsControl) >= 0:
				return nil, badParam("team", "team names are UTF-8 text without control characters")
			}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	if len(out) > maxTeams {
		return nil, badParam("team", "at most %d teams, got %d", maxTeams, len(out))
	}
	return out, nil
}

// timeParam parses a date (YYYY-MM-DD, a whole day in the business time
// zone) or an RFC 3339 instant. end says the value closes a range: a date
// then means the end of that day (the range is [from, to) with to the
// next midnight), so from=2024-10-07&to=2024-10-13 is that whole week.
func timeParam(name, s string, end bool, loc *time.Location) (time.Time, error) {
	if len(s) == len(time.DateOnly) {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err == nil {
			if end {
				return metrics.Next(metrics.Bucket(d, metrics.GrainDay, loc), metrics.GrainDay, loc), nil
			}
			return metrics.Bucket(d, metrics.GrainDay, loc), nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badParam(name, "want YYYY-MM-DD or RFC 3339, got %q", domain.Printable(s))
	}
	return t, nil
}

// rangeParams reads from and to. Missing to is the end of today (business
// time); missing from is back from to by def. The range must be
// non-empty, start on or after 1990-01-01 and fit the grain's limit.
func rangeParams(q query, g metrics.Grain, loc *time.Location, now time.Time, def func(to time.Time) time.Time) (from, to time.Time, err error) {
	if s := q.get("to"); s != "" {
		if to, err = timeParam("to", s, true, loc); err != nil {
			return from, to, err
		}
	} else {
		to = metrics.Next(metrics.Bucket(now, metrics.GrainDay, loc), metrics.GrainDay, loc)
	}
	if s := q.get("from"); s != "" {
		if from, err = timeParam("from", s, false, loc); err != nil {
			return from, to, err
		}
	} else {
		from = def(to)
	}
	switch {
	case from.Before(minTime):
		return from, to, badParam("from", "must be on or after 1990-01-01")
	case to.After(maxTime):
		return from, to, badParam("to", "must be before 3000-01-01")
	case !from.Before(to):
		return from, to, badParam("to", "must be after from (from %s, to %s)",
			from.In(loc).Format(time.RFC3339), to.In(loc).Format(time.RFC3339))
	}
	if limit, say := maxRange(g); to.Sub(from) > limit {
		return from, to, badParam("from", "range too large: at most %s (narrow from..to or use a coarser grain)", say)
	}
	return from, to, nil
}

// minTime is the earliest instant any servicecard data can carry
// (ingest rejects older timestamps); maxTime keeps ranges encodable
// (JSON times end at year 9999).
var (
	minTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// trailing returns a default-from function: days before to.
func trailing(days int) func(time.Time) time.Time {
	return func(to time.Time) time.Time { return to.AddDate(0, 0, -days) }
}

// defaultFrom is the default window of a scorecard grain: the 28 days,
// 12 weeks or 12 months up to the one holding to (the current one, by
// default), whole periods of the business time zone.
func defaultFrom(g metrics.Grain, loc *time.Location) func(time.Time) time.Time {
	return func(to time.Time) time.Time {
		last := metrics.Bucket(to.Add(-time.Nanosecond), g, loc)
		y, m, d := last.In(loc).Date()
		switch g {
		case metrics.GrainDay:
			d -= 27
		case metrics.GrainMonth:
			m -= 11
		default:
			d -= 7 * 11
		}
		return metrics.Bucket(time.Date(y, m, d, 12, 0, 0, 0, loc), g, loc)
	}
}
