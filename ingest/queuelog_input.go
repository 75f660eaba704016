package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The shapes a queue_log comes in: the raw pipe-delimited file and CSV
// exports of the queue_log table (Asterisk realtime, PBXware). Each turns a
// line into a qlEvent in the official positional layout.

// qlShape picks the line reader from the first non-empty line; header
// says that line is a CSV header, not an event.
func qlShape(first string) (read func(int, string) (*qlEvent, *Reject), header bool, err error) {
	if strings.Contains(first, "|") {
		return qlRawLine, false, nil
	}
	cr := csv.NewReader(strings.NewReader(first))
	cr.LazyQuotes = true
	cols, err := cr.Read()
	if err == nil {
		if t := newQLTable(cols); t != nil {
			return t.line, true, nil
		}
	}
	return nil, false, fmt.Errorf("%w: queue_log: the first line is neither pipe-delimited (time|callid|queue|agent|event|...) nor a CSV header with callid and event columns: %q",
		ErrFormat, cut(first, 80))
}

var qlRawNames = []string{"time", "callid", "queue", "agent", "event"}

// qlRawLine reads `time|callid|queue|agent|event|data...`.
func qlRawLine(n int, s string) (*qlEvent, *Reject) {
	f := strings.Split(s, "|")
	if len(f) < len(qlRawNames) {
		return nil, &Reject{Line: n, Raw: rawLine(s), Field: qlRawNames[len(f)],
			Reason: fmt.Sprintf("want at least 5 |-separated fields (time|callid|queue|agent|event), got %d", len(f))}
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	ev := &qlEvent{line: n, raw: s, callid: f[1], queue: f[2], agent: f[3],
		verb: strings.ToUpper(f[4]), data: f[5:], tField: "time"}
	return qlTime(ev, f[0])
}

// qlTime parses the event time: epoch seconds (the raw file), or a
// timestamp (database tables store DATETIME) read in UTC. Range checks come
// later, for the events the parser uses.
func qlTime(ev *qlEvent, s string) (*qlEvent, *Reject) {
	t, err := qlParseTime(s)
	if err != nil {
		return ev, &Reject{Line: ev.line, Raw: rawLine(ev.raw), Field: ev.tField, Reason: err.Error()} // ev: its verb decides who reports it
	}
	ev.t = t
	return ev, nil
}

func qlParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("required")
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-: ") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f < 0 || f > 1e11 {
			return time.Time{}, fmt.Errorf("not an epoch time: %q", cut(s, 40))
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	t, err := ParseTime(s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("not an epoch time: %w", err)
	}
	return t, nil
}

// qlTable reads a CSV export of the queue_log table.
type qlTable struct {
	cols              map[string]int
	time, callid, que int
	agent, event      int
	tName             string // the time column's name, for rejects
	pbxware           bool
	dataCols          []int // data1..dataN, or one pipe-joined data column
	joined            bool
}

func newQLTable(header []string) *qlTable {
	t := &qlTable{cols: map[string]int{}}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(Text([]byte(h))))
		if _, dup := t.cols[h]; !dup {
			t.cols[h] = i
		}
	}
	col := func(names ...string) int {
		for _, n := range names {
			if i, ok := t.cols[n]; ok {
				return i
			}
		}
		return -1
	}
	// PBXware: date_time is the epoch, time a local-time display copy.
	t.time = col("date_time", "time", "timestamp")
	t.callid = col("callid", "call_id")
	t.que = col("queue_name", "queuename", "queue")
	t.agent = col("agent", "type", "member")
	t.event = col("event", "verb")
	if t.time < 0 || t.callid < 0 || t.event < 0 {
		return nil
	}
	for name, i := range t.cols {
		if i == t.time {
			t.tName = name
		}
	}
	if col("htime") >= 0 && col("ttime") >= 0 {
		t.pbxware = true
		return t
	}
	for i := 1; ; i++ {
		c := col("data" + strconv.Itoa(i))
		if c < 0 {
			break
		}
		t.dataCols = append(t.dataCols, c)
	}
	if len(t.dataCols) == 0 {
		if c := col("data"); c >= 0 {
			t.dataCols, t.joined = []int{c}, true
		}
	}
	return t
}

// pbxLayout gives, per event, the PBXware columns that hold the official
// data fields in order (testdata/real/SOURCES.md section 1). "" is a field PBXware drops.
var pbxLayout = map[string][]string{
	"ENTERQUEUE":       {"", "param1", "entpos"},
	"CONNECT":          {"htime", "param2", "param3"},
	"COMPLETEAGENT":    {"htime", "ttime", "entpos"},
	"COMPLETECALLER":   {"htime", "ttime", "entpos"},
	"ABANDON":          {"expos", "entpos", "htime"},
	"EXITWITHTIMEOUT":  {"expos", "entpos", "htime"},
	"EXITEMPTY":        {"expos", "entpos", "htime"},
	"EXITWITHKEY":      {"param1", "expos", "entpos", "htime"},
	"TRANSFER":         {"param2", "param3", "htime", "ttime", "entpos"},
	"BLINDTRANSFER":    {"param2", "param3", "htime", "ttime", "entpos"},
	"ATTENDEDTRANSFER": {"param2", "param3", "htime", "ttime", "entpos"},
	"RINGNOANSWER":     {"htime"},
}

var pbxDefault = []string{"param1", "param2", "param3"}

func (t *qlTable) line(n int, s string) (*qlEvent, *Reject) {
	cr := csv.NewReader(strings.NewReader(s))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return nil, &Reject{Line: n, Raw: rawLine(s), Reason: fmt.Sprintf("not a CSV row: %v", err)}
	}
	get := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		v := strings.TrimSpace(rec[i])
		if v == "NULL" { // SQL NULL, as table dumps write it
			return ""
		}
		return v
	}
	ev := &qlEvent{line: n, raw: s, callid: get(t.callid), queue: get(t.que), agent: get(t.agent),
		verb: strings.ToUpper(get(t.event)), tField: t.tName}
	switch {
	case t.pbxware:
		layout, ok := pbxLayout[ev.verb]
		if !ok {
			layout = pbxDefault
		}
		for _, c := range layout {
			v := ""
			if i, ok := t.cols[c]; ok && c != "" {
				v = get(i)
			}
			ev.data = append(ev.data, v)
			ev.names = append(ev.names, c)
		}
	case t.joined:
		ev.data = strings.Split(get(t.dataCols[0]), "|")
	default:
		for _, c := range t.dataCols {
			ev.data = append(ev.data, get(c))
		}
	}
	return qlTime(ev, get(t.time))
}
