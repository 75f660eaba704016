package ingest

// The generic formats: CSV with a header row, and NDJSON, whose columns
// (keys) are named as the fields of DESIGN.md section 2. Both feed the same
// record builders, so a value means the same thing in either format.
//
// CSV is read by a splitter of our own rather than encoding/csv, because
// the input is untrusted and we need what encoding/csv does not give: a
// bound on the bytes one line or record may hold (encoding/csv buffers a
// line of any length), a reject per malformed record instead of an error
// that ends the file, recovery from an unclosed quote (only the line that
// opened it is rejected; the lines after it are read again on their own),
// to know whether a field was quoted (R writes missing values as a bare
// NA), and fields handed out as byte slices so the happy path allocates
// only the strings a record keeps.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrMapping says Options.Columns does not fit the kind being parsed (an
// unknown field name or an invalid constant).
var ErrMapping = errors.New("ingest: bad column mapping")

// genSchema describes the columns of one kind in the generic formats.
type genSchema struct {
	kind     Kind
	fields   []string // target field names; index = the kind's field constant
	required []string // columns the header must have
	anyOf    []string // the header must have at least one of these
	times    []string // timestamp fields (a constant may be a bare date)
	naEmpty  []string // text fields where an unquoted NA means empty
}

// Contact fields, in the order of DESIGN.md section 2.
const (
	cContactID = iota
	cSource
	cChannel
	cDirection
	cQueue
	cTeam
	cSite
	cAgentID
	cCustomerID
	cStartedAt
	cAnsweredAt
	cEndedAt
	cWaitS
	cTalkS
	cHoldS
	cHoldCount
	cAcwS
	cAbandoned
	cTransferred
	cResolved
	cDisposition
	cInitialContactID
	cSourceUpdatedAt
)

var genContactSchema = &genSchema{
	kind: KindContacts,
	fields: []string{
		"contact_id", "source", "channel", "direction", "queue", "team", "site",
		"agent_id", "customer_id", "started_at", "answered_at", "ended_at",
		"wait_s", "talk_s", "hold_s", "hold_count", "acw_s", "abandoned",
		"transferred", "resolved", "disposition", "initial_contact_id",
		"source_updated_at",
	},
	required: []string{"contact_id", "started_at"},
	times:    []string{"started_at", "answered_at", "ended_at", "source_updated_at"},
}

// Survey fields.
const (
	sResponseID = iota
	sSource
	sContactID
	sAgentID
	sRespondedAt
	sNPS
	sCSAT
	sCES
	sComment
)

var genSurveySchema = &genSchema{
	kind: KindSurveys,
	fields: []string{
		"response_id", "source", "contact_id", "agent_id", "responded_at",
		"nps", "csat", "ces", "comment",
	},
	required: []string{"response_id", "responded_at"},
	anyOf:    []string{"nps", "csat", "ces"},
	times:    []string{"responded_at"},
	naEmpty:  []string{"comment"},
}

// Agent (roster) fields.
const (
	aAgentID = iota
	aName
	aTeam
	aSite
	aSupervisor
	aValidFrom
)

var genAgentSchema = &genSchema{
	kind:     KindAgents,
	fields:   []string{"agent_id", "name", "team", "site", "supervisor", "valid_from"},
	required: []string{"agent_id"},
	times:    []string{"valid_from"},
}

// Agent state fields.
const (
	stAgentID = iota
	stState
	stStart
	stEnd
	stReason
	stSource
)

var genStateSchema = &genSchema{
	kind:     KindStates,
	fields:   []string{"agent_id", "state", "start", "end", "reason", "source"},
	required: []string{"agent_id", "state", "start", "end"},
	times:    []string{"start", "end"},
}

// Schedule fields.
const (
	shAgentID = iota
	shActivity
	shStart
	shEnd
)

var genScheduleSchema = &genSchema{
	kind:     KindSchedules,
	fields:   []string{"agent_id", "activity", "start", "end"},
	required: []string{"agent_id", "activity", "start", "end"},
	times:    []string{"start", "end"},
}

// ParseContactsCSV reads contacts from a CSV file with a header row.
func ParseContactsCSV(r io.Reader, opt Options, e Emitter) error {
	return genParseCSV(r, opt, genContactSchema, genContactRow(e), e)
}

// ParseContactsNDJSON reads contacts from NDJSON, one object per line.
func ParseContactsNDJSON(r io.Reader, opt Options, e Emitter) error {
	return genParseNDJSON(r, opt, genContactSchema, genContactRow(e), e)
}

// ParseSurveysCSV reads survey responses from a CSV file with a header row.
func ParseSurveysCSV(r io.Reader, opt Options, e Emitter) error {
	return genParseCSV(r, opt, genSurveySchema, genSurveyRow(e), e)
}

// ParseSurveysNDJSON reads survey responses from NDJSON.
func ParseSurveysNDJSON(r io.Reader, opt Options, e Emitter) error {
	return genParseNDJSON(r, opt, genSurveySchema, genSurveyRow(e), e)
}

// ParseAgentsCSV reads roster rows from a CSV file with a header row.
func ParseAgentsCSV(r io.Reader, opt Options, e Emitter) error {
	return genParseCSV(r, opt, genAgentSchema, genAgentRow(e), e)
}

// ParseStatesCSV reads agent state intervals from a CSV file with a header row.
func ParseStatesCSV(r io.Reader, opt Options, e Emitter) error {
	return genParseCSV(r, opt, genStateSchema, genStateRow(e), e)
}

