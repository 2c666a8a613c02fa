package authz

import (
	"os"
	"slices"
	"strings"
	"testing"

	"rapport/internal/auth"
)

// Every known role has a row, once, in the order of auth.AllRoles.
func TestTableCoversEveryRole(t *testing.T) {
	var roles []auth.Role
	for _, row := range table {
		roles = append(roles, row.role)
	}
	if !slices.Equal(roles, auth.AllRoles()) {
		t.Fatalf("table rows %v, roles %v", roles, auth.AllRoles())
	}
}

func TestCan(t *testing.T) {
	for _, c := range []struct {
		roles []auth.Role
		cap   Capability
		want  bool
	}{
		{[]auth.Role{auth.RoleAdmin}, EditAllAccounts, true},
		{[]auth.Role{auth.RoleExecutive}, EditAllAccounts, false},
		{[]auth.Role{auth.RoleExecutive}, ReadAllAccounts, true},
		{[]auth.Role{auth.RoleAccountManager, auth.RoleServiceRep}, ReadServicedAccounts, true},
		{[]auth.Role{auth.RoleAccountManager, auth.RoleServiceRep}, EditTeamAccounts, false},
		{[]auth.Role{auth.RoleServiceSupervisor}, AssignServiceReps, true},
		{[]auth.Role{auth.RoleServiceSupervisor}, AssignOwners, false},
		{[]auth.Role{auth.RoleEmployee, auth.RoleHR}, ReadOwnAccounts, false},
		{nil, ReadAllAccounts, false},
	} {
		if got := Can(c.roles, c.cap); got != c.want {
			t.Errorf("Can(%v, %q) = %v", c.roles, c.cap, got)
		}
	}
	if got := Roles(AssignOwners); !slices.Equal(got, []auth.Role{auth.RoleAdmin, auth.RoleSalesManager}) {
		t.Errorf("Roles(AssignOwners) = %v", got)
	}
}

// The README's "Who sees what" shows this table.
func TestReadmeShowsTheTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := Markdown(); !strings.Contains(string(readme), want) {
		t.Fatalf("README.md's capability table differs from internal/authz; it should read:\n\n%s", want)
	}
}
