package ingest

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Qualtrics response exports (testdata/real/SOURCES.md section 5). Two layouts:
//
//   - the current one, 3 header rows: column names, question labels, and
//     ImportIds (`{"ImportId":"QID1"}`, older files `{'ImportId': 'QID1'}`,
//     newer ones with a "timeZone" key on date columns);
//   - the legacy one, 2 header rows: V1..Vn / Q1.. codes, then labels
//     (the field names of the V columns), every line ending in a comma.
//
// Columns are found by Options.Columns (target field -> column name,
// ImportId or label) or by their usual names.

// qxFields are the Options.Columns keys the parser reads.
var qxFields = []string{"response_id", "responded_at", "nps", "csat", "ces", "comment", "contact_id", "agent_id"}

var (
	qxImportRe = regexp.MustCompile(`["']ImportId["']\s*:\s*["']([^"']*)["']`)
	qxZoneRe   = regexp.MustCompile(`["']timeZone["']\s*:\s*["']([^"']*)["']`)
)

// qxHeader is what the header rows say about each column.
type qxHeader struct {
	names, labels, ids []string
	zones              []*time.Location // from the ImportId row; nil: Options.Location
	legacy             bool
}

// ParseQualtrics reads a Qualtrics response export and emits one Survey
// per response. ingest/FORMATS.md has the mapping.
func ParseQualtrics(r io.Reader, opt Options, e Emitter) error {
	cr := newCSVRecords(r, opt.maxLine())
	h, err := qxReadHeader(cr)
	if err != nil {
		return fmt.Errorf("qualtrics: %w", err)
	}
	cols, err := h.resolve(opt.Columns)
	if err != nil {
		return fmt.Errorf("%w: qualtrics: %v", ErrFormat, err)
	}
	src := opt.source("qualtrics")
	for {
		bad, err := cr.read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("qualtrics after line %d: %w", cr.lines.n, err)
		}
		line := cr.line
		raw := rawLine(string(trimEOL(cr.rec)))
		if bad != "" {
			if err := e.Reject(Reject{Line: line, Raw: raw, Reason: bad}); err != nil {
				return fmt.Errorf("qualtrics line %d: %w", line, err)
			}
			continue
		}
		s, rej, ok := cols.survey(cr.strings(), opt)
		switch {
		case rej != nil:
			rej.Line, rej.Raw = line, raw
			err = e.Reject(*rej)
		case ok:
			s.Source = src
			err = e.Survey(s)
		}
		if err != nil {
			return fmt.Errorf("qualtrics line %d: %w", line, err)
		}
	}
}

// qxReadHeader reads the 2 or 3 header rows.
func qxReadHeader(cr *csvRecords) (*qxHeader, error) {
	var rows [][]string
	for len(rows) < 2 {
		rec, err := qxHeaderRow(cr)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: qualtrics: want 2 or 3 header rows, the input has %d", ErrFormat, len(rows))
		}
		if err != nil {
			return nil, err
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(Text([]byte(rec[i])))
		}
		rows = append(rows, rec)
	}
	h := &qxHeader{names: rows[0], labels: rows[1]}
	if len(h.names) > 0 && h.names[0] == "V1" {
		// Legacy: the labels of the V columns are the field names.
		h.legacy = true
		return h, nil
	}
	rec, err := qxHeaderRow(cr)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	ids, zones, n := make([]string, len(rec)), make([]*time.Location, len(rec)), 0
	for i, cell := range rec {
		m := qxImportRe.FindStringSubmatch(cell)
		if m == nil {
			continue
		}
		n++
		ids[i] = m[1]
		if z := qxZoneRe.FindStringSubmatch(cell); z != nil && z[1] != "" {
			loc, err := qxZone(z[1])
			if err != nil {
				return nil, fmt.Errorf("%w: qualtrics: the ImportId row of column %q: %v", ErrFormat, qxName(h.names, i), err)
			}
			zones[i] = loc
		}
	}
	if n == 0 || n*2 < len(rec) {
		return nil, fmt.Errorf("%w: qualtrics: want a third header row of ImportIds ({\"ImportId\":...}) or a legacy V1,V2,... header; for a CSV with one header row use the csv format", ErrFormat)
	}
	h.ids, h.zones = ids, zones
	return h, nil
}

