package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/testdb"
)

// Shapes: the comparisons of the deferred-index issue, one run of each method
// side by side, repeated -repeat times, ratios per repetition and their median.
//
//	one: source and target on one server (the generated data outgrows the
//	     128M buffer pool from about 1.5M rows)
//	two: the target on a second throwaway server of its own, the source
//	     reached over TCP, each server pinned to one core with taskset when
//	     it is installed, as two hosts would be
//
// Each repetition runs the target's own LOAD DATA INFILE (1 connection, files
// the source wrote with SELECT INTO OUTFILE, into the indexed tables),
// mydumper + myloader -t 4 end to end when installed, and cutover run; every
// copy is checked with CHECKSUM TABLE and SHOW CREATE TABLE.

// second is the second server of shape two.
type second struct {
	srv *testdb.Server
	pid int
}

// target is the server the copies go to.
func (b *bench) target() *testdb.Server {
	if b.tgtSrv != nil {
		return b.tgtSrv.srv
	}
	return b.srv
}

// srcConn are the connection flags of a source-side client tool.
func (b *bench) srcConn() []string {
	if b.srcTCP != "" {
		host, port, _ := net.SplitHostPort(b.srcTCP)
		return []string{"-h", host, "-P", port}
	}
	return []string{"-S", b.srv.Socket}
}

// srcDSN is cutover's source DSN.
func (b *bench) srcDSN() string {
	if b.srcTCP != "" {
		return "root@tcp(" + b.srcTCP + ")/" + b.src
	}
	return b.srv.DSN(b.src)
}

// shapeRun is one repetition of one shape.
type shapeRun struct {
	ceiling, dumper, cutover result
}

// shapeSummary is one shape's medians, for the table and the JSON file.
type shapeSummary struct {
	Shape        string    `json:"shape"`
	Repeat       int       `json:"repeat"`
	Ceiling      []float64 `json:"ceiling_s"`
	Mydumper     []float64 `json:"mydumper_s,omitempty"`
	Cutover      []float64 `json:"cutover_s"`
	XCeiling     []float64 `json:"cutover_x_ceiling"`
	XMydumper    []float64 `json:"cutover_x_mydumper,omitempty"`
	MedianXCeil  float64   `json:"median_x_ceiling"`
	MedianXDump  float64   `json:"median_x_mydumper,omitempty"`
	CutoverRSS   float64   `json:"cutover_peak_rss_mib"`
	CutoverCPU   []float64 `json:"cutover_client_cpu_s"`
	CutoverSrv   []float64 `json:"cutover_server_cpu_s"`
	AllValid     bool      `json:"all_valid"`
	PinnedToCore bool      `json:"pinned,omitempty"`
}

// shapes runs every shape of o.shapes -repeat times.
func (b *bench) shapes(ctx context.Context, stdout io.Writer) ([]result, []shapeSummary, error) {
	var out []result
	var sums []shapeSummary
	workers := b.o.workers[len(b.o.workers)-1]
	if err := b.writeOutfiles(ctx); err != nil {
		return nil, nil, err
	}
	defer b.removeOutfiles()
	for _, shape := range b.o.shapes {
		pinned, stop, err := b.enterShape(ctx, shape)
		if err != nil {
			return out, sums, fmt.Errorf("shape %s: %w", shape, err)
		}
		sum := shapeSummary{Shape: shape, Repeat: b.o.repeat, AllValid: true, PinnedToCore: pinned}
		for i := range b.o.repeat {
			b.logf("shape %s, round %d of %d", shape, i+1, b.o.repeat)
			run, err := b.shapeRound(ctx, shape, workers)
			for _, r := range []result{run.ceiling, run.dumper, run.cutover} {
				if r.Method != "" {
					r.Method = fmt.Sprintf("[%s #%d] %s", shape, i+1, r.Method)
					out = append(out, r)
					sum.AllValid = sum.AllValid && (r.Valid == "yes" || r.Valid == "n/a")
				}
			}
			if err != nil {
				stop()
				return out, sums, err
			}
			sum.Ceiling = append(sum.Ceiling, run.ceiling.Wall)
			sum.Cutover = append(sum.Cutover, run.cutover.Wall)
			sum.CutoverCPU = append(sum.CutoverCPU, run.cutover.ClientCPU)
			sum.CutoverSrv = append(sum.CutoverSrv, run.cutover.ServerCPU)
			sum.CutoverRSS = max(sum.CutoverRSS, run.cutover.PeakRSSMiB)
			sum.XCeiling = append(sum.XCeiling, run.cutover.Wall/run.ceiling.Wall)
			if run.dumper.Wall > 0 {
				sum.Mydumper = append(sum.Mydumper, run.dumper.Wall)
				sum.XMydumper = append(sum.XMydumper, run.cutover.Wall/run.dumper.Wall)
			}
		}
		stop()
		sum.MedianXCeil, sum.MedianXDump = median(sum.XCeiling), median(sum.XMydumper)
		sums = append(sums, sum)
	}
	printShapes(stdout, sums, workers, b.totalRows)
	return out, sums, nil
}

