package main

import (
	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/internal/pages"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

// newPages returns the built-in HTML pages: the executive scorecard at /
// and coaching at /coaching, signed in with a config token at /login,
// with thank-you note PDFs (/notes.pdf) and digest previews (/digest).
// Sessions are signed with a key made per process, so a restart signs
// everybody out.
func newPages(eng *scorecard.Engine, st *chstore.Store, cfg metrics.Config, e env) api.Pages {
	nh := &digest.NotesHandler{Source: eng, Directory: digest.StoreDirectory{Conn: st.Conn()}, Config: &cfg}
	p, err := pages.New(pages.Options{Source: eng, Config: &cfg, Logger: e.log, Digests: nh})
	if err != nil {
		// Only a programming error (no engine, a broken template) gets
		// here: serve the API without the pages rather than not at all.
		e.log.Error("built-in pages disabled", "err", err)
		return nh
	}
	return both{p, nh}
}

// both registers the pages and the thank-you notes route
// (GET /api/v1/notes, internal/digest).
type both [2]api.Pages

func (b both) Register(add func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc)) {
	b[0].Register(add)
	b[1].Register(add)
}

// The notes route also serves the pages' notes and digest previews.
var _ pages.Digests = (*digest.NotesHandler)(nil)

// The engine also lists complaints, which the coaching page shows.
var _ pages.ComplaintSource = (*scorecard.Engine)(nil)
