package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// genSeedBytes bounds one seed.
const genSeedBytes = 32 << 10

// genSeeds adds the generic testdata and every real fixture to a corpus.
func genSeeds(f *testing.F, add func(b []byte)) {
	f.Helper()
	var paths []string
	for _, g := range []string{
		filepath.Join("testdata", "generic", "*"),
		filepath.Join("testdata", "real", "*", "*"),
	} {
		m, err := filepath.Glob(g)
		if err != nil {
			f.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 20 {
		f.Fatalf("only %d seed files: is ingest/testdata/real complete?", len(paths))
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		// Large seeds slow every mutation down: keep their first lines.
		if len(b) > genSeedBytes {
			b = b[:bytes.LastIndexByte(b[:genSeedBytes], '\n')+1]
		}
		add(b)
	}
}

// genFuzzOpt is fixed so that fuzzing is deterministic; a small line limit
// reaches the long-line paths.
func genFuzzOpt(maxLine int) Options {
	return Options{Now: genNow, File: "fuzz", MaxLineBytes: maxLine}
}

// genCheckRejects asserts what holds for the rejects of any input.
func genCheckRejects(t *testing.T, data []byte, s *genSink) {
	t.Helper()
	lines := bytes.Count(data, []byte{'\n'}) + 1
	prev := 0
	for _, r := range s.rejects {
		if r.Line <= prev || r.Line > lines {
			t.Errorf("reject line %d after line %d (input has %d lines): %+v", r.Line, prev, lines, r)
		}
		prev = r.Line
		if r.Reason == "" || !utf8.ValidString(r.Reason) {
			t.Errorf("reject without a valid reason: %+v", r)
		}
		if len(r.Raw) > MaxRawBytes || !utf8.ValidString(r.Raw) {
			t.Errorf("reject raw of %d bytes, valid UTF-8 %v", len(r.Raw), utf8.ValidString(r.Raw))
		}
	}
	if n := s.rows() + len(s.rejects); n > lines {
		t.Errorf("%d records from %d lines", n, lines)
	}
}

// genHasDataAfterHeader reports whether a CSV whose header is its first
// non-blank line (and holds no quote) has a non-blank line after it.
func genHasDataAfterHeader(data []byte) bool {
	lines := bytes.Split(trimBOM(data), []byte{'\n'})
	for i, l := range lines {
		if emptyLine(l) || (len(l) == 1 && l[0] == '\r') {
			continue
		}
		if bytes.IndexByte(l, '"') >= 0 {
			return false
		}
		for _, l := range lines[i+1:] {
			if !emptyLine(l) {
				return true
			}
		}
		return false
	}
	return false
}

func genCheckContacts(t *testing.T, opt Options, cs []Contact) {
	t.Helper()
	latest := opt.Now.Add(Horizon)
	for _, c := range cs {
		ok := c.ContactID != "" && c.Source != "" && c.Channel != "" &&
			(c.Direction == "inbound" || c.Direction == "outbound") &&
			!c.StartedAt.Before(MinTime) && !c.EndedAt.Before(c.StartedAt) && !c.EndedAt.After(latest) &&
			!c.SourceUpdatedAt.IsZero() && c.StartedAt.Location() == time.UTC &&
			c.WaitS < MaxDuration && c.TalkS < MaxDuration && c.HoldS < MaxDuration && c.AcwS < MaxDuration &&
			!(c.Abandoned && (c.AnsweredAt != nil || c.TalkS > 0))
		if c.AnsweredAt != nil {
			ok = ok && !c.AnsweredAt.Before(c.StartedAt) && !c.AnsweredAt.After(c.EndedAt)
		}
		for _, s := range []string{c.ContactID, c.Source, c.Channel, c.Queue, c.Team, c.Site, c.AgentID, c.CustomerID, c.Disposition, c.InitialContactID} {
			ok = ok && utf8.ValidString(s)
		}
		if !ok {
			t.Errorf("invalid contact emitted: %+v", c)
		}
	}
}

func FuzzParseContactsCSV(f *testing.F) {
	genSeeds(f, func(b []byte) { f.Add(b, false) })
	f.Add([]byte(genContactHeader+"c1,2025-03-03T09:00:00Z,,,,,,,,,,,,\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, small bool) {
		opt := genFuzzOpt(0)
		if small {
			opt.MaxLineBytes = 64
		}
		s := &genSink{}
		err := ParseContactsCSV(bytes.NewReader(data), opt, s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error that is not ErrFormat: %v", err)
			}
			if s.rows()+len(s.rejects) > 0 {
				t.Fatalf("records emitted before a format error")
			}
			return
		}
		genCheckRejects(t, data, s)
		genCheckContacts(t, opt, s.contacts)
		if genHasDataAfterHeader(data) && s.rows()+len(s.rejects) == 0 {
			t.Errorf("data after a valid header gave no row and no reject")
		}
	})
}

func FuzzParseContactsNDJSON(f *testing.F) {
	genSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := genFuzzOpt(256)
		s := &genSink{}
		if err := ParseContactsNDJSON(bytes.NewReader(data), opt, s); err != nil {
			t.Fatalf("NDJSON never fails as a whole on a reader that works: %v", err)
		}
		genCheckRejects(t, data, s)
		genCheckContacts(t, opt, s.contacts)
		want := 0
		for _, l := range bytes.Split(trimBOM(data), []byte{'\n'}) {
			if len(bytes.TrimSpace(l)) > 0 {
				want++
			}
		}
		if got := s.rows() + len(s.rejects); got != want {
			t.Errorf("%d records from %d non-blank lines", got, want)
		}
	})
}

