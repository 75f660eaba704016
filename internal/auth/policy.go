package auth

import "slices"

// Surface is a place where agent data can be read.
type Surface string

// Surfaces.
const (
	// SurfaceScorecards is agent-level scorecards: GET /api/v1/scorecards
	// with level=agent and the coaching page's agent table.
	SurfaceScorecards Surface = "scorecards"
	// SurfaceCoaching is coaching opportunities (API and coaching page).
	SurfaceCoaching Surface = "coaching"
	// SurfaceRecognition is service stars and praise (API and the
	// executive page): praise, not a KPI, so it names agents.
	SurfaceRecognition Surface = "recognition"
	// SurfaceExport is the contacts, surveys and scorecards exports (csv,
	// ndjson, parquet).
	SurfaceExport Surface = "export"
	// SurfaceSQL is direct SQL on ClickHouse (the analyst user reads the
	// analyst database, which holds agent keys only).
	SurfaceSQL Surface = "sql"
)

// Surfaces lists every surface, in the order of the policy table.
var Surfaces = []Surface{SurfaceScorecards, SurfaceCoaching, SurfaceRecognition, SurfaceExport, SurfaceSQL}

// Roles lists every role, in the order of the policy table.
var Roles = []Role{RoleExecutive, RoleSupervisor, RoleAnalyst, RoleAdmin}

// AgentView is how much of an agent's identity a caller sees on a surface.
type AgentView string

// Agent views.
const (
	// AgentNone: no agent rows at all; the surface answers 403 where every
	// row of it is about agents.
	AgentNone AgentView = "none"
	// AgentKey: agent rows under pseudonymous agent keys (Keyer), never a
	// real id or name.
	AgentKey AgentView = "key"
	// AgentOwnTeams: real ids, for the agents of the caller's own teams only.
	AgentOwnTeams AgentView = "own teams"
	// AgentReal: real ids (and names) of every agent.
	AgentReal AgentView = "real"
)

// Policy is the visibility policy for agent data, the one place it is
// decided. The README's "Who sees agent data" table is this table.
//
//	surface        executive  supervisor  analyst  admin
//	scorecards     none       own teams   key      real
//	coaching       none       own teams   none     real
//	recognition    real       own teams   none     real
//	export         none       none        key      real
//	sql            none       none        key      real
//
// Executives see no agent rows; recognition of named stars is the
// exception (praise, not a KPI). Analysts work with stable pseudonymous
// keys, never real ids; coaching and recognition are about people by
// name, so analysts get neither. Supervisors see real ids of their own
// teams (exports and SQL are analysis tools, not theirs). Admins see
// everything.
var Policy = map[Role]map[Surface]AgentView{
	RoleExecutive: {
		SurfaceScorecards: AgentNone, SurfaceCoaching: AgentNone, SurfaceRecognition: AgentReal,
		SurfaceExport: AgentNone, SurfaceSQL: AgentNone,
	},
	RoleSupervisor: {
		SurfaceScorecards: AgentOwnTeams, SurfaceCoaching: AgentOwnTeams, SurfaceRecognition: AgentOwnTeams,
		SurfaceExport: AgentNone, SurfaceSQL: AgentNone,
	},
	RoleAnalyst: {
		SurfaceScorecards: AgentKey, SurfaceCoaching: AgentNone, SurfaceRecognition: AgentNone,
		SurfaceExport: AgentKey, SurfaceSQL: AgentKey,
	},
	RoleAdmin: {
		SurfaceScorecards: AgentReal, SurfaceCoaching: AgentReal, SurfaceRecognition: AgentReal,
		SurfaceExport: AgentReal, SurfaceSQL: AgentReal,
	},
}

// Agents returns how role sees agents on surface; an unknown role or
// surface sees none.
func Agents(role Role, s Surface) AgentView {
	if v, ok := Policy[role][s]; ok {
		return v
	}
	return AgentNone
}

// RolesSeeing lists the roles that see any agent row on s: those a route
// whose every row is about agents admits.
func RolesSeeing(s Surface) []Role {
	var out []Role
	for _, r := range Roles {
		if Agents(r, s) != AgentNone {
			out = append(out, r)
		}
	}
	return out
}

// SeesAgent reports whether p may see the agent of team on s under its
// real id: admins everywhere the policy says real, supervisors for their
// own teams.
func (p Principal) SeesAgent(s Surface, team string) bool {
	switch Agents(p.Role, s) {
	case AgentReal:
		return true
	case AgentOwnTeams:
		return slices.Contains(p.Teams, team)
	}
	return false
}
