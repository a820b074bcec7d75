package unkey

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
)

// setupList is the list resource of a setup type (role, permission, identity): a workspace-wide
// listing with a search filter that returns whole objects, so each result is built from the page
// without a read per object.
type setupList[T, M any] struct {
	svc service
	// kind is the type name after apikey_unkey_ ("role"); plural names the objects in messages.
	kind, plural string
	description  string
	searchOver   string
	pages        func(ctx context.Context, c *unkey.Client, req unkey.ListRequest) iter.Seq2[*unkey.Page[T], error]
	id           func(*T) string
	display      func(*T) string
	// imported is what ImportState followed by Read produces for the object: the model an import
	// starts from has only the id set, so every other attribute is read back from null.
	imported func(ctx context.Context, obj *T, diags *diag.Diagnostics) M
	// pageSize is how many objects a page request asks for; 0 is Unkey's maximum. Tests lower it
	// to reach several pages with few objects.
	pageSize int
}

var (
	_ list.ListResource              = (*setupList[unkey.Role, roleModel])(nil)
	_ list.ListResourceWithConfigure = (*setupList[unkey.Role, roleModel])(nil)
)

type setupListConfig struct {
	Search types.String `tfsdk:"search"`
}

func (l *setupList[T, M]) typeName() string { return "apikey_unkey_" + l.kind }

func (l *setupList[T, M]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_" + l.kind
}

func (l *setupList[T, M]) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: l.description,
		Attributes: map[string]schema.Attribute{
			"search": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Only %s (case-insensitive substring, at most %d characters; filtered by Unkey). Unset lists every one.", l.searchOver, listSearchMaxLength),
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, listSearchMaxLength)},
			},
		},
	}
}

func (l *setupList[T, M]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	var diags diag.Diagnostics
	l.svc, diags = lookup(req.ProviderData)
	resp.Diagnostics.Append(diags...)
}

func (l *setupList[T, M]) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if !l.svc.Require(&diags, "list."+l.typeName()) {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	var cfg setupListConfig
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	b := l.svc.Value
	listReq := unkey.ListRequest{Limit: unkey.ListMaxLimit, Search: cfg.Search.ValueString()}
	if l.pageSize > 0 {
		listReq.Limit = l.pageSize
	}
	stream.Results = func(push func(list.ListResult) bool) {
		var sent int64
		for page, err := range l.pages(ctx, b.Client, listReq) {
			if err != nil {
				var d diag.Diagnostics
				d.AddError("Error listing "+l.plural, fmt.Sprintf("Could not list the %s of the workspace: %s", l.plural, b.explain(err)))
				push(list.ListResult{Diagnostics: d})
				return
			}
			for i := range page.Items {
				if req.Limit > 0 && sent >= req.Limit {
					return
				}
				sent++
				if !push(l.result(ctx, req, &page.Items[i])) {
					return
				}
			}
		}
	}
}

// result is one object as a list result: its identity, the name a person knows it by, and with
// include_resource the state an import by identity reads.
func (l *setupList[T, M]) result(ctx context.Context, req list.ListRequest, obj *T) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = l.display(obj)
	result.Diagnostics.Append(result.Identity.Set(ctx, idIdentityModel{ID: types.StringValue(l.id(obj))})...)
	if !req.IncludeResource || result.Diagnostics.HasError() {
		return result
	}
	m := l.imported(ctx, obj, &result.Diagnostics)
	if result.Diagnostics.HasError() {
		return result
	}
	result.Diagnostics.Append(result.Resource.Set(ctx, m)...)
	return result
}
