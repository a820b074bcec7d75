package main

import (
	"flag"
	"log"
	"os"
	runtimedebug "runtime/debug"

	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/runstats"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// softMemoryLimit keeps the provider's heap small when a plan touches thousands of keys: the
// framework allocates heavily per request, and without a limit the garbage collector lets the
// heap grow to several times the live data. GOMEMLIMIT overrides it.
const softMemoryLimit = 96 << 20

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve (set TF_LOG in its environment to see its logs)")
	flag.Parse()

	if _, err := server.QuietLogsUnlessAsked(os.Environ(), os.Setenv); err != nil {
		log.Fatal(err)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		runtimedebug.SetMemoryLimit(softMemoryLimit)
	}

	err := server.Serve(provider.New(version), "registry.terraform.io/apikey-provider/apikey", debug)
	if serr := runstats.WriteIfRequested(os.Getenv); serr != nil {
		log.Print(serr)
	}
	if err != nil {
		log.Fatal(err)
	}
}
