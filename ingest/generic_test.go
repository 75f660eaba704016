package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// genNow is Options.Now in these tests.
var genNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func genOpt() Options { return Options{Now: genNow, File: "test.csv"} }

// genSink records what a parser emits; failOn makes that method fail.
type genSink struct {
	contacts  []Contact
	surveys   []Survey
	agents    []Agent
	states    []AgentState
	schedules []Schedule
	rejects   []Reject
	failOn    string
}

var errGenSink = errors.New("sink failed")

func (s *genSink) fail(m string) error {
	if s.failOn == m {
		return errGenSink
	}
	return nil
}

func (s *genSink) Contact(c Contact) error {
	s.contacts = append(s.contacts, c)
	return s.fail("contact")
}
func (s *genSink) Survey(c Survey) error    { s.surveys = append(s.surveys, c); return s.fail("survey") }
func (s *genSink) Agent(c Agent) error      { s.agents = append(s.agents, c); return s.fail("agent") }
func (s *genSink) State(c AgentState) error { s.states = append(s.states, c); return s.fail("state") }
func (s *genSink) Schedule(c Schedule) error {
	s.schedules = append(s.schedules, c)
	return s.fail("schedule")
}
func (s *genSink) Reject(r Reject) error { s.rejects = append(s.rejects, r); return s.fail("reject") }
func (s *genSink) rows() int {
	return len(s.contacts) + len(s.surveys) + len(s.agents) + len(s.states) + len(s.schedules)
}
func (s *genSink) String() string { return fmt.Sprintf("%d rows, rejects %+v", s.rows(), s.rejects) }
func genParse(p ParseFunc, in string, opt Options) (*genSink, error) {
	s := &genSink{}
	err := p(strings.NewReader(in), opt, s)
	return s, err
}

func genTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func genTimeP(s string) *time.Time { t := genTime(s); return &t }
func genBoolP(b bool) *bool        { return &b }
func genU8(n uint8) *uint8         { return &n }

func genFixture(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "real", dir, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

func genTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "generic", name))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return b
}

const genContactHeader = "contact_id,started_at,answered_at,ended_at,wait_s,talk_s,hold_s,hold_count,acw_s,abandoned,transferred,resolved,direction,source_updated_at\n"

