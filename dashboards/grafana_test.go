//go:build grafana

// The dashboards in a real Grafana (make test-grafana): provisioning,
// every query through Grafana's query API, push and folder permissions,
// and a screenshot of each dashboard. Needs a Grafana build with the
// ClickHouse plugin (SERVICECARD_GRAFANA: a directory holding start.sh,
// see deploy/README.md "Testing in a real Grafana") and chromium.
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chtest"
)

// grafanaDir is the Grafana build named by SERVICECARD_GRAFANA (make
// test-grafana finds one and sets it, or says what is missing).
func grafanaDir(t *testing.T) string {
	dir := os.Getenv("SERVICECARD_GRAFANA")
	if _, err := os.Stat(filepath.Join(dir, "start.sh")); dir == "" || err != nil {
		t.Fatalf("no Grafana build at SERVICECARD_GRAFANA=%q (a directory whose start.sh starts Grafana with the ClickHouse plugin; see deploy/README.md): %v", dir, err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

const (
	gfAdmin   = "admin:admin"
	demoDays  = "70"
	shotWidth = "1400,2400"
)

// grafana is one running Grafana.
type grafana struct {
	url, data string
	pid       int
}

// grafanaCache is where start.sh unpacks the build for these tests
// (GRAFANA_CACHE): .cache/grafana-test in the repository, kept between runs.
func grafanaCache() string {
	root, _ := filepath.Abs(repoRoot)
	return filepath.Join(root, ".cache", "grafana-test")
}

// coreManifests are the plugin.json files of Grafana's core panels and
// data sources the dashboards use. The build ships the frontend code of
// every core plugin but none of these manifests (public/app/plugins is
// missing), so its server lists no panel and every panel would read
// "Panel plugin not found"; writing them into the unpacked copy restores
// what a release carries. The text panel's release manifest says
// skipDataQuery: without it Grafana runs a query for the text panel
// against the organisation's default data source and marks the panel
// with an error corner.
var coreManifests = map[string]string{
	"panel/stat":            `{"type":"panel","name":"Stat","id":"stat"}`,
	"panel/timeseries":      `{"type":"panel","name":"Time series","id":"timeseries"}`,
	"panel/table":           `{"type":"panel","name":"Table","id":"table"}`,
	"panel/text":            `{"type":"panel","name":"Text","id":"text","skipDataQuery":true}`,
	"datasource/grafana":    `{"type":"datasource","name":"-- Grafana --","id":"grafana","builtIn":true,"annotations":true,"metrics":true,"backend":true}`,
	"datasource/prometheus": `{"type":"datasource","name":"Prometheus","id":"prometheus","metrics":true,"annotations":true,"alerting":true,"backend":true}`,
}

// prepareGrafanaHome unpacks the build into grafanaCache (through a first
// start.sh run) and adds the core plugin manifests it lacks.
func prepareGrafanaHome(t *testing.T, dir, tmp string) {
	t.Helper()
	homes, _ := filepath.Glob(filepath.Join(grafanaCache(), "*", "bin", "grafana"))
	if len(homes) == 0 {
		g := startGrafana(t, dir, emptyProvisioning(t, tmp), filepath.Join(tmp, "grafana-unpack"))
		g.stop()
		homes, _ = filepath.Glob(filepath.Join(grafanaCache(), "*", "bin", "grafana"))
		if len(homes) == 0 {
			t.Fatalf("start.sh unpacked no bin/grafana under %s", grafanaCache())
		}
	}
	home := filepath.Dir(filepath.Dir(homes[0]))
	for p, manifest := range coreManifests {
		f := filepath.Join(home, "public", "app", "plugins", filepath.FromSlash(p), "plugin.json")
		if b, err := os.ReadFile(f); err == nil && string(b) == manifest+"\n" {
			continue // an older run wrote a different manifest: rewrite it
		}
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, f, manifest+"\n")
	}
}

func startGrafana(t *testing.T, dir, prov, data string, env ...string) *grafana {
	t.Helper()
	port := freeTCPPort(t)
	cmd := exec.Command(filepath.Join(dir, "start.sh"), strconv.Itoa(port), prov, data)
	cmd.Env = append(append(os.Environ(), "GRAFANA_CACHE="+grafanaCache()), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(data, "log", "grafana.log"))
		t.Fatalf("start grafana: %v\n%s\n%s", err, stderr.String(), tail(string(log), 3000))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("start grafana: pid %q", out)
	}
	g := &grafana{url: fmt.Sprintf("http://127.0.0.1:%d", port), data: data, pid: pid}
	t.Cleanup(g.stop)
	return g
}

func (g *grafana) stop() {
	if g.pid == 0 {
		return
	}
	if p, err := os.FindProcess(g.pid); err == nil {
		_ = p.Kill()
		_, _ = p.Wait()
	}
	g.pid = 0
}

// api calls Grafana as its admin in organisation org (0: the admin's own).
func (g *grafana) api(t *testing.T, org int, method, route string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, g.url+route, body)
	req.SetBasicAuth("admin", "admin")
	req.Header.Set("Content-Type", "application/json")
	if org != 0 {
		req.Header.Set("X-Grafana-Org-Id", strconv.Itoa(org))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, route, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		// A failed query answers 400 with the error inside its results.
		if err := json.Unmarshal(b, out); err != nil && resp.StatusCode == 200 {
			t.Fatalf("%s %s: %v: %s", method, route, err, b)
		}
	}
	return resp.StatusCode
}

