package digest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/internal/notes"
	"github.com/servicecard/servicecard/metrics"
)

// NotesPath is the API route of thank-you note PDFs.
const NotesPath = api.Prefix + "/notes"

// NotesHandler serves GET /api/v1/notes: thank-you notes as a PDF, one
// page per praise response, for
//
//	?week=YYYY-Www             the week's praise (default: the last full week)
//	?from=YYYY-MM-DD&to=...    a date range (to inclusive, at most 92 days)
//	?csweek=YYYY               Customer Service Week, with a certificate per service star
//	&team=T  &agent=ID  &response_id=R (one note)  &size=a5|letter
//
// Bearer tokens as the API: executives and admins see every team,
// supervisors their own teams only; analysts get no recognition.
type NotesHandler struct {
	Source    Source
	Directory Directory
	Config    *metrics.Config
	Now       func() time.Time
}

// Register adds the route through the API's Pages hook.
func (h *NotesHandler) Register(add func(method, path string, hf echo.HandlerFunc, m ...echo.MiddlewareFunc)) {
	add(http.MethodGet, NotesPath, h.serve)
}

func (h *NotesHandler) serve(c echo.Context) error {
	tok, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	pr, known := auth.Authenticate(h.Config.Tokens, strings.TrimSpace(tok))
	if !ok || !known {
		return echo.NewHTTPError(http.StatusUnauthorized, "missing or unknown bearer token: send Authorization: Bearer TOKEN")
	}
	name, pdf, err := h.NotesPDF(c.Request().Context(), pr, c.QueryParams())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// NotesPDF selects and renders the thank-you notes q asks for (the
// parameters of GET /api/v1/notes) as pr may see them: the API route and
// the built-in pages (GET /notes.pdf, with the session's principal) share
// it. Refusals and bad parameters are *echo.HTTPError (403, 400, 404 when
// nothing matches); anything else is an outage.
func (h *NotesHandler) NotesPDF(ctx context.Context, pr *auth.Principal, q url.Values) (filename string, pdf []byte, err error) {
	if pr.Role == auth.RoleAnalyst {
		return "", nil, echo.NewHTTPError(http.StatusForbidden, "role analyst may not GET "+NotesPath)
	}
	loc := h.Config.Location()
	size, err := notes.ParseSize(q.Get("size"))
	if err != nil {
		return "", nil, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	from := LastWeek(now(), loc)
	to := metrics.Next(from, metrics.GrainWeek, loc)
	var csw int
	switch {
	case q.Get("csweek") != "":
		y, err := strconv.Atoi(q.Get("csweek"))
		if err != nil || y < 1990 || y > 9999 {
			return "", nil, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("csweek: want a year, got %q", q.Get("csweek")))
		}
		s, e := metrics.CustomerServiceWeek(y)
		from, to, csw = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc), time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, loc), y
	case q.Get("week") != "":
		if from, err = ParseWeek(q.Get("week"), loc); err != nil {
			return "", nil, echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		to = metrics.Next(from, metrics.GrainWeek, loc)
	case q.Get("from") != "" || q.Get("to") != "":
		f, err1 := time.ParseInLocation(time.DateOnly, q.Get("from"), loc)
		l, err2 := time.ParseInLocation(time.DateOnly, q.Get("to"), loc)
		if err1 != nil || err2 != nil || l.Before(f) || l.Sub(f) > 92*24*time.Hour {
			return "", nil, echo.NewHTTPError(http.StatusBadRequest, "from, to: want YYYY-MM-DD, from <= to, at most 92 days")
		}
		from, to = f, time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
	}
	teams := []string{}
	if t := q.Get("team"); t != "" {
		teams = []string{t}
	}
	if pr.Role == auth.RoleSupervisor {
		if len(teams) == 0 {
			teams = slices.Clone(pr.Teams)
		} else if !slices.Contains(pr.Teams, teams[0]) {
			return "", nil, echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("team %q is not one of this token's teams", teams[0]))
		}
		if len(teams) == 0 {
			return "", nil, echo.NewHTTPError(http.StatusForbidden, "a supervisor without teams has no thank-you notes")
		}
	}
	rec, err := h.Source.Recognition(ctx, domain.RecognitionQuery{From: from, To: to, Teams: teams})
	if err != nil {
		return "", nil, err
	}
	var names, channels map[string]string
	if h.Directory != nil {
		if names, err = h.Directory.AgentNames(ctx); err != nil {
			return "", nil, err
		}
		if channels, err = h.Directory.Channels(ctx, from, to); err != nil {
			return "", nil, err
		}
	}
	agent, rid := q.Get("agent"), q.Get("response_id")
	var ns []notes.Note
	praised := map[string]int{}
	for _, s := range slices.Backward(rec.Praise) {
		if len(teams) > 0 && !slices.Contains(teams, s.Team) || agent != "" && s.AgentID != agent || rid != "" && s.ResponseID != rid {
			continue
		}
		praised[s.AgentID]++
		p := person(s.AgentID, s.Team, names)
		ns = append(ns, notes.Note{AgentName: p.Name, Team: s.Team, Comment: s.Comment, At: s.RespondedAt.In(loc),
			Channel: channelName(channels[s.ResponseID]), Rating: rating(s)})
	}
	var cs []notes.Certificate
	if csw != 0 && rid == "" {
		for _, s := range rec.Stars {
			if len(teams) > 0 && !slices.Contains(teams, s.Team) || agent != "" && s.AgentID != agent {
				continue
			}
			cs = append(cs, notes.Certificate{AgentName: person(s.AgentID, s.Team, names).Name, Team: s.Team, Year: csw,
				Days: from.Format("2") + " – " + to.AddDate(0, 0, -1).Format("2 January 2006"), Praise: praised[s.AgentID]})
		}
	}
	if len(ns) == 0 && len(cs) == 0 {
		return "", nil, echo.NewHTTPError(http.StatusNotFound, "no praise with a comment (and no service star) matches "+dayRange(from, to, loc))
	}
	var b bytes.Buffer
	if err := notes.Write(&b, size, ns, cs); err != nil {
		return "", nil, err
	}
	return "thank-you-notes-" + from.In(loc).Format(time.DateOnly) + ".pdf", b.Bytes(), nil
}
