package devserver

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"slices"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// unkeySchema creates the tables of the Unkey protocol. Times are Unix milliseconds; a NULL
// deleted_at means "alive". There is a single workspace, so no workspace columns.
var unkeySchema = []string{
	`CREATE TABLE IF NOT EXISTS settings (
		name  TEXT PRIMARY KEY,
		value BLOB NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS apis (
		id                   TEXT PRIMARY KEY,
		name                 TEXT NOT NULL,
		keyspace_id          TEXT NOT NULL UNIQUE,
		store_encrypted_keys INTEGER NOT NULL DEFAULT 0,
		created_at           INTEGER NOT NULL,
		deleted_at           INTEGER
	)`,
	`CREATE TABLE IF NOT EXISTS identities (
		id          TEXT PRIMARY KEY,
		external_id TEXT NOT NULL UNIQUE,
		meta        TEXT,
		created_at  INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS keys (
		id            TEXT PRIMARY KEY,
		api_id        TEXT NOT NULL REFERENCES apis(id),
		hash          TEXT NOT NULL UNIQUE,
		start         TEXT NOT NULL,
		name          TEXT,
		meta          TEXT,
		identity_id   TEXT,
		enabled       INTEGER NOT NULL,
		expires       INTEGER,
		remaining     INTEGER,
		refill_amount INTEGER,
		refill_day    INTEGER,
		encrypted     BLOB,
		created_at    INTEGER NOT NULL,
		updated_at    INTEGER,
		last_used_at  INTEGER,
		deleted_at    INTEGER
	)`,
	`CREATE INDEX IF NOT EXISTS keys_api ON keys(api_id, id)`,
	// APIs with delete protection on (a dashboard-only setting upstream; SetAPIDeleteProtection).
	`CREATE TABLE IF NOT EXISTS api_delete_protection (
		api_id TEXT PRIMARY KEY REFERENCES apis(id)
	)`,
	`CREATE TABLE IF NOT EXISTS ratelimits (
		id          TEXT PRIMARY KEY,
		key_id      TEXT,
		identity_id TEXT,
		name        TEXT NOT NULL,
		lim         INTEGER NOT NULL,
		duration    INTEGER NOT NULL,
		auto_apply  INTEGER NOT NULL,
		UNIQUE (key_id, name),
		UNIQUE (identity_id, name)
	)`,
	`CREATE TABLE IF NOT EXISTS permissions (
		id          TEXT PRIMARY KEY,
		name        TEXT NOT NULL,
		slug        TEXT NOT NULL UNIQUE,
		description TEXT NOT NULL DEFAULT '',
		created_at  INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS roles (
		id          TEXT PRIMARY KEY,
		name        TEXT NOT NULL UNIQUE,
		description TEXT NOT NULL DEFAULT '',
		created_at  INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS roles_permissions (
		role_id       TEXT NOT NULL,
		permission_id TEXT NOT NULL,
		PRIMARY KEY (role_id, permission_id)
	)`,
	`CREATE TABLE IF NOT EXISTS keys_permissions (
		key_id        TEXT NOT NULL,
		permission_id TEXT NOT NULL,
		PRIMARY KEY (key_id, permission_id)
	)`,
	`CREATE TABLE IF NOT EXISTS keys_roles (
		key_id  TEXT NOT NULL,
		role_id TEXT NOT NULL,
		PRIMARY KEY (key_id, role_id)
	)`,
}

// querier is what *sql.DB and *sql.Tx have in common, so read helpers work inside and outside
// transactions.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// openDB opens the SQLite database and creates the Unkey and Mixpeek schemas.
//
// The pool is limited to one connection: an in-memory database lives only as long as a
// connection does, and a single writer sidesteps SQLITE_BUSY on transaction upgrades. Callers
// must therefore never query s.db while holding a transaction on the same goroutine.
func openDB(path string) (*sql.DB, error) {
	// secure_delete overwrites deleted rows, so a dropped ciphertext does not linger in free pages.
	const pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)"
	var dsn string
	if isMemoryDB(path) {
		dsn = "file:devserver-" + randomBase58(12) + "?mode=memory&cache=shared&" + pragmas
	} else {
		if err := restrictDBFiles(path); err != nil {
			return nil, err
		}
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	for _, stmt := range slices.Concat(unkeySchema, rootKeySchema, mixpeekSchema) {
		if _, err := db.ExecContext(context.Background(), stmt); err != nil {
			_ = db.Close() // already failing; the schema error is the one worth reporting
			return nil, fmt.Errorf("create schema: %w", err)
		}
	}
	return db, nil
}

