package metrics

import (
	"math"
	"reflect"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

func nearPtr(t *testing.T, what string, got *float64, want, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %.6f", what, want)
		return
	}
	near(t, what, *got, want, tol)
}

// sample is a queue-level period whose every metric is worked out by hand
// in TestCompute.
func sampleCounts() Counts {
	return Counts{
		Offered: 1000, Answered: 900, Abandoned: 100, ShortAbandons: 30,
		AnsweredWithin: 720, WaitAnsweredS: 22500,
		HandledContacts: 900, Legs: 1050, Handled: 950, HandleS: 304000,
		TalkS: 250000, HoldS: 19000, AcwS: 35000, Transferred: 95, Held: 190,
		FCRKnown: 600, FCRResolved: 450,
		OccupiedS: 30000, AvailableS: 40000, ScheduledS: 50000, AdherentS: 45000,
		SurveysLinked: 90, NPSN: 100, Promoters: 50, Detractors: 20,
		CSATN: 50, CSATSatisfied: 40,
		// 20 answers of 5 and 20 of 6: sum 220, squares 20*25 + 20*36 = 1220.
		CESN: 40, CESSum: 220, CESSumSq: 1220,
	}
}

func TestCompute(t *testing.T) {
	v := Compute(sampleCounts(), Default())
	type iv struct{ lo, hi float64 }
	tests := []struct {
		id    string
		value float64
		n     int64
		iv    *iv
	}{
		{IDOffered, 1000, 1000, nil},
		{IDHandled, 900, 900, nil},
		// 304000 s / 950 legs = 320 s.
		{IDAHT, 320, 950, nil},
		// 22500 s / 900 answered = 25 s.
		{IDASA, 25, 900, nil},
		// 720 / (1000 - 30) = 0.742268; Wilson, z² = 3.8416, n = 970:
		// center (0.742268 + 3.8416/1940) / (1 + 3.8416/970) = 0.741312,
		// half 1.96*sqrt(0.742268*0.257732/970 + 3.8416/(4*970²)) / 1.003960 = 0.027488.
		{IDServiceLevel, 720.0 / 970, 970, &iv{0.713825, 0.768800}},
		// (100 - 30) / 970 = 0.072165.
		{IDAbandonRate, 70.0 / 970, 970, &iv{0.057513, 0.090192}},
		// 95 / 950 and 190 / 950.
		{IDTransferRate, 0.1, 950, nil},
		{IDHoldRate, 0.2, 950, nil},
		// 450 / 600.
		{IDFCRRate, 0.75, 600, nil},
		// 30000 / 40000 s and 45000 / 50000 s: no interval for time shares.
		{IDOccupancy, 0.75, 40000, nil},
		{IDAdherence, 0.9, 50000, nil},
		// 100*50/100 - 100*20/100 = 30. Adjusted Wald: n' = 103,
		// p = 50.75/103 = 0.492718, d = 20.75/103 = 0.201456, p-d = 0.291262,
		// var = (0.694175 - 0.291262²) / 103 = 0.00591593, se = 0.076915,
		// 100*(0.291262 ∓ 1.96*0.076915) = 14.0509 .. 44.2016.
		{IDNPS, 30, 100, &iv{14.050853, 44.201574}},
		// 40 / 50 = 0.8; Wilson: den = 1 + 3.8416/50 = 1.076832,
		// center = (0.8 + 0.038416) / den = 0.778595,
		// half = 1.96*sqrt(0.0032 + 0.00038416) / den = 0.108969.
		{IDCSAT, 0.8, 50, &iv{0.669626, 0.887564}},
		// 220 / 40 = 5.5; s² = (1220 - 220²/40) / 39 = 10/39 = 0.256410,
		// se = sqrt(0.256410/40) = 0.080064, t(0.975, 39) = 2.022686,
		// 5.5 ∓ 0.161945.
		{IDCES, 5.5, 40, &iv{5.338055, 5.661945}},
		// 90 / 900.
		{IDSurveyRate, 0.1, 900, nil},
	}
	if len(v) != len(IDs()) {
		t.Fatalf("Compute returned %d metrics, catalog has %d", len(v), len(IDs()))
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got, ok := v[tc.id]
			if !ok {
				t.Fatalf("missing %s", tc.id)
			}
			nearPtr(t, "value", got.Value, tc.value, 1e-9)
			if got.N != tc.n {
				t.Errorf("n = %d, want %d", got.N, tc.n)
			}
			if tc.iv != nil {
				nearPtr(t, "low", got.Low, tc.iv.lo, 1e-5)
				nearPtr(t, "high", got.High, tc.iv.hi, 1e-5)
			}
			if tc.id == IDOccupancy || tc.id == IDAdherence || tc.id == IDAHT || tc.id == IDOffered {
				if got.Low != nil || got.High != nil {
					t.Errorf("%s has an interval, want none", tc.id)
				}
			}
		})
	}
}

