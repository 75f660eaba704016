package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Role is what a bearer token may see; Policy says what each role sees of
// agent data. There is no agent role: agent-level patterns are for
// coaching, not public KPIs.
type Role string

// Roles.
const (
	// RoleExecutive sees org, site, team and queue scorecards, trends and
	// recognition, never agent-level KPI rows.
	RoleExecutive Role = "executive"
	// RoleSupervisor sees agent-level scorecards and coaching of its teams.
	RoleSupervisor Role = "supervisor"
	// RoleAnalyst exports data and reads agent data under pseudonymous
	// agent keys only.
	RoleAnalyst Role = "analyst"
	// RoleAdmin ingests over HTTP and manages configuration.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleExecutive, RoleSupervisor, RoleAnalyst, RoleAdmin:
		return true
	}
	return false
}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", fmt.Errorf("%w %q (want executive, supervisor, analyst or admin)", ErrUnknownRole, s)
}

// TokenPrefix starts every token NewToken makes, so a leaked one is easy
// to recognise (and to search for in logs and repositories).
const TokenPrefix = "sc_"

// Principal is who a request authenticated as.
type Principal struct {
	Name  string   `json:"name"`
	Role  Role     `json:"role"`
	Teams []string `json:"teams,omitempty"` // supervisors only
}

// SeesAgentsOf reports whether p is a supervisor of team: the only
// principal that sees agent-level rows and coaching scoped to that team.
func (p Principal) SeesAgentsOf(team string) bool {
	return p.Role == RoleSupervisor && slices.Contains(p.Teams, team)
}

// TokenEntry is one bearer token in the config: its SHA-256, never the token.
type TokenEntry struct {
	Name   string   `json:"name" yaml:"name"`
	Role   Role     `json:"role" yaml:"role"`
	Teams  []string `json:"teams,omitempty" yaml:"teams,omitempty,flow"`
	SHA256 string   `json:"sha256" yaml:"sha256"`
}

// HashToken is the hex SHA-256 of a token, as the config stores it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a new random token: "sc_" and 32 random bytes in
// unpadded URL-safe base64 (43 characters).
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewTokenEntry makes a token and the config entry that admits it, for
// `servicecard token new`.
func NewTokenEntry(name string, role Role, teams []string) (token string, entry TokenEntry, err error) {
	if !role.Valid() {
		return "", TokenEntry{}, fmt.Errorf("%w %q", ErrUnknownRole, role)
	}
	if role == RoleSupervisor && len(teams) == 0 {
		return "", TokenEntry{}, fmt.Errorf("new token: a supervisor token needs at least one team")
	}
	if role != RoleSupervisor && len(teams) > 0 {
		return "", TokenEntry{}, fmt.Errorf("new token: only supervisor tokens are scoped to teams")
	}
	token, err = NewToken()
	if err != nil {
		return "", TokenEntry{}, fmt.Errorf("new token: %w", err)
	}
	return token, TokenEntry{Name: name, Role: role, Teams: slices.Clone(teams), SHA256: HashToken(token)}, nil
}

// Authenticate finds the entry of token among entries. It hashes the
// token and compares the hash with every entry in constant time, without
// stopping at a match, so timing reveals neither the hash nor the entry's
// position.
func Authenticate(entries []TokenEntry, token string) (*Principal, bool) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i, e := range entries {
		want, err := hex.DecodeString(e.SHA256)
		if err != nil || len(want) != len(sum) {
			continue
		}
		if subtle.ConstantTimeCompare(sum[:], want) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return nil, false
	}
	e := entries[found]
	return &Principal{Name: e.Name, Role: e.Role, Teams: slices.Clone(e.Teams)}, true
}
