// Package redact keeps secrets (DSNs, passwords, webhook URLs) out of what
// cutover writes: a writer that scrubs every write and an error wrapper that
// scrubs the message but keeps the error's kind.
package redact

import (
	"io"
	"sort"
	"strings"
	"sync"
)

// Secrets holds the strings that must never be printed. Its zero value is
// ready to use, and it is safe for concurrent use.
type Secrets struct {
	mu   sync.Mutex
	list []string // longest first: a DSN goes whole before the password in it
}

// Add registers v. A value shorter than 3 bytes is ignored: it is too short
// to scrub without mangling unrelated text.
func (s *Secrets) Add(v string) {
	if len(v) < 3 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, v)
	sort.Slice(s.list, func(i, j int) bool { return len(s.list[i]) > len(s.list[j]) })
}

// Scrub returns text with every secret replaced by ***.
func (s *Secrets) Scrub(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.list {
		text = strings.ReplaceAll(text, v, "***")
	}
	return text
}

// Err returns err with secrets removed from its message, keeping its kind
// (errors.As and errors.Is see through it), or nil for nil.
func (s *Secrets) Err(err error) error {
	if err == nil {
		return nil
	}
	return scrubbed{err: err, msg: s.Scrub(err.Error())}
}

type scrubbed struct {
	err error
	msg string
}

func (e scrubbed) Error() string { return e.msg }
func (e scrubbed) Unwrap() error { return e.err }

// Writer returns a writer that scrubs every write to w. A secret split
// across two writes is not caught: write each line whole (log handlers do).
func (s *Secrets) Writer(w io.Writer) io.Writer { return &writer{s: s, w: w} }

type writer struct {
	s *Secrets
	w io.Writer
}

// Write reports len(p) written once the scrubbed text is, so that callers
// counting bytes see what they wrote.
func (sw *writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(sw.w, sw.s.Scrub(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
