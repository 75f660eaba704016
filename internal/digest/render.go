package digest

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates
var templateFS embed.FS

// styles are inline: many mail clients drop <style> blocks. Fonts are
// the system's; colours the Okabe-Ito palette of the pages.
var styles = map[string]string{
	"body":      "margin:0;padding:0;background:#f3f4f6;color:#1a1a1a;font-family:Arial,Helvetica,sans-serif;",
	"outer":     "background:#f3f4f6;",
	"card":      "background:#ffffff;border:1px solid #dddddd;border-collapse:collapse;",
	"head":      "padding:20px 24px 12px;border-bottom:3px solid #0072b2;",
	"kicker":    "font-size:12px;letter-spacing:1px;text-transform:uppercase;color:#5f6368;",
	"h1":        "font-size:24px;font-weight:bold;margin:4px 0;",
	"h2":        "font-size:17px;font-weight:bold;margin:0 0 8px;",
	"h3":        "font-size:15px;font-weight:bold;margin:0 0 4px;",
	"teamhead":  "padding:14px 24px;background:#0072b2;color:#ffffff;font-size:20px;font-weight:bold;",
	"section":   "padding:16px 24px;border-bottom:1px solid #eeeeee;",
	"muted":     "color:#5f6368;font-size:14px;",
	"small":     "color:#5f6368;font-size:12px;line-height:1.4;margin-top:6px;",
	"tiny":      "color:#5f6368;font-size:11px;font-weight:normal;",
	"p":         "font-size:14px;line-height:1.45;margin:0 0 8px;",
	"tile":      "padding:8px 10px;border:1px solid #eeeeee;vertical-align:top;",
	"tilelabel": "font-size:13px;color:#5f6368;",
	"big":       "font-size:40px;font-weight:bold;line-height:1.1;",
	"mid":       "font-size:30px;font-weight:bold;line-height:1.2;",
	"table":     "border-collapse:collapse;font-size:14px;margin-top:6px;",
	"th":        "text-align:left;font-size:12px;color:#5f6368;font-weight:normal;border-bottom:1px solid #dddddd;padding:4px 6px;",
	"thr":       "text-align:right;font-size:12px;color:#5f6368;font-weight:normal;border-bottom:1px solid #dddddd;padding:4px 6px;",
	"td":        "text-align:left;padding:6px;border-bottom:1px solid #eeeeee;vertical-align:top;",
	"tdr":       "text-align:right;padding:6px;border-bottom:1px solid #eeeeee;vertical-align:top;white-space:nowrap;",
	"gap":       "text-align:center;color:#999999;padding:6px 2px;border-bottom:1px solid #eeeeee;",
	"val":       "font-size:16px;font-weight:bold;",
	"met":       "font-size:16px;font-weight:bold;color:#007a5a;",
	"img":       "display:block;width:100%;max-width:600px;height:auto;border:0;",
	"quote":     "border-left:4px solid #009e73;background:#f4fbf8;padding:8px 12px;",
	"complaint": "border-left:4px solid #d55e00;background:#fdf5ef;padding:8px 12px;",
	"quotetext": "font-size:15px;line-height:1.45;font-style:italic;",
	"opp":       "border:1px solid #dddddd;padding:10px 12px;margin:10px 0;",
	"star":      "color:#8a6d00;font-size:12px;",
	"foot":      "padding:14px 24px;color:#5f6368;font-size:12px;line-height:1.4;",
}

var funcs = map[string]any{
	"st": func(name string) htmltemplate.CSS {
		s, ok := styles[name]
		if !ok {
			panic("digest: no style " + name) // a template bug; tests render every template
		}
		return htmltemplate.CSS(s)
	},
	"score": score,
	"count": thousands,
}

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	textTmpl = texttemplate.Must(texttemplate.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.txt"))
)

// view is what every template gets.
type view struct {
	Title, Kicker, Subtitle, Footer string
	D                               any
	TrendCID, TeamsCID, TrendAlt    string
	TeamsHeight                     int
	HasPartial                      bool
	NotesAttached                   bool
}

