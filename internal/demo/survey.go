package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// survey is one response to a post-contact survey; missing scores are -1.
type survey struct {
	id        string
	c         *contact // the last leg, the one surveyed
	start, at int64
	nps       int
	csat      int
	ces       int
	comment   string
}

// maybeSurvey gives a handled contact a survey response with the team's
// survey rate. Scores come from a latent satisfaction: the agent's level
// (and trend), minus what went wrong (waits, transfers, holds, repeat
// contacts, no resolution), plus Customer Service Week cheer.
func (w *world) maybeSurvey(c *contact, r *rand.Rand) {
	t, a := c.team, c.agent
	if r.Float64() >= t.surveyP {
		return
	}
	var delay float64
	switch t.site.sys {
	case sysAsterisk:
		delay = 15 + 60*r.Float64() // IVR survey right after the call
	case sysConnect:
		delay = 600 + 5400*r.ExpFloat64() // emailed Qualtrics link
	default:
		delay = 120 + 3600*r.ExpFloat64()
	}
	s := &survey{c: c, at: c.end + c.acw + int64(delay), nps: -1, csat: -1, ces: -1}
	if s.at >= w.to.Unix() {
		return
	}
	s.start = s.at - 25 - r.Int64N(150)

	di := w.dayIndex(c.root().arrive)
	mu := a.mu
	if a.fallFrom >= 0 && di >= a.fallFrom {
		mu -= 3.2 * float64(di-a.fallFrom+1) / 28
	}
	if w.inCSWeek(di) {
		mu += 0.35
	}
	var wait, hold int64
	for l := c.root(); l != nil; l = l.next {
		wait += l.wait
		hold += l.hold
	}
	transferred := c.first != nil
	if t.channel == "email" {
		mu -= math.Min(1.5, float64(wait)/3600*0.12)
	} else {
		mu -= math.Min(2.5, float64(wait)/150)
	}
	if transferred {
		mu -= 0.8
	}
	mu -= math.Min(2, float64(hold)*0.006)
	if c.callback {
		mu -= 0.7
	}
	if c.resolved == 0 {
		mu -= 1.2
	}
	x := mu + 1.6*r.NormFloat64()
	s.nps = int(clamp(int64(math.Round(x+0.5*r.NormFloat64())), 0, 10))
	if r.Float64() > 0.03 {
		s.csat = int(clamp(int64(math.Round(1+4*(x-2.5)/7+0.45*r.NormFloat64())), 1, 5))
	}
	if t.site.sys != sysConnect && r.Float64() > 0.1 { // the Qualtrics survey has no effort question
		e := 1 + 6*(x-2)/8.5 + 0.6*r.NormFloat64()
		if transferred {
			e -= 0.8
		}
		if hold > 120 {
			e -= 0.8
		}
		s.ces = int(clamp(int64(math.Round(e)), 1, 7))
	}
	causes := causes{
		wait:       t.channel != "email" && wait > 120 || t.channel == "email" && wait > 4*3600,
		waitText:   waitText(t, wait),
		transfer:   transferred,
		hold:       hold > 120,
		rushed:     float64(c.talk) < 0.45*t.talkMedian,
		callback:   c.callback,
		unresolved: c.resolved == 0,
	}
	s.comment = comment(r, t, a, s.nps, causes)
	w.respSeq++
	if t.site.sys == sysConnect {
		s.id = qualtricsID(r)
	} else {
		s.id = fmt.Sprintf("SR%08d", w.respSeq)
	}
	c.survey = s
	w.surveys = append(w.surveys, s)
}

func qualtricsID(r *rand.Rand) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := []byte("R_")
	for range 15 {
		b = append(b, alnum[r.IntN(len(alnum))])
	}
	return string(b)
}

type causes struct {
	wait, transfer, hold, rushed, callback, unresolved bool
	waitText                                           string
}

func waitText(t *team, wait int64) string {
	if t.channel == "email" {
		return fmt.Sprintf("%d hours", max(1, wait/3600))
	}
	return fmt.Sprintf("%d minutes", max(1, wait/60))
}

