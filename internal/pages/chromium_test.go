package pages

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// envScreenshots, when set to a directory, receives the screenshots the
// browser test takes (screenshot-exec.png, screenshot-coaching.png).
const envScreenshots = "SERVICECARD_SCREENSHOT_DIR"

// chromium finds Debian's chromium; a missing browser fails the test
// with the command that installs it (make test runs scripts/deps.sh).
func chromium(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatal("chromium not found: install it with `apt-get install -y chromium` (make test does, via scripts/deps.sh)")
	return ""
}

// browse runs headless chromium on url in a window of size ("1280,720")
// with extra flags and returns its standard output.
func browse(t *testing.T, bin, url, size string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir=" + t.TempDir(), "--window-size=" + size, "--virtual-time-budget=5000",
	}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// withToken makes every request carry token, as a browser signed in
// would carry its cookie.
func withToken(token string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+token)
			h.ServeHTTP(w, r)
		})
	}
}

func testChromium(t *testing.T, c *center) {
	bin := chromium(t)
	def := period{From: time.Date(2025, 10, 13, 0, 0, 0, 0, c.loc), To: time.Date(2025, 11, 10, 0, 0, 0, 0, c.loc)}
	org, err := c.src.Scorecards(context.Background(), domain.ScorecardQuery{Level: metrics.LevelOrg, From: def.From, To: def.To})
	if err != nil || len(org) != 1 {
		t.Fatal(err, org)
	}
	score := formatScore(org[0].Score)

	for _, tc := range []struct {
		name, token, path string
		want              []string
		// mail: a digest preview, a white card on a light grey ground
		// rather than a page with a dark header.
		mail bool
	}{
		{"exec", "exec", "/", []string{`id="org-score">` + score + `<`, `<svg class="chart"`, "Customer Service Week 2025"}, false},
		{"coaching", "super", "/coaching", []string{"Agents of Billing", "Coaching opportunities"}, false},
		{"digest", "exec", "/digest?audience=executive", []string{"Service scorecard, week 2025-W45", `src="data:image/png;base64,`}, true},
		{"digest-supervisor", "super", "/digest", []string{"Your teams, week 2025-W45", "Billing"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := c.server(t, c.complaints, withToken(c.tokens[tc.token]))
			shot := filepath.Join(t.TempDir(), "screenshot-"+tc.name+".png")
			// One run takes the screenshot and prints the DOM as rendered.
			dom := string(browse(t, bin, ts.URL+tc.path, "1280,720", "--screenshot="+shot, "--dump-dom"))
			b, err := os.ReadFile(shot)
			if err != nil {
				t.Fatalf("no screenshot: %v", err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("screenshot is no PNG: %v", err)
			}
			if got := img.Bounds().Size(); got != image.Pt(1280, 720) {
				t.Errorf("screenshot is %v, want 1280x720", got)
			}
			colors, ink := inked(img)
			// A page that rendered unstyled, or not at all, is white with
			// black text; this one has a dark header, tiles and a chart.
			minInk := 0.12
			if tc.mail {
				minInk = 0.03
			}
			if colors < 40 || ink < minInk {
				t.Errorf("screenshot looks blank: %d colours, %.1f%% non-white", colors, 100*ink)
			}
			t.Logf("screenshot: %d colours, %.1f%% non-white", colors, 100*ink)
			if dir := os.Getenv(envScreenshots); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, filepath.Base(shot)), b, 0o644); err != nil {
					t.Error(err)
				}
				// And the whole page, for people to look at.
				browse(t, bin, ts.URL+tc.path, "1280,3200", "--screenshot="+filepath.Join(dir, "screenshot-"+tc.name+"-full.png"))
			}

			for _, w := range tc.want {
				if !strings.Contains(dom, w) {
					t.Errorf("rendered DOM lacks %q", w)
				}
			}
		})
	}
}

// inked counts an image's distinct colours and its share of pixels that
// are not (near) white.
func inked(img image.Image) (colors int, share float64) {
	seen := map[uint32]bool{}
	var ink, all int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			all++
			if r>>8 < 240 || g>>8 < 240 || bl>>8 < 240 {
				ink++
			}
		}
	}
	return len(seen), float64(ink) / float64(all)
}
