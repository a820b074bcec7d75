package unkey_test

import (
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }
