package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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
}

type savedDashboard struct {
	FolderID  int            `json:"folderId"`
	Overwrite bool           `json:"overwrite"`
	Dashboard map[string]any `json:"dashboard"`
}

func newFakeGrafana(token string) (*fakeGrafana, *httptest.Server) {
	g := &fakeGrafana{token: token, permissions: map[string][]map[string]any{}}
	// Pre-existing: the Platform folder, a team whose name contains
	// "executives" (search matches substrings) and the executives team.
	g.folders = append(g.folders, map[string]any{"id": 7, "uid": "servicecard-platform", "title": "Platform"})
	g.teams = append(g.teams, map[string]any{"id": 3, "name": "executives-emea"}, map[string]any{"id": 4, "name": "executives"})
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/folders", func(w http.ResponseWriter, r *http.Request) {
		reply(w, g.folders)
	})
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
		reply(w, map[string]string{"message": "Folder permissions updated"})
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+g.token {
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
	g, srv := newFakeGrafana("glsa_test")
	defer srv.Close()
	files := generate(t, Options{})
	ctx := context.Background()
	for run := 0; run < 2; run++ {
		if err := Push(ctx, srv.URL, "glsa_test", files, PushOptions{}); err != nil {
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
			"servicecard-platform":     "servicecard-platform",
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
		for _, folder := range []string{"servicecard-quality", "servicecard-platform"} {
			if _, ok := g.permissions[folder]; ok {
				t.Errorf("%s permissions changed", folder)
			}
		}
	})
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
