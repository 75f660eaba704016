package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// FieldError is why one field of a row is invalid; parsers turn it into a
// Reject.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o Options) maxLine() int {
	if o.MaxLineBytes <= 0 {
		return 1 << 20
	}
	return o.MaxLineBytes
}

func (o Options) source(def string) string {
	if o.Source != "" {
		return o.Source
	}
	return def
}

// timeLayouts are the zone-less layouts read in Options.Location.
var timeLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
}

// ParseTime reads an RFC 3339 timestamp, or a zone-less
// "YYYY-MM-DD hh:mm:ss" in loc, and returns it in UTC.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp (want RFC 3339 or YYYY-MM-DD hh:mm:ss): %q", cut(s, 40))
}

// checkTime enforces the valid range: MinTime up to Horizon after now.
func checkTime(field string, t time.Time, opt Options) *FieldError {
	if t.Before(MinTime) {
		return fieldErr(field, "%s is before %s", t.Format(time.RFC3339), MinTime.Format("2006-01-02"))
	}
	if max := opt.now().Add(Horizon); t.After(max) {
		return fieldErr(field, "%s is more than a day in the future", t.Format(time.RFC3339))
	}
	return nil
}

// timeField parses and range-checks a required timestamp.
func timeField(field, s string, opt Options) (time.Time, *FieldError) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, fieldErr(field, "required")
	}
	t, err := ParseTime(s, opt.location())
	if err != nil {
		return time.Time{}, fieldErr(field, "%v", err)
	}
	if fe := checkTime(field, t, opt); fe != nil {
		return time.Time{}, fe
	}
	return t, nil
}

// durationField reads whole seconds, 0 <= d < 24 h. Empty is 0. A
// fractional value (e.g. "12.0" from a spreadsheet) is rounded.
func durationField(field, s string) (uint32, *FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, fieldErr(field, "not a number of seconds: %q", cut(s, 40))
		}
		n = int64(f + 0.5)
		if f < 0 {
			n = -1
		}
	}
	if n < 0 {
		return 0, fieldErr(field, "negative duration %s", s)
	}
	if n >= MaxDuration {
		return 0, fieldErr(field, "duration %s s is not under 24 h", s)
	}
	return uint32(n), nil
}

// scoreField reads an optional integer score in [lo, hi]. Empty (or NA,
// as R writes missing values) is nil.
func scoreField(field, s string, lo, hi int) (*uint8, *FieldError) {
	s = strings.TrimSpace(s)
	if s == "" || s == "NA" || s == "null" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int(f)) {
			return nil, fieldErr(field, "not an integer score: %q", cut(s, 40))
		}
		n = int(f)
	}
	if n < lo || n > hi {
		return nil, fieldErr(field, "score %d outside %d-%d", n, lo, hi)
	}
	v := uint8(n)
	return &v, nil
}

// boolField reads 1/0, true/false, yes/no, y/n (any case). Empty is false.
func boolField(field, s string) (bool, *FieldError) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "n", "f":
		return false, nil
	case "1", "true", "yes", "y", "t":
		return true, nil
	}
	return false, fieldErr(field, "not a boolean: %q", cut(s, 40))
}

// optBoolField is boolField where empty means unknown (nil).
func optBoolField(field, s string) (*bool, *FieldError) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	b, fe := boolField(field, s)
	if fe != nil {
		return nil, fe
	}
	return &b, nil
}

// Text returns b as valid UTF-8: unchanged when it is UTF-8, else decoded
// as Windows-1252 (the usual encoding of spreadsheet exports that are not
// UTF-8). A leading UTF-8 BOM is dropped.
func Text(b []byte) string {
	b = trimBOM(b)
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// rawLine prepares a row for Reject.Raw: valid UTF-8, at most MaxRawBytes.
func rawLine(s string) string {
	s = Text([]byte(s))
	return cut(s, MaxRawBytes)
}

// cut shortens s to at most n bytes on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
