package digest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/metrics"
)

// TestPreviewRefusals: who may preview which digest is decided before
// anything is read (no Source is needed to refuse).
func TestPreviewRefusals(t *testing.T) {
	cfg := metrics.Default()
	h := &digest.NotesHandler{Config: &cfg}
	sup := &auth.Principal{Name: "s", Role: auth.RoleSupervisor, Teams: []string{"Billing"}}
	for _, tc := range []struct {
		name   string
		pr     *auth.Principal
		query  string
		status int
	}{
		{"analyst", &auth.Principal{Role: auth.RoleAnalyst}, "", http.StatusForbidden},
		{"analyst executive", &auth.Principal{Role: auth.RoleAnalyst}, "audience=executive", http.StatusForbidden},
		{"supervisor executive", sup, "audience=executive", http.StatusForbidden},
		{"supervisor other team", sup, "team=Orders", http.StatusForbidden},
		{"supervisor without teams", &auth.Principal{Role: auth.RoleSupervisor}, "", http.StatusForbidden},
		{"executive supervisor digest", &auth.Principal{Role: auth.RoleExecutive}, "audience=supervisor", http.StatusForbidden},
		{"admin supervisor digest without team", &auth.Principal{Role: auth.RoleAdmin}, "audience=supervisor", http.StatusBadRequest},
		{"bad week", sup, "week=2025-W99", http.StatusBadRequest},
		{"bad audience", sup, "audience=agents", http.StatusBadRequest},
	} {
		q, _ := url.ParseQuery(tc.query)
		_, err := h.DigestHTML(context.Background(), tc.pr, q)
		var he *echo.HTTPError
		if !errors.As(err, &he) || he.Code != tc.status {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.status)
		}
	}
	// A supervisor token without teams gets no notes (not every team's).
	_, _, err := h.NotesPDF(context.Background(), &auth.Principal{Role: auth.RoleSupervisor}, url.Values{})
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusForbidden {
		t.Errorf("supervisor without teams: %v, want 403", err)
	}
}

func TestPreviewHTMLInlinesImages(t *testing.T) {
	m := &digest.Message{HTML: `<img src="cid:trend.x"><img src="cid:teams.x">`, Inline: []digest.Part{
		{ContentID: "trend.x", ContentType: "image/png", Data: []byte{1, 2, 3}},
		{ContentID: "teams.x", ContentType: "image/png", Data: []byte{4}},
	}}
	if got, want := digest.PreviewHTML(m), `<img src="data:image/png;base64,AQID"><img src="data:image/png;base64,BA==">`; got != want {
		t.Errorf("PreviewHTML = %s, want %s", got, want)
	}
}