// ParseSchedulesCSV reads planned activity intervals from a CSV file with a header row.
func ParseSchedulesCSV(r io.Reader, opt Options, e Emitter) error {
	return genParseCSV(r, opt, genScheduleSchema, genScheduleRow(e), e)
}

// genRowFunc builds one record from its field values (indexed like
// genSchema.fields) and emits it. A *FieldError rejects the row; an error
// comes from the Emitter and stops the parse.
type genRowFunc func(p *genRow, v [][]byte) (*FieldError, error)

func genContactRow(e Emitter) genRowFunc {
	return func(p *genRow, v [][]byte) (*FieldError, error) {
		c, fe := p.contact(v)
		if fe != nil {
			return fe, nil
		}
		return nil, e.Contact(c)
	}
}

func genSurveyRow(e Emitter) genRowFunc {
	return func(p *genRow, v [][]byte) (*FieldError, error) {
		s, fe := p.survey(v)
		if fe != nil {
			return fe, nil
		}
		return nil, e.Survey(s)
	}
}

func genAgentRow(e Emitter) genRowFunc {
	return func(p *genRow, v [][]byte) (*FieldError, error) {
		a, fe := p.agent(v)
		if fe != nil {
			return fe, nil
		}
		return nil, e.Agent(a)
	}
}

func genStateRow(e Emitter) genRowFunc {
	return func(p *genRow, v [][]byte) (*FieldError, error) {
		s, fe := p.state(v)
		if fe != nil {
			return fe, nil
		}
		return nil, e.State(s)
	}
}

func genScheduleRow(e Emitter) genRowFunc {
	return func(p *genRow, v [][]byte) (*FieldError, error) {
		s, fe := p.schedule(v)
		if fe != nil {
			return fe, nil
		}
		return nil, e.Schedule(s)
	}
}

// genName names the input in errors.
func genName(opt Options) string {
	if opt.File != "" {
		return opt.File
	}
	return "input"
}

// genParseCSV reads the header, maps it to s and hands every record to row.
func genParseCSV(r io.Reader, opt Options, s *genSchema, row genRowFunc, e Emitter) error {
	name := genName(opt)
	p := newGenRow(opt, e)
	cols, err := s.columns(opt)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c := newCSVRecords(r, p.opt.maxLine())
	bad, err := c.read()
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: %s: empty input, want a %s CSV with a header row", ErrFormat, name, s.kind)
	case err != nil:
		return fmt.Errorf("read %s: %w", name, err)
	case bad != "":
		return fmt.Errorf("%w: %s: header (line %d): %s", ErrFormat, name, c.line, bad)
	}
	header := make([]string, len(c.fields))
	for i, f := range c.fields {
		header[i] = genNormName(Text(f))
	}
	m, err := s.mapHeader(header, cols, name)
	if err != nil {
		return err
	}
	c.want = len(header)
	v := make([][]byte, len(s.fields))
	for {
		bad, err := c.read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s after line %d: %w", name, c.lines.n, err)
		}
		if bad != "" {
			if err := p.reject(c.line, c.raw(), "", bad); err != nil {
				return fmt.Errorf("%s line %d: %w", name, c.line, err)
			}
			continue
		}
		for i, col := range m.col {
			switch {
			case col >= 0:
				v[i] = c.fields[col]
				if m.na[i] && !c.quoted[col] && string(v[i]) == "NA" {
					v[i] = nil
				}
			default:
				v[i] = m.konst[i]
			}
		}
		p.utf8 = utf8.Valid(c.rec)
		fe, err := row(p, v)
		if err == nil && fe != nil {
			err = p.reject(c.line, c.raw(), fe.Field, fe.Reason)
		}
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, c.line, err)
		}
	}
}

// genParseNDJSON reads one JSON object per line and hands each to row.
func genParseNDJSON(r io.Reader, opt Options, s *genSchema, row genRowFunc, e Emitter) error {
	name := genName(opt)
	p := newGenRow(opt, e)
	cols, err := s.columns(opt)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	keys := make(map[string][]int, len(s.fields)) // a key may feed two fields
	konst := make([][]byte, len(s.fields))
	for i, f := range s.fields {
		k := f
		if c, ok := cols[f]; ok {
			if c.konst != nil {
				konst[i] = c.konst
				continue
			}
			k = c.name
		}
		keys[k] = append(keys[k], i)
	}
	lr := newGenLines(r, p.opt.maxLine())
	v := make([][]byte, len(s.fields))
	obj := make(map[string]json.RawMessage, len(s.fields))
	raws := make([]json.RawMessage, len(s.fields))
	p.utf8 = true
	for {
		b, long, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s after line %d: %w", name, lr.n, err)
		}
		line := lr.n
		var fe *FieldError
		switch b = bytes.TrimSpace(b); {
		case long:
			fe = &FieldError{Reason: fmt.Sprintf("line longer than %d bytes", lr.max)}
		case len(b) == 0:
			continue
		case b[0] != '{':
			fe = &FieldError{Reason: "not a JSON object"}
		}
		if fe == nil {
			if !utf8.Valid(b) {
				b = []byte(Text(b))
			}
			clear(obj)
			if err := json.Unmarshal(b, &obj); err != nil {
				fe = &FieldError{Reason: "invalid JSON: " + err.Error()}
			}
		}
		if fe == nil {
			// Keys as written win over keys that match once normalized;
			// values are checked in field order, so a reject is the same
			// whatever the order of the keys.
			clear(raws)
			for k, raw := range obj {
				for _, i := range keys[k] {
					raws[i] = raw
				}
			}
			for k, raw := range obj {
				if _, ok := keys[k]; !ok {
					for _, i := range keys[genNormName(k)] {
						if raws[i] == nil {
							raws[i] = raw
						}
					}
				}
			}
			for i := range v {
				if v[i] = konst[i]; raws[i] != nil {
					if v[i], fe = genJSONValue(s.fields[i], raws[i]); fe != nil {
						break
					}
				}
			}
		}
		if fe == nil {
			fe, err = row(p, v)
		}
		if err == nil && fe != nil {
			err = p.reject(line, string(b), fe.Field, fe.Reason)
		}
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
}

