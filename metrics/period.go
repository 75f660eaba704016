package metrics

import (
	"fmt"
	"time"
)

// Grain is the length of a scorecard period.
type Grain string

// Grains. Weeks start on Monday.
const (
	GrainDay   Grain = "day"
	GrainWeek  Grain = "week"
	GrainMonth Grain = "month"
)

// ParseGrain validates a grain name.
func ParseGrain(s string) (Grain, error) {
	switch g := Grain(s); g {
	case GrainDay, GrainWeek, GrainMonth:
		return g, nil
	}
	return "", fmt.Errorf("%w %q (want day, week or month)", ErrUnknownGrain, s)
}

// Bucket is the start of the period of grain g that contains t, in the
// business time zone loc: local midnight of the day, of the week's Monday
// or of the month's first day, as an instant. Periods are calendar periods
// of loc, so a day is 23 or 25 hours long across a DST change. An unknown
// grain gives the zero time (validate with ParseGrain); a nil loc is UTC.
func Bucket(t time.Time, g Grain, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	switch g {
	case GrainDay:
		return startOfDay(y, m, d, loc)
	case GrainWeek:
		wd := int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday())
		return startOfDay(y, m, d-(wd+6)%7, loc)
	case GrainMonth:
		return startOfDay(y, m, 1, loc)
	}
	return time.Time{}
}

// Next is the start of the period after the one that starts at start.
func Next(start time.Time, g Grain, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := start.In(loc).Date()
	switch g {
	case GrainDay:
		return startOfDay(y, m, d+1, loc)
	case GrainWeek:
		return startOfDay(y, m, d+7, loc)
	case GrainMonth:
		return startOfDay(y, m+1, 1, loc)
	}
	return time.Time{}
}

// Periods lists the starts of the periods of grain g that overlap the
// half-open range [from, to), oldest first: the first is Bucket(from).
func Periods(from, to time.Time, g Grain, loc *time.Location) []time.Time {
	if _, err := ParseGrain(string(g)); err != nil || !from.Before(to) {
		return nil
	}
	var out []time.Time
	for p := Bucket(from, g, loc); p.Before(to); p = Next(p, g, loc) {
		out = append(out, p)
	}
	return out
}

// startOfDay is the first instant of local date y-m-d (normalised, so
// d may be out of range). Usually that is 00:00; where a DST change skips
// midnight (Havana, Santiago, Beirut) the day begins at the change, and
// time.Date may resolve the missing 00:00 to an instant of the day before.
func startOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	y, m, d = time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if ty, tm, td := t.Date(); ty != y || tm != m || td != d {
		// Resolved into the previous day: the day starts when that zone ends.
		if _, end := t.ZoneBounds(); !end.IsZero() {
			t = end
		}
	} else if t.Hour() != 0 || t.Minute() != 0 {
		// Resolved past the gap: the day starts when this zone starts.
		if start, _ := t.ZoneBounds(); !start.IsZero() {
			if sy, sm, sd := start.Date(); sy == y && sm == m && sd == d {
				t = start
			}
		}
	}
	return t
}
