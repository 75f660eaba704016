package ingest

import (
	"bytes"
	"strings"
	"time"
)

// Sniff guesses the format of an input from its first bytes (Load hands it
// up to 64 KiB). The rules, first match wins:
//
//   - JSON (the first non-blank byte is '{' or '['): connect_ctr when it
//     has the key "AWSContactTraceRecordFormatVersion", or "ContactId"
//     unless kind is surveys; otherwise ndjson.
//   - a first line shaped like a raw Asterisk queue_log line
//     (epoch|callid|queue|agent|EVENT|...): queue_log.
//   - a CSV header with callid, queue_name and event columns (the PBXware
//     export of the queue_log table): queue_log.
//   - a Qualtrics export: a third row of {"ImportId": ...} or
//     {'ImportId': ...} cells, a legacy header V1,V2,..., or a header
//     starting with StartDate over a second row of labels: qualtrics.
//   - anything else: csv.
func Sniff(kind Kind, head []byte) Format {
	t := bytes.TrimLeft(trimBOM(head), " \t\r\n")
	if len(t) == 0 {
		return FormatCSV
	}
	if t[0] == '{' || t[0] == '[' {
		if bytes.Contains(t, []byte(`"AWSContactTraceRecordFormatVersion"`)) ||
			(kind != KindSurveys && bytes.Contains(t, []byte(`"ContactId"`))) {
			return FormatConnectCTR
		}
		return FormatNDJSON
	}
	first := t
	if i := bytes.IndexByte(t, '\n'); i >= 0 {
		first = t[:i]
	}
	if sniffQueueLogLine(first) {
		return FormatQueueLog
	}
	recs := sniffCSV(t, 3)
	if len(recs) == 0 {
		return FormatCSV
	}
	header := recs[0]
	for i, h := range header {
		header[i] = genNormName(h)
	}
	has := func(name string) bool {
		for _, h := range header {
			if h == name {
				return true
			}
		}
		return false
	}
	if has("callid") && has("queue_name") && has("event") {
		return FormatQueueLog
	}
	if len(recs) >= 3 {
		for _, f := range recs[2] {
			f = strings.TrimSpace(f)
			if strings.HasPrefix(f, `{"ImportId"`) || strings.HasPrefix(f, `{'ImportId'`) {
				return FormatQualtrics
			}
		}
	}
	if len(header) >= 2 && header[0] == "v1" && header[1] == "v2" {
		return FormatQualtrics
	}
	if header[0] == "startdate" && len(recs) >= 2 && len(recs[1]) > 0 {
		if label := strings.TrimSpace(recs[1][0]); label != "" {
			if _, err := ParseTime(label, time.UTC); err != nil {
				return FormatQualtrics
			}
		}
	}
	return FormatCSV
}

// sniffQueueLogLine reports whether line looks like a raw queue_log line:
// a time (epoch seconds, or YYYY-MM-DD hh:mm:ss[.frac]), then callid,
// queue, agent and an upper-case event, separated by '|'.
func sniffQueueLogLine(line []byte) bool {
	f := bytes.Split(bytes.TrimRight(line, "\r"), []byte{'|'})
	if len(f) < 5 || len(f[1]) == 0 || len(f[4]) == 0 {
		return false
	}
	ts := f[0]
	if i := bytes.IndexByte(ts, '.'); i >= 0 {
		if _, ok := digits(ts[i+1:]); !ok {
			return false
		}
		ts = ts[:i]
	}
	if _, ok := digits(ts); !ok || len(ts) < 9 || len(ts) > 11 {
		if _, err := ParseTime(string(ts), time.UTC); err != nil {
			return false
		}
	}
	for _, c := range f[4] {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// sniffCSV returns up to n records from the start of b; it stops at the
// first malformed record (b may end inside one).
func sniffCSV(b []byte, n int) [][]string {
	c := newCSVRecords(bytes.NewReader(b), len(b)+1)
	var out [][]string
	for len(out) < n {
		bad, err := c.read()
		if err != nil || bad != "" {
			break
		}
		rec := make([]string, len(c.fields))
		for i, f := range c.fields {
			rec[i] = Text(f)
		}
		out = append(out, rec)
	}
	return out
}
