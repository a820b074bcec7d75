package unkey

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// The resource's methods driven directly with framework values, against the local server or an
// httptest server.

var testKeySchema = keySchema()

func identitySchema(t *testing.T) resource.IdentitySchemaResponse {
	t.Helper()
	var resp resource.IdentitySchemaResponse
	(&keyResource{}).IdentitySchema(context.Background(), resource.IdentitySchemaRequest{}, &resp)
	return resp
}

func nullIdentity(t *testing.T) *tfsdk.ResourceIdentity {
	t.Helper()
	s := identitySchema(t).IdentitySchema
	return &tfsdk.ResourceIdentity{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(context.Background()), nil)}
}

func stateOf(t *testing.T, m keyModel) tfsdk.State {
	t.Helper()
	st := tfsdk.State{Schema: testKeySchema, Raw: tftypes.NewValue(testKeySchema.Type().TerraformType(context.Background()), nil)}
	noErrors(t, st.Set(context.Background(), &m))
	return st
}

func planOf(t *testing.T, m keyModel) tfsdk.Plan {
	t.Helper()
	return tfsdk.Plan{Schema: testKeySchema, Raw: stateOf(t, m).Raw}
}

func configOf(t *testing.T, m keyModel) tfsdk.Config {
	t.Helper()
	return tfsdk.Config{Schema: testKeySchema, Raw: stateOf(t, m).Raw}
}

func emptyState() tfsdk.State {
	return tfsdk.State{Schema: testKeySchema, Raw: tftypes.NewValue(testKeySchema.Type().TerraformType(context.Background()), nil)}
}

func modelOf(t *testing.T, st tfsdk.State) keyModel {
	t.Helper()
	var m keyModel
	noErrors(t, st.Get(context.Background(), &m))
	return m
}

// providerData registers a Backend on client, as the provider's Configure does.
func providerData(client *unkey.Client, now func() time.Time, createAttempts int) *backend.Data {
	d := backend.NewData(now)
	if client != nil {
		d.Register(ServiceName, NewBackend(client, now, createAttempts))
	} else {
		d.Unconfigured(ServiceName, "set unkey.root_key in the provider block, or UNKEY_ROOT_KEY.")
	}
	return d
}

func newTestResource(t *testing.T, data any) *keyResource {
	t.Helper()
	r := NewKeyResource().(*keyResource)
	var resp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: data}, &resp)
	noErrors(t, resp.Diagnostics)
	return r
}

// plannedCreate is what a plan holds for a new key configured with only api_id.
func plannedCreate(apiID string) keyModel {
	m := nullModel()
	m.APIID = types.StringValue(apiID)
	m.ByteLength = types.Int64Value(unkey.ByteLengthDefault)
	m.Recoverable = types.BoolValue(false)
	m.Enabled = types.BoolValue(true)
	m.PermanentDelete = types.BoolValue(false)
	m.StorePlaintext = types.BoolValue(true)
	m.RotationMode = types.StringValue("replace")
	m.ID, m.Start, m.Status = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	m.CreatedAt, m.UpdatedAt, m.LastUsedAt = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	m.Plaintext, m.EncryptedPlaintext = types.StringUnknown(), types.StringUnknown()
	m.Identity = types.ObjectUnknown(identityAttrTypes)
	m.EffectivePermissions = types.SetUnknown(types.StringType)
	m.RemainingCredits = types.Int64Unknown()
	return m
}

func createKey(t *testing.T, r *keyResource, plan keyModel) (keyModel, diag.Diagnostics) {
	t.Helper()
	resp := resource.CreateResponse{State: emptyState(), Identity: nullIdentity(t)}
	r.Create(context.Background(), resource.CreateRequest{Plan: planOf(t, plan)}, &resp)
	if resp.State.Raw.IsNull() {
		return keyModel{}, resp.Diagnostics
	}
	return modelOf(t, resp.State), resp.Diagnostics
}

func readKey(t *testing.T, r *keyResource, state keyModel) (*keyModel, diag.Diagnostics) {
	t.Helper()
	st := stateOf(t, state)
	resp := resource.ReadResponse{State: st, Identity: nullIdentity(t)}
	r.Read(context.Background(), resource.ReadRequest{State: st}, &resp)
	if resp.State.Raw.IsNull() {
		return nil, resp.Diagnostics
	}
	m := modelOf(t, resp.State)
	return &m, resp.Diagnostics
}

