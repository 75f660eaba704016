package ingest

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Asterisk queue_log (FORMATS.md). Two shapes are read, chosen from the
// first non-empty line:
//
//   - the raw file, `epoch|callid|queue|agent|event|data1|data2|...`;
//   - a CSV export of the queue_log database table: PBXware's
//     (`uid,date_time,callid,queue_name,type,event,param1..3,entpos,expos,htime,ttime,time`,
//     whose data fields PBXware re-maps, see testdata/real/SOURCES.md) or Asterisk's
//     realtime table (`time,callid,queuename,agent,event,data1..data5` or
//     a single pipe-joined `data` column).
//
// Both are turned into events in the official positional layout, then one
// state machine stitches the events of a call by callid. Only open calls
// are held in memory: a call is emitted when its end event arrives.

// qlOpenLimit is how long a call may stay open: a call with no event for
// this long (in log time) is rejected as incomplete, which bounds memory
// on logs that lose end events.
const qlOpenLimit = 24 * time.Hour

// qlEvent is one queue_log line in the official positional layout,
// whatever shape it was read from.
type qlEvent struct {
	line   int
	raw    string
	t      time.Time
	callid string
	queue  string
	agent  string // as written
	verb   string // upper case
	data   []string
	names  []string // the source's name of each data field, for rejects
	tField string   // the source's name of the time field
}

// arg returns data field i (1-based, as in FORMATS.md) and its name.
func (ev *qlEvent) arg(i int) (string, string) {
	name := "data" + strconv.Itoa(i)
	if i-1 < len(ev.names) && ev.names[i-1] != "" {
		name = ev.names[i-1]
	}
	if i-1 < len(ev.data) {
		return strings.TrimSpace(ev.data[i-1]), name
	}
	return "", name
}

// qlCall is one open call leg.
type qlCall struct {
	callid   string
	leg      int
	line     int    // where the leg starts
	raw      string // that line, for the incomplete-call reject
	queue    string
	customer string
	entered  time.Time // zero: ENTERQUEUE not seen (log rotated mid-call)
	agent    string
	answered time.Time // zero: no CONNECT seen
	wait     uint32
	waitSet  bool
	lastSeen time.Time
	poisoned bool // a bad line of this call was rejected; drop the rest
}

// qlLegs remembers how many legs a callid had, to number the next one.
type qlLegs struct {
	n    int
	last time.Time
}

// qlAgent is what the log said last about one agent.
type qlAgent struct {
	loginAt    time.Time // zero: not logged in
	agentLogin bool      // AGENTLOGIN / AGENTCALLBACKLOGIN seen
	queues     map[string]bool
	lastLogoff time.Time
	pauseAt    time.Time // zero: not paused
	reason     string
}

func (a *qlAgent) in() bool { return a.agentLogin || len(a.queues) > 0 }

type qlParser struct {
	statesOnly bool // only agent states: call events are skipped
	opt        Options
	e          Emitter
	src        string
	open       map[string]*qlCall
	legs       map[string]qlLegs
	agents     map[string]*qlAgent
	latest     time.Time
	lastSweep  time.Time
}

// ParseQueueLog reads an Asterisk queue_log (raw or a CSV table export)
// and emits one Contact per call leg and AgentState intervals for logins
// and pauses. ingest/FORMATS.md has the mapping.
func ParseQueueLog(r io.Reader, opt Options, e Emitter) error {
	return parseQueueLog(r, opt, e, false)
}

// ParseQueueLogStates reads only the agent states of a queue_log: call
// events are skipped, so neither their contacts nor their rejects are
// emitted (the contacts load of the same file, which also loads its agent
// states, reports those). Lines that cannot be read at all are rejected
// by both.
func ParseQueueLogStates(r io.Reader, opt Options, e Emitter) error {
	return parseQueueLog(r, opt, e, true)
}

