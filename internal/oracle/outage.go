package oracle

import "github.com/godror/godror"

// IsConnectionError reports whether err means the connection to Oracle is
// gone (the server, its listener or the network down): an outage the engine
// waits for with claims paused, not a batch's fault. By ORA/DPI code.
func IsConnectionError(err error) bool {
	oe, ok := godror.AsOraErr(err)
	if !ok {
		return false
	}
	switch oe.Code() {
	case oraEndOfFile, oraNotConnected, oraConnLost, oraTNSTimeout, oraTNSNoListener, oraTNSNoService,
		oraTNSLost, oraTNSPacket, oraTNSEOF:
		return true
	case 0:
		switch dpiCode(oe) {
		case dpiConnClosed, dpiNotConnected:
			return true
		}
	}
	return false
}
