package devserver

import (
	"os/exec"
	"strings"
	"testing"
)

// The server is an independent oracle for the provider's clients: it must not reach them
// through any import, direct or indirect.
func TestNoClientImports(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	for _, pkg := range []string{".", "../cmd/devserver"} {
		out, err := exec.CommandContext(t.Context(), gobin, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		var deps int
		for dep := range strings.FieldsSeq(string(out)) {
			deps++
			if strings.Contains(dep, "/internal/client") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
		if deps < 10 {
			t.Fatalf("go list -deps %s listed only %d packages; the check would prove nothing", pkg, deps)
		}
	}
}
