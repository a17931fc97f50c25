package cli

import (
	"context"
	"os"
	"os/signal"
	"sync"
)

// AfterSecondSignal returns a context that one of sigs cancels once soft is
// done: soft is the context the first signal cancels (signal.NotifyContext),
// so the second signal is a hard stop. release stops listening and cancels
// hard.
func AfterSecondSignal(soft context.Context, sigs ...os.Signal) (hard context.Context, release func()) {
	hard, cancel := context.WithCancel(context.WithoutCancel(soft))
	var mu sync.Mutex
	released := false
	unlisten := func() {}
	stopAfter := context.AfterFunc(soft, func() {
		mu.Lock()
		defer mu.Unlock()
		if released {
			return
		}
		second, stopSecond := signal.NotifyContext(hard, sigs...)
		context.AfterFunc(second, cancel)
		unlisten = stopSecond
	})
	return hard, func() {
		stopAfter()
		mu.Lock()
		released = true
		unlisten()
		mu.Unlock()
		cancel()
	}
}
