package oracle

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/godror/godror"
)

// ErrClientMissing is returned when the Oracle client library cannot be
// loaded (DPI-1047). The CLI prints it as its one line and exits 2.
var ErrClientMissing = errClientMissing{}

type errClientMissing struct{}

func (errClientMissing) Error() string {
	return "Oracle client library not found (DPI-1047): install Oracle Instant Client " +
		"(https://www.oracle.com/database/technologies/instant-client.html) and set LD_LIBRARY_PATH to its directory"
}

// SnapshotTooOldError says the snapshot SCN is no longer readable: undo was
// overwritten (ORA-01555), the SCN is too old (ORA-08181, ORA-08180) or a
// table was redefined after it (ORA-01466). Only a new plan at a new SCN helps.
type SnapshotTooOldError struct {
	Code int
	SCN  uint64
	err  error
}

func (e *SnapshotTooOldError) Error() string {
	return fmt.Sprintf("ORA-%05d: the snapshot at SCN %d can no longer be read (undo retention does not cover it); rerun with --replan to take a new SCN", e.Code, e.SCN)
}

func (e *SnapshotTooOldError) Unwrap() error { return e.err }

// ORA codes the adapter acts on.
const (
	oraSnapshotTooOld    = 1555
	oraTableDefChanged   = 1466
	oraNoSnapshotForTime = 8180
	oraSCNTooOld         = 8181
	oraTableNotExist     = 942
	oraNoPrivilege       = 1031
	oraEndOfFile         = 3113
	oraNotConnected      = 3114
	oraConnLost          = 3135
	oraTNSTimeout        = 12170
	oraTNSNoListener     = 12541
	oraTNSNoService      = 12514
	oraTNSLost           = 12537
	oraTNSPacket         = 12547
	oraTNSEOF            = 12592
	oraResourceBusy      = 54
	oraDeadlock          = 60
	dpiClientMissing     = 1047
	dpiConnClosed        = 1080
	dpiNotConnected      = 1010
)

// dpiCode returns the DPI-nnnn number of an ODPI-C error. ODPI-C reports its
// own errors with ORA code 0 and the number only as the message's fixed
// "DPI-nnnn:" prefix, so the prefix is the error's code field, not free text.
func dpiCode(oe *godror.OraErr) int {
	if oe == nil || oe.Code() != 0 {
		return 0
	}
	rest, ok := strings.CutPrefix(oe.Message(), "DPI-")
	if !ok {
		return 0
	}
	num, _, ok := strings.Cut(rest, ":")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0
	}
	return n
}

// classify turns driver errors callers act on into typed errors: a missing
// client library, or a snapshot that undo no longer covers.
func classify(err error, scn uint64) error {
	oe, ok := godror.AsOraErr(err)
	if !ok {
		return err
	}
	switch oe.Code() {
	case oraSnapshotTooOld, oraSCNTooOld, oraNoSnapshotForTime, oraTableDefChanged:
		if scn != 0 {
			return &SnapshotTooOldError{Code: oe.Code(), SCN: scn, err: err}
		}
	case 0:
		if dpiCode(oe) == dpiClientMissing {
			return ErrClientMissing
		}
	}
	return err
}

// IsTransient reports whether err is worth retrying with a new connection: a
// lost connection or network, a busy resource. Snapshot and client errors are
// not. Classification is by ORA/DPI code, never by message text.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrClientMissing) {
		return false
	}
	var snap *SnapshotTooOldError
	if errors.As(err, &snap) {
		return false
	}
	oe, ok := godror.AsOraErr(err)
	if !ok {
		return false
	}
	switch oe.Code() {
	case oraEndOfFile, oraNotConnected, oraConnLost, oraTNSTimeout, oraTNSNoListener, oraTNSNoService,
		oraTNSLost, oraTNSPacket, oraTNSEOF, oraResourceBusy, oraDeadlock:
		return true
	case 0:
		switch dpiCode(oe) {
		case dpiConnClosed, dpiNotConnected:
			return true
		}
	}
	return false
}
