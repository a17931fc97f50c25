package cli

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAfterSecondSignal sends this process SIGWINCH (ignored when nobody
// listens, so a signal sent too early is harmless): it cancels hard only
// once soft is done.
func TestAfterSecondSignal(t *testing.T) {
	soft, stopSoft := context.WithCancel(context.Background())
	defer stopSoft()
	hard, release := AfterSecondSignal(soft, syscall.SIGWINCH)
	defer release()
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGWINCH))
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, hard.Err(), "a signal before the soft stop is not the hard one")

	stopSoft()
	require.Eventually(t, func() bool {
		_ = syscall.Kill(syscall.Getpid(), syscall.SIGWINCH)
		return hard.Err() != nil
	}, 10*time.Second, 20*time.Millisecond, "the signal after the soft stop cancels hard")
}

func TestAfterSecondSignalRelease(t *testing.T) {
	hard, release := AfterSecondSignal(context.Background(), syscall.SIGWINCH)
	require.NoError(t, hard.Err())
	release()
	require.ErrorIs(t, hard.Err(), context.Canceled, "release cancels hard")

	// Released before the soft stop: the soft stop then starts no listening.
	soft, stopSoft := context.WithCancel(context.Background())
	hard, release = AfterSecondSignal(soft, syscall.SIGWINCH)
	release()
	stopSoft()
	require.ErrorIs(t, hard.Err(), context.Canceled)
}
