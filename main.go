package main

import (
	"context"
	"flag"
	"log"
	"os"
	runtimedebug "runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// softMemoryLimit keeps the provider's heap small when a plan touches thousands of keys: the
// framework allocates heavily per request, and without a limit the garbage collector lets the
// heap grow to several times the live data. GOMEMLIMIT overrides it.
const softMemoryLimit = 96 << 20

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()
	if os.Getenv("GOMEMLIMIT") == "" {
		runtimedebug.SetMemoryLimit(softMemoryLimit)
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/apikey-provider/apikey",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
}
