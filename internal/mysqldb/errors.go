package mysqldb

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"log"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// MySQL and MariaDB error numbers the adapter acts on.
const (
	erDiskFull          = 1021 // MyISAM/Aria: disk full, waiting
	erConCount          = 1040 // too many connections
	erServerShutdown    = 1053
	erRecordFileFull    = 1114 // InnoDB: the table is full (its file system or tablespace)
	erNotAllowed        = 1148 // the used command is not allowed (local infile off)
	erNetReadError      = 1158
	erNetReadInterrupt  = 1159
	erNetErrorOnWrite   = 1160
	erNetWriteInterrupt = 1161
	erLockWaitTimeout   = 1205
	erLockDeadlock      = 1213
	erConnectionKilled  = 1927 // MariaDB: connection was killed
	erClientLocalFiles  = 3948 // MySQL 8: loading local data is disabled
	erClientInteraction = 4031 // MySQL 8: disconnected by the server for inactivity
	erInfileDisabled    = 4166 // MariaDB 10.6+: local infile capability disabled
)

// IsTransient reports whether err is worth retrying: a lost connection, a lock
// wait timeout, a deadlock, a server shutting down or out of connections.
// Classification is by error type and number, never by message text.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erConCount, erServerShutdown, erNetReadError, erNetReadInterrupt, erNetErrorOnWrite,
			erNetWriteInterrupt, erLockWaitTimeout, erLockDeadlock, erConnectionKilled, erClientInteraction:
			return true
		}
		return false
	}
	return IsConnectionError(err)
}

// IsConnectionError reports whether err means the connection is gone.
func IsConnectionError(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == erConnectionKilled || me.Number == erServerShutdown
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &ne)
}

func isLocalInfileRefused(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == erNotAllowed || me.Number == erClientLocalFiles || me.Number == erInfileDisabled)
}

// IsDiskFull reports whether err is the server out of space for a table's
// data (the disk of its datadir, or a tablespace at its limit).
func IsDiskFull(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == erRecordFileFull || me.Number == erDiskFull
	}
	return errors.Is(err, syscall.ENOSPC)
}

// SilenceDriverLog stops the driver from printing its own lines ("[mysql]
// packets.go: ... broken pipe") on stderr: every such event also comes back
// as an error, which the caller reports once. Call it once, from main,
// before any connection (it sets the driver's process-wide logger).
func SilenceDriverLog() {
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
}
