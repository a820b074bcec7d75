package mixpeek_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

// skipUnlessQueryAndActions skips a test whose CLI lacks list resources and actions: OpenTofu
// has neither, Terraform has both from 1.14.
func skipUnlessQueryAndActions(t *testing.T, feature string) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	bin := os.Getenv(tfcli.EnvPath)
	if bin == "" {
		t.Fatalf("%s is not set; is TestMain calling acctest.Main?", tfcli.EnvPath)
	}
	ctx := context.Background()
	tofu, err := tfcli.IsOpenTofu(ctx, bin)
	if err != nil {
		t.Fatalf("identifying the CLI: %v", err)
	}
	version, err := cliVersionOf(ctx, bin)
	if err != nil {
		t.Fatalf("identifying the CLI: %v", err)
	}
	switch {
	case tofu:
		t.Skipf("%s is not available in OpenTofu (this run uses OpenTofu %s); Terraform has it from 1.14.0", feature, version)
	case !versionAtLeast(version, 1, 14):
		t.Skipf("%s needs Terraform 1.14.0 or later; this run uses Terraform %s", feature, version)
	}
}

func cliVersionOf(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "version", "-json").Output()
	if err != nil {
		return "", fmt.Errorf("%s version -json: %w", bin, err)
	}
	var v struct {
		TerraformVersion string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("%s version -json: %w", bin, err)
	}
	return v.TerraformVersion, nil
}

func versionAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(strings.SplitN(version, "-", 2)[0], ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