func TestParseContactsCSV(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	base := Contact{Source: "generic", Channel: "voice", Direction: "inbound"}
	with := func(f func(c *Contact)) Contact { c := base; f(&c); return c }
	tests := []struct {
		name string
		in   string
		opt  func(*Options)
		want []Contact
	}{
		{
			name: "minimal row gets the defaults",
			in:   "contact_id,started_at\nc1,2025-03-03T09:00:00Z\n",
			want: []Contact{with(func(c *Contact) {
				c.ContactID, c.StartedAt = "c1", genTime("2025-03-03T09:00:00Z")
				c.EndedAt, c.SourceUpdatedAt = c.StartedAt, c.StartedAt
			})},
		},
		{
			name: "ended_at is started_at plus the durations",
			in:   "contact_id,started_at,wait_s,talk_s,hold_s,acw_s,answered_at\nc1,2025-03-03 09:00:00,10,100,20,30,2025-03-03 09:00:10\n",
			want: []Contact{with(func(c *Contact) {
				c.ContactID, c.StartedAt = "c1", genTime("2025-03-03T09:00:00Z")
				c.WaitS, c.TalkS, c.HoldS, c.AcwS = 10, 100, 20, 30
				c.AnsweredAt = genTimeP("2025-03-03T09:00:10Z")
				c.EndedAt = genTime("2025-03-03T09:02:40Z")
				c.SourceUpdatedAt = c.EndedAt
			})},
		},
		{
			name: "every column",
			in:   string(genTestdata(t, "contacts.csv")),
			want: []Contact{
				{
					ContactID: "c-1001", Source: "pbx", Channel: "voice", Direction: "inbound", Queue: "billing",
					Team: "team-a", Site: "paris", AgentID: "a-17", CustomerID: "cust-9",
					StartedAt: genTime("2025-03-03T09:00:00Z"), AnsweredAt: genTimeP("2025-03-03T09:00:20Z"),
					EndedAt: genTime("2025-03-03T09:05:50Z"), WaitS: 20, TalkS: 280, HoldS: 30, HoldCount: 1, AcwS: 20,
					Resolved: genBoolP(true), Disposition: "paid", SourceUpdatedAt: genTime("2025-03-03T09:06:00Z"),
				},
				{
					ContactID: "c-1002", Source: "pbx", Channel: "voice", Direction: "inbound", Queue: "billing",
					CustomerID: "cust-10", StartedAt: genTime("2025-03-03T09:01:00Z"),
					EndedAt: genTime("2025-03-03T09:01:45Z"), WaitS: 45, Abandoned: true, Disposition: "abandoned",
					SourceUpdatedAt: genTime("2025-03-03T09:01:45Z"),
				},
				{
					ContactID: "c-1003", Source: "pbx", Channel: "chat", Direction: "outbound", Queue: "sales",
					Team: "team-b", Site: "lyon", AgentID: "a-18",
					StartedAt: genTime("2025-03-03T09:02:00Z"), AnsweredAt: genTimeP("2025-03-03T09:02:00Z"),
					EndedAt: genTime("2025-03-03T09:08:00Z"), TalkS: 300, AcwS: 60, Transferred: true,
					Resolved: genBoolP(false), Disposition: "callback, then email", InitialContactID: "c-0999",
					SourceUpdatedAt: genTime("2025-03-03T09:08:00Z"),
				},
			},
		},
		{
			name: "opt.Source when the column is absent or empty; the column wins",
			in:   "contact_id,started_at,source\nc1,2025-03-03T09:00:00Z,\nc2,2025-03-03T09:00:00Z,crm\n",
			opt:  func(o *Options) { o.Source = "pbx-eu" },
			want: []Contact{
				with(func(c *Contact) {
					c.ContactID, c.Source, c.StartedAt = "c1", "pbx-eu", genTime("2025-03-03T09:00:00Z")
					c.EndedAt, c.SourceUpdatedAt = c.StartedAt, c.StartedAt
				}),
				with(func(c *Contact) {
					c.ContactID, c.Source, c.StartedAt = "c2", "crm", genTime("2025-03-03T09:00:00Z")
					c.EndedAt, c.SourceUpdatedAt = c.StartedAt, c.StartedAt
				}),
			},
		},
		{
			name: "zone-less times are read in opt.Location, RFC 3339 keeps its offset",
			in:   "contact_id,started_at,ended_at\nc1,2025-03-03 09:00:00,2025-03-03T09:00:05.5+01:00\nc2,2025-05-03 09:00,2025-05-03T07:00:00Z\n",
			opt:  func(o *Options) { o.Location = paris },
			want: []Contact{
				with(func(c *Contact) {
					c.ContactID, c.StartedAt = "c1", genTime("2025-03-03T08:00:00Z")
					c.EndedAt = genTime("2025-03-03T08:00:05.5Z")
					c.SourceUpdatedAt = c.EndedAt
				}),
				with(func(c *Contact) {
					c.ContactID, c.StartedAt = "c2", genTime("2025-05-03T07:00:00Z")
					c.EndedAt = c.StartedAt
					c.SourceUpdatedAt = c.EndedAt
				}),
			},
		},
		{
			name: "booleans, case, spaces and fractional seconds",
			in:   "contact_id , CHANNEL,Direction,abandoned,transferred,resolved,started_at,wait_s,hold_count\n c1 ,Chat,OutBound,no,Yes,N,2025-03-03T09:00:00Z, 12.6 ,3.0\n",
			want: []Contact{with(func(c *Contact) {
				c.ContactID, c.Channel, c.Direction, c.Transferred = "c1", "chat", "outbound", true
				c.Resolved = genBoolP(false)
				c.StartedAt, c.WaitS, c.HoldCount = genTime("2025-03-03T09:00:00Z"), 13, 3
				c.EndedAt = genTime("2025-03-03T09:00:13Z")
				c.SourceUpdatedAt = c.EndedAt
			})},
		},
		{
			name: "BOM, CRLF, quoted comma and newline, doubled quotes, Windows-1252, blank line, extra column, no final newline",
			in:   string(genTestdata(t, "contacts-edge.csv")),
			want: []Contact{
				with(func(c *Contact) {
					c.ContactID, c.Queue, c.Disposition, c.TalkS = "c-2001", "billing, EU", "line one\nline two", 60
					c.AnsweredAt = genTimeP("2025-03-03T10:00:00Z") // no answered_at column: inferred (talk time, not abandoned)
					c.StartedAt, c.EndedAt, c.SourceUpdatedAt = genTime("2025-03-03T10:00:00Z"), genTime("2025-03-03T10:01:00Z"), genTime("2025-03-03T10:01:00Z")
				}),
				with(func(c *Contact) {
					c.ContactID, c.Queue, c.Disposition, c.TalkS = "c-2002", "café", `said "hi"`, 30
					c.AnsweredAt = genTimeP("2025-03-03T10:05:00Z") // no answered_at column: inferred (talk time, not abandoned)
					c.StartedAt, c.EndedAt, c.SourceUpdatedAt = genTime("2025-03-03T10:05:00Z"), genTime("2025-03-03T10:05:30Z"), genTime("2025-03-03T10:05:30Z")
				}),
				with(func(c *Contact) {
					c.ContactID, c.Queue, c.Disposition, c.TalkS = "c-2005", "billing", "done", 45
					c.AnsweredAt = genTimeP("2025-03-03T10:20:00Z") // no answered_at column: inferred (talk time, not abandoned)
					c.StartedAt, c.EndedAt, c.SourceUpdatedAt = genTime("2025-03-03T10:20:00Z"), genTime("2025-03-03T10:20:45Z"), genTime("2025-03-03T10:20:45Z")
				}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := genOpt()
			if tt.opt != nil {
				tt.opt(&opt)
			}
			s, err := genParse(ParseContactsCSV, tt.in, opt)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(s.contacts) != len(tt.want) {
				t.Fatalf("got %d contacts, want %d (%v)", len(s.contacts), len(tt.want), s)
			}
			for i := range tt.want {
				if !reflect.DeepEqual(s.contacts[i], tt.want[i]) {
					t.Errorf("contact %d:\n got %+v\nwant %+v", i, s.contacts[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseContactsCSVEdgeRejects(t *testing.T) {
	s, err := genParse(ParseContactsCSV, string(genTestdata(t, "contacts-edge.csv")), genOpt())
	if err != nil {
		t.Fatal(err)
	}
	want := []Reject{
		{Line: 6, Raw: "c-2003,2025-03-03 10:10:00,billing,done,abc,", Field: "talk_s", Reason: `not a number of seconds: "abc"`},
		{Line: 7, Raw: "c-2004,2025-03-03 10:15:00,billing,done", Reason: "has 4 fields, the header has 6"},
	}
	if !reflect.DeepEqual(s.rejects, want) {
		t.Errorf("rejects:\n got %+v\nwant %+v", s.rejects, want)
	}
}

func TestParseContactsCSVRejects(t *testing.T) {
	tests := []struct {
		name   string
		row    string // after genContactHeader, on line 2
		field  string
		reason string // a substring of Reject.Reason
	}{
		{"contact_id missing", ",2025-03-03T09:00:00Z,,,,,,,,,,,,", "contact_id", "required"},
		{"started_at missing", "c1,,,,,,,,,,,,,", "started_at", "required"},
		{"started_at not a time", "c1,03/03/2025 09:00,,,,,,,,,,,,", "started_at", "not a timestamp"},
		{"started_at impossible date", "c1,2025-02-30 09:00:00,,,,,,,,,,,,", "started_at", "not a timestamp"},
		{"started_at before 1990", "c1,1989-12-31T23:59:59Z,,,,,,,,,,,,", "started_at", "before 1990-01-01"},
		{"started_at in the future", "c1,2025-06-02T12:00:01Z,,,,,,,,,,,,", "started_at", "more than a day in the future"},
		{"wait_s negative", "c1,2025-03-03T09:00:00Z,,,-5,,,,,,,,,", "wait_s", "negative"},
		{"talk_s not a number", "c1,2025-03-03T09:00:00Z,,,,1m,,,,,,,,", "talk_s", "not a number"},
		{"hold_s a day long", "c1,2025-03-03T09:00:00Z,,,,,86400,,,,,,,", "hold_s", "not under 24 h"},
		{"hold_count too big", "c1,2025-03-03T09:00:00Z,,,,,,70000,,,,,,", "hold_count", "outside 0-65535"},
		{"hold_count fraction", "c1,2025-03-03T09:00:00Z,,,,,,1.5,,,,,,", "hold_count", "not a whole number"},
		{"acw_s garbage", "c1,2025-03-03T09:00:00Z,,,,,,,x,,,,,", "acw_s", "not a number"},
		{"ended_at before started_at", "c1,2025-03-03T09:00:00Z,,2025-03-03T08:59:59Z,,,,,,,,,,", "ended_at", "before started_at"},
		{"ended_at not a time", "c1,2025-03-03T09:00:00Z,,soon,,,,,,,,,,", "ended_at", "not a timestamp"},
		{"computed ended_at in the future", "c1,2025-06-02T11:00:00Z,,,86399,86399,,,,,,,,", "ended_at", "more than a day in the future"},
		{"answered_at before started_at", "c1,2025-03-03T09:00:00Z,2025-03-03T08:00:00Z,2025-03-03T09:10:00Z,,,,,,,,,,", "answered_at", "not between"},
		{"answered_at after ended_at", "c1,2025-03-03T09:00:00Z,2025-03-03T09:20:00Z,2025-03-03T09:10:00Z,,,,,,,,,,", "answered_at", "not between"},
		{"abandoned and answered", "c1,2025-03-03T09:00:00Z,2025-03-03T09:01:00Z,2025-03-03T09:10:00Z,,,,,,1,,,,", "abandoned", "cannot have answered_at or talk_s"},
		{"abandoned with talk", "c1,2025-03-03T09:00:00Z,,,,30,,,,true,,,,", "abandoned", "cannot have answered_at or talk_s"},
		{"abandoned not a boolean", "c1,2025-03-03T09:00:00Z,,,,,,,,maybe,,,,", "abandoned", "not a boolean"},
		{"transferred not a boolean", "c1,2025-03-03T09:00:00Z,,,,,,,,,2,,,", "transferred", "not a boolean"},
		{"resolved not a boolean", "c1,2025-03-03T09:00:00Z,,,,,,,,,,?,,", "resolved", "not a boolean"},
		{"direction unknown", "c1,2025-03-03T09:00:00Z,,,,,,,,,,,sideways,", "direction", "want inbound or outbound"},
		{"source_updated_at not a time", "c1,2025-03-03T09:00:00Z,,,,,,,,,,,,yesterday", "source_updated_at", "not a timestamp"},
		{"too few fields", "c1,2025-03-03T09:00:00Z", "", "has 2 fields, the header has 14"},
		{"too many fields", "c1,2025-03-03T09:00:00Z,,,,,,,,,,,,,", "", "has 15 fields, the header has 14"},
		{"bare quote", `c1,2025-03-03T09:00:00Z,,,,,,,,,,,in"bound,`, "", `" inside a field that does not start with a quote`},
		{"text after a closing quote", `c1,"2025-03-03T09:00:00Z"x,,,,,,,,,,,,`, "", "text after the closing quote"},
		{"quote never closed", `c1,"2025-03-03T09:00:00Z,,,,,,,,,,,,`, "", "quoted field not closed at the end of the input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := genContactHeader + tt.row + "\nc-ok,2025-03-03T09:00:00Z,,,,,,,,,,,,\n"
			s, err := genParse(ParseContactsCSV, in, genOpt())
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(s.rejects) != 1 {
				t.Fatalf("got %d rejects, want 1: %v", len(s.rejects), s)
			}
			r := s.rejects[0]
			if r.Line != 2 || r.Field != tt.field || !strings.Contains(r.Reason, tt.reason) || r.Raw != tt.row {
				t.Errorf("reject %+v, want line 2, field %q, reason containing %q, raw %q", r, tt.field, tt.reason, tt.row)
			}
			if len(s.contacts) != 1 || s.contacts[0].ContactID != "c-ok" {
				t.Errorf("the next row (line 3) is not loaded: %v", s)
			}
		})
	}
}

// TestParseContactsCSVLines checks the line of rejects after records that
// span lines, blank lines and a quote that never closes.
func TestParseContactsCSVLines(t *testing.T) {
	in := "contact_id,started_at,disposition\r\n" + // 1
		`c1,2025-03-03T09:00:00Z,"two` + "\r\n" + // 2
		`lines"` + "\r\n" + // 3
		"\r\n" + // 4
		"c2,bad,x\r\n" + // 5
		`c3,2025-03-03T09:00:00Z,"opened` + "\r\n" + // 6: never closed properly
		"c4,2025-03-03T09:00:00Z,fine\r\n" + // 7
		"c5,2025-03-03T09:00:00Z,\"closed\"\r\n" + // 8: its quote would close line 6's
		"c6,late,x\r\n" // 9
	s, err := genParse(ParseContactsCSV, in, genOpt())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.rejects {
		got = append(got, fmt.Sprintf("%d %s", r.Line, r.Field))
	}
	if want := []string{"5 started_at", "6 ", "9 started_at"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rejects at %q, want %q (%v)", got, want, s)
	}
	if r := s.rejects[1]; r.Raw != `c3,2025-03-03T09:00:00Z,"opened` || !strings.Contains(r.Reason, "runs to line 8") {
		t.Errorf("reject of line 6 = %+v", r)
	}
	var ids []string
	for _, c := range s.contacts {
		ids = append(ids, c.ContactID+"="+c.Disposition)
	}
	if want := []string{"c1=two\nlines", "c4=fine", "c5=closed"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("contacts %q, want %q", ids, want)
	}
}

func TestParseContactsCSVLongLines(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name   string
		in     string
		reason string
		line   int
		ok     []string
	}{
		{
			name:   "a long line is rejected and skipped",
			in:     "contact_id,started_at,queue\nc1,2025-03-03T09:00:00Z," + long + "\nc2,2025-03-03T09:00:00Z,q\n",
			reason: "line longer than 1000 bytes",
			line:   2,
			ok:     []string{"c2"},
		},
		{
			name:   "a long line inside a quoted field",
			in:     "contact_id,started_at,queue\nc1,2025-03-03T09:00:00Z,\"a\n" + long + "\"\nc2,2025-03-03T09:00:00Z,q\n",
			reason: "not closed before line 3, which is longer than 1000 bytes",
			line:   2,
			ok:     []string{"c2"},
		},
		{
			name:   "a quoted field running past the limit",
			in:     "contact_id,started_at,queue\nc1,2025-03-03T09:00:00Z,\"a\n" + strings.Repeat("y\n", 600) + "\"\nc2,2025-03-03T09:00:00Z,q\n",
			reason: "not closed within 1000 bytes",
			line:   2,
			ok:     []string{"c2"},
		},
		{
			name: "a line exactly at the limit is fine",
			in:   "contact_id,started_at,queue\nc1,2025-03-03T09:00:00Z," + long[:1000-len("c1,2025-03-03T09:00:00Z,")] + "\r\n",
			ok:   []string{"c1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := genOpt()
			opt.MaxLineBytes = 1000
			s, err := genParse(ParseContactsCSV, tt.in, opt)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range s.contacts {
				ids = append(ids, c.ContactID)
			}
			if !reflect.DeepEqual(ids, tt.ok) {
				t.Errorf("loaded %q, want %q", ids, tt.ok)
			}
			if tt.reason == "" {
				if len(s.rejects) != 0 {
					t.Errorf("rejects: %v", s.rejects)
				}
				return
			}
			if len(s.rejects) == 0 {
				t.Fatalf("no reject")
			}
			r := s.rejects[0]
			if r.Line != tt.line || !strings.Contains(r.Reason, tt.reason) || len(r.Raw) > MaxRawBytes {
				t.Errorf("reject line %d reason %q (raw %d bytes), want line %d reason %q", r.Line, r.Reason, len(r.Raw), tt.line, tt.reason)
			}
			// The lines read again (the y lines, the long line) are
			// rejected on their own.
			for _, r := range s.rejects[1:] {
				if !strings.Contains(r.Reason, "fields, the header has 3") && !strings.Contains(r.Reason, "quote") &&
					!strings.Contains(r.Reason, "line longer") {
					t.Errorf("unexpected reject %+v", r)
				}
			}
		})
	}
}

// genEndless yields n bytes of 'z' and then the rest.
type genEndless struct {
	n    int
	rest io.Reader
}

func (g *genEndless) Read(p []byte) (int, error) {
	if g.n == 0 {
		return g.rest.Read(p)
	}
	k := min(len(p), g.n)
	for i := range p[:k] {
		p[i] = 'z'
	}
	g.n -= k
	return k, nil
}

// TestGenLinesBounded reads a 64 MiB line: it must be skipped without
// being held in memory.
func TestGenLinesBounded(t *testing.T) {
	l := newLineReader(&genEndless{n: 64 << 20, rest: strings.NewReader("\nnext\n")}, 1<<20)
	b, long, err := l.next()
	if err != nil || !long || len(b) != MaxRawBytes {
		t.Fatalf("first line: %d bytes, long %v, err %v", len(b), long, err)
	}
	if c := cap(l.buf); c > 2<<20 {
		t.Errorf("line buffer grew to %d bytes", c)
	}
	b, long, err = l.next()
	if string(b) != "next\n" || long || err != nil || l.n != 2 {
		t.Errorf("second line %q long %v err %v n %d", b, long, err, l.n)
	}
	if _, _, err = l.next(); err != io.EOF {
		t.Errorf("at the end: %v", err)
	}
}

func TestParseCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name  string
		parse ParseFunc
		in    string
		cols  map[string]string
		is    error
		msg   []string
	}{
		{"no contact_id", ParseContactsCSV, "id,started_at\n1,2025-03-03T09:00:00Z\n", nil, ErrFormat, []string{"test.csv", "lacks required column(s) contact_id", `has: "id", "started_at"`}},
		{"no required column", ParseContactsCSV, "a,b\n", nil, ErrFormat, []string{"contact_id, started_at"}},
		{"empty input", ParseContactsCSV, "", nil, ErrFormat, []string{"empty input"}},
		{"only blank lines", ParseContactsCSV, "\n\r\n\n", nil, ErrFormat, []string{"empty input"}},
		{"malformed header", ParseContactsCSV, "contact_id,\"started_at\nx\n", nil, ErrFormat, []string{"header (line 1)", "not closed"}},
		{"duplicate column", ParseContactsCSV, "contact_id,started_at,Contact_ID\n", nil, ErrFormat, []string{`column "contact_id" appears twice`}},
		{"tab separated", ParseContactsCSV, "contact_id\tstarted_at\n", nil, ErrFormat, []string{"lacks required column(s) contact_id, started_at"}},
		{"mapped column absent", ParseSurveysCSV, "id,when,nps\n", map[string]string{"response_id": "id", "responded_at": "date"}, ErrFormat, []string{`no column "date" (mapped to responded_at)`}},
		{"mapping names an unknown field", ParseSurveysCSV, "id,when,nps\n", map[string]string{"score": "nps"}, ErrMapping, []string{`"score" is not a surveys field`}},
		{"constant that is no time", ParseSurveysCSV, "id,nps\n", map[string]string{"response_id": "id", "responded_at": "=last week"}, ErrMapping, []string{"constant for responded_at", "not a timestamp"}},
		{"constant out of range", ParseSurveysCSV, "id,nps\n", map[string]string{"response_id": "id", "responded_at": "=1980-01-01"}, ErrMapping, []string{"before 1990-01-01"}},
		{"surveys without any score", ParseSurveysCSV, "response_id,responded_at,comment\n", nil, ErrFormat, []string{"none of the columns nps, csat, ces"}},
		{"states without end", ParseStatesCSV, "agent_id,state,start\n", nil, ErrFormat, []string{"states CSV header lacks required column(s) end"}},
		{"schedules without activity", ParseSchedulesCSV, "agent_id,state,start,end\n", nil, ErrFormat, []string{"lacks required column(s) activity"}},
		{"agents without agent_id", ParseAgentsCSV, "agent,name\n", nil, ErrFormat, []string{"lacks required column(s) agent_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := genOpt()
			opt.Columns = tt.cols
			s, err := genParse(tt.parse, tt.in, opt)
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if s.rows()+len(s.rejects) != 0 {
				t.Errorf("emitted %v", s)
			}
		})
	}
}

func TestParseContactsCSVGarbage(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(genContactHeader)
	for i := range 4096 {
		b.WriteByte(byte(i * 7919 >> 3))
		if i%97 == 0 {
			b.WriteByte('\n')
		}
	}
	s, err := genParse(ParseContactsCSV, b.String(), genOpt())
	if err != nil {
		t.Fatal(err)
	}
	if s.rows() != 0 || len(s.rejects) == 0 {
		t.Fatalf("garbage: %d rows, %d rejects", s.rows(), len(s.rejects))
	}
	for _, r := range s.rejects {
		if r.Line < 2 || r.Reason == "" || !utf8.ValidString(r.Raw) {
			t.Errorf("bad reject %+v", r)
		}
	}
	// Garbage where the header should be is a format error.
	_, err = genParse(ParseContactsCSV, b.String()[len(genContactHeader):], genOpt())
	if !errors.Is(err, ErrFormat) {
		t.Errorf("garbage header: %v", err)
	}
}

func TestParseGenericEmitterError(t *testing.T) {
	tests := []struct {
		parse  ParseFunc
		in     string
		failOn string
	}{
		{ParseContactsCSV, "contact_id,started_at\nc1,2025-03-03T09:00:00Z\nc2,2025-03-03T09:00:00Z\n", "contact"},
		{ParseContactsCSV, "contact_id,started_at\nc1,x\nc2,x\n", "reject"},
		{ParseContactsNDJSON, "\n" + `{"contact_id":"c1","started_at":"2025-03-03T09:00:00Z"}` + "\n{}\n", "contact"},
		{ParseContactsNDJSON, "\n{}\n{}\n", "reject"},
		{ParseSurveysCSV, "response_id,responded_at,nps\nr1,2025-03-03T09:00:00Z,1\nr2,2025-03-03T09:00:00Z,1\n", "survey"},
		{ParseAgentsCSV, "agent_id\na1\na2\n", "agent"},
		{ParseStatesCSV, "agent_id,state,start,end\na1,break,2025-03-03 09:00:00,2025-03-03 10:00:00\na1,break,2025-03-03 09:00:00,2025-03-03 10:00:00\n", "state"},
		{ParseSchedulesCSV, "agent_id,activity,start,end\na1,break,2025-03-03 09:00:00,2025-03-03 10:00:00\na1,break,2025-03-03 09:00:00,2025-03-03 10:00:00\n", "schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.failOn, func(t *testing.T) {
			s := &genSink{failOn: tt.failOn}
			err := tt.parse(strings.NewReader(tt.in), genOpt(), s)
			if !errors.Is(err, errGenSink) || !strings.Contains(err.Error(), "line 2") {
				t.Fatalf("err = %v, want the sink's error at line 2", err)
			}
			if n := s.rows() + len(s.rejects); n != 1 {
				t.Errorf("parser went on after the error: %d records", n)
			}
		})
	}
}

// genFailReader fails after its content.
type genFailReader struct{ r io.Reader }

var errGenRead = errors.New("disk on fire")

func (f genFailReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errGenRead
	}
	return n, err
}

func TestParseGenericReadError(t *testing.T) {
	for name, p := range map[string]ParseFunc{"csv": ParseContactsCSV, "ndjson": ParseContactsNDJSON} {
		t.Run(name, func(t *testing.T) {
			in := "contact_id,started_at\n"
			if name == "ndjson" {
				in = "{}\n"
			}
			err := p(genFailReader{strings.NewReader(in)}, genOpt(), &genSink{})
			if !errors.Is(err, errGenRead) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestParseContactsNDJSON(t *testing.T) {
	s, err := genParse(ParseContactsNDJSON, string(genTestdata(t, "contacts.ndjson")), genOpt())
	if err != nil {
		t.Fatal(err)
	}
	want := []Contact{
		{
			ContactID: "c-3001", Source: "generic", Channel: "voice", Direction: "inbound", Queue: "billing",
			StartedAt: genTime("2025-03-03T11:00:00Z"), EndedAt: genTime("2025-03-03T11:04:12Z"),
			AnsweredAt: genTimeP("2025-03-03T11:00:12Z"), // no answered_at key: inferred after the wait
			WaitS:      12, TalkS: 240, Resolved: genBoolP(true), SourceUpdatedAt: genTime("2025-03-03T11:04:12Z"),
		},
		{
			ContactID: "3002", Source: "generic", Channel: "voice", Direction: "inbound",
			StartedAt: genTime("2025-03-03T11:05:00Z"), EndedAt: genTime("2025-03-03T11:06:10Z"),
			WaitS: 70, Abandoned: true, SourceUpdatedAt: genTime("2025-03-03T11:06:10Z"),
		},
		{
			ContactID: "c-3005", Source: "generic", Channel: "voice", Direction: "outbound",
			StartedAt: genTime("2025-03-03T10:20:00Z"), EndedAt: genTime("2025-03-03T10:20:12Z"),
			AnsweredAt: genTimeP("2025-03-03T10:20:00Z"), TalkS: 12, SourceUpdatedAt: genTime("2025-03-03T10:20:12Z"),
		},
	}
	if !reflect.DeepEqual(s.contacts, want) {
		t.Errorf("contacts:\n got %+v\nwant %+v", s.contacts, want)
	}
	var got []string
	for _, r := range s.rejects {
		got = append(got, fmt.Sprintf("%d|%s|%s", r.Line, r.Field, r.Reason))
	}
	wantRej := []string{
		"4||invalid JSON: unexpected end of JSON input",
		"5||not a JSON object",
		"6|queue|want a string, a number or a boolean, got a JSON object or array",
	}
	if !reflect.DeepEqual(got, wantRej) {
		t.Errorf("rejects:\n got %q\nwant %q", got, wantRej)
	}
}

func TestParseNDJSONRejects(t *testing.T) {
	long := `{"contact_id":"` + strings.Repeat("x", 2000) + `"}`
	tests := []struct {
		name   string
		line   string
		field  string
		reason string
	}{
		{"no contact_id", `{"started_at":"2025-03-03T09:00:00Z"}`, "contact_id", "required"},
		{"null contact_id", `{"contact_id":null,"started_at":"2025-03-03T09:00:00Z"}`, "contact_id", "required"},
		{"started_at a number", `{"contact_id":"c","started_at":1741000000}`, "started_at", "not a timestamp"},
		{"wait_s a string of garbage", `{"contact_id":"c","started_at":"2025-03-03T09:00:00Z","wait_s":"ten"}`, "wait_s", "not a number"},
		{"wait_s negative", `{"contact_id":"c","started_at":"2025-03-03T09:00:00Z","wait_s":-1}`, "wait_s", "negative"},
		{"abandoned a number", `{"contact_id":"c","started_at":"2025-03-03T09:00:00Z","abandoned":2}`, "abandoned", "not a boolean"},
		{"array value", `{"contact_id":["c"],"started_at":"2025-03-03T09:00:00Z"}`, "contact_id", "JSON object or array"},
		{"trailing garbage", `{"contact_id":"c","started_at":"2025-03-03T09:00:00Z"} x`, "", "invalid JSON"},
		{"a bare string", `"c"`, "", "not a JSON object"},
		{"two bad fields: the first in field order", `{"wait_s":"y","started_at":"x","Wait_S":"z","contact_id":"c"}`, "started_at", "not a timestamp"},
		{"a key as written wins over its normalized twin", `{"Wait_S":"z","contact_id":"c","started_at":"2025-03-03T09:00:00Z","wait_s":"-3"}`, "wait_s", "negative"},
		{"too long", long, "", "line longer than 1000 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := genOpt()
			opt.MaxLineBytes = 1000
			in := "\n" + tt.line + "\n" + `{"contact_id":"ok","started_at":"2025-03-03T09:00:00Z"}`
			s, err := genParse(ParseContactsNDJSON, in, opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.rejects) != 1 || len(s.contacts) != 1 {
				t.Fatalf("%v", s)
			}
			r := s.rejects[0]
			if r.Line != 2 || r.Field != tt.field || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("reject %+v, want line 2 field %q reason %q", r, tt.field, tt.reason)
			}
			if len(r.Raw) > MaxRawBytes || !strings.HasPrefix(tt.line, r.Raw[:min(len(r.Raw), 20)]) {
				t.Errorf("raw %q", cut(r.Raw, 60))
			}
		})
	}
}

func TestParseNDJSONWindows1252AndMapping(t *testing.T) {
	in := "\xef\xbb\xbf{\"Id\":\"r1\",\"When\":\"2025-03-03T09:00:00Z\",\"Score\":\"7\",\"comment\":\"tr\xe8s bien\"}\n"
	opt := genOpt()
	opt.Columns = map[string]string{"response_id": "id", "responded_at": "When", "nps": "score", "source": "=survey-tool"}
	s, err := genParse(ParseSurveysNDJSON, in, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []Survey{{ResponseID: "r1", Source: "survey-tool", RespondedAt: genTime("2025-03-03T09:00:00Z"), NPS: genU8(7), Comment: "très bien"}}
	if !reflect.DeepEqual(s.surveys, want) {
		t.Errorf("got %+v (%v), want %+v", s.surveys, s, want)
	}
}

func TestParseSurveys(t *testing.T) {
	t.Run("csv", func(t *testing.T) {
		s, err := genParse(ParseSurveysCSV, string(genTestdata(t, "surveys.csv")), genOpt())
		if err != nil {
			t.Fatal(err)
		}
		want := []Survey{
			{ResponseID: "r-1", Source: "generic", ContactID: "c-1001", AgentID: "a-17", RespondedAt: genTime("2025-03-03T10:00:00Z"), NPS: genU8(9), CSAT: genU8(5), Comment: "Quick, friendly"},
			{ResponseID: "r-2", Source: "generic", ContactID: "c-1002", RespondedAt: genTime("2025-03-03T10:05:00Z"), NPS: genU8(3), CES: genU8(2)},
			{ResponseID: "r-5", Source: "generic", ContactID: "c-1004", AgentID: "a-18", RespondedAt: genTime("2025-03-03T10:20:00Z"), CSAT: genU8(4), Comment: "NA"},
		}
		if !reflect.DeepEqual(s.surveys, want) {
			t.Errorf("surveys:\n got %+v\nwant %+v", s.surveys, want)
		}
		wantRej := []Reject{
			{Line: 4, Raw: "r-3,,,2025-03-03T10:10:00Z,,,,no scores given", Field: "nps,csat,ces", Reason: "no score: one of nps, csat, ces is required"},
			{Line: 5, Raw: "r-4,c-1003,a-18,2025-03-03T10:15:00Z,11,,,out of range", Field: "nps", Reason: "score 11 outside 0-10"},
		}
		if !reflect.DeepEqual(s.rejects, wantRej) {
			t.Errorf("rejects:\n got %+v\nwant %+v", s.rejects, wantRej)
		}
	})
	t.Run("ndjson", func(t *testing.T) {
		s, err := genParse(ParseSurveysNDJSON, string(genTestdata(t, "surveys.ndjson")), genOpt())
		if err != nil {
			t.Fatal(err)
		}
		want := []Survey{
			{ResponseID: "r-10", Source: "generic", RespondedAt: genTime("2025-03-03T12:00:00Z"), NPS: genU8(10), Comment: "great"},
			{ResponseID: "r-11", Source: "generic", ContactID: "c-1001", RespondedAt: genTime("2025-03-03T12:05:00Z"), CSAT: genU8(4)},
		}
		if !reflect.DeepEqual(s.surveys, want) {
			t.Errorf("surveys:\n got %+v\nwant %+v", s.surveys, want)
		}
		if len(s.rejects) != 1 || s.rejects[0].Line != 3 || s.rejects[0].Field != "ces" {
			t.Errorf("rejects %+v", s.rejects)
		}
	})
	rejects := []struct {
		name, row, field, reason string
	}{
		{"csat 0", "r,2025-03-03T09:00:00Z,,0,,", "csat", "outside 1-5"},
		{"ces 8", "r,2025-03-03T09:00:00Z,,,8,", "ces", "outside 1-7"},
		{"nps fraction", "r,2025-03-03T09:00:00Z,7.5,,,", "nps", "not an integer"},
		{"no response_id", ",2025-03-03T09:00:00Z,7,,,", "response_id", "required"},
		{"no responded_at", "r,,7,,,", "responded_at", "required"},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			s, err := genParse(ParseSurveysCSV, "response_id,responded_at,nps,csat,ces,comment\n"+tt.row+"\n", genOpt())
			if err != nil {
				t.Fatal(err)
			}
			if len(s.rejects) != 1 || s.rejects[0].Line != 2 || s.rejects[0].Field != tt.field || !strings.Contains(s.rejects[0].Reason, tt.reason) {
				t.Errorf("%v, want field %q reason %q", s, tt.field, tt.reason)
			}
		})
	}
	t.Run("mapped headers", func(t *testing.T) {
		opt := genOpt()
		opt.Columns = map[string]string{"NPS": "Likelihood to recommend", "response_id": "ID", "responded_at": "Submitted"}
		in := "ID,Submitted,Likelihood to recommend ,nps\n7,2025-03-03 09:00:00,10,3\n"
		s, err := genParse(ParseSurveysCSV, in, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.surveys) != 1 || *s.surveys[0].NPS != 10 || s.surveys[0].ResponseID != "7" {
			t.Errorf("%+v", s.surveys)
		}
	})
}

func TestParseSurveysBotanic(t *testing.T) {
	in := genFixture(t, "nps-survey-csv", "botanic-nps-verbatims-first300.csv")
	t.Run("without a mapping", func(t *testing.T) {
		_, err := genParse(ParseSurveysCSV, string(in), genOpt())
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "response_id, responded_at") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("mapped, with a constant date", func(t *testing.T) {
		opt := genOpt()
		opt.Source = "botanic"
		opt.Columns = map[string]string{"response_id": "id", "nps": "nps", "comment": "explication", "responded_at": "=2021-10-19"}
		s, err := genParse(ParseSurveysCSV, string(in), opt)
		if err != nil {
			t.Fatal(err)
		}
		// 300 responses; 5 have nps NA and no other score.
		if len(s.surveys) != 295 || len(s.rejects) != 5 {
			t.Fatalf("%d surveys, %d rejects: %+v", len(s.surveys), len(s.rejects), s.rejects)
		}
		for _, r := range s.rejects {
			if r.Field != "nps,csat,ces" || r.Line < 2 || !strings.Contains(r.Raw, ",NA,") {
				t.Errorf("reject %+v", r)
			}
		}
		first := Survey{ResponseID: "2368", Source: "botanic", RespondedAt: genTime("2021-10-19T00:00:00Z"), NPS: genU8(10)}
		if !reflect.DeepEqual(s.surveys[0], first) {
			t.Errorf("first = %+v", s.surveys[0])
		}
		want := "Il y a très peu de caisse ouverte et le délai d'attente est particulièrement long!!!!"
		if got := s.surveys[1].Comment; got != want || *s.surveys[1].NPS != 7 {
			t.Errorf("second comment %q, want %q", got, want)
		}
		comments := 0
		for _, sv := range s.surveys {
			if !utf8.ValidString(sv.Comment) {
				t.Errorf("comment of %s is not UTF-8", sv.ResponseID)
			}
			if sv.Comment != "" {
				comments++
			}
			if sv.Comment == "NA" {
				t.Errorf("NA comment kept for %s", sv.ResponseID)
			}
		}
		if comments < 80 {
			t.Errorf("only %d comments", comments)
		}
	})
}

func TestParseContactsPwC(t *testing.T) {
	in := genFixture(t, "call-center-datasets", "pwc-call-centre-trends-Call_Center.csv")
	opt := genOpt()
	opt.File = "pwc-call-centre-trends-Call_Center.csv"
	s, err := genParse(ParseContactsCSV, string(in), opt)
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
	for _, m := range []string{"pwc-call-centre-trends-Call_Center.csv", "contact_id, started_at", `"call id"`} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q lacks %q (the BOM must not hide the first column)", err, m)
		}
	}
	if s.rows() != 0 {
		t.Errorf("loaded %d rows", s.rows())
	}
	// Mapped, its dd-mm-yyyy dates are not ours: every row is a clear reject.
	opt.Columns = map[string]string{"contact_id": "Call Id", "started_at": "Date"}
	s, err = genParse(ParseContactsCSV, string(in), opt)
	if err != nil {
		t.Fatal(err)
	}
	if s.rows() != 0 || len(s.rejects) != 1772 {
		t.Fatalf("%d rows, %d rejects", s.rows(), len(s.rejects))
	}
	if r := s.rejects[0]; r.Line != 2 || r.Field != "started_at" || !strings.Contains(r.Reason, `"31-01-2016"`) {
		t.Errorf("first reject %+v", r)
	}
}

func TestParseAgentsCSV(t *testing.T) {
	s, err := genParse(ParseAgentsCSV, string(genTestdata(t, "agents.csv")), genOpt())
	if err != nil {
		t.Fatal(err)
	}
	want := []Agent{
		{AgentID: "a-17", Name: "Ana Lima", Team: "team-a", Site: "paris", Supervisor: "s-1", ValidFrom: genTime("2024-01-01T00:00:00Z")},
		{AgentID: "a-18", Name: "Bo Chen", Team: "team-b", Site: "lyon", Supervisor: "s-2", ValidFrom: MinTime},
		{AgentID: "a-17", Name: "Ana Lima", Team: "team-b", Site: "lyon", Supervisor: "s-2", ValidFrom: genTime("2025-02-01T00:00:00Z")},
	}
	if !reflect.DeepEqual(s.agents, want) {
		t.Errorf("agents:\n got %+v\nwant %+v", s.agents, want)
	}
	if len(s.rejects) != 1 || s.rejects[0].Line != 5 || s.rejects[0].Field != "agent_id" {
		t.Errorf("rejects %+v", s.rejects)
	}
	s, err = genParse(ParseAgentsCSV, "agent_id,valid_from\na1,2024-13-01\n", genOpt())
	if err != nil || len(s.rejects) != 1 || s.rejects[0].Field != "valid_from" {
		t.Errorf("bad valid_from: %v %v", err, s)
	}
}

func TestParseStatesCSV(t *testing.T) {
	opt := genOpt()
	opt.Source = "wfm"
	s, err := genParse(ParseStatesCSV, string(genTestdata(t, "states.csv")), opt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range s.states {
		got = append(got, st.State+"/"+st.Reason+"/"+st.Source)
	}
	want := []string{"logged_in//wfm", "available//wfm", "on_contact//wfm", "acw//wfm", "break/meal/wfm", "offline//wfm"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("states %q, want %q", got, want)
	}
	if st := s.states[2]; st.AgentID != "a-17" || !st.Start.Equal(genTime("2025-03-03T09:00:20Z")) || !st.End.Equal(genTime("2025-03-03T09:05:30Z")) {
		t.Errorf("state %+v", st)
	}
	var rej []string
	for _, r := range s.rejects {
		rej = append(rej, fmt.Sprintf("%d %s", r.Line, r.Field))
	}
	if want := []string{"8 state", "9 end"}; !reflect.DeepEqual(rej, want) {
		t.Errorf("rejects %q, want %q (%+v)", rej, want, s.rejects)
	}
	for _, a := range []string{"available", "ready", "IDLE", "on_contact", "busy", "Talking", "oncall", "acw", "wrapup", "after_call_work", "After Call Work", "break", "pause", "lunch", "not_ready", "Not Ready", "logged_in", "offline", "logged_out"} {
		if _, ok := genStates[genNormState(a)]; !ok {
			t.Errorf("alias %q unknown", a)
		}
	}
}

func TestParseSchedulesCSV(t *testing.T) {
	s, err := genParse(ParseSchedulesCSV, string(genTestdata(t, "schedules.csv")), genOpt())
	if err != nil {
		t.Fatal(err)
	}
	want := []Schedule{
		{AgentID: "a-17", Activity: "on_contact", Start: genTime("2025-03-03T08:00:00Z"), End: genTime("2025-03-03T12:00:00Z")},
		{AgentID: "a-17", Activity: "break", Start: genTime("2025-03-03T12:00:00Z"), End: genTime("2025-03-03T12:45:00Z")},
		{AgentID: "a-17", Activity: "team_meeting", Start: genTime("2025-03-03T15:00:00Z"), End: genTime("2025-03-03T16:00:00Z")},
	}
	if !reflect.DeepEqual(s.schedules, want) {
		t.Errorf("schedules:\n got %+v\nwant %+v", s.schedules, want)
	}
	if len(s.rejects) != 1 || s.rejects[0].Line != 5 || s.rejects[0].Field != "end" || !strings.Contains(s.rejects[0].Reason, "not under 24 h") {
		t.Errorf("rejects %+v", s.rejects)
	}
	rejects := []struct{ row, field, reason string }{
		{"a,x,2025-03-03 09:00:00,2025-03-03 09:00:00", "end", "not after start"},
		{"a,,2025-03-03 09:00:00,2025-03-03 10:00:00", "activity", "required"},
		{",x,2025-03-03 09:00:00,2025-03-03 10:00:00", "agent_id", "required"},
		{"a,x,9:00,2025-03-03 10:00:00", "start", "not a timestamp"},
	}
	for _, tt := range rejects {
		t.Run(tt.field+" "+tt.reason, func(t *testing.T) {
			s, err := genParse(ParseSchedulesCSV, "agent_id,activity,start,end\n"+tt.row+"\n", genOpt())
			if err != nil || len(s.rejects) != 1 || s.rejects[0].Field != tt.field || !strings.Contains(s.rejects[0].Reason, tt.reason) {
				t.Errorf("%v %v", err, s)
			}
		})
	}
}

func TestParseTimeFast(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in string
		ok bool
	}{
		{"2025-03-03T09:00:00Z", true},
		{"2025-03-03 09:00:00", true},
		{"2025-03-03T09:00:00", true},
		{"2024-02-29 23:59:59", true},
		{"2025-03-30 02:30:00", true}, // a DST gap in Paris
		{"2023-02-29 00:00:00", false},
		{"2025-04-31 00:00:00", false},
		{"2025-03-03 24:00:00", false},
		{"2025-03-03 09:60:00", false},
		{"2025-03-03 09:00:60", false},
		{"2025-13-03 09:00:00", false},
		{"2025-03-03 09:00:00Z", false},
		{"2025-03-03t09:00:00Z", false},
		{"2025-03-03T09:00:00.5Z", false},
		{"+025-03-03T09:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseTimeFast([]byte(tt.in), paris)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			want, err := ParseTime(tt.in, paris)
			if ok && (err != nil || !got.Equal(want) || got.Location() != time.UTC) {
				t.Errorf("fast %v, ParseTime %v %v", got, want, err)
			}
		})
	}
}

// BenchmarkParseContactsCSV parses 100k generated contact rows.
func BenchmarkParseContactsCSV(b *testing.B) {
	const rows = 100_000
	in := genBenchContacts(rows)
	opt := Options{Now: genNow}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var e genCounter
		if err := ParseContactsCSV(bytes.NewReader(in), opt, &e); err != nil || e.ok != rows {
			b.Fatalf("%v: %d rows, %d rejects", err, e.ok, e.rejected)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func genBenchContacts(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("contact_id,source,channel,direction,queue,team,site,agent_id,customer_id,started_at,answered_at,ended_at,wait_s,talk_s,hold_s,hold_count,acw_s,abandoned,transferred,resolved,disposition,initial_contact_id,source_updated_at\n")
	start := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range rows {
		t := start.Add(time.Duration(i) * 7 * time.Second)
		wait, talk, hold, acw := i%60, 60+i%600, i%3*10, 15+i%45
		ans := t.Add(time.Duration(wait) * time.Second)
		end := ans.Add(time.Duration(talk+hold+acw) * time.Second)
		b.WriteString("c-")
		b.WriteString(strconv.Itoa(1_000_000 + i))
		b.WriteString(",pbx,voice,inbound,queue-")
		b.WriteString(strconv.Itoa(i % 20))
		b.WriteString(",team-")
		b.WriteString(strconv.Itoa(i % 8))
		b.WriteString(",paris,agent-")
		b.WriteString(strconv.Itoa(i % 300))
		b.WriteString(",cust-")
		b.WriteString(strconv.Itoa(i * 31 % 50_000))
		b.WriteString(",")
		b.WriteString(t.Format(time.RFC3339))
		b.WriteString(",")
		b.WriteString(ans.Format(time.DateTime))
		b.WriteString(",")
		b.WriteString(end.Format(time.RFC3339))
		fmt.Fprintf(&b, ",%d,%d,%d,%d,%d,0,%d,%d,resolved,,\n", wait, talk, hold, hold/10, acw, i%17/16, i%2)
	}
	return b.Bytes()
}

// genCounter is an Emitter that only counts, as cheap as an emitter gets.
type genCounter struct{ ok, rejected int }

func (c *genCounter) Contact(Contact) error   { c.ok++; return nil }
func (c *genCounter) Survey(Survey) error     { c.ok++; return nil }
func (c *genCounter) Agent(Agent) error       { c.ok++; return nil }
func (c *genCounter) State(AgentState) error  { c.ok++; return nil }
func (c *genCounter) Schedule(Schedule) error { c.ok++; return nil }
func (c *genCounter) Reject(Reject) error     { c.rejected++; return nil }
