package demo

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// File names in Options.Dir.
const (
	FileAgents      = "agents.csv"
	FileHelpdesk    = "contacts-helpdesk.csv"
	FileQueueLog    = "asterisk-queue_log"
	FileConnect     = "connect-ctr.ndjson"
	FileRedelivered = "connect-ctr-redelivered.ndjson"
	FileSurveys     = "surveys.csv"
	FileQualtrics   = "qualtrics-export.csv"
	FileStates      = "agent-states.csv"
	FileSchedules   = "schedules.csv"
	FileQueues      = "queues.csv"
)

// ContactColumns is the header of the generic contacts CSV.
var ContactColumns = []string{"contact_id", "source", "channel", "direction", "queue", "team", "site",
	"agent_id", "customer_id", "started_at", "answered_at", "ended_at", "wait_s", "talk_s", "hold_s",
	"hold_count", "acw_s", "abandoned", "transferred", "resolved", "disposition", "initial_contact_id",
	"source_updated_at"}

// SurveyColumns is the header of the generic surveys CSV.
var SurveyColumns = []string{"response_id", "source", "contact_id", "agent_id", "responded_at", "nps", "csat", "ces", "comment"}

// QualtricsColumns maps our survey fields to the Qualtrics export's columns.
var QualtricsColumns = map[string]string{"response_id": "ResponseId", "responded_at": "RecordedDate",
	"nps": "Q1", "csat": "Q2", "comment": "Q3", "contact_id": "contact_id"}

// badRowRate is the share of planted bad rows in the generic files.
const badRowRate = 0.002

// write renders the simulation into files, in ingest order.
func (w *world) write() (*Manifest, error) {
	m := &Manifest{Patterns: map[string]string{}, Events: w.events, Timezone: w.loc.String(), From: w.from, To: w.to}
	for k, a := range w.patterns {
		m.Patterns[k] = a.id
	}
	for _, s := range w.sites {
		m.Sites = append(m.Sites, s.name)
		for _, t := range s.teams {
			m.Teams = append(m.Teams, t.name)
		}
	}
	contacts := w.sortedContacts()
	steps := []struct {
		name string
		fn   func(*bufio.Writer) (FileSpec, error)
	}{
		{FileAgents, w.writeAgents},
		{FileHelpdesk, func(b *bufio.Writer) (FileSpec, error) { return w.writeHelpdesk(b, contacts) }},
		{FileQueueLog, func(b *bufio.Writer) (FileSpec, error) { return w.writeQueueLog(b, contacts) }},
		{FileConnect, func(b *bufio.Writer) (FileSpec, error) { return w.writeConnect(b, contacts, false) }},
		{FileRedelivered, func(b *bufio.Writer) (FileSpec, error) { return w.writeConnect(b, contacts, true) }},
		{FileSurveys, w.writeSurveys},
		{FileQualtrics, w.writeQualtrics},
		{FileStates, w.writeStates},
		{FileSchedules, w.writeSchedules},
		{FileQueues, w.writeQueues},
	}
	for _, st := range steps {
		path := filepath.Join(w.opt.Dir, st.name)
		fs, err := writeFile(path, st.fn)
		if err != nil {
			return nil, err
		}
		fs.Path = path
		m.Files = append(m.Files, fs)
	}
	return m, nil
}

func writeFile(path string, fn func(*bufio.Writer) (FileSpec, error)) (FileSpec, error) {
	f, err := os.Create(path)
	if err != nil {
		return FileSpec{}, fmt.Errorf("demo: create %s: %w", path, err)
	}
	b := bufio.NewWriterSize(f, 256<<10)
	fs, err := fn(b)
	if err == nil {
		err = b.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return FileSpec{}, fmt.Errorf("demo: write %s: %w", path, err)
	}
	return fs, nil
}

// appendTime appends Unix seconds as RFC 3339 UTC.
func appendTime(b []byte, t int64) []byte {
	return time.Unix(t, 0).UTC().AppendFormat(b, time.RFC3339)
}

func ts(t int64) string { return string(appendTime(nil, t)) }