func TestComputeUndefined(t *testing.T) {
	v := Compute(Counts{}, Default())
	for _, id := range IDs() {
		t.Run(id, func(t *testing.T) {
			got := v[id]
			switch id {
			case IDOffered, IDHandled: // a count of 0 is defined
				nearPtr(t, "value", got.Value, 0, 0)
			default:
				if got.Value != nil || got.Low != nil || got.High != nil {
					t.Errorf("empty counts: %s = %+v, want undefined", id, got)
				}
			}
			if got.N != 0 {
				t.Errorf("n = %d, want 0", got.N)
			}
		})
	}
}

func TestComputeShortAbandonsOff(t *testing.T) {
	cfg := Default()
	cfg.ShortAbandonS = 0
	c := sampleCounts()
	v := Compute(c, cfg)
	// Short abandons ignored: 720 / 1000 and 100 / 1000.
	nearPtr(t, "service_level", v[IDServiceLevel].Value, 0.72, 1e-12)
	nearPtr(t, "abandon_rate", v[IDAbandonRate].Value, 0.1, 1e-12)
	if v[IDServiceLevel].N != 1000 {
		t.Errorf("service_level n = %d, want 1000", v[IDServiceLevel].N)
	}
}

func TestNPSInterval(t *testing.T) {
	tests := []struct {
		name      string
		p, d, n   int64
		low, high float64
	}{
		// n' = 13, p = 10.75/13 = 0.826923, d = 0.75/13 = 0.057692,
		// p-d = 0.769231, var = (0.884615 - 0.591716)/13 = 0.022531,
		// se = 0.150102; high 100*(0.769231 + 0.294200) = 106.3 -> 100.
		{name: "all promoters", p: 10, d: 0, n: 10, low: 47.503011, high: 100},
		{name: "all detractors", p: 0, d: 10, n: 10, low: -100, high: -47.503011},
		{name: "mixed", p: 50, d: 20, n: 100, low: 14.050853, high: 44.201574},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := NPSInterval(tc.p, tc.d, tc.n, Z95)
			near(t, "low", lo, tc.low, 1e-5)
			near(t, "high", hi, tc.high, 1e-5)
		})
	}
}

func TestWilson(t *testing.T) {
	tests := []struct {
		name      string
		x, n      int64
		low, high float64
	}{
		{"40 of 50", 40, 50, 0.669626, 0.887564},
		// p = 0: center = (1.9208/10)/1.38416 = 0.138770, half equal: 0 .. 0.277540.
		{"0 of 10", 0, 10, 0, 0.277540},
		{"10 of 10", 10, 10, 0.722460, 1},
		{"empty", 0, 0, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := Wilson(tc.x, tc.n, Z95)
			near(t, "low", lo, tc.low, 1e-5)
			near(t, "high", hi, tc.high, 1e-5)
		})
	}
}

func TestCESInterval(t *testing.T) {
	tests := []struct {
		name       string
		sum, sq, n int64
		wantIv     bool
		low, high  float64
	}{
		{name: "no sum of squares", sum: 220, sq: 0, n: 40},
		{name: "one answer", sum: 5, sq: 25, n: 1},
		// 3 answers 4, 5, 6: mean 5, s² = (77 - 75)/2 = 1, se = 1/sqrt(3) = 0.577350,
		// t(0.975, 2) = 4.303: 5 ∓ 2.484339.
		{name: "three answers", sum: 15, sq: 77, n: 3, wantIv: true, low: 2.515661, high: 7},
		{name: "inconsistent squares", sum: 15, sq: 70, n: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := ces(tc.sum, tc.sq, tc.n)
			if !tc.wantIv {
				if v.Low != nil || v.High != nil {
					t.Fatalf("interval %v..%v, want none", *v.Low, *v.High)
				}
				return
			}
			nearPtr(t, "low", v.Low, tc.low, 1e-5)
			nearPtr(t, "high", v.High, tc.high, 1e-5)
		})
	}
}

