// Command plot draws the concurrency sweep of bench/run.sh --sweep as an SVG: for one variant, one column per
// shape, requests/s against connections on top and p99 latency against connections below, one line per
// contender, both x axes logarithmic (connections 1 … 256), p99 on a logarithmic axis too. It reads the
// harness's runs TSV (one line per measured run, with a header naming the columns) and plots the median of the
// runs of each point. Nothing but the standard library: the harness must not need a plotting tool.
//
//	plot -in bench/results/sweep.tsv -variant shared -o bench/results/sweep-shared.svg
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "", "runs TSV written by bench/run.sh (columns variant, contender, shape, connections, rps, p99_ms)")
	variant := flag.String("variant", "shared", "which variant's runs to plot (shared | pinned)")
	out := flag.String("o", "", "SVG file to write (default: standard output)")
	title := flag.String("title", "", "title drawn above the plots")
	flag.Parse()
	if err := run(*in, *variant, *out, *title); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

func run(in, variant, out, title string) error {
	if in == "" {
		return fmt.Errorf("-in is required")
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	runs, err := readRuns(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	s, err := newSweep(runs, variant)
	if err != nil {
		return err
	}
	svg := s.svg(title)
	if out == "" {
		_, err = os.Stdout.Write(svg)
		return err
	}
	return os.WriteFile(out, svg, 0o644)
}