func (g *grafana) orgID(t *testing.T, name string) int {
	if name == "" {
		return 1
	}
	var o struct {
		ID int `json:"id"`
	}
	if st := g.api(t, 0, "GET", "/api/orgs/name/"+url.PathEscape(name), nil, &o); st != 200 {
		t.Fatalf("organisation %q: status %d", name, st)
	}
	return o.ID
}

func TestRealGrafana(t *testing.T) {
	dir := grafanaDir(t)
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Fatal("chromium is missing (apt-get install -y chromium)")
	}
	start := time.Now()
	tmp := t.TempDir()
	root, _ := filepath.Abs(repoRoot)

	// ClickHouse: the Grafana users of deploy/ on the package's server,
	// a migrated database holding the demo center.
	prepareGrafanaHome(t, dir, tmp)
	dsn := chtest.NewDatabase(t)
	db := dsn[strings.LastIndex(dsn, "/")+1:]
	bin := filepath.Join(tmp, "servicecard")
	run(t, root, nil, "go", "build", "-o", bin, "./cmd/servicecard")
	env := []string{"SERVICECARD_CLICKHOUSE_DSN=" + dsn, "SERVICECARD_CONFIG=" + filepath.Join(root, "deploy", "servicecard.example.yaml"),
		"SERVICECARD_HOME=" + filepath.Join(tmp, "home")}
	run(t, root, env, bin, "migrate")
	installGrafanaUsers(t, db)
	run(t, root, env, bin, "demo", "--load-only", "--days", demoDays, "--dir", filepath.Join(tmp, "demo"))
	t.Logf("demo loaded into %s in %s", db, time.Since(start).Round(time.Second))

	host, port := splitAddr(t, chtest.Server().Addr)
	pushEnv := append(env[:0:0],
		"CLICKHOUSE_GRAFANA_EXECUTIVE_PASSWORD="+chPass, "CLICKHOUSE_GRAFANA_SUPERVISOR_PASSWORD="+chPass)
	pushArgs := func(g *grafana) []string {
		return []string{"dashboards", "push", "--grafana", g.url, "--token", gfAdmin,
			"--clickhouse-host", host, "--clickhouse-port", port, "--clickhouse-database", db}
	}

	// Instance A: deploy/grafana provisioned, then push for the audiences.
	prov := provisioningOverlay(t, root, tmp, db, host, port)
	dataA := filepath.Join(tmp, "grafana-a")
	grafEnv := []string{"SERVICECARD_GRAFANA_CH_USER=grafana_ops", "SERVICECARD_GRAFANA_CH_PASSWORD=" + chPass}
	a := startGrafana(t, dir, prov, dataA, grafEnv...)
	// Data quality and Platform are provisioned there (Grafana refuses to
	// overwrite them): push the audience folders, as compose does.
	run(t, root, append(append([]string{}, env...), pushEnv...), bin, append(pushArgs(a), "--folders", "executive,supervisor")...)
	checkGrafanaLog(t, dataA)

	files := committedDashboards(t, root)
	t.Run("queries", func(t *testing.T) { testGrafanaQueries(t, a, files) })
	t.Run("audience data sources", func(t *testing.T) { testAudienceDataSources(t, a, db) })

	// Instance B: empty; push must restrict a folder before it fills it.
	dataB := filepath.Join(tmp, "grafana-b")
	b := startGrafana(t, dir, emptyProvisioning(t, tmp), dataB)
	t.Run("push", func(t *testing.T) { testPushPermissions(t, b, bin, root, env, pushEnv, pushArgs(b)) })
	b.stop()

	// Screenshots: one Grafana start per organisation, its anonymous
	// visitor a member of it (Admin where folders are team-restricted).
	a.stop()
	shots := os.Getenv("SERVICECARD_GRAFANA_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(tmp, "screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range Folders() {
		extra := append([]string{}, grafEnv...)
		if f.Org != "" {
			extra = append(extra, "GF_AUTH_ANONYMOUS_ORG_NAME="+f.Org, "GF_AUTH_ANONYMOUS_ORG_ROLE=Admin")
		}
		g := startGrafana(t, dir, prov, dataA, extra...)
		org := g.orgID(t, f.Org)
		for _, df := range files {
			if df.folder.Dir != f.Dir {
				continue
			}
			screenshot(t, g, org, df, filepath.Join(shots, df.uid+".png"), tmp)
		}
		g.stop()
	}
	t.Logf("make test-grafana body took %s", time.Since(start).Round(time.Second))
}

