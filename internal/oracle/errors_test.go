package oracle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestClassifySnapshotTooOld(t *testing.T) {
	e := &SnapshotTooOldError{Code: 1555, SCN: 42, err: errors.New("ORA-01555")}
	wrapped := fmt.Errorf("read batch 3: %w", e)
	var got *SnapshotTooOldError
	if !errors.As(wrapped, &got) || got.SCN != 42 {
		t.Fatal("the typed error does not survive wrapping")
	}
	if msg := e.Error(); !strings.Contains(msg, "--replan") || !strings.Contains(msg, "ORA-01555") {
		t.Fatalf("message %q does not say what to do", msg)
	}
	if IsTransient(wrapped) {
		t.Fatal("a snapshot that is too old is not transient")
	}
	if IsTransient(ErrClientMissing) || IsTransient(context.Canceled) || IsTransient(nil) {
		t.Fatal("missing client, cancellation and nil are not transient")
	}
}
