package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The generic formats: CSV with a header row, and NDJSON, whose columns
// (keys) are named as the contact fields listed in FORMATS.md. Both feed the same
// record builders, so a value means the same thing in either format.
//
// Files of this set: generic.go (the parsers and the CSV and NDJSON
// drivers), generic_schema.go (columns and header mapping),
// generic_records.go (field values to records), values.go (fast value
// parsing). The line reader (lines.go) and the CSV splitter (csvsplit.go)
// are shared with the vendor formats.

// ErrMapping says Options.Columns does not fit the kind being parsed (an
// unknown field name or an invalid constant).
var ErrMapping = errors.New("ingest: bad column mapping")

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
		return fmt.Errorf("%w: %s: empty input: want a CSV of %s with a header row (required columns: %s)", ErrFormat, name, s.what, strings.Join(s.required, ", "))
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
	if o := s.otherKind(header); o != nil && len(opt.Columns) == 0 {
		return fmt.Errorf("%w: %s: the header has the columns of %s (%s), not of %s: load it as kind %s (has: %s)",
			ErrFormat, name, o.what, strings.Join(o.required, ", "), s.what, o.kind, genHeaderList(header))
	}
	p.noAnsweredAt = s == genContactSchema && m.col[cAnsweredAt] < 0 && m.konst[cAnsweredAt] == nil &&
		m.col[cAnswered] < 0 && m.konst[cAnswered] == nil
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
	lr := newLineReader(r, p.opt.maxLine())
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
			fe = &FieldError{Reason: lr.longReason()}
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
			p.noAnsweredAt = s == genContactSchema && raws[cAnsweredAt] == nil && konst[cAnsweredAt] == nil &&
				raws[cAnswered] == nil && konst[cAnswered] == nil
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