// provisioningOverlay copies deploy/grafana/provisioning for this
// machine: dashboard paths into the repository, the data source on the
// test server and database, plus plugin 3.3's server/timeout keys.
func provisioningOverlay(t *testing.T, root, tmp, db, host, port string) string {
	t.Helper()
	dst := emptyProvisioning(t, tmp)
	src := filepath.Join(root, "deploy", "grafana", "provisioning")
	dash, _ := os.ReadFile(filepath.Join(src, "dashboards", "servicecard.yaml"))
	s := strings.ReplaceAll(string(dash), "/var/lib/grafana/dashboards", filepath.Join(root, "deploy", "grafana", "dashboards"))
	write(t, filepath.Join(dst, "dashboards", "servicecard.yaml"), s)
	ds, _ := os.ReadFile(filepath.Join(src, "datasources", "servicecard.yaml"))
	s = string(ds)
	for _, r := range [][2]string{
		{"      host: clickhouse\n", "      host: " + host + "\n      server: " + host + "\n"},
		{"      port: 9000\n", "      port: " + port + "\n"},
		{"      defaultDatabase: servicecard\n", "      defaultDatabase: " + db + "\n"},
		{`      dialTimeout: "10"` + "\n", `      dialTimeout: "10"` + "\n" + `      timeout: "10"` + "\n"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("datasources/servicecard.yaml: %q not found", strings.TrimSpace(r[0]))
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	write(t, filepath.Join(dst, "datasources", "servicecard.yaml"), s)
	return dst
}

func emptyProvisioning(t *testing.T, tmp string) string {
	t.Helper()
	dst, err := os.MkdirTemp(tmp, "provisioning-")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"dashboards", "datasources", "plugins", "notifiers", "alerting"} {
		if err := os.MkdirAll(filepath.Join(dst, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// checkGrafanaLog fails on any provisioning or dashboard error.
func checkGrafanaLog(t *testing.T, data string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "log", "grafana.log"))
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?i)failed to save dashboard|failed to load dashboard|failed to provision|provisioning error`)
	for _, line := range strings.Split(string(b), "\n") {
		if bad.MatchString(line) || (strings.Contains(line, "level=error") && strings.Contains(line, "provisioning")) {
			t.Errorf("grafana log: %s", line)
		}
	}
}

// dashFile is one committed dashboard.
type dashFile struct {
	uid, title string
	folder     Folder
	model      map[string]any
}

func committedDashboards(t *testing.T, root string) []dashFile {
	t.Helper()
	var out []dashFile
	for _, f := range Folders() {
		paths, _ := filepath.Glob(filepath.Join(root, "deploy", "grafana", "dashboards", f.Dir, "*.json"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			out = append(out, dashFile{uid: m["uid"].(string), title: m["title"].(string), folder: f, model: m})
		}
	}
	if len(out) != 4 {
		t.Fatalf("%d committed dashboards, want 4", len(out))
	}
	return out
}

// gfQuery is one query of a dashboard as the frontend would send it.
type gfQuery struct {
	where  string
	target map[string]any
}

func dashQueries(m map[string]any) []gfQuery {
	var out []gfQuery
	for _, p := range asList(m["panels"]) {
		pm := p.(map[string]any)
		for _, tg := range asList(pm["targets"]) {
			out = append(out, gfQuery{where: fmt.Sprint(pm["title"]), target: tg.(map[string]any)})
		}
	}
	for _, a := range asList(asMap(m["annotations"])["list"]) {
		am := a.(map[string]any)
		if tg, ok := am["target"].(map[string]any); ok {
			out = append(out, gfQuery{where: "annotation " + fmt.Sprint(am["name"]), target: tg})
		}
	}
	return out
}

func asList(v any) []any         { l, _ := v.([]any); return l }
func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func str(v any) string           { s, _ := v.(string); return s }
func sqlQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// substitute puts the variables in as Grafana's frontend does.
func substitute(sql string, vars map[string]string) string {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, k := range names {
		v := vars[k]
		sql = strings.ReplaceAll(sql, "${"+k+":sqlstring}", sqlQuote(v))
		sql = strings.ReplaceAll(sql, "${"+k+"}", v)
		sql = strings.ReplaceAll(sql, "$"+k, v)
	}
	return sql
}

// dsQuery runs one ClickHouse target through POST /api/ds/query and
// returns the number of rows of its frames.
func (g *grafana) dsQuery(t *testing.T, org int, from, to string, target map[string]any, sql string) (int, error) {
	q := map[string]any{}
	for k, v := range target {
		q[k] = v
	}
	q["rawSql"] = sql
	q["intervalMs"], q["maxDataPoints"] = 3600000, 500
	var res struct {
		Results map[string]struct {
			Error  string `json:"error"`
			Frames []struct {
				Data struct {
					Values []any `json:"values"`
				} `json:"data"`
			} `json:"frames"`
		} `json:"results"`
	}
	st := g.api(t, org, "POST", "/api/ds/query", map[string]any{"from": from, "to": to, "queries": []any{q}}, &res)
	r := res.Results[str(target["refId"])]
	if r.Error != "" {
		return 0, fmt.Errorf("%s", r.Error)
	}
	if st != 200 {
		return 0, fmt.Errorf("status %d", st)
	}
	n := 0
	for _, f := range r.Frames {
		if len(f.Data.Values) > 0 {
			n += len(asList(f.Data.Values[0]))
		}
	}
	return n, nil
}

// testGrafanaQueries runs every ClickHouse query of every dashboard with
// each variable at each of its values.
func testGrafanaQueries(t *testing.T, g *grafana, files []dashFile) {
	total := 0
	for _, df := range files {
		org := g.orgID(t, df.folder.Org)
		tm := asMap(df.model["time"])
		from, to := str(tm["from"]), str(tm["to"])
		// Variables: custom ones list their values, query ones are run.
		combos := []map[string]string{{}}
		for _, v := range asList(asMap(df.model["templating"])["list"]) {
			vm := v.(map[string]any)
			name := str(vm["name"])
			var values []string
			switch str(vm["type"]) {
			case "custom":
				values = strings.Split(str(vm["query"]), ",")
			case "query":
				ds := asMap(vm["datasource"])
				target := map[string]any{"refId": "V", "datasource": ds, "editorType": "sql", "queryType": "table", "format": 1}
				rows, vals, err := g.varValues(t, org, from, to, target, substitute(str(vm["query"]), combos[0]))
				if err != nil || rows == 0 {
					t.Fatalf("%s: variable $%s: %d values, %v", df.uid, name, rows, err)
				}
				values = vals
			}
			var next []map[string]string
			for _, c := range combos {
				for _, val := range values {
					n := map[string]string{name: val}
					for k, v := range c {
						n[k] = v
					}
					next = append(next, n)
				}
			}
			combos = next
		}
		runs, empty := 0, 0
		for _, q := range dashQueries(df.model) {
			if str(asMap(q.target["datasource"])["type"]) != clickHouseType {
				continue // Prometheus: none runs here
			}
			for _, vars := range combos {
				sql := substitute(str(q.target["rawSql"]), vars)
				rows, err := g.dsQuery(t, org, from, to, q.target, sql)
				runs++
				if err != nil {
					t.Errorf("%s / %s %v: %v", df.uid, q.where, vars, err)
					continue
				}
				if rows == 0 {
					empty++
				}
			}
		}
		t.Logf("%s: %d query runs over %d variable combinations, %d returned no rows", df.uid, runs, len(combos), empty)
		total += runs
		if df.folder.Dir != "platform" && runs == 0 {
			t.Errorf("%s: no ClickHouse query ran", df.uid)
		}
	}
	t.Logf("%d query runs in all", total)
}

func (g *grafana) varValues(t *testing.T, org int, from, to string, target map[string]any, sql string) (int, []string, error) {
	q := map[string]any{}
	for k, v := range target {
		q[k] = v
	}
	q["rawSql"] = sql
	var res struct {
		Results map[string]struct {
			Error  string `json:"error"`
			Frames []struct {
				Data struct {
					Values [][]any `json:"values"`
				} `json:"data"`
			} `json:"frames"`
		} `json:"results"`
	}
	if st := g.api(t, org, "POST", "/api/ds/query", map[string]any{"from": from, "to": to, "queries": []any{q}}, &res); st != 200 {
		return 0, nil, fmt.Errorf("status %d", st)
	}
	r := res.Results["V"]
	if r.Error != "" {
		return 0, nil, fmt.Errorf("%s", r.Error)
	}
	var vals []string
	for _, f := range r.Frames {
		if len(f.Data.Values) > 0 {
			for _, v := range f.Data.Values[0] {
				vals = append(vals, fmt.Sprint(v))
			}
		}
	}
	return len(vals), vals, nil
}

// testAudienceDataSources sends raw SQL through each organisation's data
// source as Grafana would: the executive one cannot reach agent rows.
func testAudienceDataSources(t *testing.T, g *grafana, db string) {
	target := func(uid string) map[string]any {
		return map[string]any{"refId": "A", "datasource": map[string]any{"type": clickHouseType, "uid": uid},
			"editorType": "sql", "queryType": "table", "format": 1}
	}
	exec := g.orgID(t, "servicecard executives")
	sup := g.orgID(t, "servicecard supervisors")
	for _, q := range []string{
		"SELECT key FROM " + db + ".scorecards WHERE level = 'agent' LIMIT 1",
		"SELECT agent_id FROM " + db + ".surveys LIMIT 1",
		"SELECT agent_id FROM " + db + ".contacts LIMIT 1",
	} {
		if _, err := g.dsQuery(t, exec, "now-1y", "now", target(ClickHouseExecutiveUID), q); err == nil || !strings.Contains(err.Error(), "Access denied") {
			t.Errorf("executive data source ran %q (err %v), want access denied", q, err)
		}
	}
	n, err := g.dsQuery(t, exec, "now-1y", "now", target(ClickHouseExecutiveUID), "SELECT level FROM scorecards WHERE level = 'agent'")
	if err != nil || n != 0 {
		t.Errorf("executive scorecards: %d agent rows, %v", n, err)
	}
	n, err = g.dsQuery(t, exec, "now-1y", "now", target(ClickHouseExecutiveUID), "SELECT level FROM scorecards WHERE level = 'team'")
	if err != nil || n == 0 {
		t.Errorf("executive scorecards: %d team rows, %v", n, err)
	}
	// The executive organisation has no other data source to turn to.
	var list []map[string]any
	g.api(t, exec, "GET", "/api/datasources", nil, &list)
	if len(list) != 1 || list[0]["uid"] != ClickHouseExecutiveUID {
		t.Errorf("executive organisation data sources: %v", list)
	}
	n, err = g.dsQuery(t, sup, "now-1y", "now", target(ClickHouseSupervisorUID), "SELECT key FROM scorecards WHERE level = 'agent' LIMIT 5")
	if err != nil || n == 0 {
		t.Errorf("supervisor data source: %d agent rows, %v", n, err)
	}
	if _, err := g.dsQuery(t, sup, "now-1y", "now", target(ClickHouseSupervisorUID), "INSERT INTO scorecards (level) VALUES ('x')"); err == nil {
		t.Error("supervisor data source could write")
	}
}

// testPushPermissions pushes into an empty Grafana: first with a broken
// executive dashboard (push stops there), then for real.
func testPushPermissions(t *testing.T, g *grafana, bin, root string, env, pushEnv, args []string) {
	// Stopped at three points (SIGTERM after 0.3, 0.6 and 0.9 s), push
	// must leave no team folder holding a dashboard anyone else can see.
	full := append(append([]string{}, env...), pushEnv...)
	for i := 0; i < 3; i++ {
		cmd := exec.Command("timeout", fmt.Sprintf("0.%ds", 3+3*i), bin)
		cmd.Args = append(cmd.Args, args...)
		cmd.Dir, cmd.Env = root, append(os.Environ(), full...)
		_ = cmd.Run()
		checkFoldersSafe(t, g, false)
	}
	run(t, root, full, bin, args...)
	checkFoldersSafe(t, g, true)
}

// checkFoldersSafe asserts that no dashboard of a team folder is visible
// to anyone but its team, at whatever point a push stopped; complete says
// every folder and dashboard must exist.
func checkFoldersSafe(t *testing.T, g *grafana, complete bool) {
	t.Helper()
	for _, f := range Folders() {
		org := 1
		if f.Org != "" {
			var o struct {
				ID int `json:"id"`
			}
			if g.api(t, 0, "GET", "/api/orgs/name/"+url.PathEscape(f.Org), nil, &o) != 200 {
				if complete {
					t.Errorf("organisation %s missing", f.Org)
				}
				continue
			}
			org = o.ID
		}
		var dashes []map[string]any
		g.api(t, org, "GET", "/api/search?type=dash-db&folderUIDs="+f.UID, nil, &dashes)
		if complete && len(dashes) == 0 {
			t.Errorf("folder %s: no dashboard", f.Title)
		}
		if f.Team == "" {
			continue
		}
		var perms []map[string]any
		st := g.api(t, org, "GET", "/api/folders/"+f.UID+"/permissions", nil, &perms)
		if st != 200 {
			if complete || len(dashes) > 0 {
				t.Errorf("folder %s: permissions status %d with %d dashboards", f.Title, st, len(dashes))
			}
			continue
		}
		restricted := len(perms) > 0
		for _, p := range perms {
			if str(p["team"]) != f.Team || p["permission"] != float64(1) {
				restricted = false
			}
		}
		if len(dashes) > 0 && !restricted {
			t.Errorf("folder %s holds %d dashboards but its permissions are %v", f.Title, len(dashes), perms)
		}
		if complete && !restricted {
			t.Errorf("folder %s permissions %v, want only team %s with View", f.Title, perms, f.Team)
		}
	}
}

// screenshot renders a dashboard in headless Chromium and checks that the
// picture is not blank.
func screenshot(t *testing.T, g *grafana, org int, df dashFile, out, tmp string) {
	t.Helper()
	profile, _ := os.MkdirTemp(tmp, "chromium-")
	u := fmt.Sprintf("%s/d/%s?orgId=%d&kiosk", g.url, df.uid, org)
	cmd := exec.Command("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+profile, "--window-size="+shotWidth, "--virtual-time-budget=20000", "--screenshot="+out, u)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", u, err, tail(string(b), 2000))
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colors, share := pictureStats(img)
	t.Logf("%s: %s (%d colours, %.0f%% not background)", df.uid, out, colors, 100*share)
	if colors < 64 || share < 0.05 {
		t.Errorf("%s looks blank: %d colours, %.1f%% not background (%s)", df.uid, colors, 100*share, out)
	}
}

// pictureStats counts distinct colours and the share of pixels that are
// not the most common colour.
func pictureStats(img image.Image) (int, float64) {
	count := map[uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			count[(r>>8)<<16|(g>>8)<<8|bl>>8]++
		}
	}
	top, all := 0, 0
	for _, n := range count {
		all += n
		if n > top {
			top = n
		}
	}
	return len(count), float64(all-top) / float64(all)
}

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, tail(string(b), 3000))
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, p, _ := strings.Cut(l.Addr().String(), ":")
	n, _ := strconv.Atoi(p)
	return n
}
