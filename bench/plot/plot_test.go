package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A small runs TSV as bench/run.sh --sweep writes it (every column of the harness, two runs at one point).
const smallTSV = "variant\tcontender\tshape\tconnections\trun\trps\tp50_ms\tp99_ms\tupstream_per_req\tgw_cpu_s\tgw_cpu_us_per_req\tsim_cpu_s\tgw_peak_rss_mib\terrors\n" +
	"shared\troomgraph\tS1\t1\t1\t900\t1.0\t2.0\t1\t1\t100\t1\t30\t0\n" +
	"shared\troomgraph\tS1\t1\t2\t1100\t1.0\t4.0\t1\t1\t100\t1\t30\t0\n" +
	"shared\troomgraph\tS1\t32\t1\t9000\t3.0\t12.5\t0.1\t1\t100\t1\t40\t0\n" +
	"shared\ttailcall\tS1\t1\t1\t1500\t0.6\t1.5\t1\t1\t100\t1\t20\t0\n" +
	"shared\ttailcall\tS1\t32\t1\t3800\t8.0\t23.0\t0.1\t1\t100\t1\t25\t0\n" +
	"shared\trest\tS2\t1\t1\t300\t0.2\t0.9\t11\t\t\t1\t\t0\n" +
	"shared\trest\tS2\t32\t1\t1200\t2.0\t9.0\t11\t\t\t1\t\t0\n" +
	"pinned\troomgraph\tS1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t0\n"

// xmlElements parses the SVG as XML and returns every start element's name and attributes.
func xmlElements(t *testing.T, svg []byte) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var out []xml.StartElement
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err, "the SVG must be well-formed XML")
		if se, ok := tok.(xml.StartElement); ok {
			out = append(out, se.Copy())
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestPlotDrawsEverySeries(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "sweep.tsv"), filepath.Join(dir, "sweep.svg")
	require.NoError(t, os.WriteFile(in, []byte(smallTSV), 0o644))
	require.NoError(t, run(in, "shared", out, "S1 & S2 <sweep>"))
	svg, err := os.ReadFile(out)
	require.NoError(t, err)

	els := xmlElements(t, svg)
	require.NotEmpty(t, els)
	assert.Equal(t, "svg", els[0].Name.Local)
	assert.Contains(t, string(svg), "S1 &amp; S2 &lt;sweep&gt;", "the title is escaped")

	series := map[string]string{}
	for _, se := range els {
		if se.Name.Local == "polyline" {
			series[attr(se, "data-series")] = attr(se, "points")
		}
	}
	// Two panels (req/s, p99) per shape, one line per contender that has runs of that shape.
	assert.ElementsMatch(t, []string{
		"roomgraph S1 req/s", "roomgraph S1 p99 ms", "tailcall S1 req/s", "tailcall S1 p99 ms",
		"rest S2 req/s", "rest S2 p99 ms",
	}, keys(series))
	for name, pts := range series {
		assert.Len(t, strings.Fields(pts), 2, "%s: one vertex per connections value", name)
	}
	// The pinned run is another variant: not drawn.
	assert.NotContains(t, string(svg), "pinned")
}

func TestPlotMedianAndScale(t *testing.T) {
	runs, err := readRuns(strings.NewReader(smallTSV))
	require.NoError(t, err)
	s, err := newSweep(runs, "shared")
	require.NoError(t, err)
	assert.Equal(t, []string{"S1", "S2"}, s.shapes)
	assert.Equal(t, []string{"roomgraph", "tailcall", "rest"}, s.contenders)
	assert.Equal(t, []int{1, 32}, s.conns)
	rg := s.series["S1"]["roomgraph"]
	require.Len(t, rg, 2)
	assert.Equal(t, point{1, 1000, 3}, rg[0], "the median of the two runs at one connection")
	assert.Equal(t, point{32, 9000, 12.5}, rg[1])

	// Connections on a log axis: 1 at the left edge, 32 at the right, sqrt(32) half way.
	cx := axis{lo: 1, hi: 32, log: true}
	assert.InDelta(t, 0, cx.frac(1), 1e-9)
	assert.InDelta(t, 0.5, cx.frac(5.656854), 1e-6)
	assert.InDelta(t, 1, cx.frac(32), 1e-9)

	top, ticks := linearTicks(9000)
	assert.Equal(t, 10000.0, top)
	assert.Equal(t, []float64{0, 2000, 4000, 6000, 8000, 10000}, ticks)
	lo, hi, lt := logTicks(0.9, 23)
	assert.Equal(t, 0.1, lo)
	assert.Equal(t, 100.0, hi)
	assert.Contains(t, lt, 1.0)
	assert.Contains(t, lt, 50.0)
	assert.Contains(t, lt, 20.0, "1-2-5 steps over three decades")
	_, _, lt = logTicks(1.5, 2800)
	assert.Equal(t, []float64{1, 5, 10, 50, 100, 500, 1000, 5000, 10000}, lt, "1-5 steps over four decades")
}

func TestPlotRejectsBadInput(t *testing.T) {
	for _, tc := range []struct{ name, tsv, variant, want string }{
		{"empty", "", "shared", "empty file"},
		{"no connections column", "variant\tcontender\tshape\trps\tp99_ms\nshared\trg\tS1\t1\t1\n", "shared", `no column "connections"`},
		{"bad connections", "variant\tcontender\tshape\tconnections\trps\tp99_ms\nshared\trg\tS1\tx\t1\t1\n", "shared", `connections "x"`},
		{"bad rps", "variant\tcontender\tshape\tconnections\trps\tp99_ms\nshared\trg\tS1\t1\tfast\t1\n", "shared", "rps"},
		{"short line", "variant\tcontender\tshape\tconnections\trps\tp99_ms\nshared\trg\n", "shared", "2 columns"},
		{"no run of the variant", smallTSV, "other", `no run of variant "other"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "runs.tsv")
			require.NoError(t, os.WriteFile(in, []byte(tc.tsv), 0o644))
			err := run(in, tc.variant, filepath.Join(t.TempDir(), "out.svg"), "")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