func parseQueueLog(r io.Reader, opt Options, e Emitter, statesOnly bool) error {
	p := &qlParser{
		statesOnly: statesOnly,
		opt:        opt,
		e:          e,
		src:        opt.source("asterisk"),
		open:       map[string]*qlCall{},
		legs:       map[string]qlLegs{},
		agents:     map[string]*qlAgent{},
	}
	lines := newLineReader(r, opt.maxLine())
	var read func(n int, s string) (*qlEvent, *Reject)
	for {
		b, long, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("queue_log line %d: %w", lines.n+1, err)
		}
		b = trimEOL(b)
		if long {
			if err := e.Reject(Reject{Line: lines.n, Raw: rawLine(string(b)), Reason: lines.longReason()}); err != nil {
				return fmt.Errorf("queue_log line %d: %w", lines.n, err)
			}
			continue
		}
		s := Text(b)
		if strings.TrimSpace(s) == "" {
			continue
		}
		if read == nil {
			var header bool
			if read, header, err = qlShape(s); err != nil {
				return fmt.Errorf("queue_log line %d: %w", lines.n, err)
			}
			if header {
				continue
			}
		}
		ev, rej := read(lines.n, s)
		if rej != nil {
			if !p.skip(ev) {
				err = p.reject(*rej, "")
			}
		} else if ev != nil && !p.skip(ev) {
			err = p.handle(ev)
		}
		if err != nil {
			return fmt.Errorf("queue_log line %d: %w", lines.n, err)
		}
	}
	if err := p.finish(); err != nil {
		return fmt.Errorf("queue_log end of input: %w", err)
	}
	return nil
}

// qlCallVerbs are the events of a call leg.
var qlCallVerbs = map[string]bool{
	"ENTERQUEUE": true, "CONNECT": true, "COMPLETEAGENT": true, "COMPLETECALLER": true,
	"TRANSFER": true, "BLINDTRANSFER": true, "ATTENDEDTRANSFER": true, "ABANDON": true,
	"EXITWITHTIMEOUT": true, "EXITEMPTY": true, "EXITWITHKEY": true, "AGENTDUMP": true, "SYSCOMPAT": true,
}

// skip reports an event the parser leaves alone: a call event when only
// agent states are read.
func (p *qlParser) skip(ev *qlEvent) bool {
	return p.statesOnly && ev != nil && qlCallVerbs[ev.verb]
}

// handle feeds one event to the state machine.
func (p *qlParser) handle(ev *qlEvent) error {
	switch ev.verb {
	case "ENTERQUEUE", "CONNECT", "COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER",
		"ATTENDEDTRANSFER", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "AGENTDUMP", "SYSCOMPAT",
		"AGENTLOGIN", "AGENTCALLBACKLOGIN", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF", "ADDMEMBER", "REMOVEMEMBER",
		"PAUSE", "PAUSEALL", "UNPAUSE", "UNPAUSEALL":
	default:
		// RINGNOANSWER, RINGCANCELED, DID, OUT*, HEARTBEAT, QUEUESTART,
		// CONFIGRELOAD and anything newer carry nothing we store.
		return nil
	}
	if qlCallVerbs[ev.verb] {
		if ev.callid == "" || strings.EqualFold(ev.callid, "NONE") {
			return p.reject(Reject{Line: ev.line, Raw: rawLine(ev.raw), Field: "callid",
				Reason: ev.verb + " needs the call's uniqueid, got " + strconv.Quote(ev.callid)}, "")
		}
		if len(ev.callid) > 256 {
			return p.reject(Reject{Line: ev.line, Raw: rawLine(ev.raw), Field: "callid",
				Reason: "callid longer than 256 bytes"}, "")
		}
	}
	if fe := checkTime(ev.tField, ev.t, p.opt); fe != nil {
		return p.rejectEvent(ev, fe)
	}
	if ev.t.After(p.latest) {
		p.latest = ev.t
		if p.latest.Sub(p.lastSweep) > time.Hour {
			if err := p.sweep(); err != nil {
				return err
			}
		}
	}
	switch ev.verb {
	case "ENTERQUEUE":
		return p.enter(ev)
	case "CONNECT":
		return p.connect(ev)
	case "AGENTLOGIN", "AGENTCALLBACKLOGIN", "ADDMEMBER":
		return p.login(ev)
	case "AGENTLOGOFF", "AGENTCALLBACKLOGOFF", "REMOVEMEMBER":
		return p.logoff(ev)
	case "PAUSE", "PAUSEALL":
		p.pause(ev)
		return nil
	case "UNPAUSE", "UNPAUSEALL":
		return p.unpause(ev)
	}
	return p.end(ev)
}

