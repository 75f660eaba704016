# The two commands of the README are `make demo` and `make test`; both
# install what they need first (scripts/deps.sh).
SHELL := /bin/bash
SQLLOG := $(CURDIR)/.cache/sqllog
GO ?= go

.PHONY: deps deps-cluster demo test test-cluster test-grafana test-go compat bench fuzz build dashboards

deps:
	@scripts/deps.sh

## deps-cluster: deps plus Debian's zookeeper (Java), which only the cluster tests need
deps-cluster:
	@scripts/deps.sh --cluster

build:
	$(GO) build -o bin/servicecard ./cmd/servicecard

## demo: a generated contact center, ingested through the real path, served on 127.0.0.1:8080
demo: deps build
	bin/servicecard demo

## test: every Go test against real ClickHouse 18.16, then the same statements on ClickHouse 26 (chDB)
test: deps
	rm -rf $(SQLLOG) && mkdir -p $(SQLLOG)
	SERVICECARD_SQL_LOG=$(SQLLOG) $(GO) test -count=1 -timeout 20m ./...
	node tools/chcompat/replay.js $(SQLLOG)

## test-cluster: the cluster tests (internal/chcluster, build tag cluster) on a throwaway
## ZooKeeper + 2 shards x 2 replicas of ClickHouse 18.16 on loopback
test-cluster: deps-cluster
	$(GO) test -tags cluster -count=1 -timeout 15m ./internal/chcluster/

## test-grafana: the dashboards in a real Grafana (provisioning, every query, push permissions,
## screenshots). Looks for a Grafana build with the ClickHouse plugin (a directory with start.sh)
## in $SERVICECARD_GRAFANA, else beside the checkout in ../shared/grafana (this optional target is the
## only place the project looks outside its checkout); without one it says what is missing and skips.
## SERVICECARD_GRAFANA_SCREENSHOTS=DIR keeps the screenshots.
GRAFANA_DIR := $(or $(SERVICECARD_GRAFANA),$(abspath $(CURDIR)/../shared/grafana))
test-grafana: deps
	@if [ ! -x "$(GRAFANA_DIR)/start.sh" ]; then \
	  echo "test-grafana: no Grafana build at $(GRAFANA_DIR) (start.sh missing)."; \
	  echo "test-grafana: set SERVICECARD_GRAFANA to a directory whose start.sh PORT PROVISIONING_DIR DATA_DIR"; \
	  echo "test-grafana: starts Grafana with the grafana-clickhouse-datasource plugin (see deploy/README.md, 'Testing in a real Grafana')."; \
	  echo "test-grafana: skipped"; \
	else \
	  SERVICECARD_GRAFANA=$(GRAFANA_DIR) $(GO) test -tags grafana -count=1 -timeout 15m -run '^TestRealGrafana$$' -v ./dashboards; \
	fi

## bench: ingest, scorecard, API throughput and export benchmarks beside clickhouse-client, the fresh table
## (serve latency steady and while another process ingests, freshness lag) and the cluster table beside single
## node, printed as tables (the cluster table needs ZooKeeper: deps-cluster)
## (BENCH_ARGS passes flags, e.g. BENCH_ARGS="-tables scorecard -sizes 1000000 -reps 10"; see go run ./internal/bench -h)
BENCH_ARGS ?=
bench: deps-cluster build
	$(GO) run ./internal/bench $(BENCH_ARGS)

## fuzz: every parser's fuzz target for FUZZTIME each (default 30s)
FUZZTIME ?= 30s
fuzz:
	for t in $$($(GO) test ./ingest -list '^Fuzz' | grep ^Fuzz); do \
	  $(GO) test ./ingest -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; done

## dashboards: regenerate deploy/grafana/dashboards from the catalog of the deployed config
dashboards:
	SERVICECARD_CONFIG=deploy/servicecard.example.yaml $(GO) run ./cmd/servicecard dashboards generate
