// Command demo runs the whole cutover flow on a throwaway local MariaDB: it
// generates a skewed dataset, plans, runs, interrupts the run part-way with
// SIGINT, resumes it, verifies, and prints where the run stands. `make demo`
// runs it; it leaves nothing behind.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cutover/cutover/internal/gen"
	"github.com/cutover/cutover/internal/testdb"
)

const configText = `# cutover demo config: DSNs come from the environment.
source:
  driver: mysql
  dsn: ${CUTOVER_SOURCE_DSN}
target:
  dsn: ${CUTOVER_TARGET_DSN}
  ledger_schema: demo_ledger
tenant:
  column: agent_id
  ids: []
%srun:
  workers: %d
  batch_rows: %d
`

func main() {
	bin := flag.String("bin", "bin/cutover", "the cutover binary")
	rows := flag.Int64("rows", 1_000_000, "rows to generate")
	workers := flag.Int("workers", 4, "workers")
	batchRows := flag.Int64("batch-rows", 20_000, "batch_rows")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := demo(ctx, *bin, *rows, *workers, *batchRows); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) {
	fmt.Printf("\n\033[1m==> "+format+"\033[0m\n", args...)
}

func demo(ctx context.Context, bin string, rows int64, workers int, batchRows int64) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	step("starting a throwaway MariaDB")
	srv, err := testdb.Start(ctx)
	if err != nil {
		return err
	}
	defer srv.Stop()
	src, err := srv.CreateDatabase(ctx, "demo_src")
	if err != nil {
		return err
	}
	tgt, err := srv.CreateDatabase(ctx, "demo_tgt")
	if err != nil {
		return err
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, db := range []string{src, tgt, "demo_ledger"} {
			_ = srv.DropDatabase(c, db)
		}
	}()
	srcDB, err := srv.Open(src)
	if err != nil {
		return err
	}
	defer srcDB.Close()

	step("generating %d rows: ~1,000 agents, heavy-tailed (the largest holds ~6%%), hostile values in ~2%% of rows", rows)
	start := time.Now()
	if err := gen.CreateSchema(ctx, srcDB); err != nil {
		return err
	}
	st, err := gen.Generate(ctx, srcDB, gen.Options{Rows: rows})
	if err != nil {
		return err
	}
	fmt.Printf("%d agents, %d merchants, %d transactions, %d currencies in %s; largest agent %d holds %d rows (%.1f%%)\n",
		st.Agents, st.Merchants, st.Transactions, st.Currencies, time.Since(start).Round(time.Millisecond),
		st.LargestAgent, st.LargestAgentRows, 100*float64(st.LargestAgentRows)/float64(st.TotalRows))

	dir, err := os.MkdirTemp("", "cutover-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "cutover.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(configText, rangedTransactions(gen.TablesYAML("txn_history")), workers, batchRows)), 0o600); err != nil {
		return err
	}
	env := append(os.Environ(), "CUTOVER_SOURCE_DSN="+srv.DSN(src), "CUTOVER_TARGET_DSN="+srv.DSN(tgt))
	cutover := func(args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		cmd.WaitDelay = 30 * time.Second
		return cmd
	}

	step("cutover plan --config cutover.yaml")
	if err := cutover("plan", "--config", cfgPath).Run(); err != nil {
		return fmt.Errorf("plan: %w", err)
	}

	step("cutover run --config cutover.yaml --create-tables   (interrupted with SIGINT part-way)")
	ledger, err := srv.Open("")
	if err != nil {
		return err
	}
	defer ledger.Close()
	run := cutover("run", "--config", cfgPath, "--create-tables")
	if err := run.Start(); err != nil {
		return err
	}
	if err := waitForProgress(ctx, ledger, 0.3, 5*time.Minute); err != nil {
		_ = run.Process.Kill()
		return err
	}
	fmt.Println("\n[demo] sending SIGINT: cutover stops claiming, lets in-flight batches commit, and exits 3")
	_ = run.Process.Signal(syscall.SIGINT)
	err = run.Wait()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 3:
		fmt.Println("[demo] exit code 3: stopped, resumable")
	case err == nil:
		fmt.Println("[demo] the run finished before the signal arrived")
	default:
		return fmt.Errorf("interrupted run: %w", err)
	}

	step("cutover status --config cutover.yaml")
	if err := cutover("status", "--config", cfgPath).Run(); err != nil {
		return fmt.Errorf("status: %w", err)
	}

	step("cutover run --config cutover.yaml   (the same command resumes)")
	if err := cutover("run", "--config", cfgPath).Run(); err != nil {
		return fmt.Errorf("resumed run: %w", err)
	}

	step("cutover verify --config cutover.yaml --checksum")
	if err := cutover("verify", "--config", cfgPath, "--checksum").Run(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	step("demo complete: every row copied once, interrupted and resumed; counts and content checksums equal, every tenant ready")
	return nil
}

// rangedTransactions batches the big child table by key range (batching:
// range), as a whole-platform cutover should; merchants stay batched by
// tenant, so the plan shows small tenants packed and the largest split.
func rangedTransactions(tables string) string {
	return gen.WithBatching(tables, "range", "transactions")
}

// waitForProgress waits until the demo run's ledger shows at least frac of its
// batches done.
func waitForProgress(ctx context.Context, db *sql.DB, frac float64, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		var done, total int
		err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(state = 2), 0), COUNT(*) FROM demo_ledger.batches_v1 b JOIN demo_ledger.runs_v1 r ON r.id = b.run_id AND r.active = 1").Scan(&done, &total)
		if err == nil && total > 0 && float64(done) >= frac*float64(total) {
			return nil
		}
		// Until the run has created the ledger the query fails: keep waiting.
		select {
		case <-ctx.Done():
			return fmt.Errorf("the run made no progress in %s", limit)
		case <-t.C:
		}
	}
}
