package chstore

import (
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/ingest"
)

// Column lists and column builders of the tables the writer fills. Each
// builder's values() follows its column list.

var contactColumns = []string{
	"source", "contact_id", "channel", "direction", "queue", "team", "site", "agent_id",
	"customer_id", "started_at", "answered_at", "ended_at", "wait_s", "talk_s", "hold_s",
	"hold_count", "acw_s", "abandoned", "transferred", "resolved", "disposition",
	"initial_contact_id", "source_updated_at", "ingested_at", "batch_id", "sign", "version",
}

func (s *Store) contactsTable() *replacing[ingest.Contact] {
	return &replacing[ingest.Contact]{
		table:   "contacts",
		columns: contactColumns,
		keyCol:  "contact_id",
		mu:      &s.contactsMu,
		key:     func(c *ingest.Contact) rowKey { return rowKey{c.Source, c.ContactID} },
		supersedes: func(n, old *ingest.Contact) bool {
			return !n.SourceUpdatedAt.Before(old.SourceUpdatedAt)
		},
		scan: scanContact,
	}
}

func scanContact(rows driver.Rows) (storedRow[ingest.Contact], error) {
	var (
		r                      storedRow[ingest.Contact]
		c                      = &r.rec
		answered               *time.Time
		abandoned, transferred uint8
		resolved               *uint8
	)
	err := rows.Scan(&c.Source, &c.ContactID, &c.Channel, &c.Direction, &c.Queue, &c.Team, &c.Site,
		&c.AgentID, &c.CustomerID, &c.StartedAt, &answered, &c.EndedAt, &c.WaitS, &c.TalkS, &c.HoldS,
		&c.HoldCount, &c.AcwS, &abandoned, &transferred, &resolved, &c.Disposition,
		&c.InitialContactID, &c.SourceUpdatedAt, &r.meta.ingestedAt, &r.meta.batchID, &r.meta.sign,
		&r.meta.version)
	c.AnsweredAt = answered
	c.Abandoned = abandoned == 1
	c.Transferred = transferred == 1
	if resolved != nil {
		b := *resolved == 1
		c.Resolved = &b
	}
	return r, err
}

type contactCols struct {
	source, contactID, channel, direction, queue, team, site, agentID, customerID []string
	startedAt, endedAt                                                            []time.Time
	answeredAt                                                                    []*time.Time
	waitS, talkS, holdS, acwS                                                     []uint32
	holdCount                                                                     []uint16
	abandoned, transferred                                                        []uint8
	resolved                                                                      []*uint8
	disposition, initialContactID                                                 []string
	sourceUpdatedAt, ingestedAt                                                   []time.Time
	batchID                                                                       []string
	sign                                                                          []int8
	version                                                                       []uint64
	bools                                                                         [2]uint8
}

func (c *contactCols) reset() {
	c.source, c.contactID, c.channel, c.direction = c.source[:0], c.contactID[:0], c.channel[:0], c.direction[:0]
	c.queue, c.team, c.site, c.agentID, c.customerID = c.queue[:0], c.team[:0], c.site[:0], c.agentID[:0], c.customerID[:0]
	c.startedAt, c.answeredAt, c.endedAt = c.startedAt[:0], c.answeredAt[:0], c.endedAt[:0]
	c.waitS, c.talkS, c.holdS, c.holdCount, c.acwS = c.waitS[:0], c.talkS[:0], c.holdS[:0], c.holdCount[:0], c.acwS[:0]
	c.abandoned, c.transferred, c.resolved = c.abandoned[:0], c.transferred[:0], c.resolved[:0]
	c.disposition, c.initialContactID = c.disposition[:0], c.initialContactID[:0]
	c.sourceUpdatedAt, c.ingestedAt, c.batchID = c.sourceUpdatedAt[:0], c.ingestedAt[:0], c.batchID[:0]
	c.sign, c.version = c.sign[:0], c.version[:0]
	c.bools = [2]uint8{0, 1}
}

func (c *contactCols) rows() int { return len(c.sign) }

