// Command devserver runs the local Unkey-compatible backend for development and demos.
//
// It prints the endpoint, the root key and the id of a ready-made API, then serves until
// interrupted:
//
//	go run ./internal/cmd/devserver -listen 127.0.0.1:8787 -db apikey-devserver.db
//
// The root key is printed only when it is generated, on the first start on a database; only its
// SHA-256 digest is stored, and later starts on the same database keep it valid. A root key given
// through $APIKEY_DEVSERVER_ROOT_KEY (or -root-key) replaces the stored one. The master key that
// seals recoverable keys lives in <db>.masterkey (mode 0600), never in the database.
//
// -encrypt-keys opts the -api-name API into storing recoverable keys; APIs made through
// apis.createApi are not opted in (as on the genuine service, recoverable keys there answer
// 412) unless -encrypt-all-apis is given.
//
// -mixpeek-users ops@example.com,dev@example.com provisions those Mixpeek organization users
// (each with its protected admin-key); the Mixpeek routes answer 404 for any other address, as
// Mixpeek does for a user who is not in the organization. Users provisioned on an earlier start
// on the same database are kept.
//
// -limited-root-key-without create_key,read_key prints an extra limited_root_key line: a root
// key lacking those permissions (see devserver.NewRootKeyWithout), for testing how clients
// handle insufficient permissions.
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
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv("APIKEY_DEVSERVER_ROOT_KEY"), os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. envRootKey is $APIKEY_DEVSERVER_ROOT_KEY.
func run(ctx context.Context, args []string, envRootKey string, stdout io.Writer) error {
	flags := flag.NewFlagSet("devserver", flag.ContinueOnError)
	listen := flags.String("listen", "127.0.0.1:8787", "address to listen on")
	dbPath := flags.String("db", "apikey-devserver.db", `SQLite database file (":memory:" keeps nothing)`)
	rootKey := flags.String("root-key", envRootKey, "root key clients must send (default: $APIKEY_DEVSERVER_ROOT_KEY, else generated)")
	apiName := flags.String("api-name", "quickstart", "name of the API to create or reuse on start")
	encrypt := flags.Bool("encrypt-keys", false, "opt the -api-name API into storing recoverable keys")
	encryptAll := flags.Bool("encrypt-all-apis", false, "testing aid: opt every API created from now on, apis.createApi included, into storing recoverable keys")
	masterKeyFile := flags.String("master-key-file", "", "file holding the 32-byte master key for recoverable keys, created 0600 when missing (default: <db>.masterkey)")
	mixpeekUsers := flags.String("mixpeek-users", "", "comma-separated Mixpeek organization users to provision (each gets the protected admin-key)")
	limitedWithout := flags.String("limited-root-key-without", "", "testing aid: also issue a root key lacking these comma-separated permissions (e.g. create_key,read_key) and print it")
	verbose := flags.Bool("v", false, "log one line per request to stderr")
	rateLimit := flags.Int("rate-limit", 0, "testing aid: authenticated requests allowed per minute (0 = unlimited)")
	faultRate := flags.Float64("fault-rate", 0, "testing aid: fraction 0..1 of authenticated requests answered with an injected 500/503")
	throttleRate := flags.Float64("throttle-rate", 0, "testing aid: fraction 0..1 of authenticated requests answered 429 with Retry-After: 1")
	dropRate := flags.Float64("drop-rate", 0, "testing aid: fraction 0..1 of authenticated requests processed and then dropped without a response")
	latency := flags.Duration("latency", 0, "testing aid: delay added before handling each request")
	faultSeed := flags.Int64("fault-seed", 0, "testing aid: seed for the fault and drop decisions")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flags.Args())
	}

	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	srv, err := devserver.New(devserver.Config{
		DBPath:         *dbPath,
		RootKey:        *rootKey,
		MasterKeyFile:  *masterKeyFile,
		EncryptAllAPIs: *encryptAll,
		MixpeekUsers:   splitList(*mixpeekUsers),
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

	apiID, err := srv.EnsureAPI(ctx, *apiName)
	if err != nil {
		return fmt.Errorf("create api %q: %w", *apiName, err)
	}
	if *encrypt {
		if err := srv.SetAPIEncryption(apiID, true); err != nil {
			return err
		}
	}
	var limited string
	if *limitedWithout != "" {
		denied := strings.Split(*limitedWithout, ",")
		for i := range denied {
			denied[i] = strings.TrimSpace(denied[i])
		}
		if limited, err = srv.NewRootKeyWithout(ctx, denied...); err != nil {
			return err
		}
	}
	url, err := srv.Listen(*listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "endpoint: %s\n", url)
	// The root keys are the dev server's own credentials; handing a new one to the operator is
	// the point. A kept or configured one is not repeated.
	switch srv.RootKeySource() {
	case devserver.RootKeyGenerated:
		fmt.Fprintf(stdout, "root_key: %s\n", srv.RootKey())
	case devserver.RootKeyKept:
		fmt.Fprintf(stdout, "root_key: unchanged (the root key printed when %s was created stays valid)\n", *dbPath)
	case devserver.RootKeyConfigured:
		fmt.Fprintln(stdout, "root_key: the one given in APIKEY_DEVSERVER_ROOT_KEY or -root-key")
	}
	if limited != "" {
		fmt.Fprintf(stdout, "limited_root_key: %s (lacks %s)\n", limited, *limitedWithout)
	}
	fmt.Fprintf(stdout, "api_id: %s\n", apiID)

	<-ctx.Done()
	return nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
