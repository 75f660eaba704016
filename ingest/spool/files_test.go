package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMoveNoClobber(t *testing.T) {
	dir := t.TempDir()
	work, done := filepath.Join(dir, "work"), filepath.Join(dir, "done")
	for _, d := range []string{work, done} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	id, _ := newBatchID(time.Now())
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"first", "one", "contacts.csv"},
		{"same name again", "two", id + "__contacts.csv"},
		{"both names taken", "three", id + "__contacts.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(work, id+"__contacts.csv")
			if err := os.WriteFile(src, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			dst, err := moveNoClobber(src, done, "contacts.csv", id)
			if err != nil {
				t.Fatal(err)
			}
			if dst != filepath.Join(done, tc.want) {
				t.Errorf("moved to %s, want %s", dst, tc.want)
			}
			if b, _ := os.ReadFile(dst); string(b) != tc.content {
				t.Errorf("%s holds %q, want %q", dst, b, tc.content)
			}
			if _, err := os.Stat(src); !os.IsNotExist(err) {
				t.Errorf("source still there: %v", err)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(done, "contacts.csv")); string(b) != "one" {
		t.Errorf("first file overwritten: %q", b)
	}
}

func TestBackoff(t *testing.T) {
	w := &Worker{opt: Options{Retry: Backoff{Initial: time.Second, Max: time.Minute}}}
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{0, 500 * time.Millisecond, time.Second},
		{1, time.Second, 2 * time.Second},
		{3, 4 * time.Second, 8 * time.Second},
		{6, 30 * time.Second, time.Minute},
		{100, 30 * time.Second, time.Minute},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("attempt %d", tc.attempt), func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := w.backoff(tc.attempt)
				if d < tc.min || d > tc.max {
					t.Fatalf("backoff(%d) = %s, want in [%s, %s]", tc.attempt, d, tc.min, tc.max)
				}
				seen[d] = true
			}
			if len(seen) < 10 {
				t.Errorf("backoff(%d) has no jitter: %d distinct waits", tc.attempt, len(seen))
			}
		})
	}
}
