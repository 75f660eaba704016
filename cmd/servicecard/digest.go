package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

// runDigest sends (or, with --dry-run, writes) one week's digest:
// digest send --audience executive|supervisor [--week YYYY-Www] [--dry-run --out DIR].
func runDigest(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "send" {
		return usageError{fmt.Errorf("digest: want `digest send --audience executive|supervisor [--week YYYY-Www] [--dry-run --out DIR]`")}
	}
	fs := newFlags("digest send", e)
	audience := fs.String("audience", "", "executive or supervisor")
	week := fs.String("week", "", "ISO week YYYY-Www (default: the last full week in the business time zone)")
	dry := fs.Bool("dry-run", false, "write the messages under --out instead of sending them")
	out := fs.String("out", "", "directory for --dry-run: NAME.eml as sent, NAME.html and its images to look at")
	if err := parseFlags(fs, e.args[1:]); err != nil {
		return err
	}
	a, err := digest.ParseAudience(*audience)
	if err != nil {
		return usageError{err}
	}
	if *dry != (*out != "") {
		return usageError{fmt.Errorf("--dry-run and --out go together")}
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	dcfg, err := digest.ParseConfig(cfg)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	loc := cfg.Location()
	w := digest.LastWeek(time.Now(), loc)
	if *week != "" {
		if w, err = digest.ParseWeek(*week, loc); err != nil {
			return usageError{err}
		}
	}
	if len(dcfg.Recipients(a)) == 0 {
		return fmt.Errorf("config: digest.%s lists no recipient", a)
	}
	if !*dry && dcfg.SMTP.Host == "" {
		return fmt.Errorf("config: digest.smtp.host is not set (use --dry-run --out DIR to write the messages)")
	}
	st, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	defer cleanup()
	s := newSender(st, cfg, dcfg, e)
	res, err := s.Send(ctx, a, w, *out)
	for _, r := range res {
		fmt.Fprintf(e.stdout, "digest %s %s to %s: %s\n", a, digest.WeekName(w, loc), r.Recipient, r.Status)
		for _, f := range r.Files {
			fmt.Fprintf(e.stdout, "  %s\n", f)
		}
	}
	return err
}

func newSender(st *chstore.Store, cfg metrics.Config, dcfg digest.Config, e env) *digest.Sender {
	return &digest.Sender{
		Source:    scorecard.New(st, cfg, scorecard.Options{Logger: e.log}),
		Directory: digest.StoreDirectory{Conn: st.Conn()},
		Metrics:   cfg, Config: dcfg,
		Mailer: digest.SMTP{Config: dcfg.SMTP, Getenv: e.getenv},
		Ledger: &digest.Ledger{Conn: st.Conn()},
		Log:    e.log.With("part", "digest"),
	}
}

// writeDemoDigests writes the last full week's executive digest and the
// demo supervisor's digest under SERVICECARD_HOME/digests (as
// `digest send --dry-run` does) and prints where; best effort.
func writeDemoDigests(ctx context.Context, e env, st *chstore.Store, cfg metrics.Config, end time.Time) {
	dcfg, err := digest.ParseConfig(cfg)
	if err != nil || len(dcfg.Executive)+len(dcfg.Supervisor) == 0 {
		dcfg = digest.Config{From: "Service scorecard <scorecards@example.com>",
			Executive:  []digest.Recipient{{Name: "Demo executive", Email: "executive@example.com"}},
			Supervisor: []digest.Recipient{{Name: "Demo supervisor", Email: "supervisor@example.com", Teams: []string{demoSupervisorTeam}}}}
	}
	out := filepath.Join(homeDir(e), "digests")
	s := newSender(st, cfg, dcfg, e)
	s.Now = func() time.Time { return end }
	week := digest.LastWeek(end, cfg.Location())
	for _, a := range []digest.Audience{digest.Executive, digest.Supervisor} {
		res, err := s.Send(ctx, a, week, out)
		if err != nil {
			e.log.Warn("demo digest", "audience", a, "err", err)
			continue
		}
		for _, r := range res {
			for _, f := range r.Files {
				if strings.HasSuffix(f, ".html") || strings.HasSuffix(f, ".pdf") {
					fmt.Fprintf(e.stdout, "demo: %s digest for %s: file://%s\n", a, r.Recipient, f)
				}
			}
		}
	}
}