func render(name string, v view) (html, text string, err error) {
	var h, t bytes.Buffer
	if err := htmlTmpl.ExecuteTemplate(&h, name+".html", v); err != nil {
		return "", "", fmt.Errorf("digest: render %s.html: %w", name, err)
	}
	if err := textTmpl.ExecuteTemplate(&t, name+".txt", v); err != nil {
		return "", "", fmt.Errorf("digest: render %s.txt: %w", name, err)
	}
	return h.String(), strings.TrimLeft(t.String(), "\n"), nil
}

func domainOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			return d
		}
	}
	return "servicecard.invalid"
}

// Message renders the executive digest for one recipient.
func (d *ExecutiveDigest) Message(from string, to Recipient, now time.Time) (*Message, error) {
	domain := domainOf(from)
	id := newMessageID(domain)
	v := view{
		Title:    "Service scorecard, week " + d.WeekName,
		Kicker:   "Weekly executive digest",
		Subtitle: d.Range + " · " + d.Zone,
		Footer:   "Sent by servicecard to " + to.Email + " as an executive. Organisation and team results only: agents' own KPIs stay with their supervisors.",
		D:        d,
		TrendCID: "trend." + id, TeamsCID: "teams." + id,
	}
	var pts []trendPoint
	var alt []string
	for _, w := range d.Trend {
		pts = append(pts, trendPoint{Label: w.Label, Score: w.Score, Internal: w.Internal, External: w.External, Partial: w.Partial})
		v.HasPartial = v.HasPartial || w.Partial
		alt = append(alt, w.Label+" "+score(w.Score))
	}
	v.TrendAlt = "Service score by week: " + strings.Join(alt, ", ")
	var bars []teamBar
	for _, t := range d.Teams {
		bars = append(bars, teamBar{Name: t.Name, Score: t.Score, Internal: t.Internal, External: t.External})
	}
	v.TeamsHeight = int(10 + 30*float64(len(bars)) + 34)
	html, text, err := render("executive", v)
	if err != nil {
		return nil, err
	}
	m := &Message{From: from, To: to.Address(), Subject: fmt.Sprintf("Service scorecard %s: score %s", d.WeekName, score(d.Score)),
		Date: now, MessageID: id, HTML: html, Text: text,
		Inline: []Part{{ContentID: v.TrendCID, Filename: "trend.png", ContentType: "image/png", Data: trendChart(pts)}}}
	if len(bars) > 0 {
		m.Inline = append(m.Inline, Part{ContentID: v.TeamsCID, Filename: "teams.png", ContentType: "image/png", Data: teamChart(bars, d.Score)})
	}
	return m, nil
}

// Message renders a supervisor's digest; notes, when not nil, is the PDF
// of the week's thank-you notes, attached.
func (d *SupervisorDigest) Message(from string, now time.Time, notes []byte) (*Message, error) {
	id := newMessageID(domainOf(from))
	v := view{
		Title:         "Your teams, week " + d.WeekName,
		Kicker:        "Weekly supervisor digest · " + strings.Join(d.Recipient.Teams, ", "),
		Subtitle:      d.Range + " · " + d.Zone,
		Footer:        "Sent by servicecard to " + d.Recipient.Email + " for " + strings.Join(d.Recipient.Teams, ", ") + " only. Agent results are for coaching conversations, not for public ranking.",
		D:             d,
		NotesAttached: notes != nil,
	}
	html, text, err := render("supervisor", v)
	if err != nil {
		return nil, err
	}
	var praised int
	for _, t := range d.Teams {
		praised += len(t.ThankYous)
	}
	m := &Message{From: from, To: d.Recipient.Address(), Date: now, MessageID: id, HTML: html, Text: text,
		Subject: fmt.Sprintf("Your teams %s: %d agent%s to thank", d.WeekName, praised, plural(praised))}
	if notes != nil {
		m.Attachments = []Part{{Filename: "thank-you-notes-" + d.WeekName + ".pdf", ContentType: "application/pdf", Data: notes}}
	}
	return m, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
