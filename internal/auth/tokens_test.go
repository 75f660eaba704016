package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestHashToken(t *testing.T) {
	tests := []struct{ in, want string }{
		// printf '' | sha256sum, printf abc | sha256sum, printf sc_test | sha256sum
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"sc_test", "fdb833ff9fc0d59ec2bb73bc7e3bc05f15f8b376867ac4a827c0cc54bd4040b5"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := HashToken(tc.in); got != tc.want {
				t.Errorf("HashToken(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, "sc_") {
			t.Fatalf("token %q lacks the sc_ prefix", tok)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, "sc_"))
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q: %d bytes, %v", tok, len(raw), err)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}

func TestAuthenticate(t *testing.T) {
	exec, execEntry, err := NewTokenEntry("leadership", RoleExecutive, nil)
	if err != nil {
		t.Fatal(err)
	}
	sup, supEntry, err := NewTokenEntry("north-sup", RoleSupervisor, []string{"north", "north-night"})
	if err != nil {
		t.Fatal(err)
	}
	if execEntry.SHA256 != HashToken(exec) || strings.Contains(execEntry.SHA256, exec) {
		t.Fatalf("entry %+v does not hold the token's hash", execEntry)
	}
	entries := []TokenEntry{execEntry, supEntry}
	tests := []struct {
		name, token string
		ok          bool
		who         string
		role        Role
		agentsNorth bool
	}{
		{"executive", exec, true, "leadership", RoleExecutive, false},
		{"supervisor", sup, true, "north-sup", RoleSupervisor, true},
		{"surrounding space", " " + sup + "\n", true, "north-sup", RoleSupervisor, true},
		{"wrong token", exec + "x", false, "", "", false},
		{"the hash itself", execEntry.SHA256, false, "", "", false},
		{"empty", "", false, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := Authenticate(entries, tc.token)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				if p != nil {
					t.Errorf("principal %+v for a rejected token", p)
				}
				return
			}
			if p.Name != tc.who || p.Role != tc.role || p.SeesAgentsOf("north") != tc.agentsNorth {
				t.Errorf("principal %+v", p)
			}
			if p.SeesAgentsOf("south") {
				t.Error("sees agents of a team outside its scope")
			}
		})
	}
	if _, ok := Authenticate(nil, exec); ok {
		t.Error("a config without tokens admitted a token")
	}
}

func TestNewTokenEntryErrors(t *testing.T) {
	tests := []struct {
		name  string
		role  Role
		teams []string
		want  string
	}{
		{"unknown role", "agent", nil, "auth: unknown role"},
		{"supervisor without teams", RoleSupervisor, nil, "needs at least one team"},
		{"admin with teams", RoleAdmin, []string{"north"}, "only supervisor tokens"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := NewTokenEntry("x", tc.role, tc.teams)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ParseRole("agent"); !errors.Is(err, ErrUnknownRole) {
		t.Errorf("ParseRole(agent) = %v", err)
	}
	if r, err := ParseRole("analyst"); err != nil || r != RoleAnalyst {
		t.Errorf("ParseRole(analyst) = %v, %v", r, err)
	}
}
