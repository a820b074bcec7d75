package mixpeek

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

func fixedNow() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }

func hasSummary(diags diag.Diagnostics, severity diag.Severity, fragment string) bool {
	for _, d := range diags {
		if d.Severity() == severity && strings.Contains(d.Summary()+" "+d.Detail(), fragment) {
			return true
		}
	}
	return false
}

func create(t *testing.T, r *keyResource, plan keyModel) (keyModel, resource.CreateResponse) {
	t.Helper()
	resp := resource.CreateResponse{State: emptyState(), Identity: identityOf(t, r)}
	withPrivate(&resp)
	r.Create(context.Background(), resource.CreateRequest{Plan: planOf(t, plan)}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("create: %v", resp.Diagnostics)
	}
	return modelOf(t, resp.State), resp
}

// Create, read, update and delete against the local server.
func TestKeyResourceCRUD(t *testing.T) {
	ts := newTestServer(t, nil)
	r, b := configured(t, ts.url, ts.dev.RootKey(), time.Now, 2)
	ctx := context.Background()

	plan := plannedModel("svc")
	plan.Description = types.StringValue("configured")
	plan.ExpireAfter = types.StringValue("24h")
	plan.ExpiresAt = timetypes.NewRFC3339Unknown()
	m, cresp := create(t, r, plan)
	sum := sha256.Sum256([]byte(m.Plaintext.ValueString()))
	switch {
	case !strings.HasPrefix(m.ID.ValueString(), "key_"):
		t.Fatalf("id = %v", m.ID)
	case m.Description.ValueString() != "configured":
		t.Errorf("description in state = %v", m.Description)
	case hex.EncodeToString(sum[:]) != m.KeyHash.ValueString():
		t.Error("the plaintext in state is not the key")
	case m.Permissions.IsUnknown() || len(m.Permissions.Elements()) == 0:
		t.Errorf("permissions = %v", m.Permissions)
	}
	created, _ := time.Parse(time.RFC3339Nano, m.CreatedAt.ValueString())
	expires, _ := m.ExpiresAt.ValueRFC3339Time()
	if !expires.Equal(created.Add(24 * time.Hour).Truncate(time.Second)) {
		t.Errorf("expires_at %s is not created_at %s + 24h", m.ExpiresAt, m.CreatedAt)
	}
	if def := defaultPermissions(ctx, cresp.Private); len(def) == 0 {
		t.Error("no default permissions recorded at create")
	}
	// The marker outlives Create, so a key an interrupted run made can be recognised...
	k, err := b.Client.FindKey(ctx, testEmail, m.ID.ValueString())
	if err != nil || fingerprintOf(k.Description) == "" {
		t.Fatalf("server key %+v, %v: the marker must stay until the first refresh", k, err)
	}

	// ...and the first Read replaces it, keeping the state as it is.
	rresp := resource.ReadResponse{State: cresp.State, Identity: identityOf(t, r)}
	withPrivate(&rresp)
	r.Read(ctx, resource.ReadRequest{State: cresp.State, Private: cresp.Private}, &rresp)
	if rresp.Diagnostics.HasError() || !rresp.State.Raw.Equal(cresp.State.Raw) {
		t.Fatalf("read changed the state or failed: %v", rresp.Diagnostics)
	}
	if k, err := b.Client.FindKey(ctx, testEmail, m.ID.ValueString()); err != nil || k.Description != "configured" {
		t.Fatalf("server key %+v, %v: the first read must replace the marker", k, err)
	}

	// Update: a rename and a rate limit.
	next := m
	next.Name = types.StringValue("svc2")
	next.RateLimitOverride = types.Int64Value(5)
	next.Plaintext = types.StringNull()
	uresp := resource.UpdateResponse{State: cresp.State, Identity: identityOf(t, r)}
	withPrivate(&uresp)
	r.Update(ctx, resource.UpdateRequest{Plan: planOf(t, next), State: cresp.State}, &uresp)
	if uresp.Diagnostics.HasError() {
		t.Fatalf("update: %v", uresp.Diagnostics)
	}
	if got := modelOf(t, uresp.State); got.Name.ValueString() != "svc2" || got.RateLimitOverride.ValueInt64() != 5 || !got.Plaintext.IsNull() {
		t.Errorf("state after update: name %v, rate limit %v, plaintext null=%t", got.Name, got.RateLimitOverride, got.Plaintext.IsNull())
	}
	if k, _ := b.Client.FindKey(ctx, testEmail, m.ID.ValueString()); k == nil || k.Name != "svc2" || k.RateLimitOverride == nil || *k.RateLimitOverride != 5 {
		t.Errorf("server key after update: %+v", k)
	}

	// An update that changes nothing on the server only reads the key back.
	same := modelOf(t, uresp.State)
	nresp := resource.UpdateResponse{State: uresp.State, Identity: identityOf(t, r)}
	withPrivate(&nresp)
	r.Update(ctx, resource.UpdateRequest{Plan: planOf(t, same), State: uresp.State}, &nresp)
	if nresp.Diagnostics.HasError() {
		t.Fatalf("no-op update: %v", nresp.Diagnostics)
	}

	dresp := resource.DeleteResponse{State: uresp.State}
	r.Delete(ctx, resource.DeleteRequest{State: uresp.State}, &dresp)
	if dresp.Diagnostics.HasError() {
		t.Fatalf("delete: %v", dresp.Diagnostics)
	}
	if k, _ := b.Client.FindKey(ctx, testEmail, m.ID.ValueString()); k == nil || k.Status != mixpeek.StatusRevoked {
		t.Errorf("key after delete: %+v", k)
	}
}

