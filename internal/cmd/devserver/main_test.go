package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// start runs the command on db until the test ends and returns the lines it printed before
// serving, keyed by their label.
func start(t *testing.T, db, envRootKey string, extra ...string) (map[string]string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args := append([]string{"-listen", "127.0.0.1:0", "-db", db}, extra...)
	go func() {
		done <- run(ctx, args, envRootKey, pw)
		_ = pw.Close()
	}()
	lines := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		label, value, _ := strings.Cut(sc.Text(), ": ")
		lines[label] = value
		if label == "api_id" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if lines["api_id"] == "" {
		cancel()
		t.Fatalf("the command stopped before it was ready: %v", <-done)
	}
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the command did not stop")
		}
	}
	t.Cleanup(func() {
		cancel()
	})
	return lines, stop
}

func status(t *testing.T, endpoint, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/v2/apis.createApi", strings.NewReader(`{"name":"probe"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// The root key printed on the first start keeps working after a restart on the same database,
// and is not printed again.
func TestRootKeySurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	first, stop := start(t, db, "")
	rootKey := first["root_key"]
	if !strings.HasPrefix(rootKey, "unkey_") {
		t.Fatal("the first start printed no generated root key")
	}
	stop()

	second, stop := start(t, db, "")
	defer stop()
	if strings.Contains(second["root_key"], rootKey) || !strings.HasPrefix(second["root_key"], "unchanged") {
		t.Fatalf("the restart's root_key line is %q, want it to say the key is unchanged without repeating it", strings.ReplaceAll(second["root_key"], rootKey, "<root key>"))
	}
	if second["api_id"] != first["api_id"] {
		t.Fatalf("api_id changed across the restart: %s, then %s", first["api_id"], second["api_id"])
	}
	if code := status(t, second["endpoint"], rootKey); code != http.StatusOK {
		t.Fatalf("the first root key answers %d after the restart", code)
	}
}

func TestConfiguredRootKeyIsNotPrinted(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	const key = "unkey_from_environment_0123456789"
	lines, stop := start(t, db, key)
	defer stop()
	if strings.Contains(lines["root_key"], key) {
		t.Fatal("the configured root key was printed")
	}
	if code := status(t, lines["endpoint"], key); code != http.StatusOK {
		t.Fatalf("the configured root key answers %d", code)
	}
}

func TestLimitedRootKeyFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	lines, stop := start(t, db, "", "-limited-root-key-without", "create_api")
	defer stop()
	limited, _, _ := strings.Cut(lines["limited_root_key"], " ")
	if !strings.HasPrefix(limited, "unkey_") {
		t.Fatal("no limited_root_key line")
	}
	if code := status(t, lines["endpoint"], limited); code != http.StatusForbidden {
		t.Fatalf("apis.createApi with a root key lacking create_api answers %d, want 403", code)
	}
	if code := status(t, lines["endpoint"], lines["root_key"]); code != http.StatusOK {
		t.Fatalf("apis.createApi with the full root key answers %d", code)
	}
}

// -mixpeek-users provisions exactly the users it names.
func TestMixpeekUsersFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	const key = "unkey_mixpeek_users_flag_0123456789"
	lines, stop := start(t, db, key, "-mixpeek-users", "ops@example.com, dev@example.com")
	defer stop()
	for _, tc := range []struct {
		email string
		want  int
	}{{"ops@example.com", http.StatusOK}, {"dev@example.com", http.StatusOK}, {"other@example.com", http.StatusNotFound}} {
		req, err := http.NewRequest(http.MethodGet, lines["endpoint"]+"/v1/organizations/users/"+tc.email+"/api-keys", http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.email, resp.StatusCode, tc.want)
		}
	}
}
