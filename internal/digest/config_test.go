package digest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/metrics"
)

func TestParseConfig(t *testing.T) {
	good := `timezone: America/Chicago
digest:
  from: "Service scorecard <scorecards@example.com>"
  smtp: {host: smtp.example.com, port: 587, username_env: U, password_env: P}
  schedule: {weekday: tuesday, time: "06:30"}
  executive: [{name: Ops, email: ops@example.com}]
  supervisor: [{name: B, email: b@example.com, teams: [Billing]}]
`
	cfg, err := metrics.ParseConfig([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	d, err := digest.ParseConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Enabled() || !d.SMTP.UseStartTLS() || len(d.Recipients(digest.Supervisor)) != 1 {
		t.Errorf("parsed %+v", d)
	}
	loc := cfg.Location()
	week, _ := digest.ParseWeek("2026-W44", loc)
	if due := d.Schedule.Due(week, loc); due.Format("2006-01-02 15:04") != "2026-11-03 06:30" {
		t.Errorf("due %v, want Tuesday 2026-11-03 06:30", due)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"digest:\n  smtp: {host: smtp.example.com, starttls: false}\n  from: a@example.com\n  executive: [{email: x@example.com}]\n", "digest.smtp.starttls (line 2): may be false only for a relay on loopback"},
		{"digest:\n  from: a@example.com\n  smtp: {host: h}\n  supervisor: [{email: s@example.com}]\n", "digest.supervisor[0].teams (line 4): a supervisor needs at least one team"},
		{"digest:\n  smtp: {host: h, colour: red}\n", "field colour not found"},
		{"digest:\n  schedule: {weekday: someday}\n", "digest.schedule (line 2): weekday: want monday..sunday"},
	} {
		cfg, err := metrics.ParseConfig([]byte(tc.yaml))
		if err == nil {
			_, err = digest.ParseConfig(cfg)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestParseWeek(t *testing.T) {
	loc, _ := time.LoadLocation("America/Chicago")
	for in, want := range map[string]string{"2026-W44": "2026-10-26", "2026-W01": "2025-12-29", "2020-W53": "2020-12-28"} {
		w, err := digest.ParseWeek(in, loc)
		if err != nil || w.In(loc).Format(time.DateOnly) != want || digest.WeekName(w, loc) != in {
			t.Errorf("%s: %v %v, want %s", in, w, err, want)
		}
	}
	for _, bad := range []string{"2026-W54", "2026-44", "2026-W00"} {
		if _, err := digest.ParseWeek(bad, loc); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
