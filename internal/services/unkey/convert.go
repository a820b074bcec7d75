package unkey

import "github.com/hashicorp/terraform-plugin-framework/types/basetypes"

// objectAsOptions converts objects whose nested objects may be null.
var objectAsOptions = basetypes.ObjectAsOptions{}
