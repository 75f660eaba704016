package ingest

// The queue map: which team (and site) owns a queue, from which business
// day on. Contacts that reach no agent (abandons) have no team of their
// own; the queue map gives every offered contact exactly one team, so team
// and site queue metrics (offered, answered, abandons, ASA, service level)
// add up to the org's. A CSV like the roster's:
//
//	queue,team,site,valid_from
//	billing,Billing,Riverbend,2024-01-01
//	billing,Billing Escalations,Riverbend,2025-02-01
//
// valid_from is a calendar date (a timestamp is cut to the date it is
// written with); the entry holds from that business day until the queue's
// next entry. Empty: from the beginning. A queue's first entry also covers
// the days before it, as the roster's does.

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// KindQueues is the queue map (see QueueOwner).
const KindQueues Kind = "queues"

// QueueOwner is one queue map row: from the business day ValidFrom (a
// date, at UTC midnight) on, Team and Site own Queue.
type QueueOwner struct {
	Queue     string
	Team      string
	Site      string
	ValidFrom time.Time
}

// QueueEmitter receives queue map rows. It is separate from Emitter so
// that emitters of the other kinds need not know about it; a Store whose
// writers do not implement it cannot load the queue map.
type QueueEmitter interface {
	QueueOwner(QueueOwner) error
}

// Queue map fields.
const (
	qQueue = iota
	qTeam
	qSite
	qValidFrom
)

var genQueueSchema = &genSchema{
	kind:     KindQueues,
	fields:   []string{"queue", "team", "site", "valid_from"},
	required: []string{"queue", "team"},
	what:     "queue map rows (queues)",
}

// ParseQueuesCSV reads queue map rows from a CSV file with a header row
// (queue and team required; site and valid_from optional). e must also be
// a QueueEmitter.
func ParseQueuesCSV(r io.Reader, opt Options, e Emitter) error {
	qe, ok := e.(QueueEmitter)
	if !ok {
		return errNoQueueEmitter
	}
	return genParseCSV(r, opt, genQueueSchema, func(p *genRow, v [][]byte) (*FieldError, error) {
		q, fe := queueOwnerRow(p, v)
		if fe != nil {
			return fe, nil
		}
		return nil, qe.QueueOwner(q)
	}, e)
}

var errNoQueueEmitter = errors.New("ingest: this store cannot load the queue map")

func queueOwnerRow(p *genRow, v [][]byte) (QueueOwner, *FieldError) {
	q := QueueOwner{Queue: p.name(qQueue, v[qQueue]), Team: p.name(qTeam, v[qTeam]), Site: p.name(qSite, v[qSite])}
	switch {
	case q.Queue == "":
		return q, requiredErr("queue")
	case q.Team == "":
		return q, requiredErr("team")
	}
	q.ValidFrom = MinTime
	if b := bytes.TrimSpace(v[qValidFrom]); len(b) > 0 {
		d, fe := QueueDate("valid_from", string(b))
		if fe != nil {
			return q, fe
		}
		q.ValidFrom = d
	}
	return q, nil
}

// QueueDate reads a queue map valid_from: YYYY-MM-DD, or a timestamp
// whose date as written is taken (2025-02-01T00:00:00-06:00 is
// 2025-02-01), from 1990-01-01 on. The result is UTC midnight of the date.
func QueueDate(field, s string) (time.Time, *FieldError) {
	if len(s) < 10 {
		return time.Time{}, fieldErr(field, "not a date (want YYYY-MM-DD): %q", cut(s, 40))
	}
	d, err := time.Parse(time.DateOnly, s[:10])
	if err != nil || (len(s) > 10 && s[10] != ' ' && s[10] != 'T') {
		return time.Time{}, fieldErr(field, "not a date (want YYYY-MM-DD): %q", cut(s, 40))
	}
	if d.Before(MinTime) {
		return time.Time{}, fieldErr(field, "date %s before 1990-01-01", s[:10])
	}
	return d, nil
}
