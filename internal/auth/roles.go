// Package auth verifies the JWT bearer tokens that authenticate requests to
// Rapport and exposes what they say about their bearer as [Claims].
package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Role is a coarse-grained permission carried in a token's "roles" claim.
type Role string

// The roles known to Rapport, in the order [AllRoles] returns them.
const (
	RoleAdmin             Role = "ADMIN"
	RoleExecutive         Role = "EXECUTIVE"
	RoleSalesManager      Role = "SALES_MANAGER"
	RoleAccountManager    Role = "ACCOUNT_MANAGER"
	RoleServiceSupervisor Role = "SERVICE_SUPERVISOR"
	RoleServiceRep        Role = "SERVICE_REP"
	RoleFinance           Role = "FINANCE"
	RoleHR                Role = "HR"
	RoleEditor            Role = "EDITOR"
	RoleCorrespondent     Role = "CORRESPONDENT"
	RoleEmployee          Role = "EMPLOYEE"
)

// ErrUnknownRole is wrapped by the errors of [ParseRole] and [ParseRoles]
// for a name that is not one of the known roles.
var ErrUnknownRole = errors.New("unknown role")

var allRoles = []Role{
	RoleAdmin, RoleExecutive, RoleSalesManager, RoleAccountManager,
	RoleServiceSupervisor, RoleServiceRep, RoleFinance, RoleHR, RoleEditor,
	RoleCorrespondent, RoleEmployee,
}

// AllRoles returns every known role, in declaration order. The slice is a
// fresh copy the caller may modify.
func AllRoles() []Role { return slices.Clone(allRoles) }

// RoleNames returns the names of roles, as tokens and the database hold them.
func RoleNames(roles []Role) []string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return names
}

// KnownRoles returns the known roles among names, skipping any other (a
// stored copy may predate a role's removal).
func KnownRoles(names []string) []Role {
	var roles []Role
	for _, n := range names {
		if r, err := ParseRole(n); err == nil {
			roles = append(roles, r)
		}
	}
	return roles
}

// ParseRole returns the role named exactly s (case-sensitive). An unknown name
// yields an error wrapping [ErrUnknownRole], e.g. `unknown role "FOO"`.
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(allRoles, r) {
		return r, nil
	}
	if len(s) > 64 { // keep error texts short: they may reach clients
		s = s[:64] + "..."
	}
	return "", fmt.Errorf("%w %q", ErrUnknownRole, s)
}

// ParseRoles parses a comma-separated list such as "ADMIN, SALES_MANAGER".
// Names are trimmed and duplicates dropped (first occurrence kept). An empty
// list, an empty element or an unknown name is an error.
func ParseRoles(csv string) ([]Role, error) {
	if strings.TrimSpace(csv) == "" {
		return nil, errors.New("no roles given")
	}
	names := strings.Split(csv, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	return parseRoleList(names)
}

// parseRoleList validates and de-duplicates role names (exact matches), which
// must not be empty, as a list or individually.
func parseRoleList(names []string) ([]Role, error) {
	if len(names) == 0 {
		return nil, errors.New("no roles given")
	}
	roles := make([]Role, 0, len(names))
	for _, name := range names {
		if name == "" {
			return nil, errors.New("empty role name")
		}
		r, err := ParseRole(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles, nil
}

// Stored converts the roles kept on a user row (the names of their most
// recent token's roles, validated when it was checked).
func Stored(names []string) []Role {
	roles := make([]Role, len(names))
	for i, n := range names {
		roles[i] = Role(n)
	}
	return roles
}