// genJSONValue returns the text of a JSON string, number or boolean; null is
// empty.
func genJSONValue(field string, raw json.RawMessage) ([]byte, *FieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		if bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 {
			return raw[1 : len(raw)-1], nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fieldErr(field, "invalid JSON string: %v", err)
		}
		return []byte(s), nil
	case 'n':
		return nil, nil
	case '{', '[':
		return nil, &FieldError{Field: field, Reason: "want a string, a number or a boolean, got a JSON object or array"}
	}
	return raw, nil // number, true or false
}

// genColumn is one entry of Options.Columns: an input column name, or a
// constant ("=value") used for every row.
type genColumn struct {
	name  string
	konst []byte
}

// columns validates opt.Columns against s: keys must be fields of s, and
// constants of timestamp fields must be valid timestamps or dates.
func (s *genSchema) columns(opt Options) (map[string]genColumn, error) {
	out := make(map[string]genColumn, len(opt.Columns))
	for _, k := range slices.Sorted(maps.Keys(opt.Columns)) {
		v := opt.Columns[k]
		f := genNormName(k)
		if !slices.Contains(s.fields, f) {
			return nil, fmt.Errorf("%w: %q is not a %s field (fields: %s)", ErrMapping, k, s.kind, strings.Join(s.fields, ", "))
		}
		if c, ok := strings.CutPrefix(v, "="); ok {
			c = strings.TrimSpace(c)
			if slices.Contains(s.times, f) {
				c = string(genDate([]byte(c)))
				if _, fe := timeField(f, c, opt); fe != nil {
					return nil, fmt.Errorf("%w: constant for %s: %s", ErrMapping, f, fe.Reason)
				}
			}
			out[f] = genColumn{konst: append([]byte{}, c...)} // not nil, even when empty
			continue
		}
		out[f] = genColumn{name: genNormName(v)}
	}
	return out, nil
}

// genHeader says where each field of a genSchema comes from in a CSV.
type genHeader struct {
	col   []int    // column index, or -1
	konst [][]byte // constant when col is -1 (nil: absent)
	na    []bool   // an unquoted NA means empty
}

// mapHeader finds the genSchema's fields in a normalized header. A missing
// required column is an ErrFormat naming the columns and the input.
func (s *genSchema) mapHeader(header []string, cols map[string]genColumn, name string) (genHeader, error) {
	m := genHeader{
		col:   make([]int, len(s.fields)),
		konst: make([][]byte, len(s.fields)),
		na:    make([]bool, len(s.fields)),
	}
	var missing []string
	for i, f := range s.fields {
		m.col[i] = -1
		m.na[i] = slices.Contains(s.naEmpty, f)
		want := f
		if c, ok := cols[f]; ok {
			if c.konst != nil {
				m.konst[i] = c.konst
				continue
			}
			want = c.name
		}
		for j, h := range header {
			if h != want {
				continue
			}
			if m.col[i] >= 0 {
				return m, fmt.Errorf("%w: %s: column %q appears twice in the header", ErrFormat, name, h)
			}
			m.col[i] = j
		}
		if m.col[i] < 0 {
			if c, ok := cols[f]; ok {
				return m, fmt.Errorf("%w: %s: no column %q (mapped to %s) in the %s CSV header (has: %s)", ErrFormat, name, c.name, f, s.kind, genHeaderList(header))
			}
			if slices.Contains(s.required, f) {
				missing = append(missing, f)
			}
		}
	}
	if len(missing) > 0 {
		return m, fmt.Errorf("%w: %s: %s CSV header lacks required column(s) %s (has: %s)", ErrFormat, name, s.kind, strings.Join(missing, ", "), genHeaderList(header))
	}
	if len(s.anyOf) > 0 && !slices.ContainsFunc(s.anyOf, func(f string) bool {
		i := slices.Index(s.fields, f)
		return m.col[i] >= 0 || m.konst[i] != nil
	}) {
		return m, fmt.Errorf("%w: %s: %s CSV header has none of the columns %s (has: %s)", ErrFormat, name, s.kind, strings.Join(s.anyOf, ", "), genHeaderList(header))
	}
	return m, nil
}

// genHeaderList shows a header in an error message, shortened.
func genHeaderList(h []string) string {
	q := make([]string, 0, len(h))
	for _, s := range h {
		q = append(q, strconv.Quote(cut(s, 40)))
	}
	return cut(strings.Join(q, ", "), 400)
}

// genNormName normalizes a column name: BOM, surrounding spaces and case.
func genNormName(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	return strings.ToLower(strings.TrimSpace(s))
}

