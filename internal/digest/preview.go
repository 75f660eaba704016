package digest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/auth"
)

// previewFrom is the sender of a preview (its domain names the message
// id; nothing is sent).
const previewFrom = "servicecard <digest@servicecard.invalid>"

// DigestHTML renders, for a browser, the digest q asks for as pr may see
// it:
//
//	?audience=executive|supervisor  (default: supervisor for supervisors, else executive)
//	&week=YYYY-Www                  (default: the last full week)
//	&team=T                         (supervisor digest: one of the caller's teams; admins any team)
//
// The executive digest is for the roles that see recognition of every
// team (executives, admins); the supervisors' digest for a supervisor's
// own teams, or one team for an admin. It is the mail's HTML with the
// inline images as data: URIs, so it needs no other request. Refusals and
// bad parameters are *echo.HTTPError; anything else is an outage.
func (h *NotesHandler) DigestHTML(ctx context.Context, pr *auth.Principal, q url.Values) ([]byte, error) {
	loc := h.Config.Location()
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	week := LastWeek(now(), loc)
	if w := q.Get("week"); w != "" {
		var err error
		if week, err = ParseWeek(w, loc); err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
	}
	a := Executive
	if pr.Role == auth.RoleSupervisor {
		a = Supervisor
	}
	if s := q.Get("audience"); s != "" {
		var err error
		if a, err = ParseAudience(s); err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
	}
	var m *Message
	switch a {
	case Executive:
		if auth.Agents(pr.Role, auth.SurfaceRecognition) != auth.AgentReal {
			return nil, echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("the executive digest names praised agents of every team: not for role %s", pr.Role))
		}
		d, err := ComposeExecutive(ctx, h.Source, h.Directory, *h.Config, week, now())
		if err != nil {
			return nil, err
		}
		if m, err = d.Message(previewFrom, Recipient{Name: pr.Name, Email: pr.Name}, now()); err != nil {
			return nil, err
		}
	case Supervisor:
		teams, err := supervisorTeams(pr, q.Get("team"))
		if err != nil {
			return nil, err
		}
		r := Recipient{Name: pr.Name, Email: pr.Name, Teams: teams}
		d, err := ComposeSupervisor(ctx, h.Source, h.Directory, *h.Config, r, week)
		if err != nil {
			return nil, err
		}
		if m, err = d.Message(previewFrom, now(), nil); err != nil {
			return nil, err
		}
	}
	return []byte(PreviewHTML(m)), nil
}

// supervisorTeams are the teams of the supervisors' digest pr may see:
// a supervisor's own (or one of them), one named team for an admin.
func supervisorTeams(pr *auth.Principal, team string) ([]string, error) {
	switch {
	case pr.Role == auth.RoleAdmin && team != "":
		return []string{team}, nil
	case pr.Role == auth.RoleAdmin:
		return nil, echo.NewHTTPError(http.StatusBadRequest, "team: an admin previews the supervisors' digest of one team (team=T)")
	case pr.Role != auth.RoleSupervisor || len(pr.Teams) == 0:
		return nil, echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("the supervisors' digest is for supervisors' own teams: not for role %s", pr.Role))
	case team == "":
		return slices.Clone(pr.Teams), nil
	case !slices.Contains(pr.Teams, team):
		return nil, echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("team %q is not one of your teams", team))
	}
	return []string{team}, nil
}

// PreviewHTML is m's HTML with every inline image as a data: URI in place
// of its cid: reference, for a browser rather than a mail client.
func PreviewHTML(m *Message) string {
	html := m.HTML
	for _, p := range m.Inline {
		if p.ContentID != "" {
			html = strings.ReplaceAll(html, "cid:"+p.ContentID, "data:"+p.ContentType+";base64,"+base64.StdEncoding.EncodeToString(p.Data))
		}
	}
	return html
}