// Create fails when the name is someone else's; a response that does not match its own plaintext
// only warns.
func TestKeyResourceCreateErrors(t *testing.T) {
	t.Run("name taken", func(t *testing.T) {
		ts := newTestServer(t, nil)
		r, b := configured(t, ts.url, ts.dev.RootKey(), time.Now, 1)
		if _, err := b.Client.CreateKey(context.Background(), testEmail, mixpeek.CreateKeyRequest{Name: "svc"}); err != nil {
			t.Fatal(err)
		}
		resp := resource.CreateResponse{State: emptyState(), Identity: identityOf(t, r)}
		withPrivate(&resp)
		r.Create(context.Background(), resource.CreateRequest{Plan: planOf(t, plannedModel("svc"))}, &resp)
		if !hasSummary(resp.Diagnostics, diag.SeverityError, "Terraform did not create") {
			t.Fatalf("diagnostics: %v", resp.Diagnostics)
		}
	})
	// The published API does not say how key_hash is encoded: a hash or prefix that does not
	// match the plaintext is a warning, and the key is kept, saved and settled.
	for _, tc := range []struct{ name, field, value string }{
		{"unrecognised key_hash is a warning", "key_hash", strings.Repeat("0", 64)},
		{"foreign key_prefix is a warning", "key_prefix", "sk_other..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			r, b := configured(t, ts.url, ts.dev.RootKey(), time.Now, 1)
			ts.setHook(func(w http.ResponseWriter, req *http.Request, next http.Handler) bool {
				if !isCreate(req) {
					return false
				}
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, req)
				var body map[string]any
				_ = json.Unmarshal(rec.Body.Bytes(), &body)
				body[tc.field] = tc.value
				out, _ := json.Marshal(body)
				answer(w, rec.Code, "application/json", string(out))
				return true
			})
			plan := plannedModel("svc")
			plan.Description = types.StringValue("configured")
			resp := resource.CreateResponse{State: emptyState(), Identity: identityOf(t, r)}
			withPrivate(&resp)
			r.Create(context.Background(), resource.CreateRequest{Plan: planOf(t, plan)}, &resp)
			if resp.Diagnostics.HasError() || !hasSummary(resp.Diagnostics, diag.SeverityWarning, "does not match its own hash or prefix") {
				t.Fatalf("diagnostics: %v", resp.Diagnostics)
			}
			for _, d := range resp.Diagnostics {
				if strings.Contains(d.Detail(), tc.value) {
					t.Fatalf("the warning repeats the server's %s", tc.field)
				}
			}
			m := modelOf(t, resp.State)
			if m.ID.IsNull() || m.Plaintext.IsNull() {
				t.Fatal("the key was not saved with its plaintext")
			}
			ts.setHook(nil)
			k, err := b.Client.FindKey(context.Background(), testEmail, m.ID.ValueString())
			// Live, and carrying the configured description after the creation marker, which
			// its first refresh removes.
			if err != nil || k.Status != mixpeek.StatusActive || !strings.HasSuffix(k.Description, "configured") {
				t.Fatalf("the key on the server: %+v, %v; want it live with the configured description", k, err)
			}
			if m.Description.ValueString() != "configured" {
				t.Fatalf("description in state: %q", m.Description.ValueString())
			}
		})
	}
	t.Run("create sends no update; a failed settle on read only warns", func(t *testing.T) {
		ts := newTestServer(t, nil)
		r, b := configured(t, ts.url, ts.dev.RootKey(), time.Now, 1)
		patches := 0
		ts.setHook(func(w http.ResponseWriter, req *http.Request, _ http.Handler) bool {
			if req.Method != http.MethodPatch {
				return false
			}
			patches++
			answer(w, http.StatusBadRequest, "application/json", `{"success":false,"status":400,"error":{"message":"no","type":"BadRequestError"}}`)
			return true
		})
		plan := plannedModel("svc")
		plan.Description = types.StringValue("configured")
		resp := resource.CreateResponse{State: emptyState(), Identity: identityOf(t, r)}
		withPrivate(&resp)
		r.Create(context.Background(), resource.CreateRequest{Plan: planOf(t, plan)}, &resp)
		if resp.Diagnostics.HasError() || patches != 0 {
			t.Fatalf("create: %d updates sent, diagnostics %v", patches, resp.Diagnostics)
		}
		rresp := resource.ReadResponse{State: resp.State, Identity: identityOf(t, r)}
		withPrivate(&rresp)
		r.Read(context.Background(), resource.ReadRequest{State: resp.State, Private: resp.Private}, &rresp)
		if rresp.Diagnostics.HasError() || !hasSummary(rresp.Diagnostics, diag.SeverityWarning, "Creation marker not removed") {
			t.Fatalf("read diagnostics: %v", rresp.Diagnostics)
		}
		if m := modelOf(t, rresp.State); m.Description.ValueString() != "configured" {
			t.Errorf("description in state = %v, want the configured one", m.Description)
		}
		ts.setHook(nil)
		r.Read(context.Background(), resource.ReadRequest{State: rresp.State, Private: resp.Private}, &rresp)
		k, err := b.Client.FindKey(context.Background(), testEmail, modelOf(t, rresp.State).ID.ValueString())
		if rresp.Diagnostics.HasError() || err != nil || k.Description != "configured" {
			t.Fatalf("the next read did not settle: %+v %v %v", k, err, rresp.Diagnostics)
		}
	})
}

