package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/cutover/cutover/verify"
)

func (a *app) cmdVerify(ctx context.Context, args []string) error {
	fs := a.flags("verify")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	limit := fs.Int("show", 50, "print at most this many differences (all are in --json)")
	var cf checksumFlags
	counts := addChecksumFlags(fs, &cf)
	if err := parse(fs, args); err != nil {
		return err
	}
	cf.asJSON, cf.cfgPath = *asJSON, *cfgPath
	if err := cf.check(*counts); err != nil {
		return err
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := checkCopied(ctx, cfg, *cfgPath, a.stderr); err != nil {
		return err
	}
	if cf.checksum {
		if cf.workers == 0 {
			cf.workers = cfg.Run.Workers
		}
		return a.verifyChecksums(ctx, cfg, cf)
	}
	if len(cf.tenants) > 0 {
		cfg.Tenant.IDs = cf.tenants
	}
	ep, res, err := a.prepare(ctx, cfg, false, 2*min(cfg.Run.Workers, 4)+2)
	if err != nil {
		return err
	}
	defer ep.Close()
	rep, err := verify.Counts(ctx, ep.src, ep.tgt, res.Tables, cfg.Tenant.IDs, min(cfg.Run.Workers, 4))
	if err != nil {
		return err
	}
	if err := unknownCountTenant(rep, cf.tenants, cfg.Tenant.Column); err != nil {
		return err
	}
	if len(cf.tenants) == 0 {
		if err := outside(ctx, ep.tgt, res.Tables, rep, min(cfg.Run.Workers, 4)); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printCounts(a, rep, *limit)
	}
	a.alertVerify(ctx, cfg, ep.tgt, rep.Equal, len(rep.Differences))
	if !rep.Equal && len(rep.Differences) == 0 {
		return failedError{fmt.Errorf("verify: %d target tables hold rows outside every tenant", len(rep.Outside))}
	}
	if !rep.Equal {
		return failedError{fmt.Errorf("verify: %d (tenant, table) counts differ", len(rep.Differences))}
	}
	return nil
}

func printCounts(a *app, rep *verify.Report, limit int) {
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TABLE\tTARGET\tTENANTS\tSOURCE ROWS\tTARGET ROWS\tDIFFERENCES\t")
	var src, tgt int64
	for _, t := range rep.Tables {
		target := commas(t.Target)
		if t.TargetAll != nil && *t.TargetAll != t.Target {
			target += " (" + commas(*t.TargetAll) + " in all)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t\n", t.Table, t.TargetTable, t.Tenants, commas(t.Source), target, t.Differences)
		src += t.Source
		tgt += t.Target
	}
	fmt.Fprintf(tw, "total\t\t\t%s\t%s\t%d\t\n", commas(src), commas(tgt), len(rep.Differences))
	tw.Flush()
	printOutside(a.stdout, rep)
	if rep.Equal {
		fmt.Fprintln(a.stdout, "verify: every (tenant, table) row count is equal on both sides")
		return
	}
	if len(rep.Differences) == 0 {
		return
	}
	fmt.Fprintln(a.stdout, "\ndifferences:")
	tw = tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TABLE\tTENANT\tSOURCE\tTARGET\tTARGET-SOURCE\t")
	for i, d := range rep.Differences {
		if i == limit {
			fmt.Fprintf(tw, "... %d more (see --json)\t\t\t\t\t\n", len(rep.Differences)-limit)
			break
		}
		tenant := d.Tenant
		if tenant == "" {
			tenant = "(shared)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%+d\t\n", d.Table, safeText(tenant), commas(d.Source), commas(d.Target), d.Target-d.Source)
	}
	tw.Flush()
	printStrays(a.stdout, rep, 10)
}
