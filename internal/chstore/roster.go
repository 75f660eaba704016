package chstore

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// rosterEntry says from when on an agent works in a team and site.
type rosterEntry struct {
	validFrom  time.Time
	team, site string
}

// roster is the agents table in memory: entries per agent, oldest first.
type roster map[string][]rosterEntry

// loadRoster reads the whole roster (a few thousand rows at most).
func (s *Store) loadRoster(ctx context.Context) (roster, error) {
	rows, err := s.conn.Query(ctx, "SELECT agent_id, team, site, valid_from FROM agents FINAL")
	if err != nil {
		return nil, fmt.Errorf("chstore: load roster: %w", err)
	}
	defer rows.Close()
	r := roster{}
	for rows.Next() {
		var id string
		var e rosterEntry
		if err := rows.Scan(&id, &e.team, &e.site, &e.validFrom); err != nil {
			return nil, fmt.Errorf("chstore: load roster: %w", err)
		}
		r[id] = append(r[id], e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: load roster: %w", err)
	}
	for _, es := range r {
		sort.Slice(es, func(i, j int) bool { return es[i].validFrom.Before(es[j].validFrom) })
	}
	return r, nil
}

// at returns the team and site of agent at t: the entry valid then, or,
// for a time before the agent's first entry, that first entry (a roster
// loaded today still names the team of last month's contacts).
func (r roster) at(agent string, t time.Time) (team, site string, ok bool) {
	es := r[agent]
	if len(es) == 0 {
		return "", "", false
	}
	i := sort.Search(len(es), func(i int) bool { return es[i].validFrom.After(t) })
	if i > 0 {
		i--
	}
	return es[i].team, es[i].site, true
}
