package main

import "testing"

// TestWorkerMetricsListenFromEnv: compose sets SERVICECARD_METRICS_LISTEN
// for the worker and Prometheus scrapes that address (issue 9, item 2).
func TestWorkerMetricsListenFromEnv(t *testing.T) {
	for val, want := range map[string]string{"": "127.0.0.1:9464", "0.0.0.0:9464": "0.0.0.0:9464", " :9999 ": ":9999"} {
		e := env{getenv: func(k string) string {
			if k == "SERVICECARD_METRICS_LISTEN" {
				return val
			}
			return ""
		}}
		if got := metricsListenAddr(e); got != want {
			t.Errorf("SERVICECARD_METRICS_LISTEN=%q: %q, want %q", val, got, want)
		}
	}
}
