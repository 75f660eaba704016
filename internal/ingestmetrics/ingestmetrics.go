// Package ingestmetrics provides the Prometheus counters of loads, shared
// by the spool worker and the HTTP ingest of `servicecard serve`, so both
// export the same series: rows by kind, format and outcome, bytes, load
// durations and loads by outcome.
package ingestmetrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/servicecard/servicecard/ingest"
)

// Counters count finished loads.
type Counters struct {
	rows     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// Files counts loads by outcome: done, failed, and (the worker's)
	// retry.
	Files *prometheus.CounterVec
	bytes *prometheus.CounterVec
}

// New registers the counters with reg.
func New(reg prometheus.Registerer) *Counters {
	f := promauto.With(reg)
	return &Counters{
		rows: f.NewCounterVec(prometheus.CounterOpts{
			Name: "servicecard_ingest_rows_total",
			Help: "Rows of spool files or HTTP ingest bodies loaded (outcome ok) or rejected with a reason (outcome rejected).",
		}, []string{"kind", "format", "outcome"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicecard_ingest_batch_duration_seconds",
			Help:    "Time to load one spool file (its last attempt) or HTTP ingest body.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14), // 50 ms to about 7 min
		}, []string{"kind", "format"}),
		Files: f.NewCounterVec(prometheus.CounterOpts{
			Name: "servicecard_ingest_files_total",
			Help: "Spool files or HTTP ingest bodies loaded (done), not loaded (failed), and spool load attempts to be retried after a storage error (retry).",
		}, []string{"outcome"}),
		bytes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "servicecard_ingest_bytes_total",
			Help: "Bytes of spool files or HTTP ingest bodies read.",
		}, []string{"kind", "format"}),
	}
}

// Observe counts a load that reached done or failed.
func (m *Counters) Observe(s ingest.Summary) {
	outcome := "failed"
	if s.Status == "done" {
		outcome = "done"
	}
	m.Files.WithLabelValues(outcome).Inc()
	if s.Kind == "" {
		return // no kind was known: nothing was read
	}
	k, f := string(s.Kind), string(s.Format)
	m.rows.WithLabelValues(k, f, "ok").Add(float64(s.RowsOK))
	m.rows.WithLabelValues(k, f, "rejected").Add(float64(s.RowsRejected))
	m.bytes.WithLabelValues(k, f).Add(float64(s.Bytes))
	m.duration.WithLabelValues(k, f).Observe(s.Duration.Seconds())
}
