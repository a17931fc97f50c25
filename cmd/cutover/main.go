// Command cutover moves tenants' data from Oracle or MySQL to MySQL: plan, run,
// verify, status. main is tiny: run does the work and returns an error that
// exitCode maps to the documented exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/internal/driver"
)

// stopSignals are the signals that stop a command: the first softly (claim
// nothing new), the second hard (in-flight batches roll back).
func stopSignals() []os.Signal { return []os.Signal{os.Interrupt, syscall.SIGTERM} }

func main() {
	driver.SilenceDriverLog()
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	if err != nil && code != 0 {
		fmt.Fprintln(os.Stderr, "cutover: "+err.Error())
	}
	os.Exit(code)
}

// afterSecondSignal returns a context that a stop signal cancels once soft
// (main's context, which the first signal cancels) is done: the hard stop of
// a run. release stops listening and cancels it.
func afterSecondSignal(soft context.Context) (hard context.Context, release func()) {
	return cli.AfterSecondSignal(soft, stopSignals()...)
}