// genMaxInterned bounds the strings a genRow keeps for reuse.
const genMaxInterned = 1 << 16

// genRow is what turning field values into records needs: the options
// (Now fixed once per parse, so every row sees the same horizon) and the
// interned strings of low-cardinality columns (queue, team, agent...), so
// that a million rows do not hold a million copies of "support".
type genRow struct {
	opt    Options
	loc    *time.Location
	latest time.Time // the newest valid timestamp
	source string
	utf8   bool // the current row is valid UTF-8 (else text is Windows-1252)
	names  map[string]string
	lowers map[string]string
	e      Emitter

	// Per field, the last string handed out: rows in a row often share
	// their queue, team or agent, and a comparison is cheaper than a map.
	lastName, lastLower [32]string
	clock               genClock
	times               []time.Time // slab for AnsweredAt pointers
	bools               []bool      // slab for Resolved pointers
	scratch             []byte
}

func newGenRow(opt Options, e Emitter) *genRow {
	opt.Now = opt.now()
	return &genRow{
		opt:    opt,
		loc:    opt.location(),
		latest: opt.Now.Add(Horizon),
		source: opt.source("generic"),
		utf8:   true,
		names:  make(map[string]string),
		lowers: make(map[string]string),
		e:      e,
	}
}

// reject emits a Reject; raw is the row as read.
func (p *genRow) reject(line int, raw, field, reason string) error {
	return p.e.Reject(Reject{Line: line, Raw: rawLine(strings.TrimRight(raw, "\r\n")), Field: field, Reason: reason})
}

// genTrim is bytes.TrimSpace with a fast path for the usual field that
// has nothing to trim.
func genTrim(b []byte) []byte {
	n := len(b)
	if n == 0 || (b[0] > ' ' && b[0] < utf8.RuneSelf && b[n-1] > ' ' && b[n-1] < utf8.RuneSelf) {
		return b
	}
	return bytes.TrimSpace(b)
}

// text returns a trimmed field as a string, decoded when the row is not UTF-8.
func (p *genRow) text(b []byte) string {
	b = genTrim(b)
	if len(b) == 0 {
		return ""
	}
	if !p.utf8 {
		return Text(b)
	}
	return string(b)
}

// text3 is text of three fields, with one allocation for the three.
func (p *genRow) text3(a, b, c []byte) (string, string, string) {
	if !p.utf8 {
		return p.text(a), p.text(b), p.text(c)
	}
	a, b, c = genTrim(a), genTrim(b), genTrim(c)
	p.scratch = append(append(append(p.scratch[:0], a...), b...), c...)
	s := string(p.scratch)
	return s[:len(a)], s[len(a) : len(a)+len(b)], s[len(a)+len(b):]
}

// name is text for a low-cardinality column (field i of the schema):
// equal values share one string.
func (p *genRow) name(i int, b []byte) string {
	b = genTrim(b)
	if len(b) == 0 {
		return ""
	}
	if !p.utf8 {
		return Text(b)
	}
	if s := p.lastName[i]; s == string(b) {
		return s
	}
	s, ok := p.names[string(b)]
	if !ok {
		s = string(b)
		if len(p.names) < genMaxInterned {
			p.names[s] = s
		}
	}
	p.lastName[i] = s
	return s
}

// lower is name, lowercased.
func (p *genRow) lower(i int, b []byte) string {
	b = genTrim(b)
	if len(b) == 0 {
		return ""
	}
	if !p.utf8 {
		return strings.ToLower(Text(b))
	}
	if s := p.lastLower[i]; s == string(b) {
		return s
	}
	s, ok := p.lowers[string(b)]
	if !ok {
		s = strings.ToLower(string(b))
		if len(p.lowers) < genMaxInterned {
			p.lowers[string(b)] = s
		}
	}
	if s == string(b) {
		p.lastLower[i] = s // only when the input was lower case already
	}
	return s
}

// timePtr returns a pointer to a copy of t, from a slab.
func (p *genRow) timePtr(t time.Time) *time.Time {
	if len(p.times) == 0 {
		p.times = make([]time.Time, 256)
	}
	x := &p.times[0]
	p.times = p.times[1:]
	*x = t
	return x
}

// boolPtr returns a pointer to a copy of b, from a slab.
func (p *genRow) boolPtr(b bool) *bool {
	if len(p.bools) == 0 {
		p.bools = make([]bool, 1024)
	}
	x := &p.bools[0]
	p.bools = p.bools[1:]
	*x = b
	return x
}

// time reads a required timestamp in the valid range.
func (p *genRow) time(field string, b []byte) (time.Time, *FieldError) {
	b = genTrim(b)
	if t, ok := p.clock.parse(b, p.loc); ok {
		if t.Before(MinTime) || t.After(p.latest) {
			return time.Time{}, checkTime(field, t, p.opt)
		}
		return t, nil
	}
	return timeField(field, p.text(b), p.opt)
}

// optTime reads an optional timestamp; ok is false when it is empty.
func (p *genRow) optTime(field string, b []byte) (t time.Time, ok bool, fe *FieldError) {
	if genBlank(b) {
		return time.Time{}, false, nil
	}
	t, fe = p.time(field, b)
	return t, fe == nil, fe
}

func genBlank(b []byte) bool { return len(genTrim(b)) == 0 }

func genRequired(field string) *FieldError { return &FieldError{Field: field, Reason: "required"} }

