package mixpeek_test

import (
	"os"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// skipUnlessCLIHas skips a test whose CLI lacks the feature (list resources and actions: Terraform
// 1.14 or later, not OpenTofu), and any of these tests without TF_ACC, since some drive the CLI
// directly rather than through resource.Test.
func skipUnlessCLIHas(t *testing.T, feature acctest.Feature) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	acctest.SkipUnlessCLI(t, feature)
}
