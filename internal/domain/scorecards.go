package domain

import (
	"context"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

// ScorecardService computes scorecards. Callers have parsed, validated and
// authorised the query: the range is non-empty and bounded, the teams
// already scoped to the caller. Times are instants; ranges are half-open
// [From, To) and their dates were read in the business time zone.
type ScorecardService interface {
	// Scorecards returns the cards of q's level and grain whose periods
	// overlap [From, To), ordered by period then key.
	Scorecards(ctx context.Context, q ScorecardQuery) ([]metrics.Card, error)
}

// ScorecardQuery selects scorecards.
type ScorecardQuery struct {
	Level metrics.Level
	Grain metrics.Grain
	From  time.Time
	To    time.Time
	// Teams filters levels team (those teams) and agent (agents of those
	// teams); empty: every team. Always empty at levels org, site, queue.
	Teams []string
}
