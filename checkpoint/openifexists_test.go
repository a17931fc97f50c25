package checkpoint_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// TestOpenIfExists: no ledger is found and none is created; an existing one
// is opened with its runs; a newer one is refused as Open refuses it.
func TestOpenIfExists(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	name, _ := srv.NewDatabase(t, "maybe")
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	l, found, err := checkpoint.OpenIfExists(ctx, db, name)
	if err != nil || found || l == nil {
		t.Fatalf("no ledger: found %v, ledger %v, error %v; want not found, a ledger, no error", found, l, err)
	}
	if ok, err := checkpoint.Exists(ctx, db, name); err != nil || ok {
		t.Fatalf("OpenIfExists created the ledger (exists %v, %v)", ok, err)
	}

	created, err := checkpoint.Open(ctx, db, name)
	if err != nil {
		t.Fatal(err)
	}
	id, err := created.CreateRun(ctx, "cfgfp", "planfp", []byte(`{"plan":true}`), batches(2))
	if err != nil {
		t.Fatal(err)
	}
	l, found, err = checkpoint.OpenIfExists(ctx, db, name)
	if err != nil || !found {
		t.Fatalf("existing ledger: found %v, error %v", found, err)
	}
	if run, err := l.ActiveRun(ctx); err != nil || run == nil || run.ID != id {
		t.Fatalf("active run of the opened ledger = %v (%v), want run %d", run, err, id)
	}

	if _, err := db.Exec("INSERT INTO schema_version (version, name, started_at, finished_at) VALUES (?, 'from a newer binary', NOW(6), NOW(6))",
		checkpoint.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	_, found, err = checkpoint.OpenIfExists(ctx, db, name)
	var ve *checkpoint.VersionError
	if !errors.As(err, &ve) || found || ve.Ledger != checkpoint.SchemaVersion+1 {
		t.Fatalf("newer ledger: found %v, error %v; want a *VersionError naming version %d", found, err, checkpoint.SchemaVersion+1)
	}

	if _, _, err := checkpoint.OpenIfExists(ctx, db, "no`such"); err != nil {
		t.Errorf("a schema that does not exist: %v, want not found without error", err)
	}
}
