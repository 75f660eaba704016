package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

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
	token := fs.String("token", "", "Grafana server admin user:password, or a service-account token (push; default: GRAFANA_TOKEN)")
	only := fs.String("folders", "", "push only these folder directories, comma-separated, e.g. executive,supervisor (push; default: all)")
	chHost := fs.String("clickhouse-host", "clickhouse", "ClickHouse host as Grafana reaches it, for the audience data sources (push)")
	chPort := fs.Int("clickhouse-port", 9000, "ClickHouse native port as Grafana reaches it (push)")
	chDB := fs.String("clickhouse-database", "servicecard", "servicecard's ClickHouse database; executives read DATABASE_executive (push)")
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
	if *only != "" {
		keep := map[string]bool{}
		for _, d := range strings.Split(*only, ",") {
			keep[strings.TrimSpace(d)] = true
		}
		for n := range files {
			if !keep[strings.SplitN(n, "/", 2)[0]] {
				delete(files, n)
			}
		}
		if len(files) == 0 {
			return usageError{fmt.Errorf("dashboards push: --folders %q matches no dashboard", *only)}
		}
	}
	target := dashboards.ClickHouseTarget{Host: *chHost, Port: *chPort, Database: *chDB, Passwords: map[string]string{}}
	for _, f := range dashboards.Folders() {
		if f.Org != "" {
			// CLICKHOUSE_GRAFANA_EXECUTIVE_PASSWORD for grafana_executive...
			target.Passwords[f.User] = e.getenv("CLICKHOUSE_" + strings.ToUpper(f.User) + "_PASSWORD")
		}
	}
	if err := dashboards.Push(ctx, *url, auth, files, dashboards.PushOptions{Logger: e.log, ClickHouse: target}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "pushed %d dashboards to %s\n", len(files), *url)
	return nil
}
