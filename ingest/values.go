package ingest

import (
	"bytes"
	"strconv"
	"time"
)

// Fast value parsing for the hot path of the generic formats; each falls
// back to the general parser of validate.go on anything unusual.

func isBlank(b []byte) bool { return len(trimField(b)) == 0 }

func requiredErr(field string) *FieldError { return &FieldError{Field: field, Reason: "required"} }

// parseTimeFast parses "2006-01-02T15:04:05Z" (UTC) and the zone-less
// "2006-01-02 15:04:05" / "2006-01-02T15:04:05" (in loc) without the
// generality of time.Parse. It accepts exactly what ParseTime accepts in
// these shapes; anything else (ok false) goes to ParseTime.
func parseTimeFast(b []byte, loc *time.Location) (time.Time, bool) {
	var c timeClock
	return c.parse(b, loc)
}

// timeClock is parseTimeFast with the start of the last UTC day it read
// kept: most timestamps in a file share their day with the previous one.
type timeClock struct {
	day   [10]byte
	start time.Time
	ok    bool
}

func (c *timeClock) parse(b []byte, loc *time.Location) (time.Time, bool) {
	n := len(b)
	if n != 19 && n != 20 {
		return time.Time{}, false
	}
	if b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	if n == 20 {
		if b[10] != 'T' || b[19] != 'Z' {
			return time.Time{}, false
		}
		loc = time.UTC
	} else if b[10] != ' ' && b[10] != 'T' {
		return time.Time{}, false
	}
	hour, ok1 := digits(b[11:13])
	minute, ok2 := digits(b[14:16])
	sec, ok3 := digits(b[17:19])
	if !(ok1 && ok2 && ok3) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	if loc == time.UTC && c.ok && string(b[:10]) == string(c.day[:]) {
		return c.start.Add(time.Duration(hour*3600+minute*60+sec) * time.Second), true
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	if !(ok1 && ok2 && ok3) || month < 1 || month > 12 || day < 1 || day > monthDays(month, year) {
		return time.Time{}, false
	}
	if loc == time.UTC {
		copy(c.day[:], b[:10])
		c.start = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		c.ok = true
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc).UTC(), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func monthDays(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// bareDate turns a bare date "2006-01-02" into "2006-01-02 00:00:00";
// anything else is returned as it is.
func bareDate(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) == 10 && b[4] == '-' && b[7] == '-' {
		return append(b[:10:10], " 00:00:00"...)
	}
	return b
}

// secondsBytes reads whole seconds (durationField, with a fast path for plain digits).
func secondsBytes(field string, b []byte) (uint32, *FieldError) {
	if len(b) > 0 && len(b) <= 5 {
		if n, ok := digits(b); ok && n < MaxDuration {
			return uint32(n), nil
		}
	}
	if len(b) == 0 {
		return 0, nil
	}
	return durationField(field, string(b))
}

// countBytes reads a small non-negative integer (hold_count).
func countBytes(field string, b []byte) (uint16, *FieldError) {
	b = trimField(b)
	if len(b) == 0 {
		return 0, nil
	}
	if n, ok := digits(b); ok && len(b) <= 5 && n <= 0xFFFF {
		return uint16(n), nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, fieldErr(field, "not a whole number: %q", cut(string(b), 40))
	}
	if f < 0 || f > 0xFFFF {
		return 0, fieldErr(field, "count %s outside 0-65535", b)
	}
	return uint16(f), nil
}

// flagBytes reads a boolean (boolField, with a fast path for 0 and 1).
func flagBytes(field string, b []byte) (bool, *FieldError) {
	switch string(b) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return boolField(field, string(b))
}
