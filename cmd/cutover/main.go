// Command cutover moves tenants' data from Oracle or MySQL to MySQL: plan, run,
// verify, status. main is tiny: run does the work and returns an error that
// exitCode maps to the documented exit codes.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cutover/cutover/internal/mysqldb"
)

func main() {
	mysqldb.SilenceDriverLog()
	ctx := context.Background()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	code := exitCode(err)
	if err != nil && code != 0 {
		fmt.Fprintln(os.Stderr, "cutover: "+err.Error())
	}
	os.Exit(code)
}