// listServer answers the user's listing with keys, or with status and body when status != 0,
// and records PATCH and DELETE requests.
type listServer struct {
	mu     sync.Mutex
	keys   []mixpeek.Key
	status int
	body   string
	revoke int // status for DELETE; 0 = 200
	// revokedOn404 marks every key revoked when a DELETE is refused, as if it lost a race.
	revokedOn404 bool
	patches      []string
	deletes      int
}

func (ls *listServer) start(t *testing.T) string {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			if ls.status != 0 {
				answer(w, ls.status, "text/plain", ls.body)
				return
			}
			b, _ := json.Marshal(ls.keys)
			answer(w, http.StatusOK, "application/json", string(b))
		case http.MethodPatch:
			b, _ := io.ReadAll(r.Body)
			ls.patches = append(ls.patches, string(b))
			k := ls.keys[0]
			out, _ := json.Marshal(k)
			answer(w, http.StatusOK, "application/json", string(out))
		case http.MethodDelete:
			ls.deletes++
			if ls.revoke != 0 {
				if ls.revokedOn404 {
					for i := range ls.keys {
						ls.keys[i].Status = mixpeek.StatusRevoked
					}
				}
				answer(w, ls.revoke, "application/json", `{"success":false,"status":404,"error":{"message":"API key not found","type":"NotFoundError"}}`)
				return
			}
			answer(w, http.StatusOK, "application/json", `{}`)
		}
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