func TestTQuantile(t *testing.T) {
	// Published t(0.975) values.
	for _, tc := range []struct {
		df   int64
		want float64
	}{{1, 12.706}, {9, 2.262}, {30, 2.042}, {39, 2.0227}, {60, 2.0003}, {120, 1.9799}, {100000, 1.96}} {
		t.Run("", func(t *testing.T) { near(t, "t", tQuantile975(tc.df), tc.want, 6e-4) })
	}
}

func TestTwoProportion(t *testing.T) {
	// 18/100 vs 27/300: pooled 45/400 = 0.1125,
	// se = sqrt(0.1125*0.8875*(1/100 + 1/300)) = 0.036486, z = 0.09/0.036486 = 2.466679,
	// two-sided p = 0.013637.
	z, p, ok := twoProportion(18, 100, 27, 300)
	if !ok {
		t.Fatal("test undefined")
	}
	near(t, "z", z, 2.466679, 1e-5)
	near(t, "p", p, 0.013637, 1e-5)
	if _, _, ok := twoProportion(0, 100, 0, 300); ok {
		t.Error("both shares 0: test should be undefined")
	}
}

func TestCountsAdd(t *testing.T) {
	var c Counts
	if got, want := len(c.fields()), reflect.TypeFor[Counts]().NumField(); got != want {
		t.Fatalf("Counts.fields lists %d fields, the struct has %d", got, want)
	}
	a := sampleCounts()
	c.Add(a)
	c.Add(a)
	rv, ra := reflect.ValueOf(c), reflect.ValueOf(a)
	for i := range rv.NumField() {
		if rv.Field(i).Int() != 2*ra.Field(i).Int() {
			t.Errorf("%s = %d after adding twice, want %d", rv.Type().Field(i).Name, rv.Field(i).Int(), 2*ra.Field(i).Int())
		}
	}
	if d := c.without(a); d != a {
		t.Errorf("without: got %+v, want %+v", d, a)
	}
	if d := (Counts{Offered: 1}).without(Counts{Offered: 5}); d.Offered != 0 {
		t.Errorf("without floors at 0, got %d", d.Offered)
	}
	// Rates of a sum are exact, not means of rates: 720/970 and 90/100 -> 810/1070.
	other := Counts{Offered: 100, AnsweredWithin: 90}
	sum := sampleCounts()
	sum.Add(other)
	nearPtr(t, "service_level of the sum", Compute(sum, Default())[IDServiceLevel].Value, 810.0/1070, 1e-12)
}

func TestFisherExact(t *testing.T) {
	// Reference values computed exactly with rational arithmetic (the sum of
	// hypergeometric probabilities no larger than the observed one), as R's
	// fisher.test(matrix(c(x1, n1-x1, x2, n2-x2), 2))$p.value gives them.
	for _, c := range []struct {
		x1, n1, x2, n2 int64
		p              float64
	}{
		{3, 4, 1, 4, 0.4857143},       // the tea-tasting table: 3/4 vs 1/4
		{1, 1000, 0, 9000, 0.1},       // one event, on the agent's 10% of the legs
		{1, 1000, 0, 1000, 1},         // one event: either side is as likely
		{10, 20, 2, 20, 0.01381415},   // 10/20 vs 2/20
		{0, 10, 10, 10, 1.082509e-05}, // 0/10 vs 10/10
	} {
		p, ok := fisherExact(c.x1, c.n1, c.x2, c.n2)
		if !ok {
			t.Fatalf("%+v: test undefined", c)
		}
		near(t, "p", p, c.p, 1e-6)
	}
	if _, ok := fisherExact(0, 100, 0, 300); ok {
		t.Error("no events: test should be undefined")
	}
}
