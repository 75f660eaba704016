package digest_test

import (
	"context"
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// relay is a real SMTP server on loopback (go-smtp) that keeps what it
// receives.
type relay struct {
	mu   sync.Mutex
	msgs []received
	addr *net.TCPAddr
}

type received struct {
	from string
	to   []string
	data []byte
}

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{r: r}, nil }

type session struct {
	r   *relay
	cur received
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, s.cur)
	s.r.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func (r *relay) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

func startRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{}
	srv := smtp.NewServer(r)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().(*net.TCPAddr)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return r
}

// parts is a parsed digest: headers and the decoded text and HTML parts,
// the inline images and attachments.
type parts struct {
	header      mail.Header
	text, html  string
	images      map[string][]byte // Content-ID -> PNG
	attachments []string          // content types
}

func parse(t *testing.T, raw []byte) parts {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	p := parts{header: m.Header, images: map[string][]byte{}}
	var walk func(ctype string, body io.Reader, cid, disp string)
	walk = func(ctype string, body io.Reader, cid, disp string) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextRawPart()
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var r io.Reader = part
				if part.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
					r = quotedPrintable(part)
				} else if part.Header.Get("Content-Transfer-Encoding") == "base64" {
					r = base64Reader(part)
				}
				walk(part.Header.Get("Content-Type"), r, strings.Trim(part.Header.Get("Content-ID"), "<>"), part.Header.Get("Content-Disposition"))
			}
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(disp, "attachment"):
			p.attachments = append(p.attachments, mt)
		case mt == "text/plain":
			p.text = string(b)
		case mt == "text/html":
			p.html = string(b)
		case mt == "image/png":
			p.images[cid] = b
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body, "", "")
	return p
}

var agentID = regexp.MustCompile(`\ba\d{3}\b`)

