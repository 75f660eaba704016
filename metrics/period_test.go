package metrics

import (
	"errors"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBucket(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		at    string // UTC instant
		grain Grain
		start string // UTC instant of the period start
		hours float64
	}{
		// Berlin, spring forward Sun 2025-03-30 02:00 CET -> 03:00 CEST.
		// 21:59Z is 23:59 CEST Sunday: still the week of Monday 2025-03-24
		// 00:00 CET = 2025-03-23T23:00Z; that week is 7*24-1 = 167 hours.
		{"berlin spring week, sunday night", "Europe/Berlin", "2025-03-30T21:59:00Z", GrainWeek, "2025-03-23T23:00:00Z", 167},
		// 22:00Z is Monday 00:00 CEST: the next week.
		{"berlin spring week, monday midnight", "Europe/Berlin", "2025-03-30T22:00:00Z", GrainWeek, "2025-03-30T22:00:00Z", 168},
		// Sunday 2025-03-30 runs 2025-03-29T23:00Z .. 2025-03-30T22:00Z: 23 hours.
		{"berlin spring day", "Europe/Berlin", "2025-03-30T12:00:00Z", GrainDay, "2025-03-29T23:00:00Z", 23},
		// Berlin, fall back Sun 2025-10-26 03:00 CEST -> 02:00 CET. 22:30Z is
		// 23:30 CET Sunday: week of Monday 2025-10-20 00:00 CEST = 2025-10-19T22:00Z,
		// to Monday 2025-10-27 00:00 CET = 2025-10-26T23:00Z: 169 hours.
		{"berlin autumn week, 23:30 sunday", "Europe/Berlin", "2025-10-26T22:30:00Z", GrainWeek, "2025-10-19T22:00:00Z", 169},
		{"berlin autumn day, 23:30", "Europe/Berlin", "2025-10-26T22:30:00Z", GrainDay, "2025-10-25T22:00:00Z", 25},
		// March 2025 in Berlin: 2025-03-01 00:00 CET to 2025-04-01 00:00 CEST,
		// 31*24 - 1 = 743 hours.
		{"berlin month across DST", "Europe/Berlin", "2025-03-31T21:59:59Z", GrainMonth, "2025-02-28T23:00:00Z", 743},
		{"berlin month, first instant of april", "Europe/Berlin", "2025-03-31T22:00:00Z", GrainMonth, "2025-03-31T22:00:00Z", 30 * 24},
		// New York, spring forward Sun 2025-03-09 02:00 EST -> 03:00 EDT.
		// 23:30 EDT Sunday = 2025-03-10T03:30Z, a Monday in UTC; locally it is
		// Sunday, day 2025-03-09 00:00 EST = 05:00Z, 23 hours long, and the
		// week of Monday 2025-03-03 00:00 EST = 05:00Z, 167 hours long.
		{"new york 23:30 day", "America/New_York", "2025-03-10T03:30:00Z", GrainDay, "2025-03-09T05:00:00Z", 23},
		{"new york 23:30 week", "America/New_York", "2025-03-10T03:30:00Z", GrainWeek, "2025-03-03T05:00:00Z", 167},
		// Fall back Sun 2025-11-02: 23:30 EST = 2025-11-03T04:30Z; the day began
		// 00:00 EDT = 04:00Z and lasts 25 hours; the week began Monday
		// 2025-10-27 00:00 EDT = 04:00Z and ends 2025-11-03 00:00 EST = 05:00Z.
		{"new york autumn 23:30 day", "America/New_York", "2025-11-03T04:30:00Z", GrainDay, "2025-11-02T04:00:00Z", 25},
		{"new york autumn 23:30 week", "America/New_York", "2025-11-03T04:30:00Z", GrainWeek, "2025-10-27T04:00:00Z", 169},
		// Havana skips midnight: Sun 2025-03-09 00:00 CST -> 01:00 CDT, so the
		// day begins at 01:00 CDT = 05:00Z (time.Date alone gives 23:00 the day
		// before) and ends Monday 00:00 CDT = 04:00Z: 23 hours.
		{"havana midnight gap", "America/Havana", "2025-03-09T17:00:00Z", GrainDay, "2025-03-09T05:00:00Z", 23},
		// Santiago skips midnight too: Sun 2024-09-08 00:00 -04 -> 01:00 -03.
		{"santiago midnight gap", "America/Santiago", "2024-09-08T15:00:00Z", GrainDay, "2024-09-08T04:00:00Z", 23},
		{"utc week", "UTC", "2025-01-01T10:00:00Z", GrainWeek, "2024-12-30T00:00:00Z", 168},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			got := Bucket(utc(tc.at), tc.grain, loc)
			if !got.Equal(utc(tc.start)) {
				t.Fatalf("Bucket = %s (%s), want %s", got.UTC().Format(time.RFC3339), got, tc.start)
			}
			if h := Next(got, tc.grain, loc).Sub(got).Hours(); h != tc.hours {
				t.Errorf("period lasts %v hours, want %v", h, tc.hours)
			}
			if again := Bucket(got, tc.grain, loc); !again.Equal(got) {
				t.Errorf("Bucket of a period start moved it: %s", again)
			}
		})
	}
}

func TestBucketEdges(t *testing.T) {
	at := utc("2025-06-15T10:00:00Z")
	if got := Bucket(at, "fortnight", time.UTC); !got.IsZero() {
		t.Errorf("unknown grain: %s, want zero time", got)
	}
	if got := Bucket(at, GrainDay, nil); !got.Equal(utc("2025-06-15T00:00:00Z")) {
		t.Errorf("nil location: %s", got)
	}
	if _, err := ParseGrain("fortnight"); !errors.Is(err, ErrUnknownGrain) {
		t.Errorf("ParseGrain(fortnight) = %v", err)
	}
}

func TestPeriods(t *testing.T) {
	tests := []struct {
		name     string
		zone     string
		from, to string
		grain    Grain
		want     []string
	}{
		{"berlin days across spring DST", "Europe/Berlin", "2025-03-29T12:00:00Z", "2025-04-01T00:00:00Z", GrainDay,
			[]string{"2025-03-28T23:00:00Z", "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z", "2025-03-31T22:00:00Z"}},
		// 2025-03-01 is a Saturday: its week starts Monday 2025-02-24.
		{"new york weeks", "America/New_York", "2025-03-01T05:00:00Z", "2025-03-20T00:00:00Z", GrainWeek,
			[]string{"2025-02-24T05:00:00Z", "2025-03-03T05:00:00Z", "2025-03-10T04:00:00Z", "2025-03-17T04:00:00Z"}},
		// to is exclusive: February does not start before 2025-02-01.
		{"months over new year", "UTC", "2024-11-15T00:00:00Z", "2025-02-01T00:00:00Z", GrainMonth,
			[]string{"2024-11-01T00:00:00Z", "2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z"}},
		{"empty range", "UTC", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", GrainDay, nil},
		{"reversed range", "UTC", "2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z", GrainDay, nil},
		{"unknown grain", "UTC", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "year", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Periods(utc(tc.from), utc(tc.to), tc.grain, mustLoc(t, tc.zone))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d periods %v, want %v", len(got), got, tc.want)
			}
			for i := range got {
				if !got[i].Equal(utc(tc.want[i])) {
					t.Errorf("period %d = %s, want %s", i, got[i].UTC().Format(time.RFC3339), tc.want[i])
				}
			}
		})
	}
}
