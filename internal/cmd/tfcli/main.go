// Command tfcli prints the path of the Terraform or OpenTofu binary used by
// the tests, the demo and the docs pipeline, building it once when none is
// installed (see internal/tfcli for the search order).
//
//	go run ./internal/cmd/tfcli                       # print the CLI path
//	go run ./internal/cmd/tfcli -cli terraform        # Terraform (built if needed)
//	go run ./internal/cmd/tfcli -cli tofu             # OpenTofu (built if needed)
//	go run ./internal/cmd/tfcli -no-build             # print it only if no build is needed
//	go run ./internal/cmd/tfcli schema -o schema.json # write the provider schema JSON
//
// The schema subcommand builds the provider, asks the CLI for
// "providers schema -json" through a dev_overrides configuration, and writes
// the result keyed by the short provider name "apikey", which is the form
// tfplugindocs --providers-schema expects.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"

	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

const (
	providerSource = "apikey-provider/apikey"
	providerName   = "apikey"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfcli:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tfcli", flag.ContinueOnError)
	cli := fs.String("cli", "any", "which CLI: terraform, tofu, or any (an installed Terraform, else OpenTofu)")
	noBuild := fs.Bool("no-build", false, "fail instead of building the CLI from source")
	if err := fs.Parse(args); err != nil {
		return err
	}
	flavour, err := tfcli.ParseFlavour(*cli)
	if err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		var bin string
		if *noBuild {
			bin, err = tfcli.LookupFlavour(flavour)
		} else {
			bin, err = tfcli.FindFlavour(ctx, flavour)
		}
		if err != nil {
			return err
		}
		fmt.Println(bin)
		return nil
	}
	switch args[0] {
	case "schema":
		sub := flag.NewFlagSet("schema", flag.ContinueOnError)
		out := sub.String("o", "", "write the schema JSON to this file instead of stdout")
		if err := sub.Parse(args[1:]); err != nil {
			return err
		}
		schema, err := providerSchema(ctx, flavour)
		if err != nil {
			return err
		}
		if *out == "" {
			_, err = os.Stdout.Write(schema)
			return err
		}
		return os.WriteFile(*out, schema, 0o600)
	default:
		return fmt.Errorf("unknown argument %q (want no argument or schema)", args[0])
	}
}

// providerSchema returns the provider's schema as "providers schema -json"
// prints it, with the provider keyed by its short name.
func providerSchema(ctx context.Context, flavour tfcli.Flavour) ([]byte, error) {
	root, err := tfcli.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	bin, err := tfcli.FindFlavour(ctx, flavour)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "apikey-schema-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	pluginDir := filepath.Join(tmp, "plugins")
	workDir := filepath.Join(tmp, "work")
	for _, d := range []string{pluginDir, workDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	if _, err := tfcli.BuildProvider(ctx, root, pluginDir, "docs"); err != nil {
		return nil, err
	}
	config := filepath.Join(tmp, "cli.tfrc")
	if err := tfcli.WriteConfig(config, map[string]string{providerSource: pluginDir}); err != nil {
		return nil, err
	}
	mainTF := fmt.Sprintf("terraform {\n  required_providers {\n    %s = { source = %q }\n  }\n}\n\nprovider %q {}\n",
		providerName, providerSource, providerName)
	if err := os.WriteFile(filepath.Join(workDir, "main.tf"), []byte(mainTF), 0o600); err != nil {
		return nil, err
	}

	// With dev_overrides the provider needs no installation, so init is skipped.
	cmd := exec.CommandContext(ctx, bin, "providers", "schema", "-json")
	cmd.Dir = workDir
	cmd.Env = tfcli.Env(config)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s providers schema -json: %w\n%s", bin, err, stderr.Bytes())
	}
	return rekey(raw)
}

// rekey rewrites {"provider_schemas": {"<host>/<ns>/apikey": ...}} so the
// single provider is keyed "apikey", and indents the result so the file is
// stable and readable.
func rekey(raw []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parsing the provider schema: %w", err)
	}
	var schemas map[string]json.RawMessage
	if err := json.Unmarshal(doc["provider_schemas"], &schemas); err != nil {
		return nil, fmt.Errorf("parsing provider_schemas: %w", err)
	}
	var found json.RawMessage
	for addr, s := range schemas {
		if addr == providerName || path.Base(addr) == providerName {
			found = s
		}
	}
	if found == nil {
		return nil, errors.New("the CLI returned no schema for the apikey provider")
	}
	rekeyed, err := json.Marshal(map[string]json.RawMessage{providerName: found})
	if err != nil {
		return nil, err
	}
	doc["provider_schemas"] = rekeyed
	return json.MarshalIndent(doc, "", "  ")
}
