package acctest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

// Feature is a CLI capability that some acceptance tests need and not every
// supported CLI version has.
type Feature string

const (
	// FeatureIdentity: resource identity (identity in state, import by identity).
	FeatureIdentity Feature = "resource identity"
	// FeatureEphemeral: ephemeral resources.
	FeatureEphemeral Feature = "ephemeral resources"
	// FeatureListResources: list resources and the query command.
	FeatureListResources Feature = "list resources (query)"
	// FeatureActions: action blocks and action_trigger.
	FeatureActions Feature = "actions"
)

// FeatureSupport is the oldest version of each CLI that has a feature; an
// empty version means that CLI does not have it at all.
type FeatureSupport struct {
	Feature   Feature
	Terraform string
	OpenTofu  string
}

// featureTable is the one place minimum versions are recorded. Sources: the
// Terraform 1.10, 1.12 and 1.14 release notes; OpenTofu's 1.11 ephemeral
// resource docs and 1.12.0 changelog (import by identity). OpenTofu 1.12 has
// no query command and no action block.
var featureTable = []FeatureSupport{
	{Feature: FeatureIdentity, Terraform: "1.12.0", OpenTofu: "1.12.0"},
	{Feature: FeatureEphemeral, Terraform: "1.10.0", OpenTofu: "1.11.0"},
	{Feature: FeatureListResources, Terraform: "1.14.0"},
	{Feature: FeatureActions, Terraform: "1.14.0"},
}

// FeatureTable returns the minimum CLI versions of every Feature, in a fixed
// order, for documentation.
func FeatureTable() []FeatureSupport {
	return slices.Clone(featureTable)
}

// MinVersion returns the oldest version of the CLI flavour with the feature,
// and false when that CLI does not have it (or the feature is unknown).
func MinVersion(f Feature, fl tfcli.Flavour) (string, bool) {
	i := slices.IndexFunc(featureTable, func(s FeatureSupport) bool { return s.Feature == f })
	if i < 0 {
		return "", false
	}
	v := map[tfcli.Flavour]string{tfcli.Terraform: featureTable[i].Terraform, tfcli.OpenTofu: featureTable[i].OpenTofu}[fl]
	return v, v != ""
}

// Unsupported returns why the CLI of the given flavour and version lacks the
// feature, or "" when it has it.
func Unsupported(f Feature, fl tfcli.Flavour, version string) string {
	floor, ok := MinVersion(f, fl)
	switch {
	case !ok && fl == tfcli.OpenTofu:
		if tf, ok := MinVersion(f, tfcli.Terraform); ok {
			return fmt.Sprintf("%s is not available in OpenTofu (this run uses OpenTofu %s); Terraform has it from %s", f, version, tf)
		}
		return fmt.Sprintf("%s is not available in OpenTofu (this run uses OpenTofu %s)", f, version)
	case !ok:
		return fmt.Sprintf("%s is not available in %s (this run uses %s %s)", f, fl, fl, version)
	case tfcli.CompareVersions(version, floor) < 0:
		return fmt.Sprintf("%s needs %s %s or later; this run uses %s %s", f, fl, floor, fl, version)
	}
	return ""
}

// SkipUnlessCLI skips the test unless the CLI of this run (the one Main put
// in TF_ACC_TERRAFORM_PATH) has every given feature. The message names the
// feature, the CLI, its version and the minimum. Without TF_ACC it does
// nothing: resource.Test skips the test then anyway.
func SkipUnlessCLI(t testing.TB, features ...Feature) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		return
	}
	fl, version, err := currentCLI(t.Context())
	if err != nil {
		t.Fatalf("identifying the CLI: %v", err)
	}
	for _, f := range features {
		if why := Unsupported(f, fl, version); why != "" {
			t.Skip(why)
		}
	}
}

var cliCache struct {
	sync.Mutex
	path, version string
	flavour       tfcli.Flavour
}

// currentCLI identifies the binary in TF_ACC_TERRAFORM_PATH, once per path.
func currentCLI(ctx context.Context) (tfcli.Flavour, string, error) {
	bin := os.Getenv(tfcli.EnvPath)
	if bin == "" {
		return tfcli.Any, "", fmt.Errorf("%s is not set; is TestMain calling acctest.Main?", tfcli.EnvPath)
	}
	cliCache.Lock()
	defer cliCache.Unlock()
	if cliCache.path != bin {
		fl, v, err := tfcli.Identify(ctx, bin)
		if err != nil {
			return tfcli.Any, "", err
		}
		cliCache.path, cliCache.flavour, cliCache.version = bin, fl, v
	}
	return cliCache.flavour, cliCache.version, nil
}
