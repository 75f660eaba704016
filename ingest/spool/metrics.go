package spool

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/servicecard/servicecard/internal/ingestmetrics"
)

// metrics are the shared load counters plus the spool's depth.
type metrics struct {
	*ingestmetrics.Counters
	depth prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		Counters: ingestmetrics.New(reg),
		depth: promauto.With(reg).NewGauge(prometheus.GaugeOpts{
			Name: "servicecard_spool_depth",
			Help: "Files waiting in the spool's inbox and work directories.",
		}),
	}
}