func (w *world) writeAgents(b *bufio.Writer) (FileSpec, error) {
	cw := csv.NewWriter(b)
	_ = cw.Write([]string{"agent_id", "name", "team", "site", "supervisor", "valid_from"})
	rows := 0
	for _, a := range w.agents {
		row := func(t *team, from int64) {
			_ = cw.Write([]string{a.id, a.name(), t.name, t.site.name, t.supervisor, ts(from)})
			rows++
		}
		row(a.team, a.hired.Unix())
		if a.moved != nil {
			row(a.moved, w.days[a.move].Unix())
		}
	}
	cw.Flush()
	return FileSpec{Kind: ingest.KindAgents, Format: ingest.FormatCSV, Rows: rows}, cw.Error()
}

// writeQueues writes the queue map: each team owns its queue from the
// first day of the simulation, so abandoned contacts (no agent, no
// roster team) count in their team's and site's queue metrics.
func (w *world) writeQueues(b *bufio.Writer) (FileSpec, error) {
	cw := csv.NewWriter(b)
	_ = cw.Write([]string{"queue", "team", "site", "valid_from"})
	rows := 0
	for _, s := range w.sites {
		for _, t := range s.teams {
			_ = cw.Write([]string{t.queue, t.name, s.name, w.from.In(w.loc).Format(time.DateOnly)})
			rows++
		}
	}
	cw.Flush()
	return FileSpec{Kind: ingest.KindQueues, Format: ingest.FormatCSV, Rows: rows}, cw.Error()
}

func (w *world) writeHelpdesk(b *bufio.Writer, contacts []*contact) (FileSpec, error) {
	fs := FileSpec{Kind: ingest.KindContacts, Format: ingest.FormatCSV}
	r := w.rng("bad", 1)
	var line []byte
	for i, col := range ContactColumns {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, col...)
	}
	b.Write(append(line, '\n'))
	for _, c := range contacts {
		if c.team.site.sys != sysHelpdesk {
			continue
		}
		line = appendContactRow(line[:0], c, sourceHelpdesk, "", 0)
		b.Write(line)
		fs.Rows++
		if r.Float64() < badRowRate {
			line = appendContactRow(line[:0], c, sourceHelpdesk, "-1", 1+r.IntN(2))
			b.Write(line)
			fs.BadRows++
		}
	}
	return fs, nil
}

// appendContactRow renders one leg; bad 1 plants a negative duration,
// bad 2 an unparseable start time.
func appendContactRow(l []byte, c *contact, source, idSuffix string, bad int) []byte {
	l = append(l, c.id...)
	l = append(l, idSuffix...)
	l = append(l, ',')
	l = append(l, source...)
	l = append(l, ',')
	l = append(l, c.team.channel...)
	l = append(l, ",inbound,"...)
	l = append(l, c.team.queue...)
	l = append(l, ',')
	l = append(l, c.team.name...)
	l = append(l, ',')
	l = append(l, c.team.site.name...)
	l = append(l, ',')
	if c.agent != nil {
		l = append(l, c.agent.id...)
	}
	l = append(l, ',')
	l = append(l, c.customer...)
	l = append(l, ',')
	if bad == 2 {
		l = time.Unix(c.arrive, 0).UTC().AppendFormat(l, "02/01/2006 15:04")
	} else {
		l = appendTime(l, c.arrive)
	}
	l = append(l, ',')
	if c.answer > 0 {
		l = appendTime(l, c.answer)
	}
	l = append(l, ',')
	l = appendTime(l, c.end)
	talk := c.talk
	if bad == 1 {
		talk = -talk - 1
	}
	for _, n := range []int64{c.wait, talk, c.hold, c.holds, c.acw} {
		l = append(l, ',')
		l = strconv.AppendInt(l, n, 10)
	}
	l = append(l, ',')
	l = strconv.AppendBool(l, c.abandoned())
	l = append(l, ',')
	l = strconv.AppendBool(l, c.transferred())
	l = append(l, ',')
	if c.resolved >= 0 {
		l = strconv.AppendBool(l, c.resolved == 1)
	}
	l = append(l, ',')
	l = append(l, c.disp...)
	l = append(l, ',')
	if c.first != nil {
		l = append(l, c.first.id...)
	}
	l = append(l, ',')
	l = appendTime(l, c.updated)
	return append(l, '\n')
}

