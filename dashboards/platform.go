package dashboards

// Prometheus series the platform dashboard reads. servicecard serve and
// worker export them on /metrics (no agent labels).
const (
	// SeriesIngestRows counts the rows of spool files, labels kind,
	// format and outcome: "ok" (loaded) or "rejected" (kept with a
	// reason). The worker exports it (ingest/spool).
	SeriesIngestRows = "servicecard_ingest_rows_total"
	// SeriesHTTPDuration is the request latency histogram, labels
	// method, route and code.
	SeriesHTTPDuration = "servicecard_http_request_duration_seconds"
	// SeriesSpoolDepth is the number of files waiting in the worker's
	// spool directory.
	SeriesSpoolDepth = "servicecard_spool_depth"
)

// platform is the operators' view of servicecard itself, from Prometheus.
func (g *generator) platform() *dashboard {
	d := &dashboard{
		uid:         "servicecard-platform",
		title:       "servicecard platform",
		description: "Ingest throughput, rejects, API latency and errors, spool depth and scrape health, from servicecard's Prometheus metrics.",
		folder:      "platform",
		tags:        []string{"platform", "prometheus"},
		from:        "now-6h",
		to:          "now",
		refresh:     "1m",
	}

	d.row("Ingest")
	rows := timeSeriesPanel("Ingest rows/s", "Rows loaded per second by format (5-minute rate); rejected rows are not counted here.", 12, 8,
		promQuery("sum by (format) (rate("+SeriesIngestRows+`{outcome="ok"}[5m]))`, "{{format}}"))
	rows.defaults.Unit = "rowsps"
	rejects := timeSeriesPanel("Rejected rows/s", "Rows rejected per second by format (5-minute rate); the reasons are in the Data quality dashboard.", 12, 8,
		promQuery("sum by (format) (rate("+SeriesIngestRows+`{outcome="rejected"}[5m]))`, "{{format}}"))
	rejects.defaults.Unit = "rowsps"
	spool := timeSeriesPanel("Spool depth", "Files waiting in the worker's spool directory: a rising line means the worker falls behind or is down.", 12, 8,
		promQuery("sum("+SeriesSpoolDepth+")", "files waiting"))
	spool.defaults.Unit = "short"
	up := timeSeriesPanel("Scrape health", "1 when Prometheus reaches the process, 0 when it does not.", 12, 8,
		promQuery(`up{job=~"servicecard.*"}`, "{{job}} {{instance}}"))
	up.defaults.Min, up.defaults.Max = f64(0), f64(1)
	d.add(rows, rejects, spool, up)

	d.row("API")
	p95 := timeSeriesPanel("API latency p95", "95th percentile of request duration by route, from the "+SeriesHTTPDuration+" histogram.", 12, 8,
		promQuery("histogram_quantile(0.95, sum by (le, route) (rate("+SeriesHTTPDuration+"_bucket[5m])))", "{{route}}"))
	p95.defaults.Unit = "s"
	// A status class with no request yet has no series: "or vector(0)"
	// draws 0 rather than nothing (the share is 0, not unknown).
	errs := timeSeriesPanel("API errors", "Share of requests answered with a 5xx status (5-minute rate), and 4xx for comparison; 0 when there were none.", 12, 8,
		promQuery(`(sum(rate(`+SeriesHTTPDuration+`_count{code=~"5.."}[5m])) or vector(0)) / sum(rate(`+SeriesHTTPDuration+`_count[5m]))`, "5xx share"),
		promQuery(`(sum(rate(`+SeriesHTTPDuration+`_count{code=~"4.."}[5m])) or vector(0)) / sum(rate(`+SeriesHTTPDuration+`_count[5m]))`, "4xx share"))
	errs.defaults.Unit = "percentunit"
	reqs := timeSeriesPanel("API requests/s", "Requests per second by route and status code.", 24, 8,
		promQuery("sum by (route, code) (rate("+SeriesHTTPDuration+"_count[5m]))", "{{route}} {{code}}"))
	reqs.defaults.Unit = "reqps"
	d.add(p95, errs, reqs)
	return d
}