func (c *contactCols) add(x *ingest.Contact, m rowMeta) {
	c.source = append(c.source, x.Source)
	c.contactID = append(c.contactID, x.ContactID)
	c.channel = append(c.channel, x.Channel)
	c.direction = append(c.direction, x.Direction)
	c.queue = append(c.queue, x.Queue)
	c.team = append(c.team, x.Team)
	c.site = append(c.site, x.Site)
	c.agentID = append(c.agentID, x.AgentID)
	c.customerID = append(c.customerID, x.CustomerID)
	c.startedAt = append(c.startedAt, x.StartedAt)
	c.answeredAt = append(c.answeredAt, x.AnsweredAt)
	c.endedAt = append(c.endedAt, x.EndedAt)
	c.waitS = append(c.waitS, x.WaitS)
	c.talkS = append(c.talkS, x.TalkS)
	c.holdS = append(c.holdS, x.HoldS)
	c.holdCount = append(c.holdCount, x.HoldCount)
	c.acwS = append(c.acwS, x.AcwS)
	c.abandoned = append(c.abandoned, b2u(x.Abandoned))
	c.transferred = append(c.transferred, b2u(x.Transferred))
	c.resolved = append(c.resolved, c.optBool(x.Resolved))
	c.disposition = append(c.disposition, x.Disposition)
	c.initialContactID = append(c.initialContactID, x.InitialContactID)
	c.sourceUpdatedAt = append(c.sourceUpdatedAt, x.SourceUpdatedAt)
	c.ingestedAt = append(c.ingestedAt, m.ingestedAt)
	c.batchID = append(c.batchID, m.batchID)
	c.sign = append(c.sign, m.sign)
	c.version = append(c.version, m.version)
}

// optBool points into the builder's own 0 and 1, so a nullable flag costs
// no allocation.
func (c *contactCols) optBool(b *bool) *uint8 {
	if b == nil {
		return nil
	}
	if *b {
		return &c.bools[1]
	}
	return &c.bools[0]
}

