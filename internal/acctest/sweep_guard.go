package acctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// NameGuard stands in front of a service in live mode and refuses every request that would
// leave an object the sweepers cannot find: a name, external id or permission slug that does
// not start with NamePrefix, or a key without a name or an external id. The refusal is a 400 in the protocol's
// own error format, so the test that sent it fails at that step, naming the field. It checks
// what reaches the service, so names built at run time and slugs that Unkey turns into
// permissions count, and tests skipped in live mode, which reach no service, do not.
type NameGuard struct {
	forward *httputil.ReverseProxy

	mu         sync.Mutex
	checked    int
	violations []string
}

// NewNameGuard returns a guard that forwards what it lets through to target.
func NewNameGuard(target *url.URL) *NameGuard {
	return &NameGuard{forward: httputil.NewSingleHostReverseProxy(target)}
}

func (g *NameGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	proto, op := guardedOperation(r.Method, r.URL.Path)
	if op == "" {
		g.forward.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		http.Error(w, "reading the request body", http.StatusBadRequest)
		return
	}
	problems := unsweepable(op, body)
	g.mu.Lock()
	g.checked++
	for _, p := range problems {
		g.violations = append(g.violations, op+": "+p)
	}
	g.mu.Unlock()
	if len(problems) > 0 {
		refuse(w, proto, op+": "+strings.Join(problems, "; "))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	g.forward.ServeHTTP(w, r)
}

// Checked is the number of requests that create or rename something the guard has seen.
func (g *NameGuard) Checked() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.checked
}

// Violations lists what the guard refused, one line per field.
func (g *NameGuard) Violations() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.violations)
}

// guardedOperation names the requests that create or rename objects the sweepers look for.
func guardedOperation(method, path string) (proto, op string) {
	if method != http.MethodPost && method != http.MethodPatch {
		return "", ""
	}
	if i := strings.LastIndex(path, "/v2/"); i >= 0 && method == http.MethodPost {
		switch op := path[i+len("/v2/"):]; op {
		case "apis.createApi", "keys.createKey", "keys.updateKey", "keys.addPermissions", "keys.setPermissions",
			"identities.createIdentity", "permissions.createPermission", "permissions.createRole", "permissions.setRolePermissions":
			return "unkey", op
		}
		return "", ""
	}
	if _, rest, ok := strings.Cut(path, "/v1/organizations/users/"); ok {
		segs := strings.Split(rest, "/")
		switch {
		case method == http.MethodPost && len(segs) == 2 && segs[1] == "api-keys":
			return "mixpeek", "mixpeek create key"
		case method == http.MethodPatch && len(segs) == 3 && segs[1] == "api-keys":
			return "mixpeek", "mixpeek update key"
		}
	}
	return "", ""
}

// unsweepable says, per field of body, what the sweepers would not find.
func unsweepable(op string, body []byte) []string {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil // the service answers a malformed body; it creates nothing
	}
	var problems []string
	// must: the field carries the prefix when present; absent, it creates or renames nothing.
	// Null clears it: a name then leaves an object the sweepers cannot find, an external id
	// only unlinks the identity.
	const unswept = "so the sweepers would not find it"
	must := func(field, why string) {
		raw, ok := fields[field]
		if !ok {
			return
		}
		var s *string
		if json.Unmarshal(raw, &s) != nil {
			return
		}
		switch {
		case s == nil && field == "name":
			problems = append(problems, fmt.Sprintf("%s is cleared, so the sweepers would not find the object", field))
		case s != nil && !strings.HasPrefix(*s, NamePrefix):
			problems = append(problems, fmt.Sprintf("%s %q does not start with %q, %s", field, *s, NamePrefix, why))
		}
	}
	slugs := func() {
		var list []string
		if json.Unmarshal(fields["permissions"], &list) != nil {
			return
		}
		for _, s := range list {
			if !strings.HasPrefix(s, NamePrefix) {
				problems = append(problems, fmt.Sprintf("permission slug %q does not start with %q: Unkey creates a permission for a missing slug, which the sweepers would not find", s, NamePrefix))
			}
		}
	}
	switch op {
	case "apis.createApi":
		// Unkey cannot list APIs: the prefix is how a crashed run's APIs are found by hand.
		must("name", "by which an API a crashed run leaves is found")
	case "permissions.createRole", "mixpeek create key", "mixpeek update key":
		must("name", unswept)
	case "identities.createIdentity":
		must("externalId", unswept)
	case "permissions.createPermission":
		// The slug even when the name has the prefix: a key or role that names the slug after
		// the permission is gone has Unkey create it again, named after the slug.
		must("slug", "and Unkey recreates a permission named after the slug for a key or role that names it")
	case "keys.createKey":
		// A key without a name is swept by its identity's external id.
		if _, ok := fields["name"]; !ok {
			if _, ok := fields["externalId"]; !ok {
				problems = append(problems, "a key without a name or an external id: the sweepers would not find it")
			}
		}
		must("name", unswept)
		must("externalId", unswept)
	case "keys.updateKey":
		must("name", unswept)
		must("externalId", unswept)
	}
	switch op {
	case "keys.createKey", "keys.updateKey", "keys.addPermissions", "keys.setPermissions", "permissions.createRole", "permissions.setRolePermissions":
		slugs()
	}
	return problems
}

func refuse(w http.ResponseWriter, proto, msg string) {
	detail := "live-lane name guard: " + msg
	var body any
	if proto == "unkey" {
		body = map[string]any{
			"meta":  map[string]any{"requestId": "req_nameguard"},
			"error": map[string]any{"title": "Bad Request", "detail": detail, "status": http.StatusBadRequest, "type": "https://unkey.com/docs/errors/unkey/application/invalid_input"},
		}
	} else {
		body = map[string]any{"success": false, "status": http.StatusBadRequest, "error": map[string]any{"message": detail, "type": "BadRequestError"}}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(body)
}
