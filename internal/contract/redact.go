package contract

import (
	"encoding/json"
	"sort"
	"strings"
)

// secretFields are the JSON members whose string values are credentials or key material on
// either protocol (Unkey "key" and "plaintext", Mixpeek "key"; "api_key" and "rootKey" for
// safety). Their values never appear in a reported problem.
var secretFields = map[string]bool{"key": true, "plaintext": true, "api_key": true, "rootKey": true, "root_key": true, "token": true}

// redact replaces every secret of the exchange that a problem quotes with [redacted].
func redact(r Result, e *Exchange) Result {
	if len(r.Problems) == 0 {
		return r
	}
	var secrets []string
	if auth := e.RequestHeader.Get("Authorization"); auth != "" {
		secrets = append(secrets, auth, strings.TrimSpace(strings.TrimPrefix(auth, "Bearer")))
	}
	secrets = collectSecrets(e.RequestBody, secrets)
	secrets = collectSecrets(e.ResponseBody, secrets)
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for i, p := range r.Problems {
		for _, s := range secrets {
			if len(s) >= 4 {
				p = strings.ReplaceAll(p, s, "[redacted]")
			}
		}
		r.Problems[i] = p
	}
	return r
}

func collectSecrets(body []byte, into []string) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return into
	}
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && secretFields[k] {
					into = append(into, s)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return into
}