var topics = map[string][]string{
	"Billing":      {"my bill", "the charges on my account", "my refund"},
	"Tech Support": {"my internet connection", "the router", "my broadband"},
	"Orders":       {"my order", "the delivery", "a missing parcel"},
	"Retention":    {"my contract", "my plan", "the renewal price"},
	"Chat":         {"my account", "my password", "the app"},
	"Email":        {"my refund", "my account", "the invoice"},
}

var (
	praiseNamed = []string{
		"{name} was brilliant, sorted it in one go.",
		"Thank you {name}! Really patient and friendly.",
		"{name} went above and beyond to help me with {topic}.",
		"Big thanks to {name}, who explained {topic} clearly.",
		"Please pass my thanks to {name}.",
		"{name} made a stressful day so much easier.",
		"Muy amable, gracias {name}.",
		"{name} was friendly, knew the answer straight away and even followed up.",
	}
	praise = []string{
		"Quick, friendly and sorted {topic} straight away.",
		"Really helpful agent, no complaints at all.",
		"Great service, thank you.",
		"Easy and fast, exactly what I needed.",
		"Very professional, answered all my questions.",
		"Best customer service I've had in ages!",
		"Great help \u2014 thanks!",
	}
	passive = []string{
		"Fine overall, though it took a while.",
		"Got there in the end.",
		"Okay, but I had to explain {topic} twice.",
		"Helpful enough, though {topic} took longer than it should have.",
		"Decent, not amazing.",
		"The agent was nice but the process is slow.",
	}
	complaints = map[string][]string{
		"wait":       {"Waited far too long to get through.", "Over {wait} waiting, not acceptable.", "Took {wait} to get anyone."},
		"slowReply":  {"Took {wait} to get a reply.", "Over {wait} for an answer to a simple email."},
		"transfer":   {"Got passed from one department to another.", "Transferred and had to repeat everything."},
		"hold":       {"Kept on hold for ages.", "Put on hold again and again, very frustrating."},
		"rushed":     {"The agent rushed me.", "Felt like they just wanted to get rid of me.", "Quick, yes, but {topic} still isn't fixed."},
		"callback":   {"This is the second time I've had to contact you about this.", "Still not fixed after my last call."},
		"unresolved": {"Problem still not resolved.", "Nobody could tell me what is going on with {topic}."},
		"general":    {"Not happy with the service.", "Very disappointing, considering switching.", "Unhelpful, sorry to say.", "The \"priority\" line is anything but."},
	}
)

// comment writes a free-text answer that matches the score and what went
// wrong, or "" (most respondents leave none).
func comment(r *rand.Rand, t *team, a *agent, nps int, c causes) string {
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	var text string
	switch {
	case nps >= 9:
		p, named := 0.35, 0.35
		if a.pattern == PatternStar {
			p, named = 0.55, 0.7
		}
		if r.Float64() > p {
			return ""
		}
		if r.Float64() < named {
			text = pick(praiseNamed)
		} else {
			text = pick(praise)
		}
	case nps >= 7:
		if r.Float64() > 0.25 {
			return ""
		}
		text = pick(passive)
	default:
		if r.Float64() > 0.55 {
			return ""
		}
		var keys []string
		for _, k := range []struct {
			on  bool
			key string
		}{{c.wait, "wait"}, {c.transfer, "transfer"}, {c.hold, "hold"}, {c.rushed, "rushed"},
			{c.callback, "callback"}, {c.unresolved, "unresolved"}} {
			if k.on {
				keys = append(keys, k.key)
			}
		}
		if len(keys) == 0 {
			keys = []string{"general"}
		}
		key := keys[r.IntN(len(keys))]
		if key == "wait" && t.channel == "email" {
			key = "slowReply"
		}
		text = pick(complaints[key])
		if r.Float64() < 0.3 {
			text += " " + pick(complaints["general"])
		}
	}
	return strings.NewReplacer("{name}", a.first, "{topic}", pick(topics[t.name]), "{wait}", c.waitText).Replace(text)
}