// call returns the open leg of ev's call, starting one (an orphan whose
// ENTERQUEUE is in an earlier file) when there is none.
func (p *qlParser) call(ev *qlEvent) *qlCall {
	if c := p.open[ev.callid]; c != nil {
		c.lastSeen = ev.t
		return c
	}
	l := p.legs[ev.callid]
	l.n++
	l.last = ev.t
	p.legs[ev.callid] = l
	c := &qlCall{callid: ev.callid, leg: l.n, line: ev.line, raw: rawLine(ev.raw),
		queue: ev.queue, lastSeen: ev.t}
	p.open[ev.callid] = c
	return c
}

func (p *qlParser) enter(ev *qlEvent) error {
	if c := p.open[ev.callid]; c != nil {
		// A new leg while the previous one never ended: that one is
		// incomplete.
		delete(p.open, ev.callid)
		if err := p.incomplete(c); err != nil {
			return err
		}
	}
	c := p.call(ev)
	c.entered = ev.t
	callerID, _ := ev.arg(2)
	c.customer = qlCustomer(callerID)
	return nil
}

func (p *qlParser) connect(ev *qlEvent) error {
	c := p.call(ev)
	if c.poisoned {
		return nil
	}
	v, name := ev.arg(1)
	wait, fe := durationField(name, v)
	if fe != nil {
		return p.rejectEvent(ev, fe)
	}
	c.answered, c.agent = ev.t, qlAgentID(ev.agent)
	if v != "" {
		c.wait, c.waitSet = wait, true
	}
	return nil
}

// end closes a leg on its end event and emits it.
func (p *qlParser) end(ev *qlEvent) error {
	c := p.call(ev)
	delete(p.open, ev.callid)
	if c.poisoned {
		return nil
	}
	var (
		answered   = !c.answered.IsZero()
		holdI      = 0 // data field holding the wait, 0: none
		talkI      = 0
		transfer   bool
		abandoned  bool
		holdS, tkS string
		holdN, tkN string
	)
	switch ev.verb {
	case "COMPLETEAGENT", "COMPLETECALLER":
		answered, holdI, talkI = true, 1, 2
	case "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER":
		answered, holdI, talkI, transfer = true, 3, 4, true
	case "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY":
		holdI, abandoned = 3, true
	case "EXITWITHKEY":
		holdI, abandoned = 4, true
	}
	if abandoned {
		answered = false
	}
	if holdI > 0 {
		holdS, holdN = ev.arg(holdI)
	}
	if talkI > 0 {
		tkS, tkN = ev.arg(talkI)
	}
	hold, fe := durationField(holdN, holdS)
	if fe != nil {
		return p.rejectEvent(ev, fe)
	}
	talk, fe := durationField(tkN, tkS)
	if fe != nil {
		return p.rejectEvent(ev, fe)
	}
	x := Contact{
		ContactID:       c.callid,
		Source:          p.src,
		Channel:         "voice",
		Direction:       "inbound",
		Queue:           c.queue,
		CustomerID:      c.customer,
		EndedAt:         ev.t,
		Abandoned:       abandoned,
		Transferred:     transfer,
		Disposition:     ev.verb,
		SourceUpdatedAt: ev.t,
	}
	if x.Queue == "" || strings.EqualFold(x.Queue, "NONE") {
		x.Queue = ev.queue
	}
	if c.leg > 1 {
		x.ContactID = c.callid + "#" + strconv.Itoa(c.leg)
		x.InitialContactID = c.callid
	}
	if answered {
		x.AgentID = c.agent
		if x.AgentID == "" {
			x.AgentID = qlAgentID(ev.agent)
		}
		switch {
		case c.waitSet:
			x.WaitS = c.wait
		case holdS != "":
			x.WaitS = hold
		case !c.entered.IsZero() && !c.answered.IsZero():
			x.WaitS = qlSeconds(c.answered.Sub(c.entered))
		}
		x.TalkS = talk
		if tkS == "" && !c.answered.IsZero() {
			x.TalkS = qlSeconds(ev.t.Sub(c.answered))
		}
		at := c.answered
		if at.IsZero() {
			at = ev.t.Add(-time.Duration(x.TalkS) * time.Second)
		}
		x.AnsweredAt = &at
		x.StartedAt = c.entered
		if x.StartedAt.IsZero() {
			x.StartedAt = at.Add(-time.Duration(x.WaitS) * time.Second)
		}
	} else {
		x.WaitS = hold
		if holdS == "" && !c.entered.IsZero() {
			x.WaitS = qlSeconds(ev.t.Sub(c.entered))
		}
		x.StartedAt = c.entered
		if x.StartedAt.IsZero() {
			x.StartedAt = ev.t.Add(-time.Duration(x.WaitS) * time.Second)
		}
	}
	if fe := x.validate(); fe != nil {
		fe = &FieldError{Field: "time", Reason: fe.Reason}
		return p.rejectEvent(ev, fe)
	}
	if fe := checkTime("started_at", x.StartedAt, p.opt); fe != nil {
		return p.rejectEvent(ev, fe)
	}
	return p.e.Contact(x)
}

