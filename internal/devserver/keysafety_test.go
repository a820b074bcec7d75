package devserver

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// Tests in this file never print a key, a root key or a ciphertext.

func fileDBHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	apiID, err := srv.CreateAPI(context.Background(), "safety")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetAPIEncryption(apiID, true); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, srv: srv, handler: srv.Handler(), apiID: apiID}
}

// filesContain reports which of the database's files (db, -wal, -shm) hold needle.
func filesContain(t *testing.T, dbPath string, needle []byte) []string {
	t.Helper()
	var hits []string
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		raw, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, needle) {
			hits = append(hits, filepath.Base(p))
		}
	}
	return hits
}

func TestDatabaseFilesArePrivate(t *testing.T) {
	for name, precreate := range map[string]bool{"new file": false, "existing world-readable file": true} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dev.db")
			if precreate {
				if err := os.WriteFile(path, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			h := fileDBHarness(t, Config{DBPath: path})
			h.createKey(map[string]any{"recoverable": true}) // a write, so -wal and -shm exist
			for _, p := range []string{path, path + "-wal", path + "-shm", path + ".masterkey"} {
				st, err := os.Stat(p)
				if err != nil {
					t.Fatalf("%s: %v", filepath.Base(p), err)
				}
				if mode := st.Mode().Perm(); mode&0o077 != 0 {
					t.Errorf("%s has mode %o, want no group or other access", filepath.Base(p), mode)
				}
			}
		})
	}
}

func TestMasterKeyIsNotInTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	h := fileDBHarness(t, Config{DBPath: path, RootKey: "unkey_mk_test"})
	k := h.createKey(map[string]any{"recoverable": true})
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(path + ".masterkey")
	if err != nil {
		t.Fatal(err)
	}
	if len(mk) != masterKeySize {
		t.Fatalf("master key file holds %d bytes", len(mk))
	}
	if hits := filesContain(t, path, mk); hits != nil {
		t.Fatalf("master key bytes found in %v", hits)
	}

	// The key file alone lets the next start decrypt.
	srv, err := New(Config{DBPath: path, RootKey: "unkey_mk_test"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h2 := &harness{t: t, srv: srv, handler: srv.Handler()}
	var d keyResponseData
	h2.ok("keys.getKey", map[string]any{"keyId": k.KeyID, "decrypt": true}, &d)
	if d.Plaintext != k.Key {
		t.Fatalf("key %s does not decrypt after a restart", k.KeyID)
	}
}

func TestExplicitMasterKeyWritesNoKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	mk := bytes.Repeat([]byte{0x5a, 0xa5, 0x3c, 0xc3}, 8)
	h := fileDBHarness(t, Config{DBPath: path, MasterKey: mk})
	h.createKey(map[string]any{"recoverable": true})
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".masterkey"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("key file written although the master key was given: %v", err)
	}
	if hits := filesContain(t, path, mk); hits != nil {
		t.Fatalf("master key bytes found in %v", hits)
	}
}

// A database from an older devserver keeps its master key in a settings row; it must not be
// used as if nothing were wrong.
func TestLegacyMasterKeyRowIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	srv, err := New(Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.db.ExecContext(context.Background(), `INSERT INTO settings(name, value) VALUES ('master_key', ?)`, make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{DBPath: path}); !errors.Is(err, errLegacyMasterKey) {
		t.Fatalf("New on a database with a master key row: err = %v, want errLegacyMasterKey", err)
	}
}

func storedCiphertext(t *testing.T, db *sql.DB, keyID string) []byte {
	t.Helper()
	var c []byte
	err := db.QueryRowContext(context.Background(), `SELECT encrypted FROM keys WHERE id = ?`, keyID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeleteDropsCiphertext(t *testing.T) {
	for name, del := range map[string]func(h *harness, keyID string){
		"soft delete": func(h *harness, keyID string) { h.ok("keys.deleteKey", map[string]any{"keyId": keyID}, nil) },
		"permanent delete": func(h *harness, keyID string) {
			h.ok("keys.deleteKey", map[string]any{"keyId": keyID, "permanent": true}, nil)
		},
		"api deleted": func(h *harness, _ string) { h.ok("apis.deleteApi", map[string]any{"apiId": h.apiID}, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dev.db")
			h := fileDBHarness(t, Config{DBPath: path})
			k := h.createKey(map[string]any{"recoverable": true})
			sealed := storedCiphertext(t, h.srv.db, k.KeyID)
			if len(sealed) < 32 {
				t.Fatalf("key %s has no ciphertext before the delete", k.KeyID)
			}
			del(h, k.KeyID)
			if c := storedCiphertext(t, h.srv.db, k.KeyID); c != nil {
				t.Fatalf("key %s still has its ciphertext after the delete", k.KeyID)
			}
			if err := h.srv.Close(); err != nil {
				t.Fatal(err)
			}
			if hits := filesContain(t, path, sealed); hits != nil {
				t.Fatalf("the deleted key's ciphertext lingers in %v", hits)
			}
		})
	}
}

func TestRootKeyKeptAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	first, err := New(Config{DBPath: path, MixpeekUsers: []string{"ops@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	issued := first.RootKey()
	if first.RootKeySource() != RootKeyGenerated || issued == "" {
		t.Fatalf("first start: source %v, key set %v; want a generated key", first.RootKeySource(), issued != "")
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if hits := filesContain(t, path, []byte(issued)); hits != nil {
		t.Fatalf("the root key itself is stored in %v", hits)
	}

	second, err := New(Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if second.RootKeySource() != RootKeyKept || second.RootKey() != "" {
		t.Fatalf("restart: source %v, key returned %v; want the stored key kept and not returned", second.RootKeySource(), second.RootKey() != "")
	}
	h := &harness{t: t, srv: second, handler: second.Handler()}
	if r := h.do("apis.createApi", map[string]any{"name": "after-restart"}, "Bearer "+issued); r.Status != http.StatusOK {
		t.Fatalf("the root key issued before the restart answers %d", r.Status)
	}
	if code := mixpeekStatus(t, second.Handler(), issued); code != http.StatusOK {
		t.Fatalf("the kept root key answers %d on the Mixpeek protocol", code)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}

	// A configured root key replaces the stored one.
	third, err := New(Config{DBPath: path, RootKey: "unkey_configured_root"})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if third.RootKeySource() != RootKeyConfigured {
		t.Fatalf("source %v, want configured", third.RootKeySource())
	}
	h3 := &harness{t: t, srv: third, handler: third.Handler()}
	if r := h3.do("apis.createApi", map[string]any{"name": "old-key"}, "Bearer "+issued); r.Status != http.StatusUnauthorized {
		t.Fatalf("the replaced root key answers %d, want 401", r.Status)
	}
	if r := h3.do("apis.createApi", map[string]any{"name": "new-key"}, "Bearer unkey_configured_root"); r.Status != http.StatusOK {
		t.Fatalf("the configured root key answers %d", r.Status)
	}
}

func mixpeekStatus(t *testing.T, handler http.Handler, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "/v1/organizations/users/ops@example.com/api-keys", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec.Code
}
