// Command bench measures cutover's copy throughput side by side with the server's
// own ceiling and the everyday peers, on one throwaway MariaDB and one generated
// dataset, and checks every copy against the source. `make bench` runs it:
//
//	go run ./cmd/cutover-bench -bin bin/cutover -rows 2000000
//
// Every method loads into a fresh target schema whose tables are created empty
// from the source's SHOW CREATE TABLE (myloader creates its own, from the same
// statements dumped by mydumper). Results go to stdout as one aligned table and to
// a JSON file, so two runs can be compared.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	bin       string
	rows      int64
	batchRows int64
	jsonPath  string
	profile   bool
	// tenantBatches adds a run with tenant batching of the child tables.
	tenantBatches bool
	// peers runs the ceiling and the other tools; without, only cutover runs.
	peers   bool
	timeout time.Duration
	step    time.Duration
	workers []int
	// only measures one part, repeat times.
	only   string
	repeat int
	// shapes, when set, measures only these shapes (shapes.go).
	shapes []string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "bin", "bin/cutover", "the cutover binary to measure")
	fs.Int64Var(&o.rows, "rows", 2_000_000, "rows to generate, all tables together")
	fs.Int64Var(&o.batchRows, "batch-rows", 50_000, "run.batch_rows of the cutover runs")
	fs.StringVar(&o.jsonPath, "json", "bench-results.json", "where to write the results as JSON")
	fs.BoolVar(&o.peers, "peers", true, "measure the ceiling and the other tools too (false: cutover only, e.g. for the memory check at 5x the rows)")
	fs.BoolVar(&o.tenantBatches, "tenant-batches", true, "also run cutover with the child tables batched by tenant (batching: tenant), for comparison")
	fs.BoolVar(&o.profile, "profile", false, "run cutover once more to attribute CPU time (Go process vs server; perf profile when perf is installed)")
	fs.DurationVar(&o.timeout, "timeout", 90*time.Minute, "limit for the whole benchmark")
	fs.DurationVar(&o.step, "step-timeout", 20*time.Minute, "limit for each command and statement")
	ws := fs.String("workers", "1,2,4", "comma-separated worker counts for the cutover runs")
	fs.StringVar(&o.only, "only", "", "measure only this part: estimate (rehearse, plan, run; twice) or checksums")
	fs.IntVar(&o.repeat, "repeat", 1, "with -only or -shapes: measure that part this many times (the spread of a noisy machine); shapes report the median")
	shapes := fs.String("shapes", "", "measure only these shapes, comma-separated: one (source and target on one server), two (a second server for the target, each pinned to one core): target LOAD DATA INFILE, mydumper+myloader and cutover run side by side, -repeat times")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *shapes != "" {
		for _, s := range strings.Split(*shapes, ",") {
			if s = strings.TrimSpace(s); s != "one" && s != "two" {
				return o, fmt.Errorf("-shapes: %q is not a shape (want one or two)", s)
			}
			o.shapes = append(o.shapes, strings.TrimSpace(s))
		}
		if o.only != "" {
			return o, errors.New("-shapes and -only are alternatives: give one")
		}
	}
	if o.only != "" && o.only != "estimate" && o.only != "checksums" {
		return o, fmt.Errorf("-only %q: want estimate or checksums", o.only)
	}
	if o.repeat < 1 || o.repeat > 20 {
		return o, fmt.Errorf("-repeat %d: want 1 to 20", o.repeat)
	}
	if o.rows < 1000 {
		return o, errors.New("-rows must be at least 1000")
	}
	for _, s := range strings.Split(*ws, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || n < 1 {
			return o, fmt.Errorf("-workers: %q is not a positive number", s)
		}
		o.workers = append(o.workers, n)
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return o, err
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		return o, fmt.Errorf("-bin %s: not a file (run `make build` first)", o.bin)
	}
	o.bin = bin
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	b, err := newBench(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer b.close()

	rep := report{
		Started:   time.Now().UTC().Format(time.RFC3339),
		Machine:   b.machine(ctx),
		Rows:      b.totalRows,
		BatchRows: o.batchRows,
	}
	fmt.Fprintf(stdout, "machine: %d CPUs (%s), %s, server %s\n", rep.Machine.NProc, rep.Machine.Model, rep.Machine.GoArch, rep.Machine.Server)
	fmt.Fprintf(stdout, "dataset: %d rows (%s), %.0f MB of InnoDB data+index; generated in %.1fs\n",
		b.totalRows, b.rowSummary(), float64(b.dataBytes)/1e6, b.genSeconds)
	if b.secureFilePriv != "" {
		fmt.Fprintf(stdout, "secure_file_priv: %s\n", b.secureFilePriv)
	} else {
		fmt.Fprintln(stdout, "secure_file_priv: unset (server-side files allowed wherever the server's user may read and write)")
	}

	if len(o.shapes) > 0 {
		rs, sums, err := b.shapes(ctx, stdout)
		rep.Results, rep.Shapes = rs, sums
		rep.finish()
		fmt.Fprintln(stdout)
		printTable(stdout, rep.Results)
		if werr := writeReport(o.jsonPath, rep, stdout); werr != nil && err == nil {
			err = werr
		}
		return err
	}
	var methods []func(context.Context) ([]result, error)
	switch o.only {
	case "estimate":
		o.peers, o.tenantBatches, o.workers = false, false, o.workers[len(o.workers)-1:]
	case "checksums":
		o.peers, o.tenantBatches = false, false
	}
	if o.only != "" {
		b.o = o
		part := map[string]func(context.Context) ([]result, error){"estimate": b.estimateAccuracy, "checksums": b.checksums}[o.only]
		for range o.repeat {
			methods = append(methods, part)
		}
	}
	if o.peers {
		methods = append(methods, b.ceiling, b.mydumper, b.dumpPipe)
	}
	for _, w := range o.workers {
		if o.only != "" {
			break
		}
		w := w
		methods = append(methods, func(ctx context.Context) ([]result, error) { return b.cutover(ctx, w, "range") })
	}
	if o.tenantBatches {
		// The same run with the child tables batched by tenant, the default:
		// how much key order on both sides is worth.
		w := o.workers[len(o.workers)-1]
		methods = append(methods, func(ctx context.Context) ([]result, error) { return b.cutover(ctx, w, "tenant") })
	}
	if o.only == "" {
		methods = append(methods, b.estimateAccuracy) // estimate.go
		methods = append(methods, b.checksums)        // run with checksums off vs on, verify --checksum (verify.go)
	}
	for _, m := range methods {
		rs, err := m(ctx)
		rep.Results = append(rep.Results, rs...)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintln(stderr, "bench:", err)
		}
	}
	rep.finish()
	fmt.Fprintln(stdout)
	printTable(stdout, rep.Results)
	fmt.Fprintln(stdout, "x ceiling = wall / wall of server-side LOAD DATA INFILE (1 conn); lower is better.")
	fmt.Fprintln(stdout, "peak RSS and client CPU are those of the client processes (for a pipe, the sum of both ends); server CPU is mariadbd's utime+stime during the method.")

	if o.profile {
		p, err := b.profile(ctx, rep.bestWorkers(), stdout)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintln(stderr, "bench: profile:", err)
		}
		rep.Profile = p
	}

	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.jsonPath, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	fmt.Fprintf(stdout, "results written to %s\n", o.jsonPath)
	return nil
}

