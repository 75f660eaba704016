package api

import "github.com/servicecard/servicecard/internal/domain"

// Backend is what the API serves: every service of the scorecard engine
// (package domain says what each takes and returns). The API has parsed,
// validated and authorised every request before it calls a method:
// ranges are non-empty and bounded, teams already scoped to the caller.
//
// Errors a Backend returns are answered by domain.ErrorStatus: they may
// wrap domain's, ingest's and metrics' sentinels to pick the status; any
// other error is a logged 500.
type Backend interface {
	domain.ScorecardService
	domain.CoachingService
	domain.RecognitionService
	domain.ExportService
	domain.IngestService
	domain.ReadinessService
}
