package unkey

import "regexp"

// Limits and enums from the Unkey v2 OpenAPI. The provider's plan-time validators and the local
// server's request validation both read them from here, so the two cannot disagree.
const (
	APIIDMinLength   = 3
	APIIDMaxLength   = 255
	APINameMinLength = 3
	APINameMaxLength = 256

	KeyIDMinLength = 3
	KeyIDMaxLength = 255

	PrefixMinLength = 1
	PrefixMaxLength = 16

	NameMinLength = 1
	NameMaxLength = 255

	ByteLengthMin     = 16
	ByteLengthMax     = 255
	ByteLengthDefault = 16

	ExternalIDMinLength = 1
	ExternalIDMaxLength = 255

	MetaMaxProperties = 100

	RolesMaxItems       = 100
	RoleNameMinLength   = 1
	RoleNameMaxLength   = 128
	PermissionsMaxItems = 1000
	PermissionMinLength = 1
	PermissionMaxLength = 128

	// ExpiresMaxMillis is 2100-01-01T00:00:00Z in Unix milliseconds.
	ExpiresMaxMillis int64 = 4102444800000

	CreditsRemainingMin int64 = 0
	RefillAmountMin     int64 = 1
	RefillDayMin              = 1
	RefillDayMax              = 31

	RatelimitsMaxItems           = 50
	RatelimitNameMinLength       = 3
	RatelimitNameMaxLength       = 128
	RatelimitLimitMin      int64 = 1
	// The request schema has no upper bound; the response schema does, and staying inside it keeps
	// strict decoders working.
	RatelimitLimitMax          int64 = 1_000_000
	RatelimitDurationMinMillis int64 = 1000
	RatelimitDurationMaxMillis int64 = 2_592_000_000

	VerifyKeyMaxLength = 512
	ListKeysMaxLimit   = 100
	ListKeysDefault    = 100

	// RerollExpirationMaxMillis bounds keys.rerollKey's expiration (a duration in ms).
	RerollExpirationMaxMillis int64 = 4102444800000
)

// Refill intervals.
const (
	RefillDaily   = "daily"
	RefillMonthly = "monthly"
)

// RefillIntervals lists the accepted credits.refill.interval values.
var RefillIntervals = []string{RefillDaily, RefillMonthly}

// UpdateCreditsOperations lists keys.updateCredits operations.
var UpdateCreditsOperations = []string{"set", "increment", "decrement"}

// VerifyCodes lists the keys.verifyKey outcome codes.
var VerifyCodes = []string{"VALID", "NOT_FOUND", "FORBIDDEN", "INSUFFICIENT_PERMISSIONS", "USAGE_EXCEEDED", "RATE_LIMITED", "DISABLED", "EXPIRED"}

var (
	// IdentifierPattern matches apiId, keyId and prefix values.
	IdentifierPattern = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)
	// ExternalIDPattern matches externalId values.
	ExternalIDPattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	// PermissionPattern matches permission slugs.
	PermissionPattern = regexp.MustCompile(`^[a-zA-Z0-9_:\-.*]+$`)
)

// Base58Alphabet is the Bitcoin alphabet Unkey encodes key bytes with.
const Base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// DefaultEndpoint is Unkey's public API.
const DefaultEndpoint = "https://api.unkey.com"
