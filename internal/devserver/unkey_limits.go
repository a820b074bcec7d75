package devserver

import "regexp"

// Request limits, enums and patterns of the Unkey v2 protocol, written from the published OpenAPI
// document and the notes on the genuine service's handlers. The server keeps its own copy, so a
// misreading in the provider's client cannot hide behind the same misreading here.
const (
	// keys.createKey apiId; apis.getApi / apis.deleteApi declare 8..255 (ukAPIIDRefMinLength).
	ukAPIIDMinLength    = 3
	ukAPIIDRefMinLength = 8
	ukAPIIDMaxLength    = 255
	ukAPINameMinLength  = 3
	ukAPINameMaxLength  = 256

	ukKeyIDMinLength = 3
	ukKeyIDMaxLength = 255

	ukPrefixMinLength = 1
	ukPrefixMaxLength = 16

	ukNameMinLength = 1
	ukNameMaxLength = 255

	ukByteLengthMin     = 16
	ukByteLengthMax     = 255
	ukByteLengthDefault = 16

	ukExternalIDMinLength = 1
	ukExternalIDMaxLength = 255

	ukMetaMaxProperties = 100

	ukRolesMaxItems       = 100
	ukRoleNameMinLength   = 1
	ukRoleNameMaxLength   = 128
	ukPermissionsMaxItems = 1000
	ukSlugMinLength       = 1
	ukSlugMaxLength       = 128

	// permissions.createPermission name and the descriptions of permissions and roles.
	ukPermissionNameMinLength = 1
	ukPermissionNameMaxLength = 512
	ukDescriptionMaxLength    = 512

	// ukExpiresMaxMillis is 2100-01-01T00:00:00Z in Unix milliseconds; keys.rerollKey's
	// expiration (a duration in ms) has the same bound.
	ukExpiresMaxMillis int64 = 4102444800000

	ukCreditsRemainingMin int64 = 0
	ukRefillAmountMin     int64 = 1
	ukRefillDayMin              = 1
	ukRefillDayMax              = 31

	// RatelimitRequest bounds. The request schema has only minimums; the larger bounds of
	// RatelimitResponse are not request rules, so they are not enforced here.
	ukRatelimitsMaxItems             = 50
	ukRatelimitNameMinLength         = 3
	ukRatelimitNameMaxLength         = 128
	ukRatelimitLimitMin        int64 = 1
	ukRatelimitDurationMinMill int64 = 1000

	ukVerifyKeyMaxLength = 512

	// Every list operation takes limit 1..100 (default 100), a cursor of at most 1024
	// characters and (roles, permissions, identities) a search string of at most 256.
	ukListLimitMax     = 100
	ukListLimitDefault = 100
	ukCursorMaxLength  = 1024
	ukSearchMaxLength  = 256

	ukRefillDaily   = "daily"
	ukRefillMonthly = "monthly"
)

var (
	ukRefillIntervals          = []string{ukRefillDaily, ukRefillMonthly}
	ukUpdateCreditsOperations  = []string{"set", "increment", "decrement"}
	ukIdentifierPattern        = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)
	ukExternalIDPattern        = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	ukSlugPattern              = regexp.MustCompile(`^[a-zA-Z0-9_:\-.*]+$`)
	ukResourceIdentifierRegexp = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// ukResourceIdentifier bounds (permissions.setRolePermissions roleId).
const (
	ukResourceIdentifierMinLength = 3
	ukResourceIdentifierMaxLength = 255
)

// base58Alphabet is the Bitcoin alphabet Unkey encodes a key's random bytes with.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
