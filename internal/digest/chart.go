package digest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Charts are PNGs: mail clients block SVG and data: URIs, so the HTML
// part refers to them by Content-ID. They are drawn at twice their shown
// size for high-density screens, in the Okabe-Ito colour-blind-safe
// palette the pages use.
const chartScale = 2

var (
	colInk       = color.RGBA{0x1a, 0x1a, 0x1a, 0xff}
	colMuted     = color.RGBA{0x5f, 0x63, 0x68, 0xff}
	colGrid      = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	colPartial   = color.RGBA{0xf1, 0xf1, 0xf1, 0xff}
	colComposite = color.RGBA{0x00, 0x00, 0x00, 0xff}
	colInternal  = color.RGBA{0x00, 0x72, 0xb2, 0xff} // blue
	colExternal  = color.RGBA{0xd5, 0x5e, 0x00, 0xff} // vermillion
	colTarget    = color.RGBA{0x00, 0x9e, 0x73, 0xff} // bluish green
)

var fonts struct {
	once          sync.Once
	regular, bold *opentype.Font
	err           error
}

func face(size float64, bold bool) font.Face {
	fonts.once.Do(func() {
		if fonts.regular, fonts.err = opentype.Parse(goregular.TTF); fonts.err == nil {
			fonts.bold, fonts.err = opentype.Parse(gobold.TTF)
		}
	})
	f := fonts.regular
	if bold {
		f = fonts.bold
	}
	if fonts.err != nil {
		panic(fmt.Sprintf("digest: embedded Go font: %v", fonts.err)) // compiled in: cannot fail
	}
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size * chartScale, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(fmt.Sprintf("digest: font face: %v", err))
	}
	return fc
}

// canvas draws in shown pixels; it rasterises at chartScale.
type canvas struct {
	img  *image.RGBA
	w, h float64
}

func newCanvas(w, h int) *canvas {
	img := image.NewRGBA(image.Rect(0, 0, w*chartScale, h*chartScale))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return &canvas{img: img, w: float64(w), h: float64(h)}
}

func (c *canvas) fill(pts [][2]float64, col color.Color) {
	r := vector.NewRasterizer(c.img.Bounds().Dx(), c.img.Bounds().Dy())
	for i, p := range pts {
		x, y := float32(p[0]*chartScale), float32(p[1]*chartScale)
		if i == 0 {
			r.MoveTo(x, y)
		} else {
			r.LineTo(x, y)
		}
	}
	r.ClosePath()
	r.Draw(c.img, c.img.Bounds(), image.NewUniform(col), image.Point{})
}

func (c *canvas) rect(x, y, w, h float64, col color.Color) {
	c.fill([][2]float64{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}, col)
}

// line strokes a segment of width wd as a quadrilateral.
func (c *canvas) line(x1, y1, x2, y2, wd float64, col color.Color) {
	dx, dy := x2-x1, y2-y1
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l*wd/2, dx/l*wd/2
	c.fill([][2]float64{{x1 + nx, y1 + ny}, {x2 + nx, y2 + ny}, {x2 - nx, y2 - ny}, {x1 - nx, y1 - ny}}, col)
}

func (c *canvas) circle(cx, cy, r float64, col color.Color) {
	const n = 24
	pts := make([][2]float64, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / n
		pts[i] = [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	c.fill(pts, col)
}

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// text writes s with its baseline at y.
func (c *canvas) text(s string, x, y, size float64, bold bool, col color.Color, a align) {
	f := face(size, bold)
	defer f.Close()
	d := &font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: f}
	wdt := float64(d.MeasureString(s)) / 64 / chartScale
	switch a {
	case alignCenter:
		x -= wdt / 2
	case alignRight:
		x -= wdt
	}
	d.Dot = fixed.P(int(x*chartScale), int(y*chartScale))
	d.DrawString(s)
}

func (c *canvas) png() []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, c.img); err != nil {
		panic(fmt.Sprintf("digest: encode png: %v", err)) // writing to memory cannot fail
	}
	return b.Bytes()
}

// trendPoint is one week of the trend chart.
type trendPoint struct {
	Label                     string // "Oct 6"
	Score, Internal, External *float64
	Partial                   bool
}

