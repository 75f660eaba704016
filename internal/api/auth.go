package api

import (
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/auth"
)

// Who may call what. A route admits the roles in its row; "own teams"
// means a supervisor's team filter must name only teams of its token (no
// filter: the filter becomes its teams), else 403. Routes about agents
// take their roles from the visibility policy (auth.Policy): a role that
// sees no agent there gets 403, an analyst gets agent keys instead of ids.
//
//	route                                 executive  supervisor  analyst  admin
//	GET  /api/v1/scorecards level=org|site|team|queue
//	                                      yes        own teams*  yes      yes
//	GET  /api/v1/scorecards level=agent   403        own teams   keys     yes
//	GET  /api/v1/metrics/catalog          yes        yes         yes      yes
//	GET  /api/v1/coaching                 403        own teams   403      yes
//	GET  /api/v1/recognition              yes        own teams   403      yes
//	GET  /api/v1/export/{table}           403        403         keys     yes
//	POST /api/v1/ingest/{kind}            403        403         403      yes
//	GET  /api/v1/openapi.json, /healthz, /readyz, /metrics: anonymous
//
// * org, site and queue rows are aggregates with no agent in them, so a
// supervisor sees them unfiltered (its benchmark); team rows and a team
// filter are scoped to its teams.
type access []auth.Role

var (
	anyRole       = access(auth.Roles)
	readerRoles   = access(auth.RolesSeeing(auth.SurfaceRecognition))
	coachRoles    = access(auth.RolesSeeing(auth.SurfaceCoaching))
	exportRoles   = access(auth.RolesSeeing(auth.SurfaceExport))
	adminRoles    = access{auth.RoleAdmin}
	anonymous     access // nil: no token needed
	agentLevelers = access(auth.RolesSeeing(auth.SurfaceScorecards))
)

func (a access) allows(r auth.Role) bool { return slices.Contains(a, r) }

const keyPrincipal = "servicecard.principal"

// principalOf is the caller of an authenticated route.
func principalOf(c echo.Context) *auth.Principal {
	p, _ := c.Get(keyPrincipal).(*auth.Principal)
	return p
}

// authenticate checks the bearer token and the route's roles: no or an
// unknown token is a 401, a known one whose role the route does not admit
// a 403.
func (s *Server) authenticate(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token, ok := bearer(c.Request().Header.Get(echo.HeaderAuthorization))
			if !ok {
				return echo.NewHTTPError(401, "missing bearer token: send Authorization: Bearer TOKEN")
			}
			var p *auth.Principal
			if s.cfg != nil {
				p, ok = auth.Authenticate(s.cfg.Tokens, token)
			} else {
				ok = false
			}
			if !ok || p == nil {
				return echo.NewHTTPError(401, "unknown token")
			}
			c.Set(keyPrincipal, p)
			if !a.allows(p.Role) {
				return forbidden("role %s may not %s %s", p.Role, c.Request().Method, routeOf(c))
			}
			return next(c)
		}
	}
}

// bearer extracts the token of an Authorization header; the scheme is
// case-insensitive (RFC 9110).
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// scopeTeams applies a principal's team scope to a team filter: roles
// without a scope keep the filter; a supervisor's filter must name only
// its teams, and an empty filter becomes its teams.
func scopeTeams(p *auth.Principal, teams []string) ([]string, error) {
	if p.Role != auth.RoleSupervisor {
		return teams, nil
	}
	if len(teams) == 0 {
		return slices.Clone(p.Teams), nil
	}
	for _, t := range teams {
		if !slices.Contains(p.Teams, t) {
			return nil, forbidden("team %q is not one of this token's teams (%s)", t, strings.Join(p.Teams, ", "))
		}
	}
	return teams, nil
}
