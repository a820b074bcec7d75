package devserver

// Limits, enums and wire types of the Mixpeek organization API-key protocol, written from the
// published OpenAPI document (API 0.81) and its prose; the server keeps its own copy so that it
// checks the provider's client instead of echoing it.
const (
	mpNameMinLength        = 1
	mpNameMaxLength        = 100
	mpDescriptionMaxLength = 500
	mpRateLimitOverrideMin = 1
	mpResourceIDMinLength  = 1
	mpResourceIDMaxLength  = 100
	// mpProtectedKeyName is the bootstrap key that cannot be updated, rotated or deleted.
	mpProtectedKeyName = "admin-key"
	// mpKeyPrefixShown is how many leading characters of the plaintext key_prefix shows
	// (followed by "...").
	mpKeyPrefixShown = 10

	mpStatusActive  = "active"
	mpStatusRevoked = "revoked"
	mpStatusExpired = "expired"
)

var (
	mpPermissions         = []string{"read", "write", "delete", "admin"}
	mpKeyStatuses         = []string{mpStatusActive, mpStatusRevoked, mpStatusExpired}
	mpResourceTypes       = []string{"organization", "user", "api_key", "namespace", "collection", "bucket", "retriever", "cluster", "taxonomy", "storage_connection", "alert"}
	mpNamespaceOperations = []string{"read_data", "write_data", "delete_data", "execute_retriever", "create_retriever", "delete_retriever", "execute_job", "cancel_job", "create_cluster", "delete_cluster", "modify_cluster", "modify_infrastructure", "manage_permissions"}
)

// mpScope is ResourceScope (the Input and Output forms have the same fields); operations is
// omitted when the key may do everything its permissions allow.
type mpScope struct {
	ResourceType string   `json:"resource_type"`
	ResourceID   string   `json:"resource_id"`
	Operations   []string `json:"operations,omitzero"`
}

// mpKeyModel is APIKeyModel. Nullable fields are sent as null, as the documented examples do.
type mpKeyModel struct {
	KeyID             string    `json:"key_id"`
	KeyHash           string    `json:"key_hash"`
	KeyPrefix         *string   `json:"key_prefix"`
	KeyType           string    `json:"key_type"`
	SubscriptionID    *string   `json:"subscription_id"`
	InternalID        string    `json:"internal_id"`
	OrganizationID    *string   `json:"organization_id"`
	UserID            string    `json:"user_id"`
	Name              string    `json:"name"`
	Description       string    `json:"description"`
	Permissions       []string  `json:"permissions"`
	Scopes            []mpScope `json:"scopes"`
	RateLimitOverride *int64    `json:"rate_limit_override"`
	Status            string    `json:"status"`
	ExpiresAt         *string   `json:"expires_at"`
	LastUsedAt        *string   `json:"last_used_at"`
	RevokedAt         *string   `json:"revoked_at"`
	CreatedAt         *string   `json:"created_at"`
	CreatedBy         *string   `json:"created_by"`
	RevokedBy         *string   `json:"revoked_by"`
	AllowedOrigins    []string  `json:"allowed_origins"`
	// PrincipalID exists only from API 0.82 on, so it is left out unless set.
	PrincipalID *string `json:"principal_id,omitempty"`
}

// mpCreatedKey is APIKeyCreateResponse: the model plus the plaintext, only from create and rotate.
type mpCreatedKey struct {
	mpKeyModel
	Key string `json:"key"`
}