// parseTimeFast parses "2006-01-02T15:04:05Z" (UTC) and the zone-less
// "2006-01-02 15:04:05" / "2006-01-02T15:04:05" (in loc) without the
// generality of time.Parse. It accepts exactly what ParseTime accepts in
// these shapes; anything else (ok false) goes to ParseTime.
func parseTimeFast(b []byte, loc *time.Location) (time.Time, bool) {
	var c genClock
	return c.parse(b, loc)
}

// genClock is parseTimeFast with the start of the last UTC day it read
// kept: most timestamps in a file share their day with the previous one.
type genClock struct {
	day   [10]byte
	start time.Time
	ok    bool
}

func (c *genClock) parse(b []byte, loc *time.Location) (time.Time, bool) {
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
	hour, ok1 := genDigits(b[11:13])
	minute, ok2 := genDigits(b[14:16])
	sec, ok3 := genDigits(b[17:19])
	if !(ok1 && ok2 && ok3) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	if loc == time.UTC && c.ok && string(b[:10]) == string(c.day[:]) {
		return c.start.Add(time.Duration(hour*3600+minute*60+sec) * time.Second), true
	}
	year, ok1 := genDigits(b[0:4])
	month, ok2 := genDigits(b[5:7])
	day, ok3 := genDigits(b[8:10])
	if !(ok1 && ok2 && ok3) || month < 1 || month > 12 || day < 1 || day > genMonthDays(month, year) {
		return time.Time{}, false
	}
	if loc == time.UTC {
		copy(c.day[:], b[:10])
		c.start = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		c.ok = true
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc).UTC(), true
}

func genDigits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func genMonthDays(month, year int) int {
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

// genDate turns a bare date "2006-01-02" into "2006-01-02 00:00:00";
// anything else is returned as it is.
func genDate(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) == 10 && b[4] == '-' && b[7] == '-' {
		return append(b[:10:10], " 00:00:00"...)
	}
	return b
}

// duration reads whole seconds (durationField, with a fast path for plain genDigits).
func genSeconds(field string, b []byte) (uint32, *FieldError) {
	if len(b) > 0 && len(b) <= 5 {
		if n, ok := genDigits(b); ok && n < MaxDuration {
			return uint32(n), nil
		}
	}
	if len(b) == 0 {
		return 0, nil
	}
	return durationField(field, string(b))
}

