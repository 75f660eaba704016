package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeGrafana implements the parts of Grafana's HTTP API Push uses, with
// the shapes of Grafana's documentation (folder, dashboard, team and
// folder permissions APIs), and records what it was asked.
type fakeGrafana struct {
	mu           sync.Mutex
	token        string
	folders      []map[string]any // id, uid, title
	teams        []map[string]any // id, name
	created      []string         // folder uids created, in order
	teamsMade    []string
	dashboards   []savedDashboard
	permissions  map[string][]map[string]any // folder uid -> items
	unauthorized int
	orgs         map[string]int            // name -> id
	datasources  map[string]map[string]any // org id/uid -> body
	events       []string                  // "perm <folder uid>", "dash <uid>", in order
}

type savedDashboard struct {
	FolderID  int            `json:"folderId"`
	Overwrite bool           `json:"overwrite"`
	Dashboard map[string]any `json:"dashboard"`
}

func newFakeGrafana(token string) (*fakeGrafana, *httptest.Server) {
	g := &fakeGrafana{token: token, permissions: map[string][]map[string]any{}, orgs: map[string]int{"Main Org.": 1},
		datasources: map[string]map[string]any{}}
	// Pre-existing: the Platform folder, a team whose name contains
	// "executives" (search matches substrings) and the executives team.
	g.folders = append(g.folders, map[string]any{"id": 7, "uid": "servicecard-platform-folder", "title": "Platform"})
	g.teams = append(g.teams, map[string]any{"id": 3, "name": "executives-emea"}, map[string]any{"id": 4, "name": "executives"})
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/folders", func(w http.ResponseWriter, r *http.Request) {
		reply(w, g.folders)
	})
	mux.HandleFunc("GET /api/folders/{uid}", func(w http.ResponseWriter, r *http.Request) {
		for _, f := range g.folders {
			if f["uid"] == r.PathValue("uid") {
				reply(w, f)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		reply(w, map[string]string{"message": "folder not found"})
	})
	mux.HandleFunc("GET /api/orgs/name/{name}", func(w http.ResponseWriter, r *http.Request) {
		if id, ok := g.orgs[r.PathValue("name")]; ok {
			reply(w, map[string]any{"id": id, "name": r.PathValue("name")})
			return
		}
		w.WriteHeader(http.StatusNotFound)
		reply(w, map[string]string{"message": "organization not found"})
	})
	mux.HandleFunc("POST /api/orgs", func(w http.ResponseWriter, r *http.Request) {
		var o struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&o)
		g.orgs[o.Name] = 1 + len(g.orgs)
		reply(w, map[string]any{"orgId": g.orgs[o.Name], "message": "Organization created"})
	})
	mux.HandleFunc("GET /api/datasources/uid/{uid}", func(w http.ResponseWriter, r *http.Request) {
		if ds, ok := g.datasources[r.Header.Get("X-Grafana-Org-Id")+"/"+r.PathValue("uid")]; ok {
			reply(w, ds)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		reply(w, map[string]string{"message": "Data source not found"})
	})
	saveDS := func(w http.ResponseWriter, r *http.Request) {
		var ds map[string]any
		_ = json.NewDecoder(r.Body).Decode(&ds)
		g.datasources[r.Header.Get("X-Grafana-Org-Id")+"/"+ds["uid"].(string)] = ds
		reply(w, map[string]any{"message": "Datasource saved"})
	}
	mux.HandleFunc("POST /api/datasources", saveDS)
	mux.HandleFunc("PUT /api/datasources/uid/{uid}", saveDS)
	mux.HandleFunc("POST /api/folders", func(w http.ResponseWriter, r *http.Request) {
		var f struct{ UID, Title string }
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil || f.UID == "" || f.Title == "" {
			w.WriteHeader(http.StatusBadRequest)
			reply(w, map[string]string{"message": "bad folder"})
			return
		}
		nf := map[string]any{"id": 100 + len(g.folders), "uid": f.UID, "title": f.Title, "url": "/dashboards/f/" + f.UID}
		g.folders = append(g.folders, nf)
		g.created = append(g.created, f.UID)
		reply(w, nf)
	})
	mux.HandleFunc("POST /api/dashboards/db", func(w http.ResponseWriter, r *http.Request) {
		var d savedDashboard
		if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			reply(w, map[string]string{"message": err.Error()})
			return
		}
		g.dashboards = append(g.dashboards, d)
		g.events = append(g.events, fmt.Sprint("dash ", d.Dashboard["uid"]))
		reply(w, map[string]any{"id": len(g.dashboards), "uid": d.Dashboard["uid"], "status": "success", "version": 1, "url": "/d/x"})
	})
	mux.HandleFunc("GET /api/teams/search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		var out []map[string]any
		for _, t := range g.teams {
			if strings.Contains(t["name"].(string), q) {
				out = append(out, t)
			}
		}
		reply(w, map[string]any{"totalCount": len(out), "teams": out, "page": 1, "perPage": 1000})
	})
	mux.HandleFunc("POST /api/teams", func(w http.ResponseWriter, r *http.Request) {
		var t struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&t)
		id := 50 + len(g.teams)
		g.teams = append(g.teams, map[string]any{"id": id, "name": t.Name})
		g.teamsMade = append(g.teamsMade, t.Name)
		reply(w, map[string]any{"message": "Team created", "teamId": id})
	})
	mux.HandleFunc("POST /api/folders/{uid}/permissions", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Items []map[string]any `json:"items"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			reply(w, map[string]string{"message": err.Error()})
			return
		}
		g.permissions[r.PathValue("uid")] = body.Items
		g.events = append(g.events, "perm "+r.PathValue("uid"))
		reply(w, map[string]string{"message": "Folder permissions updated"})
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if user, pass, ok := r.BasicAuth(); r.Header.Get("Authorization") != "Bearer "+g.token && (!ok || user+":"+pass != g.token) {
			g.unauthorized++
			w.WriteHeader(http.StatusUnauthorized)
			reply(w, map[string]string{"message": "Unauthorized"})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return g, srv
}

func TestPush(t *testing.T) {
	g, srv := newFakeGrafana("admin:secret")
	defer srv.Close()
	files := generate(t, Options{})
	ctx := context.Background()
	opt := PushOptions{ClickHouse: ClickHouseTarget{Host: "ch", Port: 9440, Database: "sc",
		Passwords: map[string]string{"grafana_executive": "pe", "grafana_supervisor": "ps"}}}
	for run := 0; run < 2; run++ {
		if err := Push(ctx, srv.URL, "admin:secret", files, opt); err != nil {
			t.Fatalf("push %d: %v", run, err)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()

	t.Run("folders created once", func(t *testing.T) {
		want := "servicecard-executive servicecard-supervisors servicecard-quality"
		if got := strings.Join(g.created, " "); got != want {
			t.Errorf("created folders %q, want %q (platform existed)", got, want)
		}
	})
	t.Run("dashboards in their folders", func(t *testing.T) {
		folderID := map[string]int{}
		for _, f := range g.folders {
			folderID[f["uid"].(string)] = int(toFloat(f["id"]))
		}
		want := map[string]string{
			"servicecard-exec":         "servicecard-executive",
			"servicecard-coaching":     "servicecard-supervisors",
			"servicecard-data-quality": "servicecard-quality",
			"servicecard-platform":     "servicecard-platform-folder",
		}
		if len(g.dashboards) != 2*len(want) {
			t.Fatalf("%d dashboards saved, want %d", len(g.dashboards), 2*len(want))
		}
		for _, d := range g.dashboards {
			uid, _ := d.Dashboard["uid"].(string)
			folder, ok := want[uid]
			if !ok {
				t.Errorf("unexpected dashboard %q", uid)
				continue
			}
			if d.FolderID != folderID[folder] || d.FolderID == 0 {
				t.Errorf("%s saved into folder id %d, want %d (%s)", uid, d.FolderID, folderID[folder], folder)
			}
			if !d.Overwrite {
				t.Errorf("%s saved without overwrite", uid)
			}
			if d.Dashboard["panels"] == nil || d.Dashboard["title"] == "" {
				t.Errorf("%s: dashboard body incomplete", uid)
			}
		}
	})
	t.Run("permissions", func(t *testing.T) {
		teamID := map[string]float64{}
		for _, tm := range g.teams {
			teamID[tm["name"].(string)] = toFloat(tm["id"])
		}
		if strings.Join(g.teamsMade, " ") != "supervisors" {
			t.Errorf("teams created %v, want only supervisors", g.teamsMade)
		}
		for folder, team := range map[string]string{"servicecard-executive": "executives", "servicecard-supervisors": "supervisors"} {
			items := g.permissions[folder]
			if len(items) != 1 || toFloat(items[0]["teamId"]) != teamID[team] || toFloat(items[0]["permission"]) != 1 {
				t.Errorf("%s permissions %v, want team %s (id %v) with View (1)", folder, items, team, teamID[team])
			}
		}
		for _, folder := range []string{"servicecard-quality", "servicecard-platform-folder"} {
			if _, ok := g.permissions[folder]; ok {
				t.Errorf("%s permissions changed", folder)
			}
		}
	})
}

// TestPushRestrictsBeforeSaving: a team folder's permission is set before
// any of its dashboards is saved, so a push stopped in between leaves
// nothing open (issue 9, item 1).
func TestPushRestrictsBeforeSaving(t *testing.T) {
	g, srv := newFakeGrafana("admin:secret")
	defer srv.Close()
	if err := Push(context.Background(), srv.URL, "admin:secret", generate(t, Options{}), PushOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]string{{"servicecard-executive", "servicecard-exec"}, {"servicecard-supervisors", "servicecard-coaching"}} {
		perm, dash := slices.Index(g.events, "perm "+pair[0]), slices.Index(g.events, "dash "+pair[1])
		if perm < 0 || dash < 0 || perm > dash {
			t.Errorf("events %v: want %q before %q", g.events, "perm "+pair[0], "dash "+pair[1])
		}
	}
}

// TestPushAudienceOrganisations: executives and supervisors get an
// organisation each, with one ClickHouse data source logging in as their
// own user; the executive one reads the executive database.
func TestPushAudienceOrganisations(t *testing.T) {
	g, srv := newFakeGrafana("admin:secret")
	defer srv.Close()
	opt := PushOptions{ClickHouse: ClickHouseTarget{Host: "ch", Port: 9440, Database: "sc",
		Passwords: map[string]string{"grafana_executive": "pe", "grafana_supervisor": "ps"}}}
	if err := Push(context.Background(), srv.URL, "admin:secret", generate(t, Options{}), opt); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ org, uid, user, db, pass string }{
		{"servicecard executives", ClickHouseExecutiveUID, "grafana_executive", "sc_executive", "pe"},
		{"servicecard supervisors", ClickHouseSupervisorUID, "grafana_supervisor", "sc", "ps"},
	} {
		id, ok := g.orgs[c.org]
		if !ok || id == 1 {
			t.Errorf("organisation %q: id %d", c.org, id)
			continue
		}
		ds := g.datasources[fmt.Sprint(id)+"/"+c.uid]
		jd, _ := ds["jsonData"].(map[string]any)
		sj, _ := ds["secureJsonData"].(map[string]any)
		if jd["username"] != c.user || jd["defaultDatabase"] != c.db || jd["host"] != "ch" || jd["port"] != float64(9440) || sj["password"] != c.pass {
			t.Errorf("%s data source %v", c.org, ds)
		}
	}
	if len(g.datasources) != 2 {
		t.Errorf("%d data sources, want 2 (the main organisation's are provisioned)", len(g.datasources))
	}
}

func TestPushErrors(t *testing.T) {
	g, srv := newFakeGrafana("right")
	defer srv.Close()
	err := Push(context.Background(), srv.URL, "wrong", generate(t, Options{}), PushOptions{})
	if !errors.Is(err, ErrPush) {
		t.Errorf("wrong token: %v, want ErrPush", err)
	}
	if g.unauthorized == 0 {
		t.Error("the server saw no request")
	}
	bad := map[string][]byte{"nowhere/x.json": []byte(`{"uid":"x"}`)}
	if err := Push(context.Background(), srv.URL, "right", bad, PushOptions{}); !errors.Is(err, ErrPush) {
		t.Errorf("unknown folder: %v, want ErrPush", err)
	}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return -1
}
