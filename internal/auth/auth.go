// Package auth decides who sees what: the roles, the bearer tokens that
// carry them, and the visibility policy for agent data that every surface
// asks (the JSON API, the exports, the built-in pages and the analyst's
// ClickHouse database).
//
// The policy is one table (Policy): for each role and surface, whether the
// caller sees no agent rows, agents under pseudonymous keys, or real agent
// ids (a supervisor only for its own teams). Surfaces do not decide on
// their own; they call Agents and apply its answer. Pseudonymous keys are
// a keyed hash of the agent id (Keyer), stable per deployment.
package auth

import "errors"

// ErrUnknownRole says a role name is not one of the four roles.
var ErrUnknownRole = errors.New("auth: unknown role")