func FuzzParseSurveysCSV(f *testing.F) {
	genSeeds(f, func(b []byte) { f.Add(b, false); f.Add(b, true) })
	f.Fuzz(func(t *testing.T, data []byte, mapped bool) {
		opt := genFuzzOpt(0)
		if mapped {
			opt.Columns = map[string]string{"response_id": "id", "nps": "nps", "comment": "explication", "responded_at": "=2021-10-19"}
		}
		s := &genSink{}
		err := ParseSurveysCSV(bytes.NewReader(data), opt, s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error that is not ErrFormat: %v", err)
			}
			return
		}
		genCheckRejects(t, data, s)
		for _, sv := range s.surveys {
			if sv.ResponseID == "" || sv.RespondedAt.Before(MinTime) || (sv.NPS == nil && sv.CSAT == nil && sv.CES == nil) ||
				(sv.NPS != nil && *sv.NPS > 10) || (sv.CSAT != nil && (*sv.CSAT < 1 || *sv.CSAT > 5)) ||
				(sv.CES != nil && (*sv.CES < 1 || *sv.CES > 7)) || !utf8.ValidString(sv.Comment) || sv.Comment == "NA" && !bytes.Contains(data, []byte(`"NA"`)) {
				t.Errorf("invalid survey emitted: %+v", sv)
			}
		}
		if genHasDataAfterHeader(data) && s.rows()+len(s.rejects) == 0 {
			t.Errorf("data after a valid header gave no row and no reject")
		}
	})
}

func FuzzSniff(f *testing.F) {
	genSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range Kinds {
			got := Sniff(k, data)
			switch got {
			case FormatCSV, FormatNDJSON, FormatQueueLog, FormatConnectCTR, FormatQualtrics:
			default:
				t.Fatalf("Sniff(%s) = %q", k, got)
			}
			if again := Sniff(k, data); again != got {
				t.Fatalf("Sniff is not deterministic: %s then %s", got, again)
			}
		}
	})
}

// FuzzCSVRecords checks the CSV splitter against encoding/csv on every
// input encoding/csv reads without error: same records, same lines.
func FuzzCSVRecords(f *testing.F) {
	genSeeds(f, func(b []byte) { f.Add(b) })
	f.Add([]byte("a,\"b\r\nc\"\r\n\r\n\"\"\"\",x\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = trimBOM(data)
		std := csv.NewReader(bytes.NewReader(data))
		std.FieldsPerRecord = -1
		var want [][]string
		var lines []int
		for {
			rec, err := std.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				// The splitter must find a malformed record too.
				c := newCSVRecords(bytes.NewReader(data), len(data)+1)
				for {
					bad, err := c.read()
					if err == io.EOF {
						t.Fatalf("encoding/csv: %v; the splitter found nothing wrong", err)
					}
					if bad != "" {
						return
					}
				}
			}
			want = append(want, rec)
			l, _ := std.FieldPos(0)
			lines = append(lines, l)
		}
		c := newCSVRecords(bytes.NewReader(data), len(data)+1)
		for i := 0; ; i++ {
			bad, err := c.read()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("%d records, encoding/csv has %d", i, len(want))
				}
				return
			}
			if err != nil || bad != "" {
				t.Fatalf("record %d: %v %q; encoding/csv read %q", i, err, bad, want[i:])
			}
			if i >= len(want) {
				t.Fatalf("extra record %q", c.fields)
			}
			got := make([]string, len(c.fields))
			for j, f := range c.fields {
				got[j] = string(f)
			}
			if !reflect.DeepEqual(got, want[i]) || c.line != lines[i] {
				t.Fatalf("record %d at line %d: %q, encoding/csv: %q at line %d", i, c.line, got, want[i], lines[i])
			}
		}
	})
}

// FuzzParseTimeFast checks the fast path against ParseTime.
func FuzzParseTimeFast(f *testing.F) {
	for _, s := range []string{"2025-03-03T09:00:00Z", "2025-03-03 09:00:00", "2024-02-29T23:59:59", "2025-02-29 00:00:00", "0000-01-01 00:00:00"} {
		f.Add(s)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseTimeFast([]byte(s), paris)
		want, err := ParseTime(s, paris)
		if ok && (err != nil || !got.Equal(want)) {
			t.Fatalf("%q: fast %v, ParseTime %v %v", s, got, want, err)
		}
		if !ok && len(s) >= 19 && len(s) <= 20 && err == nil && (s[10] == ' ' || s[10] == 'T') && (len(s) == 19 || s[19] == 'Z') {
			t.Logf("%q: fast path declined a valid time (%v)", s, want)
		}
	})
}
