package mixpeek

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

const testEmail = "ops@example.com"

// routeHook may answer a request itself (returning true) before the devserver sees it.
type routeHook func(w http.ResponseWriter, r *http.Request, next http.Handler) bool

// testServer is a devserver behind an httptest server whose requests a hook can intercept.
type testServer struct {
	dev  *devserver.Server
	url  string
	mu   sync.Mutex
	hook routeHook
	// creates counts the create requests that reached the hook.
	creates int
}

func newTestServer(t *testing.T, now func() time.Time) *testServer {
	t.Helper()
	dev, err := devserver.New(devserver.Config{DBPath: filepath.Join(t.TempDir(), "dev.db"), Now: now, MixpeekUsers: []string{testEmail}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Close() })
	ts := &testServer{dev: dev}
	h := dev.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		hook := ts.hook
		if isCreate(r) {
			ts.creates++
		}
		ts.mu.Unlock()
		if hook != nil && hook(w, r, h) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	ts.url = hs.URL
	return ts
}

func (ts *testServer) setHook(h routeHook) {
	ts.mu.Lock()
	ts.hook = h
	ts.mu.Unlock()
}

func (ts *testServer) createCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.creates
}

func isCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api-keys")
}

// dropAfter serves the request and then closes the connection without the response.
func dropAfter(w http.ResponseWriter, r *http.Request, next http.Handler) {
	next.ServeHTTP(httptest.NewRecorder(), r)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func answer(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func newClient(t *testing.T, url, token string) *mixpeek.Client {
	t.Helper()
	hc, err := transport.New(transport.Config{BaseURL: url, Token: token, RequestTimeout: 5 * time.Second, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return mixpeek.New(hc)
}

// providerData is what the provider hands the resource when the Mixpeek backend is configured.
func providerData(b *Backend, now func() time.Time) *backend.Data {
	d := backend.NewData(now)
	d.Register(ServiceName, b)
	return d
}

// configured returns a key resource configured against url.
func configured(t *testing.T, url, token string, now func() time.Time, attempts int) (*keyResource, *Backend) {
	t.Helper()
	b := NewBackend(newClient(t, url, token), now, attempts)
	r := &keyResource{}
	var resp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: providerData(b, now)}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("configure: %v", resp.Diagnostics)
	}
	return r, b
}

// nullModel is a key model with every value null and typed.
func nullModel() keyModel {
	m := keyModel{
		Permissions:    types.SetNull(types.StringType),
		Scopes:         types.SetNull(scopeType),
		ExpiresAt:      timetypes.NewRFC3339Null(),
		AllowedOrigins: types.ListNull(types.StringType),
	}
	m.PlaintextAgeRecipients = types.SetNull(types.StringType)
	m.RotationTriggers = types.MapNull(types.StringType)
	return m
}

// configModel is what a configuration with the given name and email gives before planning.
func configModel(name string) keyModel {
	m := nullModel()
	m.UserEmail = types.StringValue(testEmail)
	m.Name = types.StringValue(name)
	return m
}

// plannedModel is configModel after the framework's defaults and unknown computed values.
func plannedModel(name string) keyModel {
	m := configModel(name)
	for _, p := range []*types.String{&m.ID, &m.Start, &m.Status, &m.CreatedAt, &m.LastUsedAt, &m.KeyHash, &m.KeyType, &m.SubscriptionID, &m.InternalID, &m.OrganizationID, &m.UserID, &m.CreatedBy, &m.RevokedAt, &m.RevokedBy, &m.Plaintext, &m.EncryptedPlaintext} {
		*p = types.StringUnknown()
	}
	m.Permissions = types.SetUnknown(types.StringType)
	m.AllowedOrigins = types.ListUnknown(types.StringType)
	m.StorePlaintext = types.BoolValue(true)
	return m
}

func objectType() tftypes.Object {
	return keySchema().Type().TerraformType(context.Background()).(tftypes.Object)
}

func stateOf(t *testing.T, m keyModel) tfsdk.State {
	t.Helper()
	st := tfsdk.State{Schema: keySchema(), Raw: tftypes.NewValue(objectType(), nil)}
	if diags := st.Set(context.Background(), &m); diags.HasError() {
		t.Fatalf("building state: %v", diags)
	}
	return st
}

func planOf(t *testing.T, m keyModel) tfsdk.Plan {
	t.Helper()
	st := stateOf(t, m)
	return tfsdk.Plan{Schema: st.Schema, Raw: st.Raw}
}

func configOf(t *testing.T, m keyModel) tfsdk.Config {
	t.Helper()
	st := stateOf(t, m)
	return tfsdk.Config{Schema: st.Schema, Raw: st.Raw}
}

func emptyState() tfsdk.State {
	return tfsdk.State{Schema: keySchema(), Raw: tftypes.NewValue(objectType(), nil)}
}

func modelOf(t *testing.T, st tfsdk.State) keyModel {
	t.Helper()
	var m keyModel
	if diags := st.Get(context.Background(), &m); diags.HasError() {
		t.Fatalf("reading state: %v", diags)
	}
	return m
}

func identityOf(t *testing.T, r *keyResource) *tfsdk.ResourceIdentity {
	t.Helper()
	var resp resource.IdentitySchemaResponse
	r.IdentitySchema(context.Background(), resource.IdentitySchemaRequest{}, &resp)
	return &tfsdk.ResourceIdentity{Schema: resp.IdentitySchema, Raw: tftypes.NewValue(resp.IdentitySchema.Type().TerraformType(context.Background()), nil)}
}

// withPrivate gives a response struct's Private field an empty private state; the framework's
// type for it is internal, so it is made by reflection.
func withPrivate(resp any) {
	f := reflect.ValueOf(resp).Elem().FieldByName("Private")
	f.Set(reflect.New(f.Type().Elem()))
}
