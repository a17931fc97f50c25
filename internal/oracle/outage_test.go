package oracle

import (
	"context"
	"errors"
	"testing"
)

// TestIsConnectionErrorOnlyOracleCodes: errors that carry no ORA/DPI code are
// not Oracle outages (godror builds OraErr values only from the client
// library, so the codes themselves are covered against a real Oracle).
func TestIsConnectionErrorOnlyOracleCodes(t *testing.T) {
	for _, err := range []error{nil, errors.New("ORA-03113: end-of-file on communication channel"), context.Canceled, ErrClientMissing} {
		if IsConnectionError(err) {
			t.Fatalf("%v is not an Oracle connection error", err)
		}
	}
}
