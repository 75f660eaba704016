// Package domain is what servicecard offers, said once for every adapter:
// the services of the scorecard engine (ScorecardService, CoachingService,
// RecognitionService, ExportService, IngestService, ReadinessService), the
// queries they take and the results they give, the errors they may return,
// and ErrorStatus, the one function that turns those errors into answers.
//
// The engine (internal/scorecard) implements the services over ClickHouse
// (internal/chstore); the JSON API (internal/api), the HTML pages
// (internal/pages) and the digests (internal/digest) call them. They all
// depend on this package and it on none of them, so the contract between
// them reads in one place and an adapter never imports another: the
// engine does not pull in echo or Parquet, the pages not the API.
//
// It imports the standard library and two packages whose types the
// contract is made of, both pure: metrics (levels, grains, cards,
// opportunities, the configuration) and ingest (kinds, formats, load
// summaries, and the parse errors ErrorStatus answers).
package domain
