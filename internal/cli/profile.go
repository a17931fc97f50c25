package cli

import (
	"os"
	"runtime/pprof"
)

// StartCPUProfile writes a CPU profile of this process to path until stop is
// called: how the throughput work finds where the Go side spends its time.
// Its errors are the file system's and pprof's as they are: the caller says
// which flag named path.
func StartCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
