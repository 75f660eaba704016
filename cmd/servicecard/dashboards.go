package main

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/servicecard/servicecard/dashboards"
)

// runDashboards generates the Grafana dashboards from the metric catalog
// (`generate`, into deploy/grafana/dashboards by default) or uploads them
// with their folders and permissions (`push`).
func runDashboards(ctx context.Context, e env) error {
	if len(e.args) == 0 || (e.args[0] != "generate" && e.args[0] != "push") {
		return usageError{errors.New("usage: servicecard dashboards generate [--out DIR] | push --grafana URL [--token T]")}
	}
	sub := e.args[0]
	fs := newFlags("dashboards "+sub, e)
	out := fs.String("out", "deploy/grafana/dashboards", "directory the dashboards are written to (generate)")
	url := fs.String("grafana", "", "Grafana base URL, e.g. http://localhost:3000 (push)")
	token := fs.String("token", "", "Grafana service-account token, or user:password (push; default: GRAFANA_TOKEN)")
	if err := parseFlags(fs, e.args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	files, err := dashboards.Generate(dashboards.Options{Config: &cfg})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if sub == "generate" {
		if err := dashboards.Write(*out, files); err != nil {
			return err
		}
		for _, n := range names {
			fmt.Fprintf(e.stdout, "wrote %s/%s\n", *out, n)
		}
		return nil
	}
	if *url == "" {
		return usageError{errors.New("dashboards push: --grafana URL is required")}
	}
	auth := *token
	if auth == "" {
		auth = e.getenv("GRAFANA_TOKEN")
	}
	if err := dashboards.Push(ctx, *url, auth, files, dashboards.PushOptions{Logger: e.log}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "pushed %d dashboards to %s\n", len(files), *url)
	return nil
}