func TestSendThroughSMTP(t *testing.T) {
	c := demoCenter(t)
	ctx := context.Background()
	r := startRelay(t)
	no := false
	dcfg := digest.Config{
		From:      "Service scorecard <scorecards@example.com>",
		SMTP:      digest.SMTPConfig{Host: "127.0.0.1", Port: r.addr.Port, StartTLS: &no, TimeoutS: 20},
		Schedule:  digest.Schedule{Weekday: "monday", Time: "07:00"},
		Executive: []digest.Recipient{{Name: "Ops Director", Email: "ops@example.com"}, {Name: "CFO", Email: "cfo@example.com"}},
		Supervisor: []digest.Recipient{{Name: "Billing lead", Email: "billing@example.com", Teams: []string{"Billing"}},
			{Name: "Tech lead", Email: "tech@example.com", Teams: []string{"Tech Support"}}},
	}
	dir := digest.StoreDirectory{Conn: c.st.Conn()}
	newSender := func(now time.Time) *digest.Sender {
		return &digest.Sender{Source: c.eng, Directory: dir, Metrics: c.cfg, Config: dcfg,
			Mailer: digest.SMTP{Config: dcfg.SMTP}, Ledger: &digest.Ledger{Conn: c.st.Conn()}, Now: func() time.Time { return now }}
	}
	// Monday 2026-11-02 08:00 Chicago: last week's digests are due (07:00).
	now := time.Date(2026, 11, 2, 8, 0, 0, 0, c.loc)
	first := newSender(now)
	first.RunDue(ctx)
	got := r.received()
	if len(got) != 4 {
		t.Fatalf("relay received %d messages, want 2 executive + 2 supervisor", len(got))
	}
	byTo := map[string]parts{}
	for _, g := range got {
		byTo[g.to[0]] = parse(t, g.data)
	}

	// The executive digest carries the API's numbers for the same week.
	week := c.week
	end := metrics.Next(week, metrics.GrainWeek, c.loc)
	org, err := c.eng.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelOrg, Grain: metrics.GrainWeek, From: week, To: end})
	if err != nil || len(org) != 1 {
		t.Fatalf("org card: %v, %d cards", err, len(org))
	}
	ex := byTo["ops@example.com"]
	want := "Service score " + strconv.Itoa(int(math.Round(*org[0].Score)))
	if !strings.Contains(ex.text, want) {
		t.Errorf("text part lacks %q:\n%s", want, ex.text)
	}
	nps := org[0].Metrics[metrics.IDNPS]
	iv := org[0].Intervals[metrics.IDNPS]
	for _, s := range []string{"NPS", strconv.Itoa(int(math.Round(*nps))), "n " + thousandsOf(org[0].N[metrics.IDNPS]) + " answers",
		"95% " + signedOf(iv.Low) + " to " + signedOf(iv.High), "partial week"} {
		if !strings.Contains(ex.text, s) {
			t.Errorf("executive text lacks %q", s)
		}
	}
	teams, _ := c.eng.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelTeam, Grain: metrics.GrainWeek, From: week, To: end})
	for _, tc := range teams {
		if !strings.Contains(ex.html, ">"+tc.Key+"<") {
			t.Errorf("team %s missing from the executive HTML", tc.Key)
		}
	}
	if len(ex.images) != 2 {
		t.Errorf("executive digest has %d inline images, want the trend and the team chart", len(ex.images))
	}
	for cid, png := range ex.images {
		if !strings.Contains(ex.html, "cid:"+cid) || !strings.HasPrefix(string(png), "\x89PNG") {
			t.Errorf("image %s is not a PNG referred to by the HTML", cid)
		}
	}
	if strings.Contains(ex.html, "<script") || regexp.MustCompile(`(src|href)="https?:`).MatchString(ex.html) {
		t.Error("executive HTML has a script or an external asset")
	}
	// No agent rows: no agent id, and no agent-level card's name beside a KPI.
	agents, _ := c.eng.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelAgent, Grain: metrics.GrainWeek, From: week, To: end})
	if len(agents) == 0 {
		t.Fatal("no agent cards to check against")
	}
	if m := agentID.FindString(ex.text + ex.html); m != "" {
		t.Errorf("executive digest names agent id %s", m)
	}
	names, _ := dir.AgentNames(ctx)
	for _, line := range strings.Split(ex.text, "\n") {
		for _, a := range agents {
			if n := names[a.Key]; n != "" && strings.Contains(line, n) && (strings.Contains(line, "AHT") || strings.Contains(line, "NPS ") && !strings.Contains(line, ",")) {
				t.Errorf("executive text has an agent row: %q", line)
			}
		}
	}

	// Supervisors: their team only.
	sup := byTo["billing@example.com"]
	if !strings.Contains(sup.text, "==== Billing ====") {
		t.Errorf("billing digest lacks its team:\n%.400s", sup.text)
	}
	for _, a := range agents {
		if a.Team == "Billing" {
			continue
		}
		n := names[a.Key]
		if n != "" && strings.Contains(sup.text+sup.html, n) && !billingAgent(agents, a.Key) {
			t.Errorf("billing digest names %s of %s", n, a.Team)
		}
	}
	for _, tc := range teams {
		if tc.Key != "Billing" && strings.Contains(sup.text, tc.Key) {
			t.Errorf("billing digest mentions team %s", tc.Key)
		}
	}
	if len(sup.attachments) != 1 || sup.attachments[0] != "application/pdf" {
		t.Errorf("billing digest attachments %v, want the thank-you notes PDF", sup.attachments)
	}

	// A restart: a new sender over the same ledger sends nothing again.
	second := newSender(now.Add(time.Hour))
	second.RunDue(ctx)
	res, err := second.Send(ctx, digest.Executive, week, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Status != digest.StatusSkipped {
			t.Errorf("after a restart %s: %s, want skipped", x.Recipient, x.Status)
		}
	}
	if n := len(r.received()); n != 4 {
		t.Errorf("relay has %d messages after the restart, want still 4", n)
	}
	// Before the schedule, nothing is due for the next week.
	newSender(time.Date(2026, 11, 9, 6, 0, 0, 0, c.loc)).RunDue(ctx)
	if n := len(r.received()); n != 4 {
		t.Errorf("sent before the scheduled time: %d messages", n)
	}
}

func billingAgent(agents []metrics.Card, id string) bool {
	for _, a := range agents {
		if a.Key == id && a.Team == "Billing" {
			return true
		}
	}
	return false
}

func thousandsOf(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func signedOf(x float64) string {
	r := math.Round(x)
	if r < 0 {
		return "−" + strconv.Itoa(int(-r))
	}
	return strconv.Itoa(int(r))
}