func deleteKey(t *testing.T, r *keyResource, state keyModel) diag.Diagnostics {
	t.Helper()
	resp := resource.DeleteResponse{State: stateOf(t, state)}
	r.Delete(context.Background(), resource.DeleteRequest{State: stateOf(t, state)}, &resp)
	return resp.Diagnostics
}

func hasSummary(diags diag.Diagnostics, fragment string) bool {
	for _, d := range diags {
		if strings.Contains(d.Summary(), fragment) {
			return true
		}
	}
	return false
}

func TestKeyResource_createReadUpdateDelete(t *testing.T) {
	f := newDevFixture(t)
	ctx := context.Background()
	if _, err := f.client.CreateRole(ctx, "support", "", []string{"tickets.read"}); err != nil {
		t.Fatal(err)
	}
	r := newTestResource(t, providerData(f.client, time.Now, 1))

	plan := plannedCreate(f.apiID)
	plan.Name = types.StringValue("svc")
	plan.Prefix = types.StringValue("sk")
	plan.Meta = tfvalue.JSONString(`{"team":"billing"}`)
	plan.Permissions = strSet("invoices.read")
	plan.Roles = strSet("support")
	plan.ExternalID = types.StringValue("acme")
	plan.Credits = credits(t, 10, nil)
	plan.Ratelimits = ratelimits(t, rl("requests", 5, "1m", nil))
	created, diags := createKey(t, r, plan)
	noErrors(t, diags)
	switch {
	case !strings.HasPrefix(created.ID.ValueString(), "key_") || !strings.HasPrefix(created.Plaintext.ValueString(), "sk_"):
		t.Fatalf("created id %s, plaintext set %t", created.ID, created.Plaintext.ValueString() != "")
	case !created.Permissions.Equal(strSet("invoices.read")) || !created.EffectivePermissions.Equal(strSet("invoices.read", "tickets.read")):
		t.Errorf("permissions %s effective %s", created.Permissions, created.EffectivePermissions)
	case created.ExternalID.ValueString() != "acme" || created.Identity.IsNull():
		t.Errorf("external_id %s identity %s", created.ExternalID, created.Identity)
	case created.RemainingCredits.ValueInt64() != 10 || created.Status.ValueString() != statusActive:
		t.Errorf("remaining %s status %s", created.RemainingCredits, created.Status)
	case created.Meta.ValueString() != `{"team":"billing"}`:
		t.Errorf("meta %s", created.Meta)
	}

	// A refresh reads back what was created: state is unchanged but for updated_at, which the
	// first refresh's removal of the creation marker sets.
	read, diags := readKey(t, r, created)
	noErrors(t, diags)
	if read == nil {
		t.Fatal("the key was removed from state on refresh")
	}
	if read.UpdatedAt.IsNull() {
		t.Error("updated_at is null after the marker's removal")
	}
	withUpdate := created
	withUpdate.UpdatedAt = read.UpdatedAt
	if got, want := stateOf(t, *read).Raw, stateOf(t, withUpdate).Raw; !got.Equal(want) {
		t.Errorf("refresh changed state:\n got %s\nwant %s", got, want)
	}
	created = *read

	if res, err := f.client.VerifyKey(ctx, unkey.VerifyKeyRequest{Key: created.Plaintext.ValueString()}); err != nil || !res.Valid {
		t.Errorf("the created plaintext does not verify (err %v)", err)
	}
	// The verification spent a credit: the live count follows, the configured start does not.
	read, diags = readKey(t, r, created)
	noErrors(t, diags)
	if c := creditsOf(ctx, read.Credits, &diags); read.RemainingCredits.ValueInt64() != 9 || c.Remaining.ValueInt64() != 10 || read.LastUsedAt.IsNull() {
		t.Errorf("after a verification: remaining_credits %s credits %s last_used_at %s", read.RemainingCredits, read.Credits, read.LastUsedAt)
	}

	// Update: rename, disable, drop the role.
	next := created
	next.Name = types.StringValue("svc-2")
	next.Enabled = types.BoolValue(false)
	next.Roles = types.SetNull(types.StringType)
	next.Status, next.UpdatedAt, next.EffectivePermissions = types.StringUnknown(), types.StringUnknown(), types.SetUnknown(types.StringType)
	uresp := resource.UpdateResponse{State: stateOf(t, created), Identity: nullIdentity(t)}
	r.Update(ctx, resource.UpdateRequest{Plan: planOf(t, next), State: stateOf(t, created)}, &uresp)
	noErrors(t, uresp.Diagnostics)
	updated := modelOf(t, uresp.State)
	if updated.Name.ValueString() != "svc-2" || updated.Status.ValueString() != statusDisabled || !updated.EffectivePermissions.Equal(strSet("invoices.read")) ||
		updated.Plaintext.ValueString() != created.Plaintext.ValueString() || updated.UpdatedAt.IsNull() {
		t.Errorf("after update: name %s status %s effective %s updated_at %s plaintext kept %t", updated.Name, updated.Status, updated.EffectivePermissions, updated.UpdatedAt, updated.Plaintext.Equal(created.Plaintext))
	}
	k, err := f.client.GetKey(ctx, created.ID.ValueString(), false)
	if err != nil || k.Enabled || k.Name == nil || *k.Name != "svc-2" || len(k.Roles) != 0 {
		t.Errorf("server after update: %+v (err %v)", k, err)
	}

	noErrors(t, deleteKey(t, r, updated))
	if _, err := f.client.GetKey(ctx, created.ID.ValueString(), false); !keyGone(err) {
		t.Errorf("after delete: err = %v, want key_not_found", err)
	}
	// Deleting again (already gone) is not an error.
	noErrors(t, deleteKey(t, r, updated))
	// A refresh of the deleted key removes it with a warning.
	gone, diags := readKey(t, r, updated)
	if gone != nil || diags.HasError() || !hasSummary(diags, "no longer exists") {
		t.Errorf("refresh of a deleted key: state %v, diags %v", gone, diags)
	}
}

