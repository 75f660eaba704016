package dashboards

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/grafana-tools/sdk"
)

// ErrPush marks a Grafana API call that failed.
var ErrPush = errors.New("dashboards: push to grafana")

// PushOptions tune Push. The zero value is usable.
type PushOptions struct {
	// HTTPClient talks to Grafana (default: 30 s timeout).
	HTTPClient *http.Client
	// Logger receives a line per folder, dashboard and permission set.
	Logger *slog.Logger
}

// Push uploads dashboards (paths and JSON as Generate returns them) to the
// Grafana at grafanaURL. auth is an API token (service account token) or
// "user:password". It creates the folders that are missing (by their
// stable uid), saves each dashboard into its folder overwriting the
// previous version, and gives each folder's team view permission
// (executives on Executive, supervisors on Supervisors), creating the team
// when it does not exist yet. Setting a folder's permissions replaces
// them: only that team (and Grafana admins) see the folder afterwards.
func Push(ctx context.Context, grafanaURL, auth string, files map[string][]byte, opt PushOptions) error {
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := sdk.NewClient(grafanaURL, auth, opt.HTTPClient)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPush, err)
	}
	existing, err := c.GetAllFolders(ctx, sdk.Limit(1000))
	if err != nil {
		return fmt.Errorf("%w: list folders: %v", ErrPush, err)
	}
	byUID := map[string]sdk.Folder{}
	for _, f := range existing {
		byUID[f.UID] = f
	}
	used := map[string]bool{}
	for name := range files {
		used[path.Dir(name)] = true
	}
	ids := map[string]int{}
	for _, f := range Folders() {
		if !used[f.Dir] {
			continue
		}
		gf, ok := byUID[f.UID]
		if !ok {
			if gf, err = c.CreateFolder(ctx, sdk.Folder{UID: f.UID, Title: f.Title}); err != nil {
				return fmt.Errorf("%w: create folder %s: %v", ErrPush, f.Title, err)
			}
			log.Info("created grafana folder", "folder", f.Title, "uid", f.UID)
		}
		ids[f.Dir] = gf.ID
	}
	for _, name := range sortedKeys(files) {
		dir := path.Dir(name)
		id, ok := ids[dir]
		if !ok {
			return fmt.Errorf("%w: %s: no folder %q", ErrPush, name, dir)
		}
		req := sdk.RawBoardRequest{Dashboard: files[name], Parameters: sdk.SetDashboardParams{FolderID: id, Overwrite: true}}
		if _, err := setDashboard(ctx, c, req); err != nil {
			return fmt.Errorf("%w: save %s: %v", ErrPush, name, err)
		}
		log.Info("saved grafana dashboard", "file", name)
	}
	for _, f := range Folders() {
		if !used[f.Dir] || f.Team == "" {
			continue
		}
		team, err := ensureTeam(ctx, c, f.Team)
		if err != nil {
			return fmt.Errorf("%w: team %s: %v", ErrPush, f.Team, err)
		}
		p := sdk.FolderPermission{TeamId: team.ID, Permission: sdk.PermissionView}
		if _, err := c.UpdateFolderPermissions(ctx, f.UID, p); err != nil {
			return fmt.Errorf("%w: permissions of folder %s: %v", ErrPush, f.Title, err)
		}
		log.Info("set grafana folder permissions", "folder", f.Title, "team", f.Team)
	}
	return nil
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
