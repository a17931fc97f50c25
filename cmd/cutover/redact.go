package main

import (
	"io"
	"sort"
	"strings"
	"sync"
)

// secrets holds the strings that must never be printed (DSNs, passwords) and
// scrubs them from errors and from everything written to stderr.
type secrets struct {
	mu   sync.Mutex
	list []string
}

func (s *secrets) add(v string) {
	if len(v) < 3 {
		return // too short to scrub without mangling unrelated text
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, v)
	sort.Slice(s.list, func(i, j int) bool { return len(s.list[i]) > len(s.list[j]) })
}

func (s *secrets) scrub(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.list {
		text = strings.ReplaceAll(text, v, "***")
	}
	return text
}

// scrubErr returns err with secrets removed from its message, keeping its
// kind (and so its exit code).
func (s *secrets) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	return scrubbed{err: err, msg: s.scrub(err.Error())}
}

type scrubbed struct {
	err error
	msg string
}

func (e scrubbed) Error() string { return e.msg }
func (e scrubbed) Unwrap() error { return e.err }

// writer scrubs every write. Log lines are written whole, so a secret is never
// split across two writes.
func (s *secrets) writer(w io.Writer) io.Writer { return &scrubWriter{s: s, w: w} }

type scrubWriter struct {
	s *secrets
	w io.Writer
}

func (sw *scrubWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(sw.w, sw.s.scrub(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
