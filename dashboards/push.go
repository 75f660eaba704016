package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/grafana-tools/sdk"
)

// ErrPush marks a Grafana API call that failed.
var ErrPush = errors.New("dashboards: push to grafana")

// PushOptions tune Push. The zero value is usable.
type PushOptions struct {
	// HTTPClient talks to Grafana (default: 30 s timeout).
	HTTPClient *http.Client
	// Logger receives a line per organisation, data source, folder,
	// permission set and dashboard.
	Logger *slog.Logger
	// ClickHouse is where the audience organisations' data sources point.
	ClickHouse ClickHouseTarget
}

// ClickHouseTarget is the ClickHouse server the data sources Push creates
// log in to, as seen from Grafana.
type ClickHouseTarget struct {
	Host string // default "clickhouse"
	Port int    // native protocol, default 9000
	// Database is servicecard's database (default "servicecard"); the
	// executive data source reads Database+"_executive".
	Database string
	// Passwords of the ClickHouse users by name (Folder.User).
	Passwords map[string]string
}

// Push uploads dashboards (paths and JSON as Generate returns them) to the
// Grafana at grafanaURL. auth is "user:password" of a Grafana server
// admin (creating organisations needs one), or a service-account token
// when every folder lives in the token's organisation.
//
// Folder by folder, in an order that is safe to stop at any point: it
// creates the folder's organisation when it has one of its own (Folder.Org)
// and that organisation's ClickHouse data source (overwritten on every
// push), then the folder, then — before any dashboard goes in — gives the
// folder's team, and only it, view permission (creating a missing team),
// and at last saves the folder's dashboards, overwriting older versions.
func Push(ctx context.Context, grafanaURL, auth string, files map[string][]byte, opt PushOptions) error {
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	ch := opt.ClickHouse
	if ch.Host == "" {
		ch.Host = "clickhouse"
	}
	if ch.Port == 0 {
		ch.Port = 9000
	}
	if ch.Database == "" {
		ch.Database = "servicecard"
	}
	p := &pusher{url: strings.TrimRight(grafanaURL, "/"), auth: auth, hc: opt.HTTPClient, log: opt.Logger, ch: ch}
	byDir := map[string][]string{}
	for _, name := range sortedKeys(files) {
		dir := path.Dir(name)
		if _, ok := folderByDir(dir); !ok {
			return fmt.Errorf("%w: %s: no folder %q", ErrPush, name, dir)
		}
		byDir[dir] = append(byDir[dir], name)
	}
	for _, f := range Folders() {
		if len(byDir[f.Dir]) == 0 {
			continue
		}
		if err := p.folder(ctx, f, byDir[f.Dir], files); err != nil {
			return fmt.Errorf("%w: %v", ErrPush, err)
		}
	}
	return nil
}

type pusher struct {
	url, auth string
	hc        *http.Client
	log       *slog.Logger
	ch        ClickHouseTarget
}

// folder pushes one folder and its dashboards (see Push for the order).
func (p *pusher) folder(ctx context.Context, f Folder, names []string, files map[string][]byte) error {
	org := 0 // the credentials' own organisation
	if f.Org != "" {
		id, err := p.ensureOrg(ctx, f.Org)
		if err != nil {
			return fmt.Errorf("organisation %s: %w", f.Org, err)
		}
		org = id
		if err := p.ensureDataSource(ctx, org, f); err != nil {
			return fmt.Errorf("data source %s: %w", f.ClickHouse, err)
		}
	}
	c, err := sdk.NewClient(p.url, p.auth, p.orgClient(org))
	if err != nil {
		return err
	}
	gf, err := c.GetFolderByUID(ctx, f.UID)
	if err != nil || gf.UID != f.UID {
		if gf, err = c.CreateFolder(ctx, sdk.Folder{UID: f.UID, Title: f.Title}); err != nil {
			return fmt.Errorf("create folder %s: %w", f.Title, err)
		}
		p.log.Info("created grafana folder", "folder", f.Title, "uid", f.UID, "org", f.Org)
	}
	if f.Team != "" {
		team, err := ensureTeam(ctx, c, f.Team)
		if err != nil {
			return fmt.Errorf("team %s: %w", f.Team, err)
		}
		perm := sdk.FolderPermission{TeamId: team.ID, Permission: sdk.PermissionView}
		if _, err := c.UpdateFolderPermissions(ctx, f.UID, perm); err != nil {
			return fmt.Errorf("permissions of folder %s: %w", f.Title, err)
		}
		p.log.Info("set grafana folder permissions", "folder", f.Title, "team", f.Team)
	}
	for _, name := range names {
		req := sdk.RawBoardRequest{Dashboard: files[name], Parameters: sdk.SetDashboardParams{FolderID: gf.ID, Overwrite: true}}
		if _, err := setDashboard(ctx, c, req); err != nil {
			return fmt.Errorf("save %s: %w", name, err)
		}
		p.log.Info("saved grafana dashboard", "file", name, "org", f.Org)
	}
	return nil
}