func isMemoryDB(path string) bool { return path == "" || path == ":memory:" }

// restrictDBFiles creates the database file 0600 before SQLite opens it (SQLite gives its -wal
// and -shm files the database file's mode) and tightens files an earlier run left readable.
func restrictDBFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restrict database file: %w", err)
		}
	}
	return nil
}

// withTx runs fn in a transaction and commits when fn returns nil.
func (s *Server) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// randomBase58 returns n crypto-random bytes encoded with the Unkey alphabet.
func randomBase58(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand.Read never fails on supported platforms (it panics itself since Go 1.24).
		panic(err)
	}
	return base58(b)
}

// newID returns an Unkey-style id such as "key_3ZbS4o6Pz8pT9xSJ2f1Wqa" for prefix "key".
func newID(prefix string) string {
	return prefix + "_" + randomBase58(16)
}

// base58 encodes b with base58Alphabet, keeping leading zero bytes as '1' like Bitcoin.
func base58(b []byte) string {
	n := new(big.Int).SetBytes(b)
	radix := big.NewInt(58)
	mod := new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, base58Alphabet[0])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// generateKey makes a key the way Unkey does: byteLength random bytes, base58, optional
// "<prefix>_". start is what may be shown later: the prefix plus the first 4 base58 characters.
func generateKey(prefix string, byteLength int) (key, start string) {
	body := randomBase58(byteLength)
	if prefix == "" {
		return body, body[:4]
	}
	return prefix + "_" + body, prefix + "_" + body[:4]
}

// hashKey is the only form of a key that is stored: base64(SHA-256(key)).
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// errLegacyMasterKey refuses a database made by an older devserver, which kept the master key
// in the data file next to the ciphertexts it protects.
var errLegacyMasterKey = errors.New("the database stores its master key in the data file (made by an older devserver); " +
	"it is not used: delete the database file and start again")

// loadMasterKey returns the 32-byte master key: the configured one, else the one in keyFile
// (created 0600 with a new random key when missing), else (no keyFile: an in-memory database) a
// random one. The key never enters the database.
func loadMasterKey(ctx context.Context, db *sql.DB, configured []byte, keyFile string) ([]byte, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM settings WHERE name = 'master_key'`).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, errLegacyMasterKey
	}
	if configured != nil {
		if len(configured) != masterKeySize {
			return nil, fmt.Errorf("master key must be %d bytes, got %d", masterKeySize, len(configured))
		}
		return configured, nil
	}
	if keyFile == "" {
		return randomMasterKey()
	}
	mk, err := os.ReadFile(keyFile)
	if err == nil {
		if len(mk) != masterKeySize {
			return nil, fmt.Errorf("master key file %s must hold %d bytes, has %d", keyFile, masterKeySize, len(mk))
		}
		return mk, os.Chmod(keyFile, 0o600)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if mk, err = randomMasterKey(); err != nil {
		return nil, err
	}
	// O_EXCL: two servers starting on the same database must not each write their own key.
	f, err := os.OpenFile(keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	_, werr := f.Write(mk)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(keyFile) // a partial key file would make the next start fail
		return nil, fmt.Errorf("write master key file: %w", err)
	}
	return mk, nil
}

const masterKeySize = 32

func randomMasterKey() ([]byte, error) {
	mk := make([]byte, masterKeySize)
	_, err := rand.Read(mk)
	return mk, err
}

func newAEAD(masterKey []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// encryptKey seals a plaintext key; the key id is the associated data so a ciphertext cannot be
// moved to another key row.
func (s *Server) encryptKey(keyID, plaintext string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return s.aead.Seal(nonce, nonce, []byte(plaintext), []byte(keyID))
}

// decryptKey reverses encryptKey; ok is false for a damaged ciphertext or a different master key,
// which Unkey reports by leaving plaintext out.
func (s *Server) decryptKey(keyID string, sealed []byte) (string, bool) {
	ns := s.aead.NonceSize()
	if len(sealed) < ns {
		return "", false
	}
	plain, err := s.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(keyID))
	if err != nil {
		return "", false
	}
	return string(plain), true
}
