package main

import (
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/internal/mysqltype"
)

// ledgerAccess names the grant when the target user may not create or use
// the ledger schema.
func ledgerAccess(schema string, err error) error {
	if driver.IsAccessDenied(err) {
		return usagef("the target user may not create or use the ledger schema %s: GRANT ALL ON %s.* TO it (%v)", schema, mysqltype.Quote(schema), err)
	}
	return err
}
