package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStartCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	stop, err := StartCPUProfile(path)
	require.NoError(t, err)
	_, err = StartCPUProfile(filepath.Join(t.TempDir(), "second.pprof"))
	require.Error(t, err, "a second profile while one runs")
	stop()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Greater(t, len(b), 2)
	require.Equal(t, []byte{0x1f, 0x8b}, b[:2], "a pprof profile is gzipped")

	_, err = StartCPUProfile(filepath.Join(t.TempDir(), "missing", "cpu.pprof"))
	require.True(t, errors.Is(err, fs.ErrNotExist), "%v", err)
}
