package digest

import (
	"context"
	"slices"
	"time"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/internal/notes"
	"github.com/servicecard/servicecard/metrics"
)

// NotesOf are the thank-you notes of [from, to) for teams (every team
// when empty): one per praise response, the customer's full comment,
// oldest first.
func NotesOf(ctx context.Context, src Source, dir Directory, cfg metrics.Config, teams []string, from, to time.Time) ([]notes.Note, error) {
	rec, err := src.Recognition(ctx, domain.RecognitionQuery{From: from, To: to, Teams: teams})
	if err != nil {
		return nil, err
	}
	var names, channels map[string]string
	if dir != nil {
		if names, err = dir.AgentNames(ctx); err != nil {
			return nil, err
		}
		if channels, err = dir.Channels(ctx, from, to); err != nil {
			return nil, err
		}
	}
	loc := cfg.Location()
	var out []notes.Note
	for _, s := range slices.Backward(rec.Praise) {
		if len(teams) > 0 && !slices.Contains(teams, s.Team) {
			continue
		}
		p := person(s.AgentID, s.Team, names)
		out = append(out, notes.Note{AgentName: p.Name, Team: s.Team, Comment: s.Comment, At: s.RespondedAt.In(loc),
			Channel: channelName(channels[s.ResponseID]), Rating: rating(s)})
	}
	return out, nil
}
