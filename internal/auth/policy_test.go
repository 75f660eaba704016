package auth

import (
	"regexp"
	"testing"
)

func TestPolicyCoversEveryRoleAndSurface(t *testing.T) {
	for _, r := range Roles {
		for _, s := range Surfaces {
			if _, ok := Policy[r][s]; !ok {
				t.Errorf("policy has no entry for %s on %s", r, s)
			}
		}
	}
	if len(Policy) != len(Roles) {
		t.Errorf("policy has %d roles, want %d", len(Policy), len(Roles))
	}
	if Agents("agent", SurfaceScorecards) != AgentNone || Agents(RoleAdmin, "elsewhere") != AgentNone {
		t.Error("an unknown role or surface sees agents")
	}
}

func TestPolicyRules(t *testing.T) {
	for _, s := range Surfaces {
		if v := Agents(RoleAnalyst, s); v == AgentReal || v == AgentOwnTeams {
			t.Errorf("analysts see real agent ids on %s", s)
		}
		if v := Agents(RoleExecutive, s); v != AgentNone && s != SurfaceRecognition {
			t.Errorf("executives see agent rows on %s (%s)", s, v)
		}
		if v := Agents(RoleSupervisor, s); v == AgentReal || v == AgentKey {
			t.Errorf("supervisors see agents beyond their teams on %s (%s)", s, v)
		}
		if Agents(RoleAdmin, s) != AgentReal {
			t.Errorf("admins do not see real ids on %s", s)
		}
	}
	sup := Principal{Name: "s", Role: RoleSupervisor, Teams: []string{"north"}}
	if !sup.SeesAgent(SurfaceCoaching, "north") || sup.SeesAgent(SurfaceCoaching, "south") || sup.SeesAgent(SurfaceExport, "north") {
		t.Error("supervisor scope wrong")
	}
	an := Principal{Name: "a", Role: RoleAnalyst}
	if an.SeesAgent(SurfaceScorecards, "north") {
		t.Error("an analyst sees a real agent id")
	}
	if got := RolesSeeing(SurfaceCoaching); len(got) != 2 || got[0] != RoleSupervisor || got[1] != RoleAdmin {
		t.Errorf("RolesSeeing(coaching) = %v", got)
	}
}

func TestKeyer(t *testing.T) {
	if _, err := NewKeyer([]byte("short")); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
	k1, _ := NewKeyer([]byte("0123456789abcdef-deployment-1"))
	k2, _ := NewKeyer([]byte("0123456789abcdef-deployment-2"))
	a := k1.Key("a-17")
	if !regexp.MustCompile(`^ak_[0-9a-f]{16}$`).MatchString(a) {
		t.Fatalf("key %q", a)
	}
	if k1.Key("a-17") != a {
		t.Error("key not stable")
	}
	if k1.Key("a-18") == a || k2.Key("a-17") == a {
		t.Error("keys collide across agents or deployments")
	}
	if k1.Key("") != "" {
		t.Error("no agent got a key")
	}
	// HMAC-SHA256("0123456789abcdef-deployment-1", "a-17"), first 8 bytes:
	// printf a-17 | openssl dgst -sha256 -hmac 0123456789abcdef-deployment-1
	if want := "ak_" + hmacPrefix; a != want {
		t.Errorf("key %s, want %s", a, want)
	}
}

const hmacPrefix = "275ae37256161ec3"
