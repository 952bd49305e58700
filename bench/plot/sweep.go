package main

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// measured is one measured wrk run of the harness's TSV.
type measured struct {
	variant, contender, shape string
	connections               int
	rps, p99                  float64
}

// readRuns parses the harness's TSV: a header line naming the columns, then one run a line. Columns other than
// variant, contender, shape, connections, rps and p99_ms are ignored; an empty rps or p99 skips the run.
func readRuns(r io.Reader) ([]measured, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("empty file")
	}
	col := map[string]int{}
	for i, name := range strings.Split(sc.Text(), "\t") {
		col[name] = i
	}
	for _, name := range []string{"variant", "contender", "shape", "connections", "rps", "p99_ms"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("no column %q in the header", name)
		}
	}
	var runs []measured
	for line := 2; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < len(col) {
			return nil, fmt.Errorf("line %d: %d columns, the header has %d", line, len(f), len(col))
		}
		if f[col["rps"]] == "" || f[col["p99_ms"]] == "" {
			continue
		}
		n, err := strconv.Atoi(f[col["connections"]])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("line %d: connections %q", line, f[col["connections"]])
		}
		rps, err := strconv.ParseFloat(f[col["rps"]], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: rps: %w", line, err)
		}
		p99, err := strconv.ParseFloat(f[col["p99_ms"]], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: p99_ms: %w", line, err)
		}
		runs = append(runs, measured{f[col["variant"]], f[col["contender"]], f[col["shape"]], n, rps, p99})
	}
	return runs, sc.Err()
}

// point is the median of a contender's runs at one number of connections.
type point struct {
	connections int
	rps, p99    float64
}