func serverKey(id, status string) mixpeek.Key {
	s := func(v string) *string { return &v }
	return mixpeek.Key{KeyID: id, Name: "svc", Status: status, KeyHash: "h", KeyType: "standard", UserID: "usr_1", Permissions: []string{"read"}, CreatedAt: s("2029-01-01T00:00:00Z")}
}

func stateModel(id string) keyModel {
	m := configModel("svc")
	m.ID = types.StringValue(id)
	m.StorePlaintext = types.BoolValue(true)
	m.Permissions = tfvalue.StringSet([]string{"read"})
	m.Status = types.StringValue("active")
	m.CreatedAt = types.StringValue("2029-01-01T00:00:00Z")
	return m
}

func TestKeyResourceRead(t *testing.T) {
	imported := nullModel()
	imported.ID, imported.UserEmail = types.StringValue("key_1"), types.StringValue(testEmail)
	cases := []struct {
		name        string
		ls          *listServer
		state       keyModel
		wantRemoved bool
		wantError   string
		wantWarning string
		check       func(t *testing.T, m keyModel, resp *resource.ReadResponse)
	}{
		{name: "present", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active")}}, state: stateModel("key_1")},
		{name: "not in the listing", ls: &listServer{keys: []mixpeek.Key{serverKey("key_2", "active")}}, state: stateModel("key_1"), wantRemoved: true, wantWarning: "no longer exists"},
		{name: "revoked", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "revoked")}}, state: stateModel("key_1"), wantRemoved: true, wantWarning: "revoked outside Terraform"},
		{
			name: "expired stays", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "expired")}}, state: stateModel("key_1"),
			check: func(t *testing.T, m keyModel, _ *resource.ReadResponse) {
				if m.Status.ValueString() != "expired" {
					t.Errorf("status = %v", m.Status)
				}
			},
		},
		{name: "server error", ls: &listServer{status: 500, body: `{"success":false,"status":500,"error":{"message":"down","type":"InternalServerError"}}`}, state: stateModel("key_1"), wantError: "State is left unchanged"},
		{name: "missing user leaves state alone", ls: &listServer{status: 404, body: `{"success":false,"status":404,"error":{"message":"User not found","type":"NotFoundError","details":{"resource":"user"}}}`}, state: stateModel("key_1"), wantError: "Mixpeek user not found"},
		{name: "plain-text 404 is not proof the key is gone", ls: &listServer{status: 404, body: "404 page not found"}, state: stateModel("key_1"), wantError: "HTTP 404"},
		{
			name: "after import", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active")}}, state: imported,
			check: func(t *testing.T, m keyModel, resp *resource.ReadResponse) {
				if !m.StorePlaintext.ValueBool() || !m.Plaintext.IsNull() || !m.Scopes.IsNull() || m.Name.ValueString() != "svc" {
					t.Errorf("imported state: store %v, plaintext %v, scopes %v, name %v", m.StorePlaintext, m.Plaintext, m.Scopes, m.Name)
				}
				if def := defaultPermissions(context.Background(), resp.Private); len(def) != 1 || def[0] != "read" {
					t.Errorf("default permissions recorded at import = %v", def)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.ls.start(t)
			r, _ := configured(t, url, "token", fixedNow, 1)
			st := stateOf(t, tc.state)
			resp := resource.ReadResponse{State: st, Identity: identityOf(t, r)}
			withPrivate(&resp)
			r.Read(context.Background(), resource.ReadRequest{State: st}, &resp)
			if tc.wantError != "" {
				if !hasSummary(resp.Diagnostics, diag.SeverityError, tc.wantError) {
					t.Fatalf("diagnostics %v, want an error with %q", resp.Diagnostics, tc.wantError)
				}
				if !resp.State.Raw.Equal(st.Raw) {
					t.Error("state changed on a failed read")
				}
				return
			}
			if resp.Diagnostics.HasError() {
				t.Fatalf("read: %v", resp.Diagnostics)
			}
			if resp.State.Raw.IsNull() != tc.wantRemoved {
				t.Fatalf("removed = %t, want %t", resp.State.Raw.IsNull(), tc.wantRemoved)
			}
			if tc.wantWarning != "" && !hasSummary(resp.Diagnostics, diag.SeverityWarning, tc.wantWarning) {
				t.Errorf("diagnostics %v, want a warning with %q", resp.Diagnostics, tc.wantWarning)
			}
			if tc.check != nil {
				tc.check(t, modelOf(t, resp.State), &resp)
			}
		})
	}
}

