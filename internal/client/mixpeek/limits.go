package mixpeek

// Limits and enums of Mixpeek's organization API keys, shared by the provider's validators and the
// local server.
const (
	NameMinLength            = 1
	NameMaxLength            = 100
	DescriptionMaxLength     = 500
	RateLimitOverrideMin     = 1
	ResourceIDMinLength      = 1
	ResourceIDMaxLength      = 100
	ProtectedKeyName         = "admin-key"
	KeyPrefixDisplayedLength = 10
)

// DefaultEndpoint is Mixpeek's public API.
const DefaultEndpoint = "https://api.mixpeek.com"

// Permission values.
var Permissions = []string{"read", "write", "delete", "admin"}

// Key statuses.
const (
	StatusActive  = "active"
	StatusRevoked = "revoked"
	StatusExpired = "expired"
)

// KeyStatuses lists the documented KeyStatus values; decoders accept others.
var KeyStatuses = []string{StatusActive, StatusRevoked, StatusExpired}

// KeyTypes lists the documented APIKeyType values; decoders accept others.
var KeyTypes = []string{"standard", "marketplace_subscription", "retriever"}

// ResourceTypes lists ResourceType values for scopes.
var ResourceTypes = []string{"organization", "user", "api_key", "namespace", "collection", "bucket", "retriever", "cluster", "taxonomy", "storage_connection", "alert"}

// NamespaceOperations lists the operations a scope may restrict a key to.
var NamespaceOperations = []string{"read_data", "write_data", "delete_data", "execute_retriever", "create_retriever", "delete_retriever", "execute_job", "cancel_job", "create_cluster", "delete_cluster", "modify_cluster", "modify_infrastructure", "manage_permissions"}