// qxHeaderRow reads one header row; a malformed one fails the file.
func qxHeaderRow(cr *csvRecords) ([]string, error) {
	bad, err := cr.read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, io.EOF
	case err != nil:
		return nil, fmt.Errorf("header: %w", err)
	case bad != "":
		return nil, fmt.Errorf("%w: header (line %d): %s", ErrFormat, cr.line, bad)
	}
	return cr.strings(), nil
}

func qxZone(name string) (*time.Location, error) {
	switch strings.ToUpper(name) {
	case "Z", "UTC", "GMT":
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}

func qxName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

// find returns the column named want: exact column name, ImportId or
// (legacy) label first, then the same ignoring case, then a question
// label. -1 when there is none.
func (h *qxHeader) find(want string) int {
	want = strings.TrimSpace(want)
	if want == "" {
		return -1
	}
	lists := [][]string{h.names, h.ids}
	if h.legacy {
		lists = [][]string{h.labels, h.names}
	}
	for _, fold := range []bool{false, true} {
		for _, l := range lists {
			for i, v := range l {
				if v == want || (fold && strings.EqualFold(v, want)) {
					return i
				}
			}
		}
	}
	if !h.legacy {
		for i, v := range h.labels {
			if strings.EqualFold(v, want) {
				return i
			}
		}
	}
	return -1
}

// findAny returns the first of names that find finds.
func (h *qxHeader) findAny(names ...string) int {
	for _, n := range names {
		if i := h.find(n); i >= 0 {
			return i
		}
	}
	return -1
}

// fieldNames are the names the score heuristics look at: column names,
// and in legacy files the labels too.
func (h *qxHeader) fieldNames(i int) []string {
	var out []string
	if i < len(h.names) {
		out = append(out, h.names[i])
	}
	if h.legacy && i < len(h.labels) {
		out = append(out, h.labels[i])
	}
	return out
}

// scoreColumns finds the columns that look like a score of kind ("nps",
// "csat", "ces"): named NPS or ending in _NPS (never _NPS_GROUP, the
// promoter/passive/detractor group), or, for NPS, the column X of a
// Qualtrics NPS question whose group column X_NPS_GROUP exists.
func (h *qxHeader) scoreColumns(kind string) []int {
	all := map[string]bool{}
	for i := range h.names {
		for _, n := range h.fieldNames(i) {
			all[strings.ToLower(n)] = true
		}
	}
	var hits []int
	for i := range h.names {
		for _, n := range h.fieldNames(i) {
			l := strings.ToLower(n)
			if l == kind || strings.HasSuffix(l, "_"+kind) || strings.HasSuffix(l, " "+kind) ||
				(kind == "nps" && l != "" && all[l+"_nps_group"]) {
				hits = append(hits, i)
				break
			}
		}
	}
	return hits
}

// qxCols are the resolved column indexes (-1: absent).
type qxCols struct {
	h                       *qxHeader
	id, at, status          int
	nps, csat, ces          int
	comment, contact, agent int
	atName                  string
}

// resolve maps the target fields to columns. A mapping that names no
// column is an error, as is a file with no response id, date or score
// column: all rows would be rejected for the same reason.
func (h *qxHeader) resolve(m map[string]string) (*qxCols, error) {
	c := &qxCols{h: h}
	idx := map[string]int{}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := strings.ToLower(strings.TrimSpace(k))
		known := false
		for _, f := range qxFields {
			known = known || f == key
		}
		if !known {
			continue // a mapping for another format
		}
		i := h.find(m[k])
		if i < 0 {
			return nil, fmt.Errorf("column mapping %s=%q: the export has no such column name, ImportId or label", key, m[k])
		}
		idx[key] = i
	}
	pick := func(key string, def func() (int, error)) (int, error) {
		if i, ok := idx[key]; ok {
			return i, nil
		}
		return def()
	}
	names := func(ns ...string) func() (int, error) {
		return func() (int, error) { return h.findAny(ns...), nil }
	}
	score := func(kind string) func() (int, error) {
		return func() (int, error) {
			hits := h.scoreColumns(kind)
			switch len(hits) {
			case 0:
				return -1, nil
			case 1:
				return hits[0], nil
			}
			var ns []string
			for _, i := range hits {
				ns = append(ns, qxName(h.names, i))
			}
			return -1, fmt.Errorf("several columns look like %s scores (%s): map the one to load (%s=COLUMN)",
				strings.ToUpper(kind), strings.Join(ns, ", "), kind)
		}
	}
	var err error
	steps := []struct {
		to  *int
		key string
		def func() (int, error)
	}{
		{&c.id, "response_id", names("ResponseId", "ResponseID", "_recordId", "responseId")},
		{&c.at, "responded_at", names("EndDate", "endDate", "RecordedDate", "recordedDate")},
		{&c.nps, "nps", score("nps")},
		{&c.csat, "csat", score("csat")},
		{&c.ces, "ces", score("ces")},
		{&c.comment, "comment", names("comment", "comments", "verbatim")},
		{&c.contact, "contact_id", names("contact_id", "ContactId", "contactId", "ContactID", "contact-id")},
		{&c.agent, "agent_id", names("agent_id", "AgentId", "agentId", "AgentID", "agent-id")},
	}
	for _, s := range steps {
		if *s.to, err = pick(s.key, s.def); err != nil {
			return nil, err
		}
	}
	c.status = h.findAny("Status", "status")
	if c.id < 0 {
		return nil, errors.New("no response id column (ResponseId, or ImportId _recordId/responseId): map response_id=COLUMN")
	}
	if c.at < 0 {
		return nil, errors.New("no response date column (EndDate or RecordedDate): map responded_at=COLUMN")
	}
	if c.nps < 0 && c.csat < 0 && c.ces < 0 {
		return nil, errors.New("no score column: the export has no NPS, CSAT or CES column by name (NPS, Q*_NPS, a question with an _NPS_GROUP column); map the question to load, e.g. nps=Q5 or csat=QID7")
	}
	c.atName = qxName(h.names, c.at)
	if h.legacy {
		c.atName = qxName(h.labels, c.at)
	}
	return c, nil
}

