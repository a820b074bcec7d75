// Command demo runs the quickstart end to end against an in-process local
// backend server, with no account anywhere:
//
//  1. build the provider and find (or build once) the terraform/tofu CLI;
//  2. start the local server on a free loopback port;
//  3. apply examples/quickstart (an API and a key in it) through a
//     dev_overrides CLI configuration (which makes init unnecessary), with
//     the endpoint and root key in the environment;
//  4. show the ids and the key's start, check that the API exists and that
//     the plaintext from the sensitive output authenticates with
//     keys.verifyKey;
//  5. destroy, and check that the key no longer verifies and the API is gone.
//
// The plaintext is read from "output -json" into memory and never printed.
// Run it with "make demo".
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/tfcli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	start := time.Now()
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\ndemo FAILED: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("\ndemo passed in %s\n", time.Since(start).Round(time.Second))
}

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}

func run(ctx context.Context) error {
	root, err := tfcli.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "apikey-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pluginDir := filepath.Join(tmp, "plugins")
	workDir := filepath.Join(tmp, "quickstart")
	if err := os.Mkdir(pluginDir, 0o700); err != nil {
		return err
	}

	step("Building the provider")
	if _, err := tfcli.BuildProvider(ctx, root, pluginDir, "demo"); err != nil {
		return err
	}

	step("Locating the terraform/tofu CLI")
	bin, err := tfcli.Find(ctx)
	if err != nil {
		return fmt.Errorf("locating the CLI: %w", err)
	}
	fmt.Println(bin)

	step("Starting the local backend server")
	srv, err := devserver.New(devserver.Config{DBPath: filepath.Join(tmp, "demo.db"), EncryptAllAPIs: true})
	if err != nil {
		return fmt.Errorf("starting the local server: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.Close()
		}
	}()
	endpoint, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	fmt.Printf("endpoint: %s\n", endpoint)

	config := filepath.Join(tmp, "cli.tfrc")
	if err := tfcli.WriteConfig(config, map[string]string{"apikey-provider/apikey": pluginDir}); err != nil {
		return err
	}
	if err := copyDir(filepath.Join(root, "examples", "quickstart"), workDir); err != nil {
		return fmt.Errorf("copying examples/quickstart: %w", err)
	}
	// The root key travels in the environment only, never on a command line.
	tf := cli{bin: bin, dir: workDir, env: tfcli.Env(config,
		"UNKEY_ENDPOINT="+endpoint,
		"UNKEY_ROOT_KEY="+srv.RootKey(),
	)}

	// With dev_overrides the CLI runs the provider from pluginDir and needs no
	// init: the quickstart has no other providers or modules to install, and
	// init would only fail trying to look the provider up in a registry.
	step("Skipping %s init: the locally built provider is used through dev_overrides", filepath.Base(bin))

	step("%s apply", filepath.Base(bin))
	if err := tf.run(ctx, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		return err
	}
	applied := true
	defer func() {
		if applied { // best-effort cleanup after a failure between apply and destroy
			_ = tf.run(context.WithoutCancel(ctx), "destroy", "-auto-approve", "-input=false", "-no-color")
		}
	}()

	outputs, err := tf.outputs(ctx)
	if err != nil {
		return err
	}
	apiID, keyID, start, plaintext := outputs["api_id"], outputs["key_id"], outputs["key_start"], outputs["plaintext"]
	if apiID == "" || keyID == "" || start == "" || plaintext == "" {
		return errors.New("the quickstart outputs api_id, key_id, key_start and plaintext must all be set")
	}
	if !strings.HasPrefix(plaintext, start) {
		return errors.New("the plaintext does not begin with the key's start")
	}
	fmt.Printf("api_id:    %s\nkey_id:    %s\nkey_start: %s\nplaintext: (sensitive, %d characters, not shown)\n", apiID, keyID, start, len(plaintext))

	hc, err := transport.New(transport.Config{BaseURL: endpoint, Token: srv.RootKey(), UserAgent: "terraform-provider-apikey-demo"})
	if err != nil {
		return err
	}
	client := unkey.New(hc)

	step("Reading the API with apis.getApi")
	api, err := client.GetAPI(ctx, apiID)
	if err != nil {
		return fmt.Errorf("reading the API: %w", err)
	}
	fmt.Printf("name: %s\n", api.Name)

	step("Verifying the plaintext with keys.verifyKey")
	res, err := client.VerifyKey(ctx, unkey.VerifyKeyRequest{Key: plaintext})
	if err != nil {
		return fmt.Errorf("verifying the key: %w", err)
	}
	fmt.Printf("valid: %t (code %s)\n", res.Valid, res.Code)
	if !res.Valid {
		return errors.New("the key created by apply does not verify")
	}

	step("%s destroy", filepath.Base(bin))
	applied = false
	if err := tf.run(ctx, "destroy", "-auto-approve", "-input=false", "-no-color"); err != nil {
		return err
	}

	step("Verifying the destroyed key is rejected")
	res, err = client.VerifyKey(ctx, unkey.VerifyKeyRequest{Key: plaintext})
	if err != nil {
		return fmt.Errorf("verifying the key: %w", err)
	}
	fmt.Printf("valid: %t (code %s)\n", res.Valid, res.Code)
	if res.Valid {
		return errors.New("the key still verifies after destroy")
	}
	if _, err := client.GetAPI(ctx, apiID); !unkey.IsAPINotFound(err) {
		return fmt.Errorf("the API is still readable after destroy (%v)", err)
	}
	fmt.Println("the API is gone")

	step("Stopping the local backend server")
	stopped = true
	return srv.Close()
}

// cli runs the terraform/tofu binary in one working directory.
type cli struct {
	bin string
	dir string
	env []string
}

func (c cli) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	return cmd
}

// run streams the command's output; sensitive values are redacted by the CLI.
func (c cli) run(ctx context.Context, args ...string) error {
	cmd := c.command(ctx, args...)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(c.bin), args[0], err)
	}
	return nil
}

// outputs reads "output -json" into memory; it is never echoed.
func (c cli) outputs(ctx context.Context) (map[string]string, error) {
	cmd := c.command(ctx, "output", "-json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("output -json: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var parsed map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		return nil, fmt.Errorf("parsing output -json: %w", err)
	}
	out := make(map[string]string, len(parsed))
	for name, o := range parsed {
		if s, ok := o.Value.(string); ok {
			out[name] = s
		}
	}
	return out, nil
}

// copyDir copies the regular files of src (recursively) into dst, skipping
// any local state or .terraform directory left by a manual run.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		if !d.Type().IsRegular() || strings.HasPrefix(name, "terraform.tfstate") || name == ".terraform.lock.hcl" {
			return nil
		}
		data, err := os.ReadFile(path) //nolint:gosec // copying the repository's own example
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o600)
	})
}