// trendChart draws the composite and its two subscores over the weeks, 0
// to 100, partial weeks shaded and their points hollow.
func trendChart(pts []trendPoint) []byte {
	const w, h = 600, 250
	const left, right, top, bottom = 34.0, 12.0, 14.0, 40.0
	c := newCanvas(w, h)
	pw, ph := w-left-right, h-top-bottom
	n := len(pts)
	step := pw / float64(max(n, 1))
	x := func(i int) float64 { return left + step*(float64(i)+0.5) }
	y := func(v float64) float64 { return top + ph*(1-v/100) }
	for i, p := range pts {
		if p.Partial {
			c.rect(left+step*float64(i), top, step, ph, colPartial)
			c.text("partial", x(i), top+ph-4, 9, false, colMuted, alignCenter)
		}
	}
	for _, v := range []float64{0, 25, 50, 75, 100} {
		c.line(left, y(v), left+pw, y(v), 1, colGrid)
		c.text(fmt.Sprint(v), left-5, y(v)+4, 10, false, colMuted, alignRight)
	}
	for i, p := range pts {
		if i%2 == (n-1)%2 { // every other week, always the last
			c.text(p.Label, x(i), top+ph+16, 10, i == n-1, colMuted, alignCenter)
		}
	}
	series := []struct {
		val   func(trendPoint) *float64
		col   color.Color
		width float64
	}{
		{func(p trendPoint) *float64 { return p.Internal }, colInternal, 2},
		{func(p trendPoint) *float64 { return p.External }, colExternal, 2},
		{func(p trendPoint) *float64 { return p.Score }, colComposite, 3},
	}
	for _, s := range series {
		prev := -1
		for i, p := range pts {
			v := s.val(p)
			if v == nil {
				prev = -1
				continue
			}
			if prev >= 0 {
				c.line(x(prev), y(*s.val(pts[prev])), x(i), y(*v), s.width, s.col)
			}
			prev = i
		}
		for i, p := range pts {
			if v := s.val(p); v != nil {
				c.circle(x(i), y(*v), s.width+2, s.col)
				if p.Partial {
					c.circle(x(i), y(*v), s.width, colPartial)
				}
			}
		}
	}
	// Legend under the axis labels.
	lx := left
	for _, l := range []struct {
		name string
		col  color.Color
	}{{"Service score", colComposite}, {"Operations (internal)", colInternal}, {"Customers (external)", colExternal}} {
		c.rect(lx, h-12, 14, 4, l.col)
		c.text(l.name, lx+18, h-7, 10, false, colInk, alignLeft)
		lx += 150
	}
	return c.png()
}

// teamBar is one team in the comparison chart.
type teamBar struct {
	Name                      string
	Score, Internal, External *float64
}

// teamChart draws each team's composite as a bar with its two subscores
// as ticks, and the organisation's composite as a dashed rule.
func teamChart(teams []teamBar, org *float64) []byte {
	const w = 600
	const rowH, top, labelW, right = 30.0, 10.0, 150.0, 44.0
	h := int(top + rowH*float64(len(teams)) + 34)
	c := newCanvas(w, h)
	pw := float64(w) - labelW - right
	x := func(v float64) float64 { return labelW + pw*v/100 }
	for _, v := range []float64{0, 50, 100} {
		c.line(x(v), top, x(v), top+rowH*float64(len(teams)), 1, colGrid)
	}
	for i, t := range teams {
		y := top + rowH*float64(i)
		name := t.Name
		if len(name) > 22 {
			name = name[:21] + "…"
		}
		c.text(name, labelW-8, y+19, 12, false, colInk, alignRight)
		if t.Score == nil {
			c.text("no composite (too few answers)", x(0)+4, y+19, 10, false, colMuted, alignLeft)
			continue
		}
		c.rect(x(0), y+6, x(*t.Score)-x(0), 18, color.RGBA{0x56, 0xb4, 0xe9, 0xff})
		c.text(fmt.Sprintf("%.0f", *t.Score), float64(w)-6, y+20, 13, true, colInk, alignRight)
		for _, s := range []struct {
			v   *float64
			col color.Color
		}{{t.Internal, colInternal}, {t.External, colExternal}} {
			if s.v != nil {
				c.line(x(*s.v), y+3, x(*s.v), y+27, 3, s.col)
			}
		}
	}
	bottom := top + rowH*float64(len(teams))
	if org != nil {
		for yy := top; yy < bottom; yy += 8 {
			c.line(x(*org), yy, x(*org), math.Min(yy+4, bottom), 1.5, colInk)
		}
	}
	lx := labelW
	for _, l := range []struct {
		name string
		col  color.Color
	}{{"Service score", color.RGBA{0x56, 0xb4, 0xe9, 0xff}}, {"Operations", colInternal}, {"Customers", colExternal}, {"Organisation (dashed)", colInk}} {
		c.rect(lx, bottom+16, 12, 6, l.col)
		c.text(l.name, lx+16, bottom+23, 10, false, colInk, alignLeft)
		lx += 100
	}
	return c.png()
}