func qlSeconds(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	s := int64(d / time.Second)
	if s >= MaxDuration {
		s = MaxDuration - 1
	}
	return uint32(s)
}

// rejectEvent rejects one line. A call event also drops its call: its
// other lines are ignored, so one bad call gives one reject.
func (p *qlParser) rejectEvent(ev *qlEvent, fe *FieldError) error {
	callid := ""
	switch ev.verb {
	case "ENTERQUEUE":
		if c := p.open[ev.callid]; c != nil {
			delete(p.open, ev.callid)
			if err := p.incomplete(c); err != nil {
				return err
			}
		}
		p.call(ev).poisoned = true
		callid = ev.callid
	case "CONNECT":
		p.call(ev).poisoned = true
		callid = ev.callid
	default:
		if !qlCallVerbs[ev.verb] {
			break
		}
		if c := p.open[ev.callid]; c != nil {
			c.poisoned = true
			delete(p.open, ev.callid)
		}
		callid = ev.callid
	}
	return p.reject(Reject{Line: ev.line, Raw: rawLine(ev.raw), Field: fe.Field, Reason: fe.Reason}, callid)
}

func (p *qlParser) reject(r Reject, callid string) error {
	if callid != "" {
		r.Reason += " (call " + cut(callid, 64) + " dropped)"
	}
	return p.e.Reject(r)
}

func (p *qlParser) incomplete(c *qlCall) error {
	if c.poisoned {
		return nil
	}
	return p.e.Reject(Reject{Line: c.line, Raw: c.raw, Field: "event",
		Reason: "incomplete call " + cut(c.callid, 64) + ": no end event (COMPLETE*, *TRANSFER, ABANDON, EXIT*) in the log"})
}

// sweep rejects calls idle for qlOpenLimit and forgets old leg counts.
func (p *qlParser) sweep() error {
	p.lastSweep = p.latest
	limit := p.latest.Add(-qlOpenLimit)
	var stale []*qlCall
	for id, c := range p.open {
		if c.lastSeen.Before(limit) {
			stale = append(stale, c)
			delete(p.open, id)
		}
	}
	for id, l := range p.legs {
		if l.last.Before(limit) && p.open[id] == nil {
			delete(p.legs, id)
		}
	}
	return p.incompleteAll(stale)
}

func (p *qlParser) incompleteAll(cs []*qlCall) error {
	sort.Slice(cs, func(i, j int) bool { return cs[i].line < cs[j].line })
	for _, c := range cs {
		if err := p.incomplete(c); err != nil {
			return err
		}
	}
	return nil
}

// finish rejects the calls still open. Open login and pause intervals
// have no end and are not emitted; a later file's AGENTLOGOFF carries the
// login time, from which that interval is rebuilt.
func (p *qlParser) finish() error {
	cs := make([]*qlCall, 0, len(p.open))
	for _, c := range p.open {
		cs = append(cs, c)
	}
	p.open = nil
	return p.incompleteAll(cs)
}

func (p *qlParser) agent(ev *qlEvent) (string, *qlAgent) {
	id := qlAgentID(ev.agent)
	if id == "" {
		return "", nil
	}
	a := p.agents[id]
	if a == nil {
		a = &qlAgent{queues: map[string]bool{}}
		p.agents[id] = a
	}
	return id, a
}