// qxSkipStatus are the Status values (codes and labels) of responses that
// no customer gave: survey previews and spam.
var qxSkipStatus = map[string]string{
	"1": "survey preview", "survey preview": "survey preview",
	"17": "survey preview", "offline survey preview": "survey preview",
	"8": "spam", "9": "spam", "12": "spam", "spam": "spam",
	"survey preview spam": "spam", "imported spam": "spam",
}

// survey maps one row. ok is false (with no reject) for an empty row.
func (c *qxCols) survey(rec []string, opt Options) (s Survey, rej *Reject, ok bool) {
	get := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(Text([]byte(rec[i])))
	}
	empty := true
	for _, v := range rec {
		empty = empty && strings.TrimSpace(v) == ""
	}
	if empty {
		return s, nil, false
	}
	bad := func(field, format string, args ...any) (Survey, *Reject, bool) {
		return s, &Reject{Field: field, Reason: fmt.Sprintf(format, args...)}, false
	}
	if why, skip := qxSkipStatus[strings.ToLower(get(c.status))]; skip {
		return bad("status", "%s response (Status %s), not a customer's: not loaded", why, get(c.status))
	}
	s.ResponseID = cut(get(c.id), 256)
	if s.ResponseID == "" {
		return bad("response_id", "required")
	}
	loc := opt.location()
	if c.at < len(c.h.zones) && c.h.zones[c.at] != nil {
		loc = c.h.zones[c.at]
	}
	zopt := opt
	zopt.Location = loc
	at, fe := timeField("responded_at", get(c.at), zopt)
	if fe != nil {
		return bad(fe.Field, "column %q: %s", c.atName, fe.Reason)
	}
	s.RespondedAt = at
	for _, sc := range []struct {
		field  string
		col    int
		lo, hi int
		to     **uint8
	}{
		{"nps", c.nps, 0, 10, &s.NPS},
		{"csat", c.csat, 1, 5, &s.CSAT},
		{"ces", c.ces, 1, 7, &s.CES},
	} {
		v := get(sc.col)
		if v == "-1" || v == "-99" {
			v = "" // Qualtrics: not displayed / seen but not answered
		}
		p, fe := scoreField(sc.field, v, sc.lo, sc.hi)
		if fe != nil {
			return bad(fe.Field, "column %q: %s", qxName(c.h.names, sc.col), fe.Reason)
		}
		*sc.to = p
	}
	if s.NPS == nil && s.CSAT == nil && s.CES == nil {
		return bad("nps|csat|ces", "no score")
	}
	s.Comment = cut(get(c.comment), 64<<10)
	s.ContactID = cut(get(c.contact), 256)
	s.AgentID = cut(get(c.agent), 256)
	return s, nil, true
}
