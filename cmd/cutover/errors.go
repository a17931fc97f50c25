package main

import (
	"errors"
	"fmt"

	"github.com/cutover/cutover/checkpoint"
)

// Exit codes, the contract in DESIGN.md.
const (
	exitOK          = 0
	exitFailed      = 1 // migration failed or verification found a difference
	exitUsage       = 2 // usage, config or preflight error; nothing written
	exitInterrupted = 3 // stopped or interrupted; resumable
)

// usageError marks errors caused by bad input: exit 2, nothing written.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error (exit 2).
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// asUsage marks err as a usage error (exit 2), keeping nil as nil.
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// failedError marks a completed command whose result is negative: exit 1.
type failedError struct{ err error }

func (e failedError) Error() string { return e.err.Error() }
func (e failedError) Unwrap() error { return e.err }

// interruptedError marks a stop that can be resumed: exit 3.
type interruptedError struct{ err error }

func (e interruptedError) Error() string { return e.err.Error() }
func (e interruptedError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var u usageError
	var i interruptedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u), errors.As(err, new(*checkpoint.VersionError)), errors.As(err, new(*checkpoint.SchemaError)):
		return exitUsage
	case errors.As(err, &i):
		return exitInterrupted
	default:
		return exitFailed
	}
}
