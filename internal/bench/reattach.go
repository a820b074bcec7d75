package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EnvReattach is the variable through which the CLI attaches to a provider
// that is already running (a provider started with -debug).
const EnvReattach = "TF_REATTACH_PROVIDERS"

// Provider addresses under which the CLIs look the provider up. Terraform
// resolves source = "apikey-provider/apikey" to the first, OpenTofu to the
// second; the provider itself announces the Terraform one.
const (
	TerraformAddress = "registry.terraform.io/apikey-provider/apikey"
	OpenTofuAddress  = "registry.opentofu.org/apikey-provider/apikey"
)

// ReattachConfig is one provider's entry in TF_REATTACH_PROVIDERS.
type ReattachConfig struct {
	Protocol        string
	ProtocolVersion int
	Pid             int
	Test            bool
	Addr            struct {
		Network string
		String  string
	}
}

// Reattach is the decoded value of TF_REATTACH_PROVIDERS, keyed by provider
// address.
type Reattach map[string]ReattachConfig

// ParseReattachLine extracts the TF_REATTACH_PROVIDERS value from one line of
// a debug-mode provider's output, which looks like
//
//	TF_REATTACH_PROVIDERS='{"registry.terraform.io/...":{...}}'
//
// (shell-quoted, with embedded single quotes written as '"'"'). ok is false
// when the line does not carry the variable.
func ParseReattachLine(line string) (r Reattach, ok bool, err error) {
	line = strings.TrimSpace(line)
	i := strings.Index(line, EnvReattach+"=")
	if i < 0 {
		return nil, false, nil
	}
	v := strings.TrimSpace(line[i+len(EnvReattach)+1:])
	switch {
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		v = strings.ReplaceAll(v[1:len(v)-1], `'"'"'`, `'`)
	case len(v) >= 2 && v[len(v)-1] == '"': // Windows: set "TF_REATTACH_PROVIDERS={...}"
		v = v[:len(v)-1]
	}
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return nil, true, fmt.Errorf("parsing %s: %w", EnvReattach, err)
	}
	if len(r) == 0 {
		return nil, true, fmt.Errorf("%s names no provider", EnvReattach)
	}
	for addr, c := range r {
		if c.Addr.Network == "" || c.Addr.String == "" {
			return nil, true, fmt.Errorf("%s: provider %s has no address", EnvReattach, addr)
		}
	}
	return r, true, nil
}

// ReadReattach reads lines from r until one carries TF_REATTACH_PROVIDERS
// and returns it. The rest of r is left unread.
func ReadReattach(r *bufio.Reader) (Reattach, error) {
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			ra, ok, perr := ParseReattachLine(line)
			if perr != nil {
				return nil, perr
			}
			if ok {
				return ra, nil
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("the provider exited without printing %s", EnvReattach)
			}
			return nil, err
		}
	}
}

// WithAlias returns a copy of r in which the entry for from is also
// available under to (when from is present).
func (r Reattach) WithAlias(from, to string) Reattach {
	out := make(Reattach, len(r)+1)
	for k, v := range r {
		out[k] = v
	}
	if c, ok := r[from]; ok {
		out[to] = c
	}
	return out
}

// Env returns "TF_REATTACH_PROVIDERS=<json>".
func (r Reattach) Env() (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return EnvReattach + "=" + string(b), nil
}
