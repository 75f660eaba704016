package chstore

import (
	"context"
	"fmt"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/metrics"
)

var _ ingest.QueueEmitter = (*Writer)(nil)

// QueueOwner buffers a queue map row.
func (w *Writer) QueueOwner(x ingest.QueueOwner) error {
	return w.add(func(b *buffers) error {
		b.queues = append(b.queues, x)
		b.bytes += otherRowBytes + len(x.Queue) + len(x.Team) + len(x.Site)
		w.ok++
		return nil
	})
}

// QueueMap reads the stored queue map (one row per queue and valid_from;
// a few hundred rows at most).
func (s *Store) QueueMap(ctx context.Context) (metrics.QueueMap, error) {
	var qm metrics.QueueMap
	rows, err := s.conn.Query(ctx, "SELECT queue, team, site, valid_from FROM queues FINAL")
	if err != nil {
		return qm, fmt.Errorf("chstore: load queue map: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var queue, team, site string
		var from time.Time
		if err := rows.Scan(&queue, &team, &site, &from); err != nil {
			return qm, fmt.Errorf("chstore: load queue map: %w", err)
		}
		qm.Add(queue, team, site, from)
	}
	if err := rows.Err(); err != nil {
		return qm, fmt.Errorf("chstore: load queue map: %w", err)
	}
	return qm, nil
}

// ByQueueOwner books the queue fields of facts (offered, answered,
// abandons, waits, answered within T, short abandons) to the team and site
// that own the fact's queue on its day, for team and site cards. Every
// other field stays with the fact's own team and site (the agent's, from
// the roster). A queue qm does not know goes to metrics.Unmapped. With an
// empty qm the queue fields are dropped: a team's queue metrics are then
// not available (the engine says so) rather than those of its answered
// contacts only.
func (facts Facts) ByQueueOwner(qm metrics.QueueMap) Facts {
	out := make(Facts, 0, len(facts)+len(facts)/2)
	for _, f := range facts {
		q := f.c.QueueFields()
		if q == (metrics.Counts{}) {
			out = append(out, f)
			continue
		}
		rest := f
		rest.c = f.c.WithoutQueueFields()
		if rest.c != (metrics.Counts{}) {
			out = append(out, rest)
		}
		if qm.Len() == 0 {
			continue
		}
		owned := f
		owned.c = q
		team, site, ok := qm.Owner(f.queue, f.day)
		if !ok {
			team, site = metrics.Unmapped, metrics.Unmapped
		}
		owned.team, owned.site = team, site
		out = append(out, owned)
	}
	return out
}

// OfTeams keeps the facts of teams.
func (facts Facts) OfTeams(teams []string) Facts {
	allowed := make(map[string]bool, len(teams))
	for _, t := range teams {
		allowed[t] = true
	}
	out := make(Facts, 0, len(facts))
	for _, f := range facts {
		if allowed[f.team] {
			out = append(out, f)
		}
	}
	return out
}