func TestKeyResourceDelete(t *testing.T) {
	cases := []struct {
		name        string
		ls          *listServer
		state       func(*keyModel)
		wantError   string
		wantDeletes int
		wantPatch   string
	}{
		{name: "revoked", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active")}}, wantDeletes: 1},
		// A key that can no longer be used is not addressed by name: a newer key may have it.
		{name: "key already revoked: nothing sent", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "revoked"), serverKey("key_2", "active")}}},
		{name: "key expired: nothing sent", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "expired"), serverKey("key_2", "active")}}},
		{name: "key gone from the listing: nothing sent", ls: &listServer{keys: []mixpeek.Key{}}},
		{name: "revoke refused, key still active", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active")}, revoke: 404}, wantDeletes: 1, wantError: "Error revoking key"},
		{name: "revoke refused, key revoked meanwhile", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active")}, revoke: 404, revokedOn404: true}, wantDeletes: 1},
		{name: "two live keys with the name: nothing sent", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active"), serverKey("key_2", "active")}}, wantError: "Error revoking key"},
		{
			name: "grace period with two live keys with the name: nothing sent", ls: &listServer{keys: []mixpeek.Key{serverKey("key_2", "active"), serverKey("key_1", "active")}},
			state:     func(m *keyModel) { m.RevokeGracePeriod = types.StringValue("1h") },
			wantError: "Error scheduling key expiry",
		},
		{name: "create that never got an id", ls: &listServer{}, state: func(m *keyModel) { m.ID = types.StringValue("") }},
		{
			name: "grace period sets the expiry", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active")}},
			state:     func(m *keyModel) { m.RevokeGracePeriod = types.StringValue("1h") },
			wantPatch: `{"expires_at":"2030-01-01T01:00:00Z"}`,
		},
		{
			name: "grace period never extends an expiry", ls: &listServer{keys: []mixpeek.Key{serverKey("key_1", "active")}},
			state: func(m *keyModel) {
				m.RevokeGracePeriod = types.StringValue("1h")
				m.ExpiresAt = timetypes.NewRFC3339ValueMust("2030-01-01T00:10:00Z")
			},
			wantPatch: `{"expires_at":"2030-01-01T00:10:00Z"}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.ls.start(t)
			r, _ := configured(t, url, "token", fixedNow, 1)
			m := stateModel("key_1")
			if tc.state != nil {
				tc.state(&m)
			}
			st := stateOf(t, m)
			resp := resource.DeleteResponse{State: st}
			r.Delete(context.Background(), resource.DeleteRequest{State: st}, &resp)
			if tc.wantError != "" {
				if !hasSummary(resp.Diagnostics, diag.SeverityError, tc.wantError) {
					t.Fatalf("diagnostics %v, want %q", resp.Diagnostics, tc.wantError)
				}
			} else if resp.Diagnostics.HasError() {
				t.Fatalf("delete: %v", resp.Diagnostics)
			}
			if tc.ls.deletes != tc.wantDeletes {
				t.Errorf("%d revokes, want %d", tc.ls.deletes, tc.wantDeletes)
			}
			if tc.wantPatch != "" && (len(tc.ls.patches) != 1 || tc.ls.patches[0] != tc.wantPatch) {
				t.Errorf("patches %v, want [%s]", tc.ls.patches, tc.wantPatch)
			}
		})
	}
}

func TestKeyResourceImportState(t *testing.T) {
	r := &keyResource{}
	cases := []struct {
		id, wantEmail, wantID string
	}{
		{id: "ops@example.com/key_1", wantEmail: "ops@example.com", wantID: "key_1"},
		{id: "a+b@example.co.uk/key_x", wantEmail: "a+b@example.co.uk", wantID: "key_x"},
		{id: "key_1"},
		{id: "/key_1"},
		{id: "ops@example.com/"},
		{id: "ops@example.com/  "},
		{id: "not-an-email/key_1"},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			resp := resource.ImportStateResponse{State: emptyState(), Identity: identityOf(t, r)}
			r.ImportState(context.Background(), resource.ImportStateRequest{ID: tc.id}, &resp)
			if tc.wantID == "" {
				if !hasSummary(resp.Diagnostics, diag.SeverityError, "<user_email>/<key_id>") {
					t.Fatalf("diagnostics %v, want the expected form", resp.Diagnostics)
				}
				return
			}
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			var email, id types.String
			resp.State.GetAttribute(context.Background(), pathRoot("user_email"), &email)
			resp.State.GetAttribute(context.Background(), pathRoot("id"), &id)
			if email.ValueString() != tc.wantEmail || id.ValueString() != tc.wantID {
				t.Errorf("imported %v/%v", email, id)
			}
		})
	}
	t.Run("identity", func(t *testing.T) {
		ident := identityOf(t, r)
		if diags := ident.Set(context.Background(), &keyIdentityModel{UserEmail: types.StringValue(testEmail), ID: types.StringValue("key_9")}); diags.HasError() {
			t.Fatal(diags)
		}
		resp := resource.ImportStateResponse{State: emptyState(), Identity: identityOf(t, r)}
		r.ImportState(context.Background(), resource.ImportStateRequest{Identity: ident}, &resp)
		var id types.String
		resp.State.GetAttribute(context.Background(), pathRoot("id"), &id)
		if resp.Diagnostics.HasError() || id.ValueString() != "key_9" {
			t.Fatalf("import by identity: %v, id %v", resp.Diagnostics, id)
		}
	})
}

// modifyPlan runs ModifyPlan with the given configuration, plan and state (nil for a create).
func modifyPlan(t *testing.T, data any, cfg, plan keyModel, state *keyModel, private map[string][]byte) (keyModel, resource.ModifyPlanResponse) {
	t.Helper()
	r := &keyResource{}
	var cresp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: data}, &cresp)
	req := resource.ModifyPlanRequest{Config: configOf(t, cfg), Plan: planOf(t, plan), State: emptyState()}
	if state != nil {
		req.State = stateOf(t, *state)
	}
	withPrivate(&req)
	for k, v := range private {
		req.Private.SetKey(context.Background(), k, v)
	}
	resp := resource.ModifyPlanResponse{Plan: req.Plan}
	r.ModifyPlan(context.Background(), req, &resp)
	var out keyModel
	if !resp.Plan.Raw.IsNull() {
		resp.Plan.Get(context.Background(), &out)
	}
	return out, resp
}

func TestKeyResourceModifyPlan(t *testing.T) {
	b := NewBackend(nil, fixedNow, 1)
	data := providerData(b, fixedNow)
	t.Run("create without permissions: unknown until Mixpeek answers", func(t *testing.T) {
		cfg := configModel("svc")
		plan := plannedModel("svc")
		plan.Permissions = types.SetNull(types.StringType)
		got, resp := modifyPlan(t, data, cfg, plan, nil, nil)
		if resp.Diagnostics.HasError() || !got.Permissions.IsUnknown() {
			t.Fatalf("permissions %v, %v", got.Permissions, resp.Diagnostics)
		}
	})
	t.Run("store_plaintext false warns that the secret is unrecoverable", func(t *testing.T) {
		cfg := configModel("svc")
		cfg.StorePlaintext = types.BoolValue(false)
		plan := plannedModel("svc")
		plan.StorePlaintext = types.BoolValue(false)
		got, resp := modifyPlan(t, data, cfg, plan, nil, nil)
		if !hasSummary(resp.Diagnostics, diag.SeverityWarning, "unrecoverable") || !got.Plaintext.IsNull() || !got.EncryptedPlaintext.IsNull() {
			t.Fatalf("plaintext %v, diagnostics %v", got.Plaintext, resp.Diagnostics)
		}
	})
	t.Run("update without permissions plans the recorded default", func(t *testing.T) {
		state := stateModel("key_1")
		state.Permissions = tfvalue.StringSet([]string{"read", "admin"})
		cfg := configModel("svc")
		plan := state
		got, resp := modifyPlan(t, data, cfg, plan, &state, map[string][]byte{privateDefaultPermissions: []byte(`["read"]`)})
		if resp.Diagnostics.HasError() || !got.Permissions.Equal(tfvalue.StringSet([]string{"read"})) {
			t.Fatalf("permissions %v, %v", got.Permissions, resp.Diagnostics)
		}
	})
	t.Run("a changed expiry makes the status unknown", func(t *testing.T) {
		state := stateModel("key_1")
		cfg := configModel("svc")
		cfg.ExpiresAt = timetypes.NewRFC3339ValueMust("2031-01-01T00:00:00Z")
		plan := state
		plan.ExpiresAt = cfg.ExpiresAt
		got, resp := modifyPlan(t, data, cfg, plan, &state, nil)
		if resp.Diagnostics.HasError() || !got.Status.IsUnknown() {
			t.Fatalf("status %v, %v", got.Status, resp.Diagnostics)
		}
	})
	t.Run("an expiry in the past is an error", func(t *testing.T) {
		cfg := configModel("svc")
		cfg.ExpiresAt = timetypes.NewRFC3339ValueMust("2029-01-01T00:00:00Z")
		plan := plannedModel("svc")
		plan.ExpiresAt = cfg.ExpiresAt
		_, resp := modifyPlan(t, data, cfg, plan, nil, nil)
		if !hasSummary(resp.Diagnostics, diag.SeverityError, "not in the future") {
			t.Fatalf("diagnostics %v", resp.Diagnostics)
		}
	})
	t.Run("an expired key plans nothing", func(t *testing.T) {
		state := stateModel("key_1")
		state.Status = types.StringValue("expired")
		state.ExpiresAt = timetypes.NewRFC3339ValueMust("2029-06-01T00:00:00Z")
		cfg := configModel("svc")
		cfg.ExpiresAt = state.ExpiresAt
		cfg.Permissions = state.Permissions
		got, resp := modifyPlan(t, data, cfg, state, &state, nil)
		if resp.Diagnostics.HasError() || !got.Status.Equal(types.StringValue("expired")) {
			t.Fatalf("status %v, %v", got.Status, resp.Diagnostics)
		}
	})
	t.Run("a respelled expiry keeps the volatile attributes", func(t *testing.T) {
		state := stateModel("key_1")
		state.ExpiresAt = timetypes.NewRFC3339ValueMust("2031-01-01T09:00:00+09:00")
		state.AllowedOrigins = types.ListNull(types.StringType)
		cfg := configModel("svc")
		cfg.ExpiresAt = timetypes.NewRFC3339ValueMust("2031-01-01T00:00:00Z")
		cfg.Permissions = state.Permissions
		// What the framework proposes: the prior expiry (KeepEquivalentTime) with the computed
		// attributes that have no UseStateForUnknown marked unknown.
		plan := state
		plan.LastUsedAt, plan.RevokedAt, plan.RevokedBy = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		plan.AllowedOrigins = types.ListUnknown(types.StringType)
		got, resp := modifyPlan(t, data, cfg, plan, &state, nil)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		if !resp.Plan.Raw.Equal(stateOf(t, state).Raw) {
			t.Errorf("plan differs from state: last_used_at %v, allowed_origins %v", got.LastUsedAt, got.AllowedOrigins)
		}
	})
	t.Run("a real change keeps them unknown", func(t *testing.T) {
		state := stateModel("key_1")
		state.AllowedOrigins = types.ListNull(types.StringType)
		cfg := configModel("svc2")
		cfg.Permissions = state.Permissions
		plan := state
		plan.Name = types.StringValue("svc2")
		plan.LastUsedAt = types.StringUnknown()
		got, resp := modifyPlan(t, data, cfg, plan, &state, nil)
		if resp.Diagnostics.HasError() || !got.LastUsedAt.IsUnknown() {
			t.Fatalf("last_used_at %v, %v", got.LastUsedAt, resp.Diagnostics)
		}
	})
	t.Run("during validation nothing is checked", func(t *testing.T) {
		cfg := configModel("svc")
		plan := plannedModel("svc")
		_, resp := modifyPlan(t, nil, cfg, plan, nil, nil)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
	})
	t.Run("backend not configured", func(t *testing.T) {
		d := backend.NewData(fixedNow)
		d.Unconfigured(ServiceName, "set mixpeek.api_key in the provider \"apikey\" block, or the MIXPEEK_API_KEY environment variable.")
		_, resp := modifyPlan(t, d, configModel("svc"), plannedModel("svc"), nil, nil)
		if !hasSummary(resp.Diagnostics, diag.SeverityError, "mixpeek.api_key") {
			t.Fatalf("diagnostics %v", resp.Diagnostics)
		}
	})
	t.Run("destroy plans nothing", func(t *testing.T) {
		r := &keyResource{}
		var cresp resource.ConfigureResponse
		r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: data}, &cresp)
		null := tfsdk.Plan{Schema: keySchema(), Raw: tftypes.NewValue(objectType(), nil)}
		resp := resource.ModifyPlanResponse{Plan: null}
		r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{Plan: null, State: stateOf(t, stateModel("key_1"))}, &resp)
		if resp.Diagnostics.HasError() || !resp.Plan.Raw.IsNull() {
			t.Fatal(resp.Diagnostics)
		}
	})
}

func TestSchemaAndMetadata(t *testing.T) {
	r := NewKeyResource()
	var mresp resource.MetadataResponse
	r.Metadata(context.Background(), resource.MetadataRequest{ProviderTypeName: "apikey"}, &mresp)
	if mresp.TypeName != "apikey_mixpeek_key" {
		t.Errorf("type name %q", mresp.TypeName)
	}
	var sresp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sresp)
	if diags := sresp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
	for _, name := range []string{"enabled", "updated_at"} {
		if _, ok := sresp.Schema.Attributes[name]; ok {
			t.Errorf("%s must not exist on Mixpeek keys", name)
		}
	}
	if len(Resources()) != 1 || len(DataSources()) != 2 || len(EphemeralResources()) != 0 {
		t.Error("service registrations")
	}
}

func pathRoot(name string) path.Path { return path.Root(name) }
