// Command devserver runs the local Unkey-compatible backend for development and demos.
//
// It prints the endpoint, the root key and the id of a ready-made API, then serves until
// interrupted:
//
//	go run ./internal/cmd/devserver -listen 127.0.0.1:8787 -db apikey-devserver.db
//
// Testing aids (all off by default) make it behave like a flaky, throttled service, so clients
// and their retry policies can be exercised by hand or from scripts:
//
//	-rate-limit 60      at most 60 authenticated requests per minute; RateLimit-* headers, 429 + Retry-After
//	-fault-rate 0.2     answer 20% of authenticated requests with an injected 500/503, unprocessed
//	-drop-rate 0.1      process 10% of authenticated requests, then close the connection unanswered
//	-latency 250ms      delay every request
//	-fault-seed 7       seed for the fault and drop decisions
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8787", "address to listen on")
	dbPath := flag.String("db", "apikey-devserver.db", `SQLite database file (":memory:" keeps nothing)`)
	rootKey := flag.String("root-key", os.Getenv("APIKEY_DEVSERVER_ROOT_KEY"), "root key clients must send (default: $APIKEY_DEVSERVER_ROOT_KEY, else generated)")
	apiName := flag.String("api-name", "quickstart", "name of the API to create or reuse on start")
	encrypt := flag.Bool("encrypt-keys", true, "opt new APIs into storing recoverable keys")
	verbose := flag.Bool("v", false, "log one line per request to stderr")
	rateLimit := flag.Int("rate-limit", 0, "testing aid: authenticated requests allowed per minute (0 = unlimited)")
	faultRate := flag.Float64("fault-rate", 0, "testing aid: fraction 0..1 of authenticated requests answered with an injected 500/503")
	throttleRate := flag.Float64("throttle-rate", 0, "testing aid: fraction 0..1 of authenticated requests answered 429 with Retry-After: 1")
	dropRate := flag.Float64("drop-rate", 0, "testing aid: fraction 0..1 of authenticated requests processed and then dropped without a response")
	latency := flag.Duration("latency", 0, "testing aid: delay added before handling each request")
	faultSeed := flag.Int64("fault-seed", 0, "testing aid: seed for the fault and drop decisions")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flag.Args())
	}

	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	srv, err := devserver.New(devserver.Config{
		DBPath:         *dbPath,
		RootKey:        *rootKey,
		EncryptAllAPIs: *encrypt,
		Logger:         logger,

		RateLimitPerMinute: *rateLimit,
		FaultRate:          *faultRate,
		ThrottleRate:       *throttleRate,
		DropRate:           *dropRate,
		Latency:            *latency,
		FaultSeed:          *faultSeed,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	apiID, err := srv.EnsureAPI(ctx, *apiName)
	if err != nil {
		return fmt.Errorf("create api %q: %w", *apiName, err)
	}
	url, err := srv.Listen(*listen)
	if err != nil {
		return err
	}
	// The root key is the dev server's own credential; handing it to the operator is the point.
	fmt.Printf("endpoint: %s\nroot_key: %s\napi_id: %s\n", url, srv.RootKey(), apiID)

	<-ctx.Done()
	return nil
}
