package main

import (
	"context"
	"fmt"
	"os"
)

// checksumRounds alternates runs with checksums off and on this many times,
// so that a machine's drift affects both sides alike.
const checksumRounds = 2

// checksums measures what content checksums cost: `cutover run` with
// run.checksums off and on (2 workers, alternating), then `cutover verify
// --checksum` (target against the stored checksums) and `verify --checksum
// --source` (both sides read again) on the last copy. A verify row is valid
// when verify exits 0 on the correct copy.
func (b *bench) checksums(ctx context.Context) ([]result, error) {
	const workers = 2
	var out []result
	var lastCfg string
	var lastCleanup func()
	defer func() {
		if lastCleanup != nil {
			lastCleanup()
		}
	}()
	for round := 1; round <= checksumRounds; round++ {
		for _, on := range []bool{false, true} {
			r, cfg, cleanup, err := b.runChecksums(ctx, workers, on, round)
			out = append(out, r)
			if err != nil {
				if cleanup != nil {
					cleanup()
				}
				return out, err
			}
			if lastCleanup != nil {
				lastCleanup()
			}
			lastCfg, lastCleanup = cfg, cleanup
		}
	}
	for _, args := range [][]string{{"--checksum"}, {"--checksum", "--source"}} {
		method := fmt.Sprintf("cutover verify %s, %d workers", joinArgs(args), workers)
		ctx, cancel := context.WithTimeout(ctx, b.o.step)
		b.logf("%s", method)
		srv0 := b.serverCPU()
		u, err := runOne(ctx, b.o.bin, append([]string{"verify", "--config", lastCfg, "--workers", fmt.Sprint(workers)}, args...)...)
		cancel()
		r := b.measured(method, u, srv0)
		r.Valid = "yes"
		if err != nil {
			r.Valid, r.Note = "INVALID", "verify did not pass on a correct copy"
			out = append(out, r)
			return out, fmt.Errorf("%s: %w", method, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// runChecksums is one `cutover run` into a fresh target with checksums on or
// off; the caller cleans up the target after verifying it.
func (b *bench) runChecksums(ctx context.Context, workers int, on bool, round int) (result, string, func(), error) {
	state := "off"
	if on {
		state = "on"
	}
	method := fmt.Sprintf("cutover run, %d workers, checksums %s (round %d)", workers, state, round)
	ctx, cancel := context.WithTimeout(ctx, b.o.step)
	defer cancel()
	cfgPath, db, cleanup, err := b.cutoverSetup(ctx, workers, "range")
	if err != nil {
		return notMeasured(method, "no target"), "", nil, err
	}
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		// run: is the config template's last section.
		_, err = fmt.Fprintf(f, "  checksums: %v\n", on)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return notMeasured(method, "config"), "", cleanup, err
	}
	b.logf("%s", method)
	srv0 := b.serverCPU()
	u, err := runOne(ctx, b.o.bin, "run", "--config", cfgPath)
	r := b.measured(method, u, srv0)
	r.workers = workers
	if err != nil {
		r.Valid, r.Note = "INVALID", "failed"
		return r, "", cleanup, fmt.Errorf("%s: %w", method, err)
	}
	r.Valid, r.Note = b.validate(ctx, db)
	return r, cfgPath, cleanup, nil
}

func joinArgs(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}
