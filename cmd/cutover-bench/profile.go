package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// profile attributes one cutover run's CPU time: the split between the Go
// process and the server from process accounting, the Go side's top functions
// from its own CPU profile (--cpuprofile), and, when perf is installed, both
// sides' top functions from a system-wide perf sample of a second run.
type profile struct {
	Workers   int     `json:"workers"`
	Wall      float64 `json:"wall_s"`
	ClientCPU float64 `json:"client_cpu_s"`
	ServerCPU float64 `json:"server_cpu_s"`
	NProc     int     `json:"nproc"`
	// GoOfMachine is client CPU / (wall * nproc): how much of the machine the Go
	// process used.
	GoOfMachine float64 `json:"go_share_of_machine"`
	// GoOfCopy is client CPU / (client + server CPU): the Go process's share of
	// the CPU time of the whole copy, the 30% target.
	GoOfCopy float64  `json:"go_share_of_copy"`
	Valid    string   `json:"valid"`
	PerfComm []string `json:"perf_by_command,omitempty"`
	PerfGo   []string `json:"perf_cutover_top,omitempty"`
	PprofTop []string `json:"pprof_top,omitempty"`
	PerfSrv  []string `json:"perf_server_top,omitempty"`
}

func (b *bench) profile(ctx context.Context, workers int, stdout io.Writer) (*profile, error) {
	ctx, cancel := context.WithTimeout(ctx, b.o.step)
	defer cancel()
	p := &profile{Workers: workers, NProc: runtime.NumCPU()}
	pprofPath := filepath.Join(b.tmp, "cpu.pprof")
	r, err := b.cutover(ctx, workers, "range", "--cpuprofile", pprofPath)
	if err != nil {
		return nil, err
	}
	x := r[0]
	p.Wall, p.ClientCPU, p.ServerCPU, p.Valid = x.Wall, x.ClientCPU, x.ServerCPU, x.Valid
	if p.Wall > 0 {
		p.GoOfMachine = p.ClientCPU / (p.Wall * float64(p.NProc))
	}
	if p.ServerCPU >= 0 && p.ClientCPU+p.ServerCPU > 0 {
		p.GoOfCopy = p.ClientCPU / (p.ClientCPU + p.ServerCPU)
	}
	fmt.Fprintf(stdout, "\nprofile: cutover run, %d workers, with --cpuprofile, valid: %s\n", workers, p.Valid)
	fmt.Fprintf(stdout, "  wall %.2fs, Go process CPU %.2fs, server CPU %.2fs, %d CPUs\n", p.Wall, p.ClientCPU, p.ServerCPU, p.NProc)
	fmt.Fprintf(stdout, "  Go CPU / (wall x nproc) = %.1f%% of the machine\n", 100*p.GoOfMachine)
	fmt.Fprintf(stdout, "  Go CPU / (Go + server CPU) = %.1f%% of the copy's CPU time (target <= 30%%)\n", 100*p.GoOfCopy)

	p.PprofTop = pprofTop(ctx, b.o.bin, pprofPath, 15)
	fmt.Fprintln(stdout, "  go tool pprof -top (the Go process's own CPU time):")
	for _, l := range p.PprofTop {
		fmt.Fprintln(stdout, "    "+l)
	}

	perf, err := exec.LookPath("perf")
	if err != nil {
		fmt.Fprintln(stdout, "  perf not installed: no per-function breakdown")
		return p, nil
	}
	cfgPath, _, cleanup, err := b.cutoverSetup(ctx, workers, "range")
	if err != nil {
		return p, err
	}
	defer cleanup()
	data := filepath.Join(b.tmp, "perf.data")
	b.logf("perf record -a of cutover run, %d workers", workers)
	if _, err := runOne(ctx, perf, "record", "-a", "-F", "499", "-o", data, "--", b.o.bin, "run", "--config", cfgPath); err != nil {
		return p, fmt.Errorf("perf record: %w", err)
	}
	report := func(limit int, args ...string) []string {
		// The threshold is low: the Go process may hold only a few percent of all samples.
		cmd, _ := command(ctx, perf, append([]string{"report", "-i", data, "--stdio", "--no-children", "--percent-limit", "0.02"}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			return []string{"perf report: " + err.Error()}
		}
		var lines []string
		for _, l := range strings.Split(string(out), "\n") {
			if l = strings.TrimRight(l, " "); l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			f := strings.Fields(l)
			for len(f) > 0 && f[len(f)-1] == "-" {
				f = f[:len(f)-1]
			}
			lines = append(lines, strings.Join(f, " "))
			if len(lines) == limit {
				break
			}
		}
		return lines
	}
	p.PerfComm = report(8, "--sort", "comm")
	p.PerfGo = report(25, "--comm", "cutover", "--sort", "symbol")
	p.PerfSrv = report(12, "--comm", "mariadbd", "--sort", "symbol")
	fmt.Fprintln(stdout, "  perf, all CPUs, by command (share of all samples):")
	for _, l := range p.PerfComm {
		fmt.Fprintln(stdout, "    "+l)
	}
	fmt.Fprintln(stdout, "  perf, cutover's top functions (share of all samples):")
	for _, l := range p.PerfGo {
		fmt.Fprintln(stdout, "    "+l)
	}
	fmt.Fprintln(stdout, "  perf, mariadbd's top functions (share of all samples):")
	for _, l := range p.PerfSrv {
		fmt.Fprintln(stdout, "    "+l)
	}
	return p, nil
}

// pprofTop is the head of `go tool pprof -top` of a CPU profile of bin: the
// summary lines and the n functions with the most flat time.
func pprofTop(ctx context.Context, bin, profile string, n int) []string {
	cmd, _ := command(ctx, "go", "tool", "pprof", "-top", "-nodecount="+strconv.Itoa(n), bin, profile)
	out, err := cmd.Output()
	if err != nil {
		return []string{"go tool pprof: " + err.Error()}
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Type:") || strings.HasPrefix(l, "Time:") || strings.HasPrefix(l, "Build ID:") {
			continue
		}
		lines = append(lines, strings.TrimRight(l, " "))
	}
	return lines
}