// sweep holds one variant's medians: shapes in order of appearance, per shape and contender the points in
// increasing connections.
type sweep struct {
	shapes, contenders []string
	conns              []int
	series             map[string]map[string][]point // shape → contender → points
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func newSweep(runs []measured, variant string) (*sweep, error) {
	type key struct {
		shape, contender string
		n                int
	}
	rps, p99 := map[key][]float64{}, map[key][]float64{}
	s := &sweep{series: map[string]map[string][]point{}}
	for _, r := range runs {
		if r.variant != variant {
			continue
		}
		k := key{r.shape, r.contender, r.connections}
		if !slices.Contains(s.shapes, r.shape) {
			s.shapes = append(s.shapes, r.shape)
		}
		if !slices.Contains(s.contenders, r.contender) {
			s.contenders = append(s.contenders, r.contender)
		}
		if !slices.Contains(s.conns, r.connections) {
			s.conns = append(s.conns, r.connections)
		}
		rps[k] = append(rps[k], r.rps)
		p99[k] = append(p99[k], r.p99)
	}
	if len(rps) == 0 {
		return nil, fmt.Errorf("no run of variant %q", variant)
	}
	slices.Sort(s.conns)
	for k := range rps {
		if s.series[k.shape] == nil {
			s.series[k.shape] = map[string][]point{}
		}
		s.series[k.shape][k.contender] = append(s.series[k.shape][k.contender], point{k.n, median(rps[k]), median(p99[k])})
	}
	for _, byContender := range s.series {
		for _, pts := range byContender {
			slices.SortFunc(pts, func(a, b point) int { return a.connections - b.connections })
		}
	}
	return s, nil
}

// Colours by contender; others take the spare ones in order.
var colours = map[string]string{
	"roomgraph": "#d62728", "tailcall": "#1f77b4", "hive": "#ff7f0e", "rest": "#7f7f7f",
	"tailcall-dedupe": "#17becf", "roomgraph-nocoalesce": "#e377c2",
}
var spare = []string{"#2ca02c", "#9467bd", "#8c564b", "#bcbd22"}

func (s *sweep) colour(contender string) string {
	if c, ok := colours[contender]; ok {
		return c
	}
	i := 0
	for _, c := range s.contenders {
		if _, ok := colours[c]; ok {
			continue
		}
		if c == contender {
			return spare[i%len(spare)]
		}
		i++
	}
	return "#000000"
}

// Panel geometry (pixels).
const (
	panelW, panelH = 300, 220
	marginL        = 64
	marginT        = 70
	gapX, gapY     = 40, 70
	plotW, plotH   = panelW - 20, panelH - 30
)

// axis maps values to pixels, linearly or on a log10 scale.
type axis struct {
	lo, hi float64
	log    bool
}

func (a axis) frac(v float64) float64 {
	if a.log {
		return (math.Log10(v) - math.Log10(a.lo)) / (math.Log10(a.hi) - math.Log10(a.lo))
	}
	return (v - a.lo) / (a.hi - a.lo)
}

// linearTicks: about five round steps from 0 to at least hi.
func linearTicks(hi float64) (float64, []float64) {
	if hi <= 0 {
		hi = 1
	}
	raw := hi / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	top := math.Ceil(hi/step) * step
	var t []float64
	for v := 0.0; v <= top+step/2; v += step {
		t = append(t, v)
	}
	return top, t
}

// logTicks: 1-2-5 steps covering [lo, hi].
func logTicks(lo, hi float64) (float64, float64, []float64) {
	if lo <= 0 {
		lo = 0.01
	}
	if hi <= lo {
		hi = lo * 10
	}
	l := math.Pow(10, math.Floor(math.Log10(lo)))
	h := math.Pow(10, math.Ceil(math.Log10(hi)))
	// Over more than three decades, 1-5 steps: 1-2-5 would crowd the axis.
	steps := []float64{1, 2, 5}
	if h/l > 1000 {
		steps = []float64{1, 5}
	}
	var t []float64
	for d := l; d <= h*1.0001; d *= 10 {
		for _, m := range steps {
			if v := d * m; v >= l && v <= h*1.0001 {
				t = append(t, v)
			}
		}
	}
	return l, h, t
}

func label(v float64) string {
	switch {
	case v >= 1000 && math.Mod(v, 1000) == 0:
		return strconv.FormatFloat(v/1000, 'f', -1, 64) + "k"
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer: cannot fail
	return b.String()
}

// svg draws the panels: row 0 requests/s (linear from 0), row 1 p99 ms (log), one column per shape.
func (s *sweep) svg(title string) []byte {
	w := marginL + len(s.shapes)*(panelW+gapX)
	h := marginT + 2*(panelH+gapY)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", marginL, esc(title))
	// Legend.
	x := marginL
	for _, c := range s.contenders {
		fmt.Fprintf(&b, `<line x1="%d" y1="40" x2="%d" y2="40" stroke="%s" stroke-width="3"/><text x="%d" y="44">%s</text>`+"\n",
			x, x+24, s.colour(c), x+30, esc(c))
		x += 40 + 8*len(c)
	}
	cx := axis{lo: float64(s.conns[0]), hi: float64(s.conns[len(s.conns)-1]), log: true}
	if cx.hi == cx.lo {
		cx.hi = cx.lo * 2
	}
	for col, shape := range s.shapes {
		for row := range 2 {
			s.panel(&b, shape, row, marginL+col*(panelW+gapX), marginT+row*(panelH+gapY), cx)
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func (s *sweep) panel(b *bytes.Buffer, shape string, row, x0, y0 int, cx axis) {
	var ay axis
	var ticks []float64
	name := "req/s"
	value := func(p point) float64 { return p.rps }
	if row == 1 {
		name = "p99 ms"
		value = func(p point) float64 { return p.p99 }
	}
	lo, hi := math.Inf(1), 0.0
	for _, c := range s.contenders {
		for _, p := range s.series[shape][c] {
			if v := value(p); v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if row == 0 {
		var top float64
		top, ticks = linearTicks(hi)
		ay = axis{lo: 0, hi: top}
	} else {
		var l, h float64
		l, h, ticks = logTicks(lo, hi)
		ay = axis{lo: l, hi: h, log: true}
	}
	px := func(n float64) float64 { return float64(x0) + cx.frac(n)*plotW }
	py := func(v float64) float64 { return float64(y0+plotH) - ay.frac(v)*plotH }
	fmt.Fprintf(b, `<g data-panel="%s %s">`+"\n", esc(shape), esc(name))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="bold">%s — %s</text>`+"\n", x0, y0-10, esc(shape), esc(name))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333333"/>`+"\n", x0, y0, plotW, plotH)
	for _, t := range ticks {
		y := py(t)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			x0, y, x0+plotW, y, x0-4, y+4, label(t))
	}
	for _, n := range s.conns {
		x := px(float64(n))
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#dddddd"/><text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n",
			x, y0, x, y0+plotH, x, y0+plotH+14, n)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">connections (log scale)</text>`+"\n", x0+plotW/2, y0+plotH+28)
	for _, c := range s.contenders {
		pts := s.series[shape][c]
		if len(pts) == 0 {
			continue
		}
		var coords []string
		for _, p := range pts {
			if v := value(p); v > 0 || row == 0 {
				coords = append(coords, fmt.Sprintf("%.1f,%.1f", px(float64(p.connections)), py(v)))
			}
		}
		fmt.Fprintf(b, `<polyline data-series="%s %s %s" points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n",
			esc(c), esc(shape), esc(name), strings.Join(coords, " "), s.colour(c))
		for _, xy := range coords {
			x, y, _ := strings.Cut(xy, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`+"\n", x, y, s.colour(c))
		}
	}
	b.WriteString("</g>\n")
}
