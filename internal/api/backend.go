package api

import (
	"context"
	"io"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/metrics"
)

// Backend is what the API serves: the scorecard engine over ClickHouse.
// The API has parsed, validated and authorised every request before it
// calls a method: ranges are non-empty and bounded, teams already scoped
// to the caller. Times are instants; ranges are half-open [From, To) and
// their dates were read in the business time zone.
//
// Errors a Backend returns may wrap ErrNotFound, ErrBadRequest,
// ErrNotReady, ingest's and metrics' sentinels to pick the status; any
// other error is a logged 500.
type Backend interface {
	// Scorecards returns the cards of q's level and grain whose periods
	// overlap [From, To), ordered by period then key.
	Scorecards(ctx context.Context, q ScorecardQuery) ([]metrics.Card, error)
	// Coaching returns the coaching opportunities of q's teams over the
	// window [From, To), most customers affected first.
	Coaching(ctx context.Context, q CoachingQuery) ([]metrics.Opportunity, error)
	// Recognition returns the service stars and praise of [From, To).
	Recognition(ctx context.Context, q RecognitionQuery) (Recognition, error)
	// Export pushes the rows of q's table with a time in [From, To) to w:
	// w.Columns once, then w.Row per row, reading as it writes. It stops
	// at the first error from w and returns it.
	Export(ctx context.Context, q ExportQuery, w RowWriter) error
	// Ingest loads body through the same path as files (ingest.Load) and
	// returns its summary; rejected rows are counted, not errors.
	Ingest(ctx context.Context, req IngestRequest, body io.Reader) (ingest.Summary, error)
	// Ready says whether ClickHouse answers and carries the current
	// schema; an error wrapping ErrNotReady has a message fit for an
	// anonymous caller.
	Ready(ctx context.Context) error
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

// CoachingQuery selects coaching opportunities: From is To minus the
// configured coaching window.
type CoachingQuery struct {
	From  time.Time
	To    time.Time
	Teams []string // empty: every team
}

// RecognitionQuery selects recognition.
type RecognitionQuery struct {
	From  time.Time
	To    time.Time
	Teams []string // empty: every team
}

// Recognition is who customers singled out.
type Recognition struct {
	// Stars are service stars over the range (metrics.Stars).
	Stars []metrics.Star `json:"stars"`
	// Praise are promoter and 5-star responses with comments
	// (metrics.Praise), newest first.
	Praise []metrics.Survey `json:"praise"`
	// CustomerServiceWeeks are the Customer Service Weeks that fall in the
	// range, with their own stars and praise.
	CustomerServiceWeeks []ServiceWeek `json:"customer_service_weeks,omitempty"`
	// WeeklyTrend is the org's week-by-week composite and NPS over the
	// range: recognition all year, not one week in October.
	WeeklyTrend []TrendPoint `json:"weekly_trend"`
}

// TrendPoint is one week of the org's scorecard.
type TrendPoint struct {
	WeekStart time.Time `json:"week_start"`
	Score     *float64  `json:"score"`
	Internal  *float64  `json:"internal"`
	External  *float64  `json:"external"`
	NPS       *float64  `json:"nps"`
	NPSN      int64     `json:"nps_n"`
	// CustomerServiceWeek marks the week that is Customer Service Week.
	CustomerServiceWeek bool `json:"customer_service_week,omitempty"`
	// Partial marks a week the range cuts or that is not over yet.
	Partial bool `json:"partial"`
}

// ServiceWeek is one Customer Service Week (the first full Monday-Friday
// week of October) and what it brought.
type ServiceWeek struct {
	Year   int              `json:"year"`
	Start  time.Time        `json:"start"`
	End    time.Time        `json:"end"`
	Stars  []metrics.Star   `json:"stars"`
	Praise []metrics.Survey `json:"praise"`
}

// ExportQuery selects an export.
type ExportQuery struct {
	Table Table
	From  time.Time
	To    time.Time
}

// IngestRequest is one POST /api/v1/ingest/{kind}.
type IngestRequest struct {
	Kind   ingest.Kind
	Format ingest.Format // FormatAuto: sniff
	// BatchID, when the client sent one (?batch_id=), makes a retry
	// replace the rows of the earlier attempt; empty: a new batch.
	BatchID string
	// Source overrides contacts.source / surveys.source (?source=).
	Source string
	// Location reads timestamps without a zone (?timezone=); nil: the
	// business time zone.
	Location *time.Location
	// File names the load in ingest_batches: ?file= or "http".
	File string
	// By is the name of the token that sent it.
	By string
}
