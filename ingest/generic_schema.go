package ingest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The columns of each kind in the generic formats, and how a header or
// Options.Columns maps onto them.

// genSchema describes the columns of one kind in the generic formats.
type genSchema struct {
	kind     Kind
	what     string   // what a row is, for messages ("roster rows")
	fields   []string // target field names; index = the kind's field constant
	required []string // columns the header must have
	anyOf    []string // the header must have at least one of these
	times    []string // timestamp fields (a constant may be a bare date)
	naEmpty  []string // text fields where an unquoted NA means empty
}

// Contact fields, in the order FORMATS.md lists them.
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
	cAnswered
)

var genContactSchema = &genSchema{
	kind: KindContacts,
	what: "contacts",
	fields: []string{
		"contact_id", "source", "channel", "direction", "queue", "team", "site",
		"agent_id", "customer_id", "started_at", "answered_at", "ended_at",
		"wait_s", "talk_s", "hold_s", "hold_count", "acw_s", "abandoned",
		"transferred", "resolved", "disposition", "initial_contact_id",
		"source_updated_at", "answered",
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
	what: "survey responses",
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
	what:     "roster rows (agents)",
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
	what:     "agent states",
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
	what:     "schedule intervals",
	fields:   []string{"agent_id", "activity", "start", "end"},
	required: []string{"agent_id", "activity", "start", "end"},
	times:    []string{"start", "end"},
}

// genSchemas are the schemas of every kind, for telling one kind's file
// from another's.
var genSchemas = []*genSchema{genContactSchema, genSurveySchema, genAgentSchema, genStateSchema, genScheduleSchema, genQueueSchema}

// otherKind returns the schema of another kind whose required columns the
// header has, at least one of which is not a column of s, and whose
// columns cover more of the header than s's do: the file is of that kind
// (a contacts CSV has agent_id, but also contact_id, started_at and a
// dozen more columns no roster has). nil when there is none.
func (s *genSchema) otherKind(header []string) *genSchema {
	cover := func(k *genSchema) int {
		n := 0
		for _, h := range header {
			if slices.Contains(k.fields, h) {
				n++
			}
		}
		return n
	}
	var best *genSchema
	most := cover(s)
	for _, o := range genSchemas {
		if o == s {
			continue
		}
		own := false
		all := true
		for _, f := range o.required {
			all = all && slices.Contains(header, f)
			own = own || !slices.Contains(s.fields, f)
		}
		if c := cover(o); all && own && c > most {
			best, most = o, c
		}
	}
	return best
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
				c = string(bareDate([]byte(c)))
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
