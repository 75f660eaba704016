package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/servicecard/servicecard/ingest"
)

type qline struct {
	t    int64
	text string
}

// writeQueueLog writes the Asterisk site as a raw queue_log: call events
// of all legs and the agents' logins and pauses, interleaved by time.
func (w *world) writeQueueLog(b *bufio.Writer, contacts []*contact) (FileSpec, error) {
	r := w.rng("channels")
	var lines []qline
	add := func(t int64, format string, args ...any) {
		lines = append(lines, qline{t, fmt.Sprintf("%d|", t) + fmt.Sprintf(format, args...)})
	}
	legs := 0
	bridged := w.uniqueID + 1
	for _, c := range contacts {
		if c.team.site.sys != sysAsterisk {
			continue
		}
		legs++
		q := c.team.queue
		add(c.arrive, "%s|%s|NONE|ENTERQUEUE||%s|%d", c.id, q, c.customer, c.origPos)
		if c.rnaAgent != nil {
			add(c.rnaAt, "%s|%s|Agent/%s|RINGNOANSWER|15000", c.id, q, c.rnaAgent.id)
		}
		switch c.exit {
		case exitHandled:
			ag := "Agent/" + c.agent.id
			bridged++
			add(c.answer, "%s|%s|%s|CONNECT|%d|%d.%d|%d", c.id, q, ag, c.wait, c.answer, bridged, c.ring)
			switch {
			case c.next != nil:
				add(c.end, "%s|%s|%s|BLINDTRANSFER|%s|from-internal|%d|%d|%d", c.id, q, ag, c.next.team.ext, c.wait, c.talk, c.origPos)
			case c.seq%5 < 3:
				add(c.end, "%s|%s|%s|COMPLETECALLER|%d|%d|%d", c.id, q, ag, c.wait, c.talk+c.hold, c.origPos)
			default:
				add(c.end, "%s|%s|%s|COMPLETEAGENT|%d|%d|%d", c.id, q, ag, c.wait, c.talk+c.hold, c.origPos)
			}
		case exitAbandon:
			add(c.end, "%s|%s|NONE|ABANDON|%d|%d|%d", c.id, q, c.exitPos, c.origPos, c.wait)
		case exitTimeout:
			add(c.end, "%s|%s|NONE|EXITWITHTIMEOUT|%d|%d|%d", c.id, q, c.exitPos, c.origPos, c.wait)
		case exitEmpty:
			add(c.end, "%s|%s|NONE|EXITEMPTY|%d|%d|%d", c.id, q, c.exitPos, c.origPos, c.wait)
		}
	}
	states := 0
	for _, sh := range w.shifts {
		if sh.absent || sh.team.site.sys != sysAsterisk {
			continue
		}
		ag := "Agent/" + sh.ag.id
		ch := channelID(sh.ag, r)
		add(sh.login, "NONE|NONE|%s|AGENTLOGIN|%s", ag, ch)
		for _, br := range sh.effBreaks {
			reason := "Break"
			if br.e-br.s >= 25*60 {
				reason = "Lunch"
			}
			add(br.s, "NONE|%s|%s|PAUSE|%s", sh.team.queue, ag, reason)
			add(br.e, "NONE|%s|%s|UNPAUSE|", sh.team.queue, ag)
		}
		add(sh.effLogoff, "NONE|NONE|%s|AGENTLOGOFF|%s|%d", ag, ch, sh.effLogoff-sh.login)
		states += 1 + len(sh.effBreaks)
	}
	slices.SortStableFunc(lines, func(a, b qline) int { return int(a.t - b.t) })
	if len(lines) > 0 {
		fmt.Fprintf(b, "%d|NONE|NONE|NONE|QUEUESTART|\n", lines[0].t-600)
	}
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return FileSpec{Kind: ingest.KindContacts, Format: ingest.FormatQueueLog, Source: sourceAsterisk,
		Rows: legs + states, Records: map[ingest.Kind]int{ingest.KindContacts: legs, ingest.KindStates: states}}, nil
}

// Contact trace record, 2017-03-10 format, fields in the order AWS writes
// them. Fields servicecard has no use for (recordings, routing profiles,
// hierarchy groups, endpoints of the system) are left out to keep the
// demo small; parsers must ignore unknown fields anyway.
type ctr struct {
	AWSAccountId                       string
	AWSContactTraceRecordFormatVersion string
	Agent                              *ctrAgent
	AgentConnectionAttempts            int
	Attributes                         map[string]string
	Channel                            string
	ConnectedToSystemTimestamp         string
	ContactId                          string
	CustomerEndpoint                   ctrEndpoint
	DisconnectReason                   string
	DisconnectTimestamp                string
	InitialContactId                   *string
	InitiationMethod                   string
	InitiationTimestamp                string
	LastUpdateTimestamp                string
	NextContactId                      *string
	PreviousContactId                  *string
	Queue                              *ctrQueue
	TransferCompletedTimestamp         *string
}

