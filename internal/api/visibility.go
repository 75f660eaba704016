package api

import (
	"slices"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// agentCards applies the visibility policy (auth.Policy) to scorecards:
// under auth.AgentKey an agent card's key becomes the agent's key; under
// auth.AgentOwnTeams cards of other teams go. Callers already refused
// auth.AgentNone for level agent.
func (s *Server) agentCards(p *auth.Principal, cards []metrics.Card, teams []string) []metrics.Card {
	switch auth.Agents(p.Role, auth.SurfaceScorecards) {
	case auth.AgentKey:
		for i := range cards {
			if cards[i].Level == metrics.LevelAgent {
				cards[i].Key = s.keys.Key(cards[i].Key)
			}
		}
	case auth.AgentOwnTeams:
		// Never hand a supervisor another team's rows, whatever the
		// backend did with the filter.
		cards = slices.DeleteFunc(cards, func(cd metrics.Card) bool {
			team := cd.Team
			switch cd.Level {
			case metrics.LevelTeam:
				team = cd.Key
			case metrics.LevelAgent:
			default:
				return false
			}
			return !slices.Contains(teams, team)
		})
	case auth.AgentNone:
		cards = slices.DeleteFunc(cards, func(cd metrics.Card) bool { return cd.Level == metrics.LevelAgent })
	}
	return cards
}

// exportWriter applies the visibility policy to an export: under
// auth.AgentKey the agent_id column becomes agent_key with the agent's
// key, and so does the key of scorecards rows at level agent.
func (s *Server) exportWriter(p *auth.Principal, enc encoder) encoder {
	if auth.Agents(p.Role, auth.SurfaceExport) != auth.AgentKey {
		return enc
	}
	return &keyedExport{encoder: enc, keys: s.keys, agent: -1, level: -1, key: -1}
}

// keyedExport replaces agent ids by agent keys on their way to the
// encoder.
type keyedExport struct {
	encoder
	keys              *auth.Keyer
	agent, level, key int // column indexes, -1: none
	vals              []any
}

func (k *keyedExport) Columns(cols []domain.Column) error {
	out := slices.Clone(cols)
	for i, c := range out {
		switch c.Name {
		case "agent_id":
			k.agent = i
			out[i].Name = "agent_key"
		case "level":
			k.level = i
		case "key":
			k.key = i
		}
	}
	if k.level < 0 {
		k.key = -1
	}
	return k.encoder.Columns(out)
}

func (k *keyedExport) Row(values []any) error {
	if k.agent < 0 && k.key < 0 {
		return k.encoder.Row(values)
	}
	k.vals = append(k.vals[:0], values...)
	if k.agent >= 0 && k.agent < len(k.vals) {
		k.vals[k.agent] = k.keyOf(k.vals[k.agent])
	}
	if k.key >= 0 && k.key < len(k.vals) && k.level < len(k.vals) {
		if lv, _ := normalize(k.vals[k.level], domain.TypeString, "level"); lv == string(metrics.LevelAgent) {
			k.vals[k.key] = k.keyOf(k.vals[k.key])
		}
	}
	return k.encoder.Row(k.vals)
}

// keyOf keys an id column's value; a value that is not text becomes null
// rather than pass through unkeyed.
func (k *keyedExport) keyOf(v any) any {
	id, err := normalize(v, domain.TypeString, "agent_id")
	if s, ok := id.(string); ok && err == nil {
		return k.keys.Key(s)
	}
	return nil
}
