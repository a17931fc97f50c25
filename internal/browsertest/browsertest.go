// Package browsertest loads files in headless Chromium, for tests of the
// charts and reports cutover writes: they must render in a browser, not only
// parse.
package browsertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Chromium is where the browser is expected.
const Chromium = "/usr/bin/chromium"

// DOM loads file in headless Chromium and returns the DOM it built, after
// scripts ran. Without Chromium the test says so and is skipped.
func DOM(t *testing.T, file string) string {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		t.Skipf("SKIP browser rendering: %s not found (apt-get install chromium to run this check)", Chromium)
	}
	abs, err := filepath.Abs(file)
	require.NoError(t, err)
	cmd := exec.Command(Chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://"+abs)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // its profile, not the user's
	out, err := cmd.Output()
	require.NoError(t, err, "chromium --dump-dom %s", file)
	return string(out)
}
