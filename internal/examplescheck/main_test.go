package examplescheck

import (
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

// TestMain prepares the CLI like every acceptance test package, which also makes make testacc
// run this package on each CLI.
func TestMain(m *testing.M) { acctest.Main(m) }
