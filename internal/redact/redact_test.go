package redact

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScrub(t *testing.T) {
	var s Secrets
	require.Equal(t, "nothing registered", s.Scrub("nothing registered"))
	s.Add("pw")                                  // too short: ignored
	s.Add("s3cret")                              // a password
	s.Add("app:s3cret@tcp(db.example:3306)/pay") // the DSN holding it
	s.Add("")
	require.Equal(t, "open ***: refused; again ***, pw kept",
		s.Scrub("open app:s3cret@tcp(db.example:3306)/pay: refused; again s3cret, pw kept"))
}

func TestErrKeepsKind(t *testing.T) {
	var s Secrets
	s.Add("hunter2")
	require.NoError(t, s.Err(nil))
	err := s.Err(fmt.Errorf("connect as hunter2: %w", fs.ErrPermission))
	require.Equal(t, "connect as ***: permission denied", err.Error())
	require.ErrorIs(t, err, fs.ErrPermission)
	var pe *fs.PathError
	err = s.Err(fmt.Errorf("read: %w", &fs.PathError{Op: "open", Path: "/x/hunter2", Err: fs.ErrNotExist}))
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "read: open /x/***: file does not exist", err.Error())
}

func TestWriter(t *testing.T) {
	var s Secrets
	s.Add("https://hooks.example/T0K3N")
	var out bytes.Buffer
	w := s.Writer(&out)
	in := []byte("post https://hooks.example/T0K3N failed\n")
	n, err := w.Write(in)
	require.NoError(t, err)
	require.Equal(t, len(in), n, "the caller's bytes are counted, not the scrubbed ones")
	require.Equal(t, "post *** failed\n", out.String())

	// A log handler writes each line whole, so a secret added later is
	// scrubbed from every line logged after, from any goroutine.
	out.Reset()
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	s.Add("tiger99")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { log.Info("login", "password", "tiger99") })
	}
	wg.Wait()
	require.Equal(t, bytes.Repeat([]byte("level=INFO msg=login password=***\n"), 4), out.Bytes())
}

func TestWriterError(t *testing.T) {
	var s Secrets
	n, err := s.Writer(failing{}).Write([]byte("x"))
	require.Zero(t, n)
	require.EqualError(t, err, "disk full")
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }
