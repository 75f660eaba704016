package dashboards

import (
	"encoding/xml"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The deployment under deploy/ and docker-compose.yml is checked here
// without Docker or Grafana: paths exist, names and ports agree across
// files, images are pinned.

var repoRoot = ".."

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     any               `yaml:"command"`
	Entrypoint  any               `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

func readYAML(t *testing.T, rel string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	readYAML(t, "docker-compose.yml", &c)
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return c
}

// envDefault resolves ${VAR:-default} to its default, as compose does
// with VAR unset.
var envDefault = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)

func resolve(s string) string { return envDefault.ReplaceAllString(s, "$1") }

// containerPort is the port a service listens on inside the network:
// the address the command listens on (SERVICECARD_LISTEN for serve,
// SERVICECARD_METRICS_LISTEN for the worker, which reads only that one),
// else its published container ports.
func containerPorts(s composeService) map[string]bool {
	ports := map[string]bool{}
	v := "SERVICECARD_LISTEN"
	if cmd := toStrings(s.Command); len(cmd) > 0 && cmd[0] == "worker" {
		v = "SERVICECARD_METRICS_LISTEN"
	}
	if l := s.Environment[v]; l != "" {
		if _, p, err := net.SplitHostPort(l); err == nil {
			ports[p] = true
		}
	}
	for _, p := range s.Ports {
		parts := strings.Split(p, ":")
		ports[parts[len(parts)-1]] = true
	}
	return ports
}

func TestComposeMountsExist(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") {
				if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(src))); err != nil {
					t.Errorf("%s mounts %s: %v", name, src, err)
				}
				continue
			}
			if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s mounts undeclared volume %q", name, src)
			}
		}
	}
}

func TestComposeImagesPinned(t *testing.T) {
	c := loadCompose(t)
	version := regexp.MustCompile(`^[^:@\s]+:v?\d+(\.\d+)+$`)
	for name, s := range c.Services {
		switch {
		case s.Build != nil:
			if s.Image == "" || strings.HasSuffix(s.Image, ":latest") {
				t.Errorf("%s: built image %q needs a tag other than latest", name, s.Image)
			}
		case !version.MatchString(s.Image):
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(string(b), -1)
	if len(froms) < 2 || !strings.HasPrefix(froms[0][1], "golang:1.26") {
		t.Errorf("Dockerfile stages %v: want a golang:1.26 build stage and a runtime stage", froms)
	}
	for _, f := range froms {
		if !strings.Contains(f[1], ":") || strings.HasSuffix(f[1], ":latest") {
			t.Errorf("Dockerfile base %q not pinned", f[1])
		}
	}
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"clickhouse", "servicecard", "worker", "migrate", "demo-data", "prometheus", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}
	ch := c.Services["clickhouse"]
	if ch.Healthcheck == nil || !strings.Contains(strings.Join(ch.Healthcheck.Test, " "), "/ping") {
		t.Errorf("clickhouse health check %v does not ask /ping", ch.Healthcheck)
	}
	sc := c.Services["servicecard"]
	if sc.Healthcheck == nil || !strings.Contains(strings.Join(sc.Healthcheck.Test, " "), "/healthz") {
		t.Errorf("servicecard health check %v does not ask /healthz", sc.Healthcheck)
	}
	demo := c.Services["demo-data"]
	if cmd := strings.Join(toStrings(demo.Command), " "); !strings.Contains(cmd, "servicecard demo --load-only") {
		t.Errorf("demo-data runs %q", cmd)
	}
	db := ch.Environment["CLICKHOUSE_DB"]
	for name, s := range c.Services {
		if s.Image != c.Services["servicecard"].Image {
			continue
		}
		t.Run(name, func(t *testing.T) {
			if name == "grafana-setup" {
				// Reaches Grafana, not ClickHouse: the data sources it
				// creates must name the database and the users' passwords.
				cmd := strings.Join(toStrings(s.Command), " ")
				if !strings.Contains(cmd, "--clickhouse-database "+db) || !strings.Contains(cmd, "--grafana http://grafana:3000") {
					t.Errorf("grafana-setup runs %q", cmd)
				}
				for _, v := range []string{"CLICKHOUSE_GRAFANA_EXECUTIVE_PASSWORD", "CLICKHOUSE_GRAFANA_SUPERVISOR_PASSWORD"} {
					if resolve(s.Environment[v]) == "" || resolve(s.Environment[v]) != resolve(ch.Environment[v]) {
						t.Errorf("%s differs from the clickhouse service's", v)
					}
				}
				return
			}
			dsn, err := url.Parse(resolve(s.Environment["SERVICECARD_CLICKHOUSE_DSN"]))
			if err != nil {
				t.Fatal(err)
			}
			if dsn.Scheme != "clickhouse" || dsn.Hostname() != "clickhouse" || dsn.Port() != "9000" || dsn.Path != "/"+db {
				t.Errorf("DSN %s: want clickhouse://…@clickhouse:9000/%s", dsn.Redacted(), db)
			}
			if user := dsn.User.Username(); user != ch.Environment["CLICKHOUSE_USER"] {
				t.Errorf("DSN user %q, clickhouse creates %q", user, ch.Environment["CLICKHOUSE_USER"])
			}
			if pw, _ := dsn.User.Password(); pw != resolve(ch.Environment["CLICKHOUSE_PASSWORD"]) {
				t.Error("DSN password differs from the server's CLICKHOUSE_PASSWORD default")
			}
			cfg := s.Environment["SERVICECARD_CONFIG"]
			if !contains(s.Volumes, "./deploy/servicecard.example.yaml:"+cfg+":ro") {
				t.Errorf("SERVICECARD_CONFIG %q is not the mounted deploy/servicecard.example.yaml (%v)", cfg, s.Volumes)
			}
			if name != "migrate" && s.DependsOn["migrate"].Condition != "service_completed_successfully" {
				t.Errorf("does not wait for migrate: %v", s.DependsOn)
			}
		})
	}
}

func TestGrafanaProvisioning(t *testing.T) {
	c := loadCompose(t)
	gr := c.Services["grafana"]
	want := "grafana-clickhouse-datasource " + pluginVersion
	if gr.Environment["GF_INSTALL_PLUGINS"] != want {
		t.Errorf("GF_INSTALL_PLUGINS %q, want %q (the version the targets are written for)", gr.Environment["GF_INSTALL_PLUGINS"], want)
	}
	for _, m := range []string{"./deploy/grafana/provisioning:/etc/grafana/provisioning:ro", "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro"} {
		if !contains(gr.Volumes, m) {
			t.Errorf("grafana lacks mount %s", m)
		}
	}

	var ds struct {
		Datasources []struct {
			Name, UID, Type, URL string
			JSONData             map[string]any    `yaml:"jsonData"`
			Secure               map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, "deploy/grafana/provisioning/datasources/servicecard.yaml", &ds)
	seen := map[string]bool{}
	for _, d := range ds.Datasources {
		seen[d.UID] = true
		switch d.UID {
		case ClickHouseUID:
			host, _ := d.JSONData["host"].(string)
			port, _ := d.JSONData["port"].(int)
			if d.Type != clickHouseType || d.JSONData["protocol"] != "native" {
				t.Errorf("ClickHouse data source %s: type %q protocol %v", d.Name, d.Type, d.JSONData["protocol"])
			}
			svc, ok := c.Services[host]
			if !ok || host != "clickhouse" || port != 9000 || !containerPorts(svc)["9000"] {
				t.Errorf("ClickHouse data source at %s:%d: want the clickhouse service's native port 9000", host, port)
			}
			if db := d.JSONData["defaultDatabase"]; db != c.Services["clickhouse"].Environment["CLICKHOUSE_DB"] {
				t.Errorf("default database %v", db)
			}
			// Credentials come from Grafana's environment: the operators' user.
			userVar := strings.Trim(d.JSONData["username"].(string), "${}")
			passVar := strings.Trim(d.Secure["password"], "${}")
			if gr.Environment[userVar] != "grafana_ops" {
				t.Errorf("data source user from %s = %q, want grafana_ops", userVar, gr.Environment[userVar])
			}
			if resolve(gr.Environment[passVar]) != resolve(c.Services["clickhouse"].Environment["CLICKHOUSE_GRAFANA_OPS_PASSWORD"]) {
				t.Errorf("data source password (%s) differs from grafana_ops's", passVar)
			}
		case PrometheusUID:
			u, err := url.Parse(d.URL)
			if err != nil || d.Type != prometheusType {
				t.Fatalf("Prometheus data source %q type %q: %v", d.URL, d.Type, err)
			}
			svc, ok := c.Services[u.Hostname()]
			if !ok || !containerPorts(svc)[u.Port()] {
				t.Errorf("Prometheus data source %s: no such service and port", d.URL)
			}
		default:
			t.Errorf("unexpected data source uid %q", d.UID)
		}
	}
	if !seen[ClickHouseUID] || !seen[PrometheusUID] {
		t.Errorf("data sources %v, want %s and %s", seen, ClickHouseUID, PrometheusUID)
	}

	var dp struct {
		Providers []struct {
			Name, Folder, Type string
			FolderUID          string `yaml:"folderUid"`
			Options            struct{ Path string }
		} `yaml:"providers"`
	}
	readYAML(t, "deploy/grafana/provisioning/dashboards/servicecard.yaml", &dp)
	// Only the main organisation's folders: the audience organisations
	// come from push (provisioning into a missing organisation stops Grafana).
	var main []Folder
	for _, f := range Folders() {
		if f.Org == "" {
			main = append(main, f)
		}
	}
	if len(dp.Providers) != len(main) {
		t.Fatalf("%d providers, want one per main-organisation folder (%d)", len(dp.Providers), len(main))
	}
	for i, f := range main {
		p := dp.Providers[i]
		if p.Folder != f.Title || p.FolderUID != f.UID || p.Type != "file" || p.Options.Path != "/var/lib/grafana/dashboards/"+f.Dir {
			t.Errorf("provider %+v, want folder %q uid %q path /var/lib/grafana/dashboards/%s", p, f.Title, f.UID, f.Dir)
		}
		if _, err := os.Stat(filepath.Join(dashboardsDir, f.Dir)); err != nil {
			t.Errorf("provider %s reads a directory the repo lacks: %v", p.Name, err)
		}
	}
}

func TestPrometheusTargets(t *testing.T) {
	c := loadCompose(t)
	var pc struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "deploy/prometheus/prometheus.yml", &pc)
	scraped := map[string]bool{}
	for _, sc := range pc.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, tg := range st.Targets {
				host, port, err := net.SplitHostPort(tg)
				if err != nil {
					t.Errorf("%s: target %q: %v", sc.JobName, tg, err)
					continue
				}
				if host == "localhost" {
					continue // Prometheus itself
				}
				svc, ok := c.Services[host]
				if !ok {
					t.Errorf("%s: target %s is not a compose service", sc.JobName, tg)
					continue
				}
				if !containerPorts(svc)[port] {
					t.Errorf("%s: %s does not listen on %s", sc.JobName, host, port)
				}
				scraped[host] = true
			}
		}
	}
	for _, want := range []string{"servicecard", "worker"} {
		if !scraped[want] {
			t.Errorf("Prometheus does not scrape %s", want)
		}
	}
	if !contains(c.Services["prometheus"].Volumes, "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro") {
		t.Error("prometheus does not mount deploy/prometheus/prometheus.yml")
	}
}

func TestAnalystUser(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "clickhouse", "users.d", "analyst.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var x struct {
		XMLName  xml.Name
		Profiles struct {
			Analyst struct {
				Readonly    string `xml:"readonly"`
				Constraints struct {
					MaxExecutionTime *struct {
						ChangeableInReadonly *struct{} `xml:"changeable_in_readonly"`
					} `xml:"max_execution_time"`
				} `xml:"constraints"`
			} `xml:"analyst"`
		} `xml:"profiles"`
		Users struct {
			Analyst struct {
				Password struct {
					FromEnv string `xml:"from_env,attr"`
				} `xml:"password"`
				Profile   string   `xml:"profile"`
				Databases []string `xml:"allow_databases>database"`
			} `xml:"analyst"`
		} `xml:"users"`
	}
	if err := xml.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	a := x.Users.Analyst
	if x.XMLName.Local != "clickhouse" || a.Profile != "analyst" || x.Profiles.Analyst.Readonly != "1" {
		t.Errorf("root %q, analyst profile %q readonly %q: want a readonly=1 profile", x.XMLName.Local, a.Profile, x.Profiles.Analyst.Readonly)
	}
	if mt := x.Profiles.Analyst.Constraints.MaxExecutionTime; mt == nil || mt.ChangeableInReadonly == nil {
		t.Error("max_execution_time must stay changeable in readonly (the Grafana plugin sets it)")
	}
	c := loadCompose(t)
	ch := c.Services["clickhouse"]
	if _, ok := ch.Environment[a.Password.FromEnv]; !ok || a.Password.FromEnv == "" {
		t.Errorf("analyst password from env %q, which the clickhouse service does not set", a.Password.FromEnv)
	}
	// Analysts read only the analyst database (agent keys, never ids).
	if len(a.Databases) != 1 || a.Databases[0] != ch.Environment["CLICKHOUSE_DB"]+"_analyst" {
		t.Errorf("analyst databases %v", a.Databases)
	}
	if !contains(ch.Volumes, "./deploy/clickhouse/users.d/analyst.xml:/etc/clickhouse-server/users.d/analyst.xml:ro") {
		t.Error("clickhouse does not mount the analyst user")
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
