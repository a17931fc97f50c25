package cli

import (
	"bytes"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// runFlags is a flag set like a command's: a string, an int, a bool, a
// duration and a percentage.
func runFlags() (*flag.FlagSet, *int) {
	fs := NewFlagSet("cutover run")
	fs.String("config", "", "the config file")
	workers := fs.Int("workers", 0, "copy with N workers")
	fs.Bool("create-tables", false, "create missing tables")
	fs.Duration("wait", 10*time.Minute, "wait this long")
	fs.Duration("grace", -1, "let in-flight batches finish (default run.grace)")
	sample := 2.0
	fs.Var(Percent{&sample}, "sample", "copy this percentage")
	return fs, workers
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string // "" for success
	}{
		{"flags", []string{"--config", "a.yaml", "--create-tables", "--workers=3"}, ""},
		{"unknown flag with a suggestion", []string{"--wrokers", "3"}, "run: unknown flag --wrokers: did you mean --workers? (cutover run --help lists the flags)"},
		{"case folded for the suggestion", []string{"--WORKERS", "3"}, "run: unknown flag --WORKERS: did you mean --workers? (cutover run --help lists the flags)"},
		{"unknown flag", []string{"--color"}, "run: unknown flag --color (cutover run --help lists the flags)"},
		{"unknown after a flag's value", []string{"--config", "--x", "--nope=1"}, "run: unknown flag --nope (cutover run --help lists the flags)"},
		{"unknown after a bool", []string{"--create-tables", "--wrkers", "3"}, "run: unknown flag --wrkers: did you mean --workers? (cutover run --help lists the flags)"},
		{"bad value", []string{"--workers", "two"}, `run: invalid value "two" for flag -workers: parse error (cutover run --help lists the flags)`},
		{"bad percentage", []string{"--sample", "150%"}, `run: invalid value "150%" for flag -sample: --sample "150%": want a percentage such as 2% or 2 (above 0, at most 100) (cutover run --help lists the flags)`},
		{"missing value", []string{"--config"}, "run: flag needs an argument: -config (cutover run --help lists the flags)"},
		{"stray argument", []string{"night.yaml"}, `run: unexpected argument "night.yaml" (flags are written --name value; cutover run --help)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs, workers := runFlags()
			err := Parse(fs, c.args)
			if c.want == "" {
				require.NoError(t, err)
				require.Equal(t, 3, *workers)
				return
			}
			require.EqualError(t, err, c.want)
		})
	}
	t.Run("help", func(t *testing.T) {
		for _, h := range []string{"-h", "--help", "-help"} {
			fs, _ := runFlags()
			err := Parse(fs, []string{"--workers", "2", h})
			require.ErrorAs(t, err, new(Help))
			require.Equal(t, Help{fs}, err)
			require.True(t, IsHelpFlag(h))
		}
		require.False(t, IsHelpFlag("--hel"))
	})
	t.Run("two words", func(t *testing.T) {
		fs := NewFlagSet("cutover capture start")
		require.EqualError(t, Parse(fs, []string{"--x"}), "capture start: unknown flag --x (cutover capture start --help lists the flags)")
	})
}

func TestWriteFlags(t *testing.T) {
	fs, _ := runFlags()
	var b bytes.Buffer
	WriteFlags(&b, fs)
	require.Equal(t, `
flags:
  --config TEXT
      the config file
  --create-tables
      create missing tables
  --grace DURATION
      let in-flight batches finish (default run.grace)
  --sample VALUE
      copy this percentage (default 2%)
  --wait DURATION
      wait this long (default 10m)
  --workers N
      copy with N workers
`, b.String())

	b.Reset()
	WriteFlags(&b, NewFlagSet("cutover version"))
	require.Empty(t, b.String(), "no flags: no section")
}

func TestShortDuration(t *testing.T) {
	for in, want := range map[string]string{"10m0s": "10m", "1h0m0s": "1h", "1h30m0s": "1h30m", "30s": "30s", "1m30s": "1m30s", "2h0m5s": "2h0m5s"} {
		require.Equal(t, want, shortDuration(in), in)
	}
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]float64{"2%": 2, "2": 2, " 0.5% ": 0.5, "100": 100} {
		p, err := ParsePercent(in)
		require.NoError(t, err, in)
		require.Equal(t, want, p, in)
	}
	for _, in := range []string{"0", "150%", "two", "", "-1", "NaN"} {
		_, err := ParsePercent(in)
		require.EqualError(t, err, `--sample "`+in+`": want a percentage such as 2% or 2 (above 0, at most 100)`)
	}
	var p float64
	v := Percent{&p}
	require.Equal(t, "", v.String())
	require.Equal(t, "", Percent{}.String())
	require.NoError(t, v.Set("2.5%"))
	require.Equal(t, 2.5, p)
	require.Equal(t, "2.5%", v.String())
	require.Error(t, v.Set("0"))
	require.Equal(t, 2.5, p, "a refused value leaves the flag as it was")
}
