package devserver

import (
	"fmt"
	"os"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/contract"
)

// TestMain reports how many exchanges the contract checks saw (the harnesses install them).
func TestMain(m *testing.M) {
	code := m.Run()
	if s := contract.Summary(); s != "" {
		fmt.Fprintln(os.Stderr, s)
	}
	os.Exit(code)
}
