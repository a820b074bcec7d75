package main

import (
	"context"
	"flag"
	"log"
	"os"
	runtimedebug "runtime/debug"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/apikey-provider/terraform-provider-apikey/internal/provider"
	"github.com/apikey-provider/terraform-provider-apikey/internal/runstats"
	"github.com/apikey-provider/terraform-provider-apikey/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// disabled is set only by the benchmark's comparison builds (-ldflags "-X main.disabled=..."):
// a comma-separated list of the process choices below to leave out ("quietlogs", "wrap",
// "memlimit"), so that each one's effect is measured in one interleaved run.
var disabled = ""

// softMemoryLimit keeps the provider's heap small when a plan touches thousands of keys: the
// framework allocates heavily per request, and without a limit the garbage collector lets the
// heap grow to several times the live data. GOMEMLIMIT overrides it.
const softMemoryLimit = 96 << 20

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve (set TF_LOG in its environment to see its logs)")
	flag.Parse()
	stopProfile, err := runstats.StartCPUProfileIfRequested(os.Getenv)
	if err != nil {
		log.Print(err)
	}
	off := func(choice string) bool { return strings.Contains(","+disabled+",", ","+choice+",") }

	if !off("quietlogs") {
		if _, err := server.QuietLogsUnlessAsked(os.Environ(), os.Setenv); err != nil {
			log.Fatal(err)
		}
	}
	if !off("memlimit") && os.Getenv("GOMEMLIMIT") == "" {
		runtimedebug.SetMemoryLimit(softMemoryLimit)
	}

	const address = "registry.terraform.io/apikey-provider/apikey"
	if off("wrap") {
		err = providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{Address: address, Debug: debug, ProtocolVersion: 6})
	} else {
		err = server.Serve(provider.New(version), address, debug)
	}
	stopProfile()
	if serr := runstats.WriteIfRequested(os.Getenv); serr != nil {
		log.Print(serr)
	}
	if err != nil {
		log.Fatal(err)
	}
}
