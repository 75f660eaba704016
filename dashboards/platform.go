package dashboards

// Prometheus series the platform dashboard reads. servicecard serve and
// worker export them on /metrics (no agent labels).
const (
	// SeriesIngestRows counts rows accepted, labels kind and format.
	SeriesIngestRows = "servicecard_ingest_rows_total"
	// SeriesIngestRejects counts rows rejected, labels kind and format.
	SeriesIngestRejects = "servicecard_ingest_rejects_total"
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
	rows := timeSeriesPanel("Ingest rows/s", "Rows accepted per second by format (5-minute rate).", 12, 8,
		promQuery("sum by (format) (rate("+SeriesIngestRows+"[5m]))", "{{format}}"))
	rows.defaults.Unit = "rowsps"
	rejects := timeSeriesPanel("Rejected rows/s", "Rows rejected per second by format (5-minute rate); the reasons are in the Data quality dashboard.", 12, 8,
		promQuery("sum by (format) (rate("+SeriesIngestRejects+"[5m]))", "{{format}}"))
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
	errs := timeSeriesPanel("API errors", "Share of requests answered with a 5xx status (5-minute rate), and 4xx for comparison.", 12, 8,
		promQuery(`sum(rate(`+SeriesHTTPDuration+`_count{code=~"5.."}[5m])) / sum(rate(`+SeriesHTTPDuration+`_count[5m]))`, "5xx share"),
		promQuery(`sum(rate(`+SeriesHTTPDuration+`_count{code=~"4.."}[5m])) / sum(rate(`+SeriesHTTPDuration+`_count[5m]))`, "4xx share"))
	errs.defaults.Unit = "percentunit"
	reqs := timeSeriesPanel("API requests/s", "Requests per second by route and status code.", 24, 8,
		promQuery("sum by (route, code) (rate("+SeriesHTTPDuration+"_count[5m]))", "{{route}} {{code}}"))
	reqs.defaults.Unit = "reqps"
	d.add(p95, errs, reqs)
	return d
}