func TestKeyResource_storePlaintextAndGracePeriod(t *testing.T) {
	f := newDevFixture(t)
	ctx := context.Background()
	now := time.Now()
	r := newTestResource(t, providerData(f.client, func() time.Time { return now }, 1))
	plan := plannedCreate(f.apiID)
	plan.StorePlaintext = types.BoolValue(false)
	plan.Plaintext = types.StringNull()
	plan.RevokeGracePeriod = types.StringValue("1h")
	created, diags := createKey(t, r, plan)
	noErrors(t, diags)
	if !created.Plaintext.IsNull() || !created.EncryptedPlaintext.IsNull() {
		t.Errorf("plaintext %s encrypted %s, want both null", created.Plaintext, created.EncryptedPlaintext)
	}
	noErrors(t, deleteKey(t, r, created))
	k, err := f.client.GetKey(ctx, created.ID.ValueString(), false)
	if err != nil {
		t.Fatalf("the key was deleted instead of left to expire: %v", err)
	}
	if k.Expires == nil || *k.Expires != now.Add(time.Hour).UnixMilli() {
		t.Errorf("expiry after a destroy with a grace period = %v, want now + 1h", k.Expires)
	}
}

func TestKeyResource_expireAfter(t *testing.T) {
	f := newDevFixture(t)
	r := newTestResource(t, providerData(f.client, time.Now, 1))
	plan := plannedCreate(f.apiID)
	plan.ExpireAfter = types.StringValue("720h")
	plan.ExpiresAt = timetypes.NewRFC3339Unknown()
	created, diags := createKey(t, r, plan)
	noErrors(t, diags)
	exp, d := created.ExpiresAt.ValueRFC3339Time()
	noErrors(t, d)
	cr, err := time.Parse(time.RFC3339Nano, created.CreatedAt.ValueString())
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(cr.Add(720 * time.Hour)) {
		t.Errorf("expires_at %s, want created_at %s + 720h", created.ExpiresAt, created.CreatedAt)
	}
}

