// Package cli is cutover's command-line machinery that does not depend on
// which command runs: flag sets that report instead of exiting, one-line
// flag errors with a did-you-mean, the flags part of a command's help, the
// global flags and the logger they ask for, and the second-signal hard stop.
//
// Every error it returns is the operator's input error, written as the one
// line to show; the caller maps it to its usage exit code.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/suggest"
)

// NewFlagSet returns a flag set named "PROGRAM COMMAND" that reports errors
// instead of exiting and prints nothing itself: Parse turns -h into a Help
// and a bad flag into one line.
func NewFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// Help is the error Parse returns for -h or --help: the caller prints
// FlagSet's help and succeeds.
type Help struct{ FlagSet *flag.FlagSet }

func (Help) Error() string { return "help requested" }

// IsHelpFlag reports whether s asks for help.
func IsHelpFlag(s string) bool {
	switch s {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

// Parse parses args into fs: -h is a Help, an unknown flag is named with the
// closest one the set defines, and a stray argument is refused.
func Parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return Help{fs}
	}
	program, name, _ := strings.Cut(fs.Name(), " ")
	if err != nil {
		if flagName, ok := undefinedFlag(fs, args); ok {
			var known []string
			fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
			if s := suggest.Closest(strings.ToLower(flagName), known); s != "" {
				return fmt.Errorf("%s: unknown flag --%s: did you mean --%s? (%s %s --help lists the flags)", name, flagName, s, program, name)
			}
			return fmt.Errorf("%s: unknown flag --%s (%s %s --help lists the flags)", name, flagName, program, name)
		}
		return fmt.Errorf("%s: %v (%s %s --help lists the flags)", name, err, program, name)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (flags are written --name value; %s %s --help)", name, fs.Arg(0), program, name)
	}
	return nil
}

// undefinedFlag finds the first argument that looks like a flag the set does
// not define, walking args as the flag package does (a non-boolean flag
// written without = takes the next argument as its value).
func undefinedFlag(fs *flag.FlagSet, args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" || len(s) < 2 || s[0] != '-' {
			return "", false
		}
		name := strings.TrimLeft(s, "-")
		hasValue := false
		if k := strings.IndexByte(name, '='); k >= 0 {
			name, hasValue = name[:k], true
		}
		f := fs.Lookup(name)
		if f == nil {
			return name, true
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if !hasValue {
			i++
		}
	}
	return "", false
}

// WriteFlags writes the "flags:" part of a command's help, after a blank
// line, or nothing when fs defines none. A default is shown as it is
// written on the command line; a flag whose help says its default itself
// ("(default run.grace)") shows no other.
func WriteFlags(w io.Writer, fs *flag.FlagSet) {
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		kind, _ := flag.UnquoteUsage(&flag.Flag{Value: f.Value})
		head := "  --" + f.Name
		if k, ok := map[string]string{"string": "TEXT", "int": "N", "uint": "N", "float": "NUMBER", "duration": "DURATION", "value": "VALUE"}[kind]; ok {
			head += " " + k
		}
		usage := f.Usage
		def := ""
		if !strings.Contains(usage, "(default") && !isZeroDefault(f) {
			v := f.DefValue
			if kind == "duration" {
				v = shortDuration(v)
			}
			def = fmt.Sprintf(" (default %s)", v)
		}
		lines = append(lines, fmt.Sprintf("%s\n      %s%s", head, usage, def))
	})
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nflags:\n%s\n", strings.Join(lines, "\n"))
	}
}

// shortDuration writes a duration as it is typed: 10m, not 10m0s.
func shortDuration(s string) string {
	for strings.HasSuffix(s, "m0s") || strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "0s", "false", "[]":
		return true
	}
	return false
}

// ParsePercent reads --sample the one way every command does: a percentage,
// written 2% or 2, above 0 and at most 100.
func ParsePercent(s string) (float64, error) {
	p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || !(p > 0 && p <= 100) {
		return 0, fmt.Errorf("--sample %q: want a percentage such as 2%% or 2 (above 0, at most 100)", s)
	}
	return p, nil
}

// Percent is a --sample flag (ParsePercent) stored in *P, 0 when not given.
type Percent struct{ P *float64 }

func (v Percent) String() string {
	if v.P == nil || *v.P == 0 {
		return ""
	}
	return strconv.FormatFloat(*v.P, 'g', -1, 64) + "%"
}

func (v Percent) Set(s string) error {
	p, err := ParsePercent(s)
	if err != nil {
		return err
	}
	*v.P = p
	return nil
}