func (w *world) writeSurveys(b *bufio.Writer) (FileSpec, error) {
	fs := FileSpec{Kind: ingest.KindSurveys, Format: ingest.FormatCSV}
	r := w.rng("bad", 2)
	cw := csv.NewWriter(b)
	_ = cw.Write(SurveyColumns)
	for _, s := range w.sortedSurveys() {
		sys := s.c.team.site.sys
		if sys == sysConnect {
			continue
		}
		src := sourceIVRSurvey
		if sys == sysHelpdesk {
			src = sourceWebSurvey
		}
		row := []string{s.id, src, s.c.id, s.c.agent.id, ts(s.at), score(s.nps), score(s.csat), score(s.ces), s.comment}
		_ = cw.Write(row)
		fs.Rows++
		if r.Float64() < badRowRate {
			row[0], row[5] = s.id+"-1", "11"
			_ = cw.Write(row)
			fs.BadRows++
		}
	}
	cw.Flush()
	return fs, cw.Error()
}

func score(n int) string {
	if n < 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func (w *world) sortedSurveys() []*survey {
	out := slices.Clone(w.surveys)
	slices.SortStableFunc(out, func(a, b *survey) int { return int(a.at - b.at) })
	return out
}

// writeQualtrics writes the Connect site's surveys as a Qualtrics
// "new format" export: column names, question labels, ImportIds.
func (w *world) writeQualtrics(b *bufio.Writer) (FileSpec, error) {
	fs := FileSpec{Kind: ingest.KindSurveys, Format: ingest.FormatQualtrics, Source: sourceQualtrics, Columns: QualtricsColumns}
	cw := csv.NewWriter(b)
	_ = cw.Write([]string{"StartDate", "EndDate", "Status", "ResponseId", "Finished", "RecordedDate", "Q1", "Q2", "Q3", "contact_id"})
	_ = cw.Write([]string{"Start Date", "End Date", "Response Type", "Response ID", "Finished", "Recorded Date",
		"How likely are you to recommend us to a friend or colleague?",
		"Overall, how satisfied were you with the service you received today?",
		"Is there anything you would like to tell us about your experience?", "contact_id"})
	_ = cw.Write([]string{`{"ImportId":"startDate"}`, `{"ImportId":"endDate"}`, `{"ImportId":"status"}`,
		`{"ImportId":"_recordId"}`, `{"ImportId":"finished"}`, `{"ImportId":"recordedDate"}`,
		`{"ImportId":"QID1"}`, `{"ImportId":"QID2"}`, `{"ImportId":"QID3_TEXT"}`, `{"ImportId":"contact_id"}`})
	local := func(t int64) string { return time.Unix(t, 0).In(w.loc).Format(time.DateTime) }
	for _, s := range w.sortedSurveys() {
		if s.c.team.site.sys != sysConnect {
			continue
		}
		_ = cw.Write([]string{local(s.start), local(s.at), "0", s.id, "1", local(s.at),
			score(s.nps), score(s.csat), s.comment, s.c.id})
		fs.Rows++
	}
	cw.Flush()
	return fs, cw.Error()
}

func (w *world) writeSchedules(b *bufio.Writer) (FileSpec, error) {
	fs := FileSpec{Kind: ingest.KindSchedules, Format: ingest.FormatCSV, Source: sourceWFM}
	r := w.rng("bad", 4)
	b.WriteString("agent_id,activity,start,end\n")
	var l []byte
	for _, sh := range w.shifts {
		for _, p := range sh.plan {
			l = appendInterval(l[:0], sh.ag.id, p.activity, p.s, p.e)
			b.Write(l)
			fs.Rows++
			if r.Float64() < badRowRate {
				l = append(l[:0], sh.ag.id+","+p.activity+",n/a,"...)
				l = appendTime(l, p.e)
				b.Write(append(l, '\n'))
				fs.BadRows++
			}
		}
	}
	return fs, nil
}

func appendInterval(l []byte, id, what string, s, e int64) []byte {
	l = append(l, id...)
	l = append(l, ',')
	l = append(l, what...)
	l = append(l, ',')
	l = appendTime(l, s)
	l = append(l, ',')
	l = appendTime(l, e)
	return append(l, '\n')
}

// writeStates writes the agent states of the Connect and helpdesk sites:
// a logged_in interval per session, and within it the agent's state from
// moment to moment (the Asterisk site's states are in its queue_log).
func (w *world) writeStates(b *bufio.Writer) (FileSpec, error) {
	fs := FileSpec{Kind: ingest.KindStates, Format: ingest.FormatCSV, Source: sourceWFM}
	r := w.rng("bad", 3)
	b.WriteString("agent_id,state,start,end\n")
	var l []byte
	var segs []stateSeg
	for _, sh := range w.shifts {
		if sh.absent || sh.team.site.sys == sysAsterisk {
			continue
		}
		segs = append(segs[:0], stateSeg{ingest.StateLoggedIn, sh.login, sh.effLogoff})
		segs = sh.paint(segs)
		for _, s := range segs {
			l = appendInterval(l[:0], sh.ag.id, s.state, s.s, s.e)
			b.Write(l)
			fs.Rows++
			if r.Float64() < badRowRate {
				l = append(l[:0], sh.ag.id+","+s.state+","...)
				l = appendTime(l, s.s)
				l = append(l, ',')
				l = time.Unix(s.e, 0).In(w.loc).AppendFormat(l, "01/02/2006 3:04 PM")
				b.Write(append(l, '\n'))
				fs.BadRows++
			}
		}
	}
	return fs, nil
}

type stateSeg struct {
	state string
	s, e  int64
}

// paint appends the shift's timeline as non-overlapping states: a contact
// outranks after-contact work, which outranks a break; the rest of the
// session is available.
func (sh *shift) paint(out []stateSeg) []stateSeg {
	type ev struct {
		t     int64
		level int // 1 break, 2 acw, 3 on_contact
		delta int
	}
	var evs []ev
	add := func(s, e int64, level int) {
		s, e = max(s, sh.login), min(e, sh.effLogoff)
		if s < e {
			evs = append(evs, ev{s, level, 1}, ev{e, level, -1})
		}
	}
	for _, br := range sh.effBreaks {
		add(br.s, br.e, 1)
	}
	for _, x := range sh.work {
		add(x.s, x.talkEnd, 3)
		add(x.talkEnd, x.acwEnd, 2)
	}
	slices.SortFunc(evs, func(a, b ev) int { return int(a.t - b.t) })
	names := [4]string{ingest.StateAvailable, ingest.StateBreak, ingest.StateACW, ingest.StateOnContact}
	var count [4]int
	state := func() int {
		for lv := 3; lv >= 1; lv-- {
			if count[lv] > 0 {
				return lv
			}
		}
		return 0
	}
	cur, curStart := 0, sh.login
	emit := func(t int64, next int) {
		if next == cur {
			return
		}
		if t > curStart {
			if n := len(out); n > 0 && out[n-1].state == names[cur] && out[n-1].e == curStart {
				out[n-1].e = t
			} else {
				out = append(out, stateSeg{names[cur], curStart, t})
			}
		}
		cur, curStart = next, t
	}
	for i := 0; i < len(evs); {
		t := evs[i].t
		for ; i < len(evs) && evs[i].t == t; i++ {
			count[evs[i].level] += evs[i].delta
		}
		emit(t, state())
	}
	if sh.effLogoff > curStart {
		out = append(out, stateSeg{names[cur], curStart, sh.effLogoff})
	}
	return out
}

// channelID is an Asterisk channel name for an agent's phone.
func channelID(a *agent, r *rand.Rand) string {
	return fmt.Sprintf("PJSIP/%d-%08x", a.ext, r.Uint32())
}