type ctrAgent struct {
	AfterContactWorkDuration       int64
	AfterContactWorkEndTimestamp   string
	AfterContactWorkStartTimestamp string
	AgentInteractionDuration       int64
	ConnectedToAgentTimestamp      string
	CustomerHoldDuration           int64
	LongestHoldDuration            int64
	NumberOfHolds                  int64
	Username                       string
}

type ctrEndpoint struct{ Address, Type string }

type ctrQueue struct {
	ARN              string
	DequeueTimestamp *string
	Duration         int64
	EnqueueTimestamp *string
	Name             string
}

// Amazon's documentation account id: obviously not a real instance.
const awsAccount = "123456789012"

func (w *world) instanceARN() string {
	return "arn:aws:connect:us-east-1:" + awsAccount + ":instance/" + uuid(w.rng("arn-instance"))
}

// writeConnect writes the Connect site's CTRs as NDJSON. A few records
// are delivered twice: the main file holds their first version (after-
// contact work not yet final), the re-delivery file the corrected one with
// a later LastUpdateTimestamp.
func (w *world) writeConnect(b *bufio.Writer, contacts []*contact, redelivery bool) (FileSpec, error) {
	fs := FileSpec{Kind: ingest.KindContacts, Format: ingest.FormatConnectCTR, Source: sourceConnect}
	inst := w.instanceARN()
	queues := map[*team]string{}
	for _, t := range w.teams {
		queues[t] = inst + "/queue/" + uuid(w.rng("arn-queue", t.idx))
	}
	enc := json.NewEncoder(b)
	for _, c := range contacts {
		if c.team.site.sys != sysConnect || redelivery && c.acwFirst < 0 {
			continue
		}
		rec := ctrOf(c, queues[c.team])
		if c.acwFirst >= 0 {
			if redelivery {
				rec.LastUpdateTimestamp = ts(c.updated + 3600 + c.seq%1800)
			} else {
				rec.Agent.AfterContactWorkDuration = c.acwFirst
				rec.Agent.AfterContactWorkEndTimestamp = ts(c.end + c.acwFirst)
				rec.LastUpdateTimestamp = ts(c.end + c.acwFirst + 30)
			}
		}
		if err := enc.Encode(rec); err != nil {
			return fs, err
		}
		fs.Rows++
	}
	return fs, nil
}

func ctrOf(c *contact, queueARN string) *ctr {
	t := c.team
	p := func(s string) *string { return &s }
	rec := &ctr{
		AWSAccountId:                       awsAccount,
		AWSContactTraceRecordFormatVersion: "2017-03-10",
		Attributes:                         map[string]string{},
		Channel:                            "VOICE",
		ContactId:                          c.id,
		CustomerEndpoint:                   ctrEndpoint{c.customer, "TELEPHONE_NUMBER"},
		DisconnectReason:                   "CUSTOMER_DISCONNECT",
		DisconnectTimestamp:                ts(c.end),
		InitiationMethod:                   "INBOUND",
		InitiationTimestamp:                ts(c.arrive - c.ivr),
		LastUpdateTimestamp:                ts(c.updated),
		Queue: &ctrQueue{
			ARN:              queueARN,
			DequeueTimestamp: p(ts(c.arrive + c.wait)),
			Duration:         c.wait,
			EnqueueTimestamp: p(ts(c.arrive)),
			Name:             t.queue,
		},
	}
	rec.ConnectedToSystemTimestamp = rec.InitiationTimestamp
	if c.first != nil {
		rec.InitiationMethod = "TRANSFER"
		rec.InitialContactId = p(c.first.id)
		rec.PreviousContactId = p(c.first.id)
		if c.leg > 1 {
			for prev := c.first; prev != nil; prev = prev.next {
				if prev.next == c {
					rec.PreviousContactId = p(prev.id)
				}
			}
		}
	}
	if c.exit != exitHandled {
		return rec
	}
	a := c.agent
	rec.AgentConnectionAttempts = 1
	rec.Agent = &ctrAgent{
		AfterContactWorkDuration:       c.acw,
		AfterContactWorkEndTimestamp:   ts(c.end + c.acw),
		AfterContactWorkStartTimestamp: ts(c.end),
		AgentInteractionDuration:       c.talk,
		ConnectedToAgentTimestamp:      ts(c.answer),
		CustomerHoldDuration:           c.hold,
		LongestHoldDuration:            c.longest,
		NumberOfHolds:                  c.holds,
		Username:                       a.id,
	}
	switch {
	case c.next != nil:
		rec.DisconnectReason = "AGENT_DISCONNECT"
		rec.NextContactId = p(c.next.id)
		rec.TransferCompletedTimestamp = p(ts(c.end))
	case c.seq%20 < 7:
		rec.DisconnectReason = "AGENT_DISCONNECT"
	}
	return rec
}