// count reads a small non-negative integer (hold_count).
func genCount(field string, b []byte) (uint16, *FieldError) {
	b = genTrim(b)
	if len(b) == 0 {
		return 0, nil
	}
	if n, ok := genDigits(b); ok && len(b) <= 5 && n <= 0xFFFF {
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

// flag reads a boolean (boolField, with a fast path for 0 and 1).
func genFlag(field string, b []byte) (bool, *FieldError) {
	switch string(b) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return boolField(field, string(b))
}

func (p *genRow) contact(v [][]byte) (Contact, *FieldError) {
	var c Contact
	var fe *FieldError
	if genBlank(v[cContactID]) {
		return c, genRequired("contact_id")
	}
	if c.StartedAt, fe = p.time("started_at", v[cStartedAt]); fe != nil {
		return c, fe
	}
	if c.WaitS, fe = genSeconds("wait_s", v[cWaitS]); fe != nil {
		return c, fe
	}
	if c.TalkS, fe = genSeconds("talk_s", v[cTalkS]); fe != nil {
		return c, fe
	}
	if c.HoldS, fe = genSeconds("hold_s", v[cHoldS]); fe != nil {
		return c, fe
	}
	if c.HoldCount, fe = genCount("hold_count", v[cHoldCount]); fe != nil {
		return c, fe
	}
	if c.AcwS, fe = genSeconds("acw_s", v[cAcwS]); fe != nil {
		return c, fe
	}
	var ok bool
	if c.EndedAt, ok, fe = p.optTime("ended_at", v[cEndedAt]); fe != nil {
		return c, fe
	}
	if !ok {
		secs := time.Duration(c.WaitS) + time.Duration(c.TalkS) + time.Duration(c.HoldS) + time.Duration(c.AcwS)
		c.EndedAt = c.StartedAt.Add(secs * time.Second)
		if c.EndedAt.After(p.latest) {
			return c, fieldErr("ended_at", "started_at + wait_s + talk_s + hold_s + acw_s = %s is more than a day in the future", c.EndedAt.Format(time.RFC3339))
		}
	}
	if c.EndedAt.Before(c.StartedAt) {
		return c, fieldErr("ended_at", "%s is before started_at %s", c.EndedAt.Format(time.RFC3339), c.StartedAt.Format(time.RFC3339))
	}
	answered, ok, fe := p.optTime("answered_at", v[cAnsweredAt])
	if fe != nil {
		return c, fe
	}
	if ok {
		if answered.Before(c.StartedAt) || answered.After(c.EndedAt) {
			return c, fieldErr("answered_at", "%s is not between started_at %s and ended_at %s",
				answered.Format(time.RFC3339), c.StartedAt.Format(time.RFC3339), c.EndedAt.Format(time.RFC3339))
		}
		c.AnsweredAt = p.timePtr(answered)
	}
	if c.Abandoned, fe = genFlag("abandoned", v[cAbandoned]); fe != nil {
		return c, fe
	}
	if c.Abandoned && (c.AnsweredAt != nil || c.TalkS > 0) {
		return c, &FieldError{Field: "abandoned", Reason: "an abandoned contact cannot have answered_at or talk_s"}
	}
	if c.Transferred, fe = genFlag("transferred", v[cTransferred]); fe != nil {
		return c, fe
	}
	if !genBlank(v[cResolved]) {
		r, fe := genFlag("resolved", genTrim(v[cResolved]))
		if fe != nil {
			return c, fe
		}
		c.Resolved = p.boolPtr(r)
	}
	switch c.Direction = p.lower(cDirection, v[cDirection]); c.Direction {
	case "":
		c.Direction = "inbound"
	case "inbound", "outbound":
	default:
		return c, fieldErr("direction", "want inbound or outbound, got %q", cut(c.Direction, 40))
	}
	if c.SourceUpdatedAt, ok, fe = p.optTime("source_updated_at", v[cSourceUpdatedAt]); fe != nil {
		return c, fe
	}
	if !ok {
		c.SourceUpdatedAt = c.EndedAt
	}
	if c.Source = p.name(cSource, v[cSource]); c.Source == "" {
		c.Source = p.source
	}
	if c.Channel = p.lower(cChannel, v[cChannel]); c.Channel == "" {
		c.Channel = "voice"
	}
	c.Queue = p.name(cQueue, v[cQueue])
	c.Team = p.name(cTeam, v[cTeam])
	c.Site = p.name(cSite, v[cSite])
	c.AgentID = p.name(cAgentID, v[cAgentID])
	c.Disposition = p.name(cDisposition, v[cDisposition])
	c.ContactID, c.CustomerID, c.InitialContactID = p.text3(v[cContactID], v[cCustomerID], v[cInitialContactID])
	return c, nil
}

func (p *genRow) survey(v [][]byte) (Survey, *FieldError) {
	var s Survey
	var fe *FieldError
	if s.ResponseID = p.text(v[sResponseID]); s.ResponseID == "" {
		return s, genRequired("response_id")
	}
	if s.RespondedAt, fe = p.time("responded_at", v[sRespondedAt]); fe != nil {
		return s, fe
	}
	if s.NPS, fe = scoreField("nps", p.text(v[sNPS]), 0, 10); fe != nil {
		return s, fe
	}
	if s.CSAT, fe = scoreField("csat", p.text(v[sCSAT]), 1, 5); fe != nil {
		return s, fe
	}
	if s.CES, fe = scoreField("ces", p.text(v[sCES]), 1, 7); fe != nil {
		return s, fe
	}
	if s.NPS == nil && s.CSAT == nil && s.CES == nil {
		return s, &FieldError{Field: "nps,csat,ces", Reason: "no score: one of nps, csat, ces is required"}
	}
	if s.Source = p.name(sSource, v[sSource]); s.Source == "" {
		s.Source = p.source
	}
	s.ContactID = p.text(v[sContactID])
	s.AgentID = p.name(sAgentID, v[sAgentID])
	s.Comment = p.text(v[sComment])
	return s, nil
}

func (p *genRow) agent(v [][]byte) (Agent, *FieldError) {
	var a Agent
	var fe *FieldError
	if a.AgentID = p.name(aAgentID, v[aAgentID]); a.AgentID == "" {
		return a, genRequired("agent_id")
	}
	a.ValidFrom = MinTime
	if !genBlank(v[aValidFrom]) {
		if a.ValidFrom, fe = p.time("valid_from", genDate(v[aValidFrom])); fe != nil {
			return a, fe
		}
	}
	a.Name = p.text(v[aName])
	a.Team = p.name(aTeam, v[aTeam])
	a.Site = p.name(aSite, v[aSite])
	a.Supervisor = p.name(aSupervisor, v[aSupervisor])
	return a, nil
}

// genStates maps state names of the generic format, normalized by
// genNormState, to the State constants.
var genStates = map[string]string{
	"available": StateAvailable,
	"ready":     StateAvailable,
	"idle":      StateAvailable,

	"on_contact": StateOnContact,
	"busy":       StateOnContact,
	"talking":    StateOnContact,
	"oncall":     StateOnContact,
	"on_call":    StateOnContact,

	"acw":                StateACW,
	"wrapup":             StateACW,
	"wrap_up":            StateACW,
	"after_call_work":    StateACW,
	"after_contact_work": StateACW,

	"break":     StateBreak,
	"pause":     StateBreak,
	"paused":    StateBreak,
	"lunch":     StateBreak,
	"not_ready": StateBreak,
	"notready":  StateBreak,

	"logged_in": StateLoggedIn,
	"login":     StateLoggedIn,

	"offline":    StateOffline,
	"logged_out": StateOffline,
	"logout":     StateOffline,
}

// genNormState lowercases a state or activity name and writes spaces and
// hyphens as underscores ("After-Call Work" -> "after_call_work").
func genNormState(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// interval reads start and end: end after start, less than a day apart.
func (p *genRow) interval(vs, ve []byte) (start, end time.Time, fe *FieldError) {
	if start, fe = p.time("start", vs); fe != nil {
		return
	}
	if end, fe = p.time("end", ve); fe != nil {
		return
	}
	if !end.After(start) {
		return start, end, fieldErr("end", "%s is not after start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	if end.Sub(start) >= MaxDuration*time.Second {
		return start, end, fieldErr("end", "interval %s-%s is not under 24 h", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return start, end, nil
}

func (p *genRow) state(v [][]byte) (AgentState, *FieldError) {
	var s AgentState
	var fe *FieldError
	if s.AgentID = p.name(stAgentID, v[stAgentID]); s.AgentID == "" {
		return s, genRequired("agent_id")
	}
	raw := p.text(v[stState])
	if raw == "" {
		return s, genRequired("state")
	}
	var ok bool
	if s.State, ok = genStates[genNormState(raw)]; !ok {
		return s, fieldErr("state", "unknown state %q (want available, on_contact, acw, break, logged_in, offline or an alias)", cut(raw, 40))
	}
	if s.Start, s.End, fe = p.interval(v[stStart], v[stEnd]); fe != nil {
		return s, fe
	}
	s.Reason = p.name(stReason, v[stReason])
	if s.Source = p.name(stSource, v[stSource]); s.Source == "" {
		s.Source = p.source
	}
	return s, nil
}

func (p *genRow) schedule(v [][]byte) (Schedule, *FieldError) {
	var s Schedule
	var fe *FieldError
	if s.AgentID = p.name(shAgentID, v[shAgentID]); s.AgentID == "" {
		return s, genRequired("agent_id")
	}
	if s.Activity = genNormState(p.name(shActivity, v[shActivity])); s.Activity == "" {
		return s, genRequired("activity")
	}
	if s.Start, s.End, fe = p.interval(v[shStart], v[shEnd]); fe != nil {
		return s, fe
	}
	return s, nil
}

// genLines reads physical lines of at most max bytes (not counting the
// "\n" or "\r\n") without buffering longer ones: of a longer line it keeps the
// first MaxRawBytes for the reject and skips the rest. A UTF-8 BOM at the
// start of the input is dropped.
type genLines struct {
	br   *bufio.Reader
	max  int
	n    int // physical lines returned so far (the number of the last one)
	buf  []byte
	back []genPushed // lines to return again before reading on
	eof  bool
}

type genPushed struct {
	b    []byte
	long bool
}

func newGenLines(r io.Reader, max int) *genLines {
	return &genLines{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line with its '\n' (absent at the end of input),
// long=true with the line's start when it is longer than max, and io.EOF
// after the last line.
func (l *genLines) next() (b []byte, long bool, err error) {
	if len(l.back) > 0 {
		p := l.back[0]
		l.back = l.back[1:]
		l.n++
		return p.b, p.long, nil
	}
	if l.eof {
		return nil, false, io.EOF
	}
	l.buf = l.buf[:0]
	for {
		frag, err := l.br.ReadSlice('\n')
		if !long {
			if len(l.buf) == 0 && err != bufio.ErrBufferFull {
				b = frag // the whole line in one piece: no copy
			} else {
				l.buf = append(l.buf, frag...)
				b = l.buf
			}
			content := len(b)
			if content > 0 && b[content-1] == '\n' {
				content--
			}
			if content > 0 && b[content-1] == '\r' {
				content--
			}
			if content > l.max {
				long = true
				l.buf = append(l.buf[:0], b[:min(len(b), MaxRawBytes)]...)
				b = l.buf
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
		case io.EOF:
			l.eof = true
			if len(b) == 0 {
				return nil, false, io.EOF
			}
		default:
			return nil, false, err
		}
		if l.n == 0 {
			b = trimBOM(b)
		}
		l.n++
		return b, long, nil
	}
}

// csvRecords splits CSV (RFC 4180: comma, double quotes, "" inside quotes)
// into records. Differences from encoding/csv: bounded lines and records,
// a malformed record is reported as a reason and reading goes on, and a
// quote left open rejects only its first line.
type csvRecords struct {
	lines   *genLines
	want    int      // fields a record must have (0: any)
	rec     []byte   // the raw record
	lineEnd []int    // end of each physical line in rec
	long    []byte   // start of an over-long line met inside a quoted field
	buf     []byte   // field contents, unquoted
	direct  bool     // the fields are in rec (no quotes), not in buf
	ends    []int    // end of each field in buf (or rec)
	quoted  []bool   // whether each field was quoted
	fields  [][]byte // the record's fields (slices of buf)
	line    int      // the physical line the record starts on
}

func newCSVRecords(r io.Reader, max int) *csvRecords {
	return &csvRecords{lines: newGenLines(r, max)}
}

// read reads the next record into c.fields. A non-empty bad says why the
// record is malformed (c.line and c.raw() locate it). Blank lines are
// skipped. At the end of input err is io.EOF.
func (c *csvRecords) read() (bad string, err error) {
	var first []byte
	var long bool
	for {
		first, long, err = c.lines.next()
		if err != nil {
			return "", err
		}
		if long || !genEmptyLine(first) {
			break
		}
	}
	c.line = c.lines.n
	c.rec = append(c.rec[:0], first...)
	c.lineEnd = append(c.lineEnd[:0], len(c.rec))
	c.long = nil
	c.buf, c.ends, c.quoted = c.buf[:0], c.ends[:0], c.quoted[:0]
	if long {
		return fmt.Sprintf("line longer than %d bytes", c.lines.max), nil
	}
	if bad, err = c.parse(); err != nil {
		return "", err
	}
	if bad == "" && c.want > 0 && len(c.ends) != c.want {
		bad = fmt.Sprintf("has %d fields, the header has %d", len(c.ends), c.want)
	}
	if bad != "" && (len(c.lineEnd) > 1 || c.long != nil) {
		last := c.line + len(c.lineEnd) - 1
		if c.long != nil {
			last++
		}
		bad = fmt.Sprintf("%s (a quoted field opened on this line runs to line %d; the lines after this one are read again on their own)", bad, last)
		c.pushBack()
	}
	if bad != "" {
		return bad, nil
	}
	c.fields = c.fields[:0]
	if c.direct {
		start := 0
		for _, e := range c.ends {
			c.fields = append(c.fields, c.rec[start:e:e])
			start = e + 1
		}
		return "", nil
	}
	start := 0
	for _, e := range c.ends {
		c.fields = append(c.fields, c.buf[start:e:e])
		start = e
	}
	return "", nil
}

// genEmptyLine reports a line to skip: nothing but its terminator (a
// lone "\r" can only be the last line).
func genEmptyLine(b []byte) bool {
	switch string(b) {
	case "", "\n", "\r\n", "\r":
		return true
	}
	return false
}

// raw is the text of the current record (its first line if it was cut back).
func (c *csvRecords) raw() string { return string(c.rec) }

// pushBack keeps only the first line of a malformed multi-line record and
// makes the lines after it be read again.
func (c *csvRecords) pushBack() {
	back := make([]genPushed, 0, len(c.lineEnd)+len(c.lines.back))
	for i := 1; i < len(c.lineEnd); i++ {
		back = append(back, genPushed{b: bytes.Clone(c.rec[c.lineEnd[i-1]:c.lineEnd[i]])})
	}
	if c.long != nil {
		back = append(back, genPushed{b: c.long, long: true})
	}
	c.lines.back = append(back, c.lines.back...)
	c.lines.n = c.line
	c.rec = c.rec[:c.lineEnd[0]]
	c.lineEnd = c.lineEnd[:1]
	c.long = nil
}

// parse splits c.rec into fields, reading more lines while a quoted field
// is open.
func (c *csvRecords) parse() (string, error) {
	if bytes.IndexByte(c.rec, '"') < 0 {
		// The usual line: no quotes, so the fields are the text between
		// commas, used in place.
		c.direct = true
		n := len(c.rec)
		if n > 0 && c.rec[n-1] == '\n' {
			n--
		}
		if n > 0 && c.rec[n-1] == '\r' {
			n--
		}
		for k, ch := range c.rec[:n] {
			if ch == ',' {
				c.ends = append(c.ends, k)
				c.quoted = append(c.quoted, false)
			}
		}
		c.ends = append(c.ends, n)
		c.quoted = append(c.quoted, false)
		return "", nil
	}
	c.direct = false
	i := 0
	for {
		if i < len(c.rec) && c.rec[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(c.rec[i:], '"')
				if j < 0 {
					seg := c.rec[i:]
					if n := len(seg); n >= 2 && seg[n-2] == '\r' && seg[n-1] == '\n' {
						seg = seg[:n-2]
						c.buf = append(c.buf, seg...)
						c.buf = append(c.buf, '\n')
					} else {
						c.buf = append(c.buf, seg...)
					}
					i = len(c.rec)
					if bad, err := c.more(); bad != "" || err != nil {
						return bad, err
					}
					continue
				}
				c.buf = append(c.buf, c.rec[i:i+j]...)
				i += j + 1
				if i < len(c.rec) && c.rec[i] == '"' {
					c.buf = append(c.buf, '"')
					i++
					continue
				}
				break
			}
			c.ends = append(c.ends, len(c.buf))
			c.quoted = append(c.quoted, true)
			if i == len(c.rec) {
				return "", nil
			}
			switch c.rec[i] {
			case ',':
				i++
				continue
			case '\n':
				return "", nil
			case '\r':
				if i+1 == len(c.rec) || c.rec[i+1] == '\n' {
					return "", nil
				}
			}
			return `text after the closing quote of a field (a " inside a quoted field must be doubled)`, nil
		}
		j := i
		for j < len(c.rec) && c.rec[j] != ',' && c.rec[j] != '\n' {
			if c.rec[j] == '"' {
				return `" inside a field that does not start with a quote (quote the field and double the ")`, nil
			}
			j++
		}
		end := j
		if (j == len(c.rec) || c.rec[j] == '\n') && end > i && c.rec[end-1] == '\r' {
			end--
		}
		c.buf = append(c.buf, c.rec[i:end]...)
		c.ends = append(c.ends, len(c.buf))
		c.quoted = append(c.quoted, false)
		if j < len(c.rec) && c.rec[j] == ',' {
			i = j + 1
			continue
		}
		return "", nil
	}
}

// more appends the next physical line to a record whose quoted field is
// still open.
func (c *csvRecords) more() (string, error) {
	b, long, err := c.lines.next()
	switch {
	case err == io.EOF:
		return "quoted field not closed at the end of the input", nil
	case err != nil:
		return "", err
	case long:
		c.long = bytes.Clone(b)
		return fmt.Sprintf("quoted field not closed before line %d, which is longer than %d bytes", c.lines.n, c.lines.max), nil
	case len(c.rec)+len(b) > c.lines.max:
		c.rec = append(c.rec, b...)
		c.lineEnd = append(c.lineEnd, len(c.rec))
		return fmt.Sprintf("quoted field not closed within %d bytes", c.lines.max), nil
	}
	c.rec = append(c.rec, b...)
	c.lineEnd = append(c.lineEnd, len(c.rec))
	return "", nil
}
