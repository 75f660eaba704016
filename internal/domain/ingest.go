package domain

import (
	"context"
	"io"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// IngestService loads data sent over the network.
type IngestService interface {
	// Ingest loads body through the same path as files (ingest.Load) and
	// returns its summary; rejected rows are counted, not errors.
	Ingest(ctx context.Context, req IngestRequest, body io.Reader) (ingest.Summary, error)
}

// IngestRequest is one load of a body (POST /api/v1/ingest/{kind}).
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