// login opens a logged_in interval unless one is open: ADDMEMBER in
// several queues and the AGENT*LOGIN that comes with it are one login.
func (p *qlParser) login(ev *qlEvent) error {
	_, a := p.agent(ev)
	if a == nil {
		return nil
	}
	was := a.in()
	if ev.verb == "ADDMEMBER" {
		a.queues[ev.queue] = true
	} else {
		a.agentLogin = true
	}
	if !was {
		a.loginAt = ev.t
	}
	return nil
}

// logoff closes the login when the agent is in no queue any more. An
// AGENT*LOGOFF with no login seen rebuilds it from its logintime field,
// unless that would overlap the login closed last.
func (p *qlParser) logoff(ev *qlEvent) error {
	id, a := p.agent(ev)
	if a == nil {
		return nil
	}
	was := a.in()
	if ev.verb == "REMOVEMEMBER" {
		delete(a.queues, ev.queue)
	} else {
		a.agentLogin = false
		clear(a.queues)
	}
	if was && !a.in() {
		return p.closeLogin(id, a, a.loginAt, ev.t)
	}
	if was || ev.verb == "REMOVEMEMBER" {
		return nil
	}
	v, name := ev.arg(2)
	secs, fe := durationField(name, v)
	if fe != nil || secs == 0 {
		return nil // an unknown login time: nothing to rebuild
	}
	start := ev.t.Add(-time.Duration(secs) * time.Second)
	if !a.lastLogoff.IsZero() && a.lastLogoff.After(start) {
		return nil
	}
	return p.closeLogin(id, a, start, ev.t)
}

func (p *qlParser) closeLogin(id string, a *qlAgent, start, end time.Time) error {
	a.lastLogoff = end
	if !a.pauseAt.IsZero() {
		if err := p.state(id, StateBreak, a.reason, a.pauseAt, end); err != nil {
			return err
		}
		a.pauseAt, a.reason = time.Time{}, ""
	}
	return p.state(id, StateLoggedIn, "", start, end)
}

func (p *qlParser) pause(ev *qlEvent) {
	_, a := p.agent(ev)
	if a == nil || !a.pauseAt.IsZero() {
		return
	}
	a.pauseAt = ev.t
	a.reason, _ = ev.arg(1)
	a.reason = cut(a.reason, 256)
}

func (p *qlParser) unpause(ev *qlEvent) error {
	id, a := p.agent(ev)
	if a == nil || a.pauseAt.IsZero() {
		return nil
	}
	start, reason := a.pauseAt, a.reason
	a.pauseAt, a.reason = time.Time{}, ""
	return p.state(id, StateBreak, reason, start, ev.t)
}

func (p *qlParser) state(id, state, reason string, start, end time.Time) error {
	if !end.After(start) {
		return nil // nothing to measure
	}
	return p.e.State(AgentState{AgentID: id, Source: p.src, State: state, Reason: reason, Start: start, End: end})
}

// qlAgentID turns a queue member into a stable agent id: the channel
// technology and any @context or /n suffix are dropped, so Agent/1127,
// Local/1127@callback-agent and SIP/1127 are all agent 1127. A member name
// (log_membername_as_agent) is kept as written; NONE is no agent.
func qlAgentID(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "NONE") {
		return ""
	}
	if i := strings.IndexByte(s, '/'); i > 0 {
		switch strings.ToLower(s[:i]) {
		case "agent", "local", "sip", "pjsip", "iax2", "dahdi", "sccp", "skinny", "motif", "zap", "h323", "ooh323", "mgcp", "unistim":
			rest := s[i+1:]
			if j := strings.IndexAny(rest, "@/"); j >= 0 {
				rest = rest[:j]
			}
			if rest != "" {
				s = rest
			}
		}
	}
	return cut(s, 256)
}

// qlCustomer is the caller id of ENTERQUEUE, empty when withheld: an
// anonymous caller id would join unrelated callers in repeat-contact
// metrics.
func qlCustomer(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "anonymous", "unknown", "restricted", "private", "withheld", "unavailable":
		return ""
	}
	return cut(strings.TrimSpace(s), 256)
}
