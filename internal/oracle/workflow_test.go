package oracle

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWorkflowLint validates .github/workflows with actionlint (go install
// github.com/rhysd/actionlint/cmd/actionlint@latest), and says so when it is
// not installed.
func TestWorkflowLint(t *testing.T) {
	bin, err := exec.LookPath("actionlint")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(string(trimNL(gopath)), "bin", "actionlint")
		if _, err := os.Stat(bin); err != nil {
			t.Skip("SKIP: actionlint is not installed (go install github.com/rhysd/actionlint/cmd/actionlint@latest); .github/workflows not validated")
		}
	}
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow files: %v", err)
	}
	out, err := exec.Command(bin, files...).CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
