package metrics

import "github.com/servicecard/servicecard/internal/auth"

// Roles, tokens and principals live in internal/auth; these names keep
// existing callers compiling. New code uses package auth.
type (
	// Role is auth.Role.
	Role = auth.Role
	// Principal is auth.Principal.
	Principal = auth.Principal
	// TokenEntry is auth.TokenEntry: one bearer token in the config.
	TokenEntry = auth.TokenEntry
)

// Roles (see auth).
const (
	RoleExecutive  = auth.RoleExecutive
	RoleSupervisor = auth.RoleSupervisor
	RoleAnalyst    = auth.RoleAnalyst
	RoleAdmin      = auth.RoleAdmin
)

// TokenPrefix is auth.TokenPrefix.
const TokenPrefix = auth.TokenPrefix

// HashToken is auth.HashToken.
func HashToken(token string) string { return auth.HashToken(token) }

// NewTokenEntry is auth.NewTokenEntry.
func NewTokenEntry(name string, role Role, teams []string) (string, TokenEntry, error) {
	return auth.NewTokenEntry(name, role, teams)
}

// Authenticate finds the token entry of token (auth.Authenticate).
func (c Config) Authenticate(token string) (*Principal, bool) {
	return auth.Authenticate(c.Tokens, token)
}