// Unkey's key_not_found means gone; any other 404 or a 500 is an error that leaves state alone.
func TestKeyResource_readAndDeleteResponses(t *testing.T) {
	const envelope = `{"meta":{"requestId":"req_1"},"error":{"title":"Not Found","detail":"The specified key was not found.","status":404,"type":"https://unkey.com/docs/errors/unkey/data/key_not_found"}}`
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		gone        bool
	}{
		{name: "key_not_found envelope", status: 404, contentType: "application/json", body: envelope, gone: true},
		{name: "plain-text 404", status: 404, contentType: "text/plain", body: "404 page not found"},
		{name: "another resource's 404", status: 404, contentType: "application/json", body: strings.ReplaceAll(envelope, "key_not_found", "api_not_found")},
		{name: "500", status: 500, contentType: "application/json", body: `{"meta":{"requestId":"req_2"},"error":{"title":"Internal Server Error","detail":"boom","status":500,"type":"https://unkey.com/docs/errors/unkey/application/unexpected_error"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				calls.Add(1)
				_, _ = io.Copy(io.Discard, req.Body)
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			r := newTestResource(t, providerData(newClient(t, srv.URL, "unkey_root"), time.Now, 1))
			state := plannedCreate("api_1")
			state.ID = types.StringValue("key_1")
			state.Start, state.Status, state.CreatedAt = types.StringValue("abcd"), types.StringValue(statusActive), types.StringValue("2030-01-01T00:00:00Z")
			state.UpdatedAt, state.LastUsedAt, state.Plaintext, state.EncryptedPlaintext = types.StringNull(), types.StringNull(), types.StringValue("secret"), types.StringNull()
			state.Identity, state.EffectivePermissions, state.RemainingCredits = types.ObjectNull(identityAttrTypes), strSet(), types.Int64Null()

			read, diags := readKey(t, r, state)
			if tc.gone {
				if read != nil || diags.HasError() || !hasSummary(diags, "no longer exists") {
					t.Errorf("read: state kept %t, diags %v; want removed with a warning", read != nil, diags)
				}
			} else if !diags.HasError() || read == nil || !stateOf(t, *read).Raw.Equal(stateOf(t, state).Raw) {
				t.Errorf("read: diags %v, state kept %t; want an error and the state unchanged", diags, read != nil)
			}

			diags = deleteKey(t, r, state)
			if diags.HasError() == tc.gone {
				t.Errorf("delete: diags %v, want error = %t", diags, !tc.gone)
			}
			for _, d := range diags {
				if strings.Contains(d.Detail(), "secret") {
					t.Errorf("a diagnostic quotes the plaintext")
				}
			}
			if calls.Load() != 2 {
				t.Errorf("%d requests, want 2 (no retries configured)", calls.Load())
			}
		})
	}
}

func TestKeyResource_importState(t *testing.T) {
	r := &keyResource{}
	for _, tc := range []struct {
		id, wantAPI, wantKey string
		identity             *keyIdentityModel
		wantErr              bool
	}{
		{id: "key_1", wantKey: "key_1"},
		{id: "api_1/key_1", wantAPI: "api_1", wantKey: "key_1"},
		{identity: &keyIdentityModel{APIID: types.StringValue("api_1"), ID: types.StringValue("key_1")}, wantAPI: "api_1", wantKey: "key_1"},
		{identity: &keyIdentityModel{APIID: types.StringNull(), ID: types.StringValue("key_1")}, wantKey: "key_1"},
		{id: "/key_1", wantErr: true},
		{id: "api_1/", wantErr: true},
		{id: "a/b/c", wantErr: true},
		{id: "  ", wantErr: true},
	} {
		name := tc.id
		if tc.identity != nil {
			name = "identity " + tc.identity.APIID.ValueString() + "/" + tc.identity.ID.ValueString()
		}
		t.Run(name, func(t *testing.T) {
			req := resource.ImportStateRequest{ID: tc.id}
			if tc.identity != nil {
				req.Identity = nullIdentity(t)
				noErrors(t, req.Identity.Set(context.Background(), tc.identity))
			}
			resp := resource.ImportStateResponse{State: emptyState(), Identity: nullIdentity(t)}
			r.ImportState(context.Background(), req, &resp)
			if tc.wantErr {
				if !resp.Diagnostics.HasError() {
					t.Error("accepted")
				}
				return
			}
			noErrors(t, resp.Diagnostics)
			var apiID, keyID types.String
			noErrors(t, resp.State.GetAttribute(context.Background(), path.Root("api_id"), &apiID))
			noErrors(t, resp.State.GetAttribute(context.Background(), path.Root("id"), &keyID))
			if apiID.ValueString() != tc.wantAPI || keyID.ValueString() != tc.wantKey {
				t.Errorf("imported api_id %s id %s, want %q %q", apiID, keyID, tc.wantAPI, tc.wantKey)
			}
		})
	}
}

// The Read that follows an import fills what the API can return, and rejects a key of another API.
func TestKeyResource_readAfterImport(t *testing.T) {
	f := newDevFixture(t)
	ctx := context.Background()
	other, err := f.dev.CreateAPI(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	created, err := f.client.CreateKey(ctx, unkey.CreateKeyRequest{APIID: f.apiID, Prefix: "imp", Name: "imported",
		Credits:    &unkey.Credits{Remaining: ptr(int64(4))},
		Ratelimits: []unkey.RatelimitRequest{{Name: "requests", Limit: 5, Duration: 60000}}})
	if err != nil {
		t.Fatal(err)
	}
	r := newTestResource(t, providerData(f.client, time.Now, 1))
	imported := func(apiID string) keyModel {
		resp := resource.ImportStateResponse{State: emptyState(), Identity: nullIdentity(t)}
		r.ImportState(ctx, resource.ImportStateRequest{ID: apiID + "/" + created.KeyID}, &resp)
		noErrors(t, resp.Diagnostics)
		m := modelOf(t, resp.State)
		// The framework fills the model's typed nulls; the raw import state holds only the ids.
		return m
	}

	m, diags := readKey(t, r, imported(f.apiID))
	noErrors(t, diags)
	switch {
	case m == nil:
		t.Fatal("removed from state")
	case m.Prefix.ValueString() != "imp" || m.Name.ValueString() != "imported" || !m.Plaintext.IsNull() || !m.StorePlaintext.ValueBool():
		t.Errorf("prefix %s name %s plaintext %s store_plaintext %s", m.Prefix, m.Name, m.Plaintext, m.StorePlaintext)
	case !m.Ratelimits.Equal(ratelimits(t, rl("requests", 5, "1m", nil))):
		t.Errorf("ratelimits %s", m.Ratelimits)
	case !m.ByteLength.IsNull() || !m.Recoverable.IsNull() || m.PermanentDelete.ValueBool():
		t.Errorf("byte_length %s recoverable %s permanent_delete %s", m.ByteLength, m.Recoverable, m.PermanentDelete)
	}
	c := creditsOf(ctx, m.Credits, &diags)
	if c == nil || c.Remaining.ValueInt64() != 4 {
		t.Errorf("credits %s", m.Credits)
	}

	_, diags = readKey(t, r, imported(other))
	if !diags.HasError() || !hasSummary(diags, "another API") {
		t.Errorf("import into another API: %v", diags)
	}
	for _, d := range diags.Errors() {
		if p, ok := d.(diag.DiagnosticWithPath); !ok || !p.Path().Equal(path.Root("api_id")) || !strings.Contains(d.Detail(), "api_id") {
			t.Errorf("the error does not point at api_id: %v", d)
		}
	}
}

// Provider data that is not the registry is a bug; no provider data is a validation-only walk.
func TestKeyResource_configure(t *testing.T) {
	r := NewKeyResource().(*keyResource)
	var resp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: "wrong"}, &resp)
	if !resp.Diagnostics.HasError() {
		t.Error("a wrong provider data type was accepted")
	}
	resp = resource.ConfigureResponse{}
	r.Configure(context.Background(), resource.ConfigureRequest{}, &resp)
	noErrors(t, resp.Diagnostics)
	var cresp resource.CreateResponse
	r.Create(context.Background(), resource.CreateRequest{}, &cresp)
	if !hasSummary(cresp.Diagnostics, "Provider not configured") {
		t.Errorf("create without a configured provider: %v", cresp.Diagnostics)
	}
}

func TestKeyResource_metadataAndSchema(t *testing.T) {
	r := &keyResource{}
	var md resource.MetadataResponse
	r.Metadata(context.Background(), resource.MetadataRequest{ProviderTypeName: "apikey"}, &md)
	if md.TypeName != "apikey_unkey_key" || !md.ResourceBehavior.MutableIdentity {
		t.Errorf("metadata = %+v", md)
	}
	var sr resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sr)
	noErrors(t, sr.Diagnostics)
	noErrors(t, sr.Schema.ValidateImplementation(context.Background()))
	if _, ok := sr.Schema.Attributes["plaintext"]; !ok {
		t.Error("the lifecycle attributes are not in the schema")
	}
	// The key's four, and the setup objects' resources (API, permission, role, identity) and
	// data sources (API, roles, permissions, identity, identities).
	if got := len(Resources()) + len(DataSources()) + len(EphemeralResources()); got != 13 {
		t.Errorf("%d registrations, want 13", got)
	}
}
