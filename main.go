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
// "memlimit" for both collector settings, "fastplan" for the plan shortcut of unchanged
// resources, "createplan" for the plan shortcut of creates, "fastread" for the read shortcut,
// "fastvalidate" for the validation shortcut, "fastcreate" for the apply of creates,
// "fastdestroy" for the destroy plan and Delete shortcut, "fastupgrade" for the
// UpgradeResourceState passthrough), so that each one's effect is measured in one interleaved run.
var disabled = ""

// The collector's settings. The provider's live heap is small (a few MB at 1000 keys once
// finished requests are not retained, see internal/server) while the framework allocates tens of
// KB per request, so with the default GOGC=100 the heap goal is a few MB and the collector runs
// about once per key. A soft limit of 40 MiB with GOGC=400 lets the heap grow to the limit
// between collections (peak RSS stays under 60 MB); GOGC=400 still bounds the heap, at five
// times the live data, if a user lifts the limit with GOMEMLIMIT=off. Measured (1000 keys, one
// interleaved run) against GOGC=100 with a 96 MiB limit: 19-34% less provider CPU per key, the
// collector's share 5-10% instead of 14-23%, peak RSS 57-61 MB instead of 35-51 MB. GOGC and
// GOMEMLIMIT override each.
const (
	softMemoryLimit = 40 << 20
	gcPercent       = 400
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve (set TF_LOG in its environment to see its logs)")
	flag.Parse()
	stopProfile, err := runstats.StartCPUProfileIfRequested(os.Getenv)
	if err != nil {
		log.Print(err)
	}
	off := func(choice string) bool { return strings.Contains(","+disabled+",", ","+choice+",") }

	const address = "registry.terraform.io/apikey-provider/apikey"
	logsAsked := false
	if !off("quietlogs") {
		quieted, err := server.QuietLogsUnlessAsked(os.Environ(), os.Setenv, server.ProviderLogVariable(address))
		if err != nil {
			log.Fatal(err)
		}
		logsAsked = len(quieted) == 0
	}
	if !off("memlimit") {
		if os.Getenv("GOGC") == "" {
			runtimedebug.SetGCPercent(gcPercent)
		}
		if os.Getenv("GOMEMLIMIT") == "" {
			runtimedebug.SetMemoryLimit(softMemoryLimit)
		}
	}

	if off("wrap") {
		err = providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{Address: address, Debug: debug, ProtocolVersion: 6})
	} else {
		var opts []server.Option
		// A user who asks for logs gets every framework line of every plan, so the shortcuts
		// (which answer identically but log nothing) stand aside.
		if off("fastplan") || logsAsked {
			opts = append(opts, server.WithoutFastPlan())
		}
		if off("createplan") || logsAsked {
			opts = append(opts, server.WithoutCreatePlan())
		}
		if off("fastupgrade") || logsAsked {
			opts = append(opts, server.WithoutFastUpgrade())
		}
		if off("fastread") || logsAsked {
			opts = append(opts, server.WithoutFastRead())
		}
		if off("fastvalidate") || logsAsked {
			opts = append(opts, server.WithoutFastValidate())
		}
		if off("fastcreate") || logsAsked {
			opts = append(opts, server.WithoutFastCreate())
		}
		if off("fastdestroy") || logsAsked {
			opts = append(opts, server.WithoutFastDestroy())
		}
		err = server.Serve(provider.New(version), address, debug, opts...)
	}
	stopProfile()
	if serr := runstats.WriteIfRequested(os.Getenv); serr != nil {
		log.Print(serr)
	}
	if err != nil {
		log.Fatal(err)
	}
}