// shapeRound is one repetition: the three methods, one after another.
func (b *bench) shapeRound(ctx context.Context, shape string, workers int) (shapeRun, error) {
	var run shapeRun
	ctx, cancel := context.WithTimeout(ctx, 3*b.o.step)
	defer cancel()
	r, err := b.loadInfile(ctx, "target LOAD DATA INFILE, 1 conn, indexed tables", [][]string{{"currencies:all", "agents:all", "merchants:all", "transactions:all"}})
	run.ceiling = r
	if err != nil {
		return run, err
	}
	rs, err := b.mydumper(ctx)
	if len(rs) > 0 {
		run.dumper = rs[0]
	}
	if err != nil {
		return run, err
	}
	rs, err = b.cutover(ctx, workers, "range")
	if len(rs) > 0 {
		run.cutover = rs[0]
	}
	return run, err
}

// enterShape sets the servers up for shape and returns whether they are
// pinned to cores, and how to undo it.
func (b *bench) enterShape(ctx context.Context, shape string) (bool, func(), error) {
	switch shape {
	case "one":
		return false, func() {}, nil
	case "two":
	default:
		return false, nil, fmt.Errorf("unknown shape %q: want one or two", shape)
	}
	taskset, _ := exec.LookPath("taskset")
	pin := taskset != "" && b.srvPID != 0
	var wrap []string
	if pin {
		wrap = []string{taskset, "-c", "0"}
	}
	b.logf("shape two: a second throwaway MariaDB for the target%s", map[bool]string{true: ", pinned to core 0", false: ""}[pin])
	srv, err := testdb.StartLocal(ctx, testdb.Options{Wrap: wrap})
	if err != nil {
		return false, nil, err
	}
	pid := 0
	if data, err := os.ReadFile(filepath.Join(filepath.Dir(srv.Socket), "pid")); err == nil {
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	// The source-side tools and cutover reach the source over TCP, as
	// another host would.
	b.srcTCP = "127.0.0.1:" + strconv.Itoa(b.srcPort)
	if pin {
		if out, err := exec.CommandContext(ctx, taskset, "-a", "-p", "-c", "1", strconv.Itoa(b.srvPID)).CombinedOutput(); err != nil {
			b.logf("shape two: could not pin the source server to core 1: %v: %s", err, out)
			pin = false
		}
	}
	b.tgtSrv = &second{srv: srv, pid: pid}
	return pin, func() {
		b.tgtSrv = nil
		b.srcTCP = ""
		_ = srv.Stop()
		if pin {
			_ = exec.Command(taskset, "-a", "-p", "-c", "0-"+strconv.Itoa(max(1, nproc()-1)), strconv.Itoa(b.srvPID)).Run()
		}
	}, nil
}

func nproc() int {
	n := 0
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n = strings.Count(string(data), "\nprocessor")
		if strings.HasPrefix(string(data), "processor") {
			n++
		}
	}
	return max(n, 1)
}

// freePort is a TCP port free now on the loopback interface.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printShapes(w io.Writer, sums []shapeSummary, workers int, rows int64) {
	fmt.Fprintf(w, "\nshapes: %d rows, cutover run with %d workers (batching: range for merchants and transactions), each round one run of each method; median of the rounds\n", rows, workers)
	fmt.Fprintln(w, "| shape | rounds | target LOAD DATA INFILE s | mydumper+myloader -t 4 s | cutover s | cutover / LOAD DATA INFILE | cutover / mydumper+myloader | valid |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	list := func(xs []float64, f string) string {
		var parts []string
		for _, x := range xs {
			parts = append(parts, fmt.Sprintf(f, x))
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, " / ")
	}
	for _, s := range sums {
		name := s.Shape
		if s.PinnedToCore {
			name += " (pinned)"
		}
		dump := "not installed"
		if len(s.XMydumper) > 0 {
			dump = fmt.Sprintf("**%.2f x** (%s)", s.MedianXDump, list(s.XMydumper, "%.2f"))
		}
		valid := "yes"
		if !s.AllValid {
			valid = "NO"
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | **%.2f x** (%s) | %s | %s |\n", name, s.Repeat,
			list(s.Ceiling, "%.1f"), list(s.Mydumper, "%.1f"), list(s.Cutover, "%.1f"),
			s.MedianXCeil, list(s.XCeiling, "%.2f"), dump, valid)
	}
}