// orgClient is the HTTP client whose requests act in organisation org
// (0: the credentials' current one).
func (p *pusher) orgClient(org int) *http.Client {
	if org == 0 {
		return p.hc
	}
	c := *p.hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = orgTransport{base: base, org: strconv.Itoa(org)}
	return &c
}

type orgTransport struct {
	base http.RoundTripper
	org  string
}

func (t orgTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Grafana-Org-Id", t.org)
	return t.base.RoundTrip(r)
}

// ensureOrg returns the id of the organisation called name, creating it.
func (p *pusher) ensureOrg(ctx context.Context, name string) (int, error) {
	var org struct {
		ID int `json:"id"`
	}
	status, err := p.call(ctx, 0, http.MethodGet, "/api/orgs/name/"+url.PathEscape(name), nil, &org)
	if err != nil && status != http.StatusNotFound {
		return 0, err
	}
	if status == http.StatusOK && org.ID != 0 {
		return org.ID, nil
	}
	var created struct {
		OrgID int `json:"orgId"`
	}
	if _, err := p.call(ctx, 0, http.MethodPost, "/api/orgs", map[string]string{"name": name}, &created); err != nil {
		return 0, err
	}
	p.log.Info("created grafana organisation", "org", name, "id", created.OrgID)
	return created.OrgID, nil
}

// ensureDataSource creates or overwrites the ClickHouse data source of
// folder f in organisation org. It carries both the 4.x plugin's keys
// (host, dialTimeout) and the 3.x plugin's (server, timeout).
func (p *pusher) ensureDataSource(ctx context.Context, org int, f Folder) error {
	db := p.ch.Database
	if f.Executive {
		db += "_executive"
	}
	ds := map[string]any{
		"name": "ClickHouse (" + f.Org + ")", "uid": f.ClickHouse, "type": clickHouseType, "access": "proxy",
		"isDefault": true, "editable": false,
		"jsonData": map[string]any{
			"host": p.ch.Host, "server": p.ch.Host, "port": p.ch.Port, "protocol": "native", "secure": false,
			"username": f.User, "defaultDatabase": db,
			"dialTimeout": "10", "timeout": "10", "queryTimeout": "60",
		},
		"secureJsonData": map[string]string{"password": p.ch.Passwords[f.User]},
	}
	status, err := p.call(ctx, org, http.MethodGet, "/api/datasources/uid/"+url.PathEscape(f.ClickHouse), nil, nil)
	switch {
	case status == http.StatusOK:
		_, err = p.call(ctx, org, http.MethodPut, "/api/datasources/uid/"+url.PathEscape(f.ClickHouse), ds, nil)
	case status == http.StatusNotFound:
		_, err = p.call(ctx, org, http.MethodPost, "/api/datasources", ds, nil)
	}
	if err != nil {
		return err
	}
	p.log.Info("set grafana data source", "org", f.Org, "uid", f.ClickHouse, "user", f.User, "database", db)
	return nil
}

// call sends a JSON request in organisation org (0: the credentials'
// own) and decodes a 2xx answer into out. It returns the status with an
// error for any other answer.
func (p *pusher) call(ctx context.Context, org int, method, route string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.url+route, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if user, pass, ok := strings.Cut(p.auth, ":"); ok {
		req.SetBasicAuth(user, pass)
	} else if p.auth != "" {
		req.Header.Set("Authorization", "Bearer "+p.auth)
	}
	if org != 0 {
		req.Header.Set("X-Grafana-Org-Id", strconv.Itoa(org))
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, route, resp.Status, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, route, err)
		}
	}
	return resp.StatusCode, nil
}

// setDashboard saves one dashboard. The SDK dereferences the answer's
// message on a non-200 answer without one; that panic becomes an error.
func setDashboard(ctx context.Context, c *sdk.Client, req sdk.RawBoardRequest) (_ sdk.StatusMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("grafana answered an error without a message (%v)", r)
		}
	}()
	return c.SetRawDashboardWithParam(ctx, req)
}

// ensureTeam finds the team called name, creating it when missing.
// Grafana's team search matches substrings, so the name is compared here.
func ensureTeam(ctx context.Context, c *sdk.Client, name string) (sdk.Team, error) {
	find := func() (sdk.Team, bool, error) {
		page, err := c.SearchTeams(ctx, sdk.WithQuery(name), sdk.WithPagesize(1000))
		if err != nil {
			return sdk.Team{}, false, err
		}
		for _, t := range page.Teams {
			if t.Name == name {
				return t, true, nil
			}
		}
		return sdk.Team{}, false, nil
	}
	t, ok, err := find()
	if err != nil || ok {
		return t, err
	}
	if _, err := c.CreateTeam(ctx, sdk.Team{Name: name}); err != nil {
		return sdk.Team{}, err
	}
	t, ok, err = find()
	if err == nil && !ok {
		err = fmt.Errorf("created but not found")
	}
	return t, err
}
