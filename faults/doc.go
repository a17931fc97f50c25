// Package faults holds the fault tests of issue 18: the built cutover binary
// against two throwaway MariaDB servers, source and target, one of which is
// killed, restarted, stalled, starved of disk, drifted from the plan or given
// few grants while the other stays up. Equality is checked by CHECKSUM TABLE
// and by a row hash the tests compute themselves, never by cutover's verify.
// The package has no code of its own beyond this comment; `make test-faults`
// runs it.
package faults