func (c *contactCols) values() []any {
	return []any{c.source, c.contactID, c.channel, c.direction, c.queue, c.team, c.site, c.agentID,
		c.customerID, c.startedAt, c.answeredAt, c.endedAt, c.waitS, c.talkS, c.holdS,
		c.holdCount, c.acwS, c.abandoned, c.transferred, c.resolved, c.disposition,
		c.initialContactID, c.sourceUpdatedAt, c.ingestedAt, c.batchID, c.sign, c.version}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

var surveyColumns = []string{
	"source", "response_id", "contact_id", "agent_id", "responded_at", "nps", "csat", "ces",
	"comment", "ingested_at", "batch_id", "sign", "version",
}

func (s *Store) surveysTable() *replacing[ingest.Survey] {
	return &replacing[ingest.Survey]{
		table:   "surveys",
		columns: surveyColumns,
		keyCol:  "response_id",
		mu:      &s.surveysMu,
		key:     func(x *ingest.Survey) rowKey { return rowKey{x.Source, x.ResponseID} },
		// Responses carry no update time: the newer ingest wins.
		supersedes: func(n, old *ingest.Survey) bool { return true },
		scan:       scanSurvey,
	}
}

func scanSurvey(rows driver.Rows) (storedRow[ingest.Survey], error) {
	var r storedRow[ingest.Survey]
	x := &r.rec
	err := rows.Scan(&x.Source, &x.ResponseID, &x.ContactID, &x.AgentID, &x.RespondedAt,
		&x.NPS, &x.CSAT, &x.CES, &x.Comment, &r.meta.ingestedAt, &r.meta.batchID, &r.meta.sign,
		&r.meta.version)
	return r, err
}

type surveyCols struct {
	source, responseID, contactID, agentID []string
	respondedAt, ingestedAt                []time.Time
	nps, csat, ces                         []*uint8
	comment, batchID                       []string
	sign                                   []int8
	version                                []uint64
}

func (c *surveyCols) reset() {
	c.source, c.responseID, c.contactID, c.agentID = c.source[:0], c.responseID[:0], c.contactID[:0], c.agentID[:0]
	c.respondedAt, c.ingestedAt = c.respondedAt[:0], c.ingestedAt[:0]
	c.nps, c.csat, c.ces = c.nps[:0], c.csat[:0], c.ces[:0]
	c.comment, c.batchID, c.sign, c.version = c.comment[:0], c.batchID[:0], c.sign[:0], c.version[:0]
}

func (c *surveyCols) rows() int { return len(c.sign) }

func (c *surveyCols) add(x *ingest.Survey, m rowMeta) {
	c.source = append(c.source, x.Source)
	c.responseID = append(c.responseID, x.ResponseID)
	c.contactID = append(c.contactID, x.ContactID)
	c.agentID = append(c.agentID, x.AgentID)
	c.respondedAt = append(c.respondedAt, x.RespondedAt)
	c.nps = append(c.nps, x.NPS)
	c.csat = append(c.csat, x.CSAT)
	c.ces = append(c.ces, x.CES)
	c.comment = append(c.comment, x.Comment)
	c.ingestedAt = append(c.ingestedAt, m.ingestedAt)
	c.batchID = append(c.batchID, m.batchID)
	c.sign = append(c.sign, m.sign)
	c.version = append(c.version, m.version)
}

func (c *surveyCols) values() []any {
	return []any{c.source, c.responseID, c.contactID, c.agentID, c.respondedAt, c.nps, c.csat,
		c.ces, c.comment, c.ingestedAt, c.batchID, c.sign, c.version}
}

// The tables below take rows as they come; ReplacingMergeTree keeps the
// highest version of a natural key.

const insertAgents = "INSERT INTO agents (agent_id, name, team, site, supervisor, valid_from, ingested_at, batch_id, version)"

func agentValues(xs []ingest.Agent, m rowMeta) []any {
	n := len(xs)
	id, name, team, site, sup := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	from := make([]time.Time, n)
	for i, x := range xs {
		id[i], name[i], team[i], site[i], sup[i], from[i] = x.AgentID, x.Name, x.Team, x.Site, x.Supervisor, x.ValidFrom
	}
	return []any{id, name, team, site, sup, from, repeat(m.ingestedAt, n), repeat(m.batchID, n), versionsFrom(m.version, n)}
}

const insertStates = "INSERT INTO agent_states (agent_id, source, state, reason, start, end, ingested_at, batch_id, version)"

func stateValues(xs []ingest.AgentState, m rowMeta) []any {
	n := len(xs)
	id, src, state, reason := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	start, end := make([]time.Time, n), make([]time.Time, n)
	for i, x := range xs {
		id[i], src[i], state[i], reason[i], start[i], end[i] = x.AgentID, x.Source, x.State, x.Reason, x.Start, x.End
	}
	return []any{id, src, state, reason, start, end, repeat(m.ingestedAt, n), repeat(m.batchID, n), versionsFrom(m.version, n)}
}

const insertSchedules = "INSERT INTO schedules (agent_id, activity, start, end, ingested_at, batch_id, version)"

func scheduleValues(xs []ingest.Schedule, m rowMeta) []any {
	n := len(xs)
	id, act := make([]string, n), make([]string, n)
	start, end := make([]time.Time, n), make([]time.Time, n)
	for i, x := range xs {
		id[i], act[i], start[i], end[i] = x.AgentID, x.Activity, x.Start, x.End
	}
	return []any{id, act, start, end, repeat(m.ingestedAt, n), repeat(m.batchID, n), versionsFrom(m.version, n)}
}

const insertRejects = "INSERT INTO ingest_rejects (batch_id, file, line, raw, field, reason, ingested_at)"

func rejectValues(xs []ingest.Reject, file string, m rowMeta) []any {
	n := len(xs)
	line := make([]uint64, n)
	raw, field, reason := make([]string, n), make([]string, n), make([]string, n)
	for i, x := range xs {
		line[i], raw[i], field[i], reason[i] = uint64(max(x.Line, 0)), x.Raw, x.Field, x.Reason
	}
	return []any{repeat(m.batchID, n), repeat(file, n), line, raw, field, reason, repeat(m.ingestedAt, n)}
}

const insertBatch = "INSERT INTO ingest_batches (batch_id, source, kind, format, file, status, rows_ok, rows_rejected, rows_superseded, bytes, started_at, finished_at, duration_ms, error, version)"

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func versionsFrom(base uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = base + uint64(i)
	}
	return out
}
