package spool

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/servicecard/servicecard/ingest"
)

type metrics struct {
	rows     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	files    *prometheus.CounterVec
	depth    prometheus.Gauge
	bytes    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		rows: f.NewCounterVec(prometheus.CounterOpts{
			Name: "servicecard_ingest_rows_total",
			Help: "Rows of spool files loaded (outcome ok) or rejected with a reason (outcome rejected).",
		}, []string{"kind", "format", "outcome"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicecard_ingest_batch_duration_seconds",
			Help:    "Time to load one spool file (its last attempt).",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14), // 50 ms to about 7 min
		}, []string{"kind", "format"}),
		files: f.NewCounterVec(prometheus.CounterOpts{
			Name: "servicecard_ingest_files_total",
			Help: "Spool files loaded (done), unreadable (failed), and load attempts to be retried after a storage error (retry).",
		}, []string{"outcome"}),
		depth: f.NewGauge(prometheus.GaugeOpts{
			Name: "servicecard_spool_depth",
			Help: "Files waiting in the spool's inbox and work directories.",
		}),
		bytes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "servicecard_ingest_bytes_total",
			Help: "Bytes of spool files read.",
		}, []string{"kind", "format"}),
	}
}

// observe counts a file that reached done or failed.
func (m *metrics) observe(s ingest.Summary) {
	outcome := "failed"
	if s.Status == "done" {
		outcome = "done"
	}
	m.files.WithLabelValues(outcome).Inc()
	if s.Kind == "" {
		return // the name told no kind: nothing was read
	}
	k, f := string(s.Kind), string(s.Format)
	m.rows.WithLabelValues(k, f, "ok").Add(float64(s.RowsOK))
	m.rows.WithLabelValues(k, f, "rejected").Add(float64(s.RowsRejected))
	m.bytes.WithLabelValues(k, f).Add(float64(s.Bytes))
	m.duration.WithLabelValues(k, f).Observe(s.Duration.Seconds())
}
