package mixpeek

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// keySchemaOnce is the key's schema, built once: validation outside the framework needs it per
// request.
var keySchemaOnce = sync.OnceValue(keySchema)

// ValidateKeyConfig validates an apikey_mixpeek_key configuration as the framework's
// ValidateResourceConfig does (see tfvalue.ValidateResourceConfig), with the resource configured
// from providerData as the framework would configure it. An error means the framework must do it.
func ValidateKeyConfig(ctx context.Context, providerData any, config tftypes.Value, writeOnlyAllowed bool) (diag.Diagnostics, error) {
	return tfvalue.ValidateResourceConfig(ctx, NewKeyResource(), keySchemaOnce(), providerData, config, writeOnlyAllowed)
}
