package ingest

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// Turning the field values of one generic row into a record.

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
	// noAnsweredAt: the input has no answered_at (CSV: no such column;
	// NDJSON: neither answered_at nor answered in the object), so a
	// contact's answer is inferred (see contact).
	noAnsweredAt bool
	names        map[string]string
	lowers       map[string]string
	e            Emitter

	// Per field, the last string handed out: rows in a row often share
	// their queue, team or agent, and a comparison is cheaper than a map.
	lastName, lastLower [32]string
	clock               timeClock
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

// trimField is bytes.TrimSpace with a fast path for the usual field that
// has nothing to trim.
func trimField(b []byte) []byte {
	n := len(b)
	if n == 0 || (b[0] > ' ' && b[0] < utf8.RuneSelf && b[n-1] > ' ' && b[n-1] < utf8.RuneSelf) {
		return b
	}
	return bytes.TrimSpace(b)
}

// text returns a trimmed field as a string, decoded when the row is not UTF-8.
func (p *genRow) text(b []byte) string {
	b = trimField(b)
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
	a, b, c = trimField(a), trimField(b), trimField(c)
	p.scratch = append(append(append(p.scratch[:0], a...), b...), c...)
	s := string(p.scratch)
	return s[:len(a)], s[len(a) : len(a)+len(b)], s[len(a)+len(b):]
}

// name is text for a low-cardinality column (field i of the schema):
// equal values share one string.
func (p *genRow) name(i int, b []byte) string {
	b = trimField(b)
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
	b = trimField(b)
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
	b = trimField(b)
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
	if isBlank(b) {
		return time.Time{}, false, nil
	}
	t, fe = p.time(field, b)
	return t, fe == nil, fe
}

func (p *genRow) contact(v [][]byte) (Contact, *FieldError) {
	var c Contact
	var fe *FieldError
	if isBlank(v[cContactID]) {
		return c, requiredErr("contact_id")
	}
	if c.StartedAt, fe = p.time("started_at", v[cStartedAt]); fe != nil {
		return c, fe
	}
	if c.WaitS, fe = secondsBytes("wait_s", v[cWaitS]); fe != nil {
		return c, fe
	}
	if c.TalkS, fe = secondsBytes("talk_s", v[cTalkS]); fe != nil {
		return c, fe
	}
	if c.HoldS, fe = secondsBytes("hold_s", v[cHoldS]); fe != nil {
		return c, fe
	}
	if c.HoldCount, fe = countBytes("hold_count", v[cHoldCount]); fe != nil {
		return c, fe
	}
	if c.AcwS, fe = secondsBytes("acw_s", v[cAcwS]); fe != nil {
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
	answered, ok, fe := p.optTime("answered_at", v[cAnsweredAt])
	if fe != nil {
		return c, fe
	}
	if c.Abandoned, fe = flagBytes("abandoned", v[cAbandoned]); fe != nil {
		return c, fe
	}
	switch {
	case !isBlank(v[cAnswered]):
		// An explicit answered flag: 1 without answered_at is answered
		// after the wait; 0 with an answered_at contradicts it.
		a, fe := flagBytes("answered", trimField(v[cAnswered]))
		if fe != nil {
			return c, fe
		}
		if !a && ok {
			return c, &FieldError{Field: "answered", Reason: "answered is 0 but answered_at is set"}
		}
		if a && !ok {
			if answered, fe = p.afterWait(&c); fe != nil {
				return c, fe
			}
			ok = true
		}
	case !ok && p.noAnsweredAt && !c.Abandoned && (!isBlank(v[cAgentID]) || c.TalkS > 0):
		// No answered_at column: a contact that was not abandoned and
		// has an agent or talk time was answered after its wait.
		if answered, fe = p.afterWait(&c); fe != nil {
			return c, fe
		}
		ok = true
	}
	if ok {
		c.AnsweredAt = p.timePtr(answered)
	}
	if fe = c.validate(); fe != nil {
		return c, fe
	}
	if c.Transferred, fe = flagBytes("transferred", v[cTransferred]); fe != nil {
		return c, fe
	}
	if !isBlank(v[cResolved]) {
		r, fe := flagBytes("resolved", trimField(v[cResolved]))
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

// afterWait is the inferred answer time of a contact: started_at + wait_s,
// which must not lie after ended_at.
func (p *genRow) afterWait(c *Contact) (time.Time, *FieldError) {
	at := c.StartedAt.Add(time.Duration(c.WaitS) * time.Second)
	if at.After(c.EndedAt) {
		return at, fieldErr("wait_s", "started_at + wait_s = %s (the inferred answer time) is after ended_at %s",
			at.Format(time.RFC3339), c.EndedAt.Format(time.RFC3339))
	}
	return at, nil
}

func (p *genRow) survey(v [][]byte) (Survey, *FieldError) {
	var s Survey
	var fe *FieldError
	if s.ResponseID = p.text(v[sResponseID]); s.ResponseID == "" {
		return s, requiredErr("response_id")
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
		return a, requiredErr("agent_id")
	}
	a.ValidFrom = MinTime
	if !isBlank(v[aValidFrom]) {
		if a.ValidFrom, fe = p.time("valid_from", bareDate(v[aValidFrom])); fe != nil {
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
	return start, end, checkInterval(start, end)
}

func (p *genRow) state(v [][]byte) (AgentState, *FieldError) {
	var s AgentState
	var fe *FieldError
	if s.AgentID = p.name(stAgentID, v[stAgentID]); s.AgentID == "" {
		return s, requiredErr("agent_id")
	}
	raw := p.text(v[stState])
	if raw == "" {
		return s, requiredErr("state")
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
		return s, requiredErr("agent_id")
	}
	if s.Activity = genNormState(p.name(shActivity, v[shActivity])); s.Activity == "" {
		return s, requiredErr("activity")
	}
	if s.Start, s.End, fe = p.interval(v[shStart], v[shEnd]); fe != nil {
		return s, fe
	}
	return s, nil
}