// machineInfo says where the numbers were measured.
type machineInfo struct {
	NProc  int    `json:"nproc"`
	Model  string `json:"model"`
	GoArch string `json:"goarch"`
	Server string `json:"server"`
}

// report is what the JSON file holds.
type report struct {
	Started   string         `json:"started"`
	Machine   machineInfo    `json:"machine"`
	Rows      int64          `json:"rows"`
	BatchRows int64          `json:"batch_rows"`
	Results   []result       `json:"results"`
	Profile   *profile       `json:"profile,omitempty"`
	Shapes    []shapeSummary `json:"shapes,omitempty"`
}

func writeReport(path string, rep report, stdout io.Writer) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	fmt.Fprintf(stdout, "results written to %s\n", path)
	return nil
}

// result is one measured method. Negative numbers mean "not measured".
type result struct {
	Method     string  `json:"method"`
	Wall       float64 `json:"wall_s"`
	PlanWall   float64 `json:"plan_s,omitempty"` // the part of Wall cutover spent planning
	RowsPerSec float64 `json:"rows_per_s"`
	XCeiling   float64 `json:"x_ceiling"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	ClientCPU  float64 `json:"client_cpu_s"`
	ServerCPU  float64 `json:"server_cpu_s"`
	Valid      string  `json:"valid"`
	Note       string  `json:"note,omitempty"`
	rows       int64
	ceiling    bool
	workers    int // cutover runs only
}

func (r *report) finish() {
	var ceil float64
	for _, x := range r.Results {
		if x.ceiling && x.Wall > 0 {
			ceil = x.Wall
			break
		}
	}
	for i := range r.Results {
		x := &r.Results[i]
		if x.Wall > 0 {
			x.RowsPerSec = float64(x.rows) / x.Wall
			if ceil > 0 {
				x.XCeiling = x.Wall / ceil
			}
		}
	}
}

// bestWorkers is the worker count of the fastest valid cutover run, 2 if none.
func (r *report) bestWorkers() int {
	best, wall := 2, 0.0
	for _, x := range r.Results {
		if x.workers == 0 || x.Valid != "yes" || x.Wall <= 0 {
			continue
		}
		if wall == 0 || x.Wall < wall {
			best, wall = x.workers, x.Wall
		}
	}
	return best
}

func printTable(w io.Writer, rs []result) {
	head := []string{"method", "wall s", "of it plan s", "rows/s", "x ceiling", "peak RSS MiB", "client CPU s", "server CPU s", "valid"}
	cells := [][]string{head}
	num := func(v float64, format string) string {
		if v < 0 {
			return "-"
		}
		return fmt.Sprintf(format, v)
	}
	for _, r := range rs {
		row := []string{r.Method, "-", "-", "-", "-", num(r.PeakRSSMiB, "%.1f"), num(r.ClientCPU, "%.2f"), num(r.ServerCPU, "%.2f"), r.Valid}
		if r.Wall > 0 {
			row[1] = fmt.Sprintf("%.2f", r.Wall)
			row[3] = fmt.Sprintf("%.0f", r.RowsPerSec)
			if r.XCeiling > 0 {
				row[4] = fmt.Sprintf("%.2f", r.XCeiling)
			}
		}
		if r.PlanWall > 0 {
			row[2] = fmt.Sprintf("%.2f", r.PlanWall)
		}
		if r.Note != "" {
			row[len(row)-1] += " (" + r.Note + ")"
		}
		cells = append(cells, row)
	}
	widths := make([]int, len(head))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for n, row := range cells {
		var b strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			switch {
			case i == 0 || i == len(row)-1:
				b.WriteString(c + pad)
			default:
				b.WriteString(pad + c)
			}
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if n == 0 {
			total := len(widths)*2 - 2
			for _, x := range widths {
				total += x
			}
			fmt.Fprintln(w, strings.Repeat("-", total))
		}
	}
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func goArch() string { return runtime.GOOS + "/" + runtime.GOARCH }
