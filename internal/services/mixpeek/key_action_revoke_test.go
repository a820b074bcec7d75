package mixpeek

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	mixpeek "github.com/apikey-provider/terraform-provider-apikey/internal/client/mixpeek"
	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
	"github.com/apikey-provider/terraform-provider-apikey/internal/devserver"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/backend"
)

const unitEmail = "unit@example.com"

func newTestService(t *testing.T) service {
	t.Helper()
	dev, err := devserver.New(devserver.Config{DBPath: filepath.Join(t.TempDir(), "apikey.db"), MixpeekUsers: []string{unitEmail}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Close() })
	endpoint, err := dev.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hc, err := transport.New(transport.Config{BaseURL: endpoint, Token: dev.RootKey(), RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	data := backend.NewData(time.Now)
	data.Register(ServiceName, NewBackend(mixpeek.New(hc), time.Now, 1))
	svc, diags := lookup(data)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return svc
}

func configFor(t *testing.T, s interface{ Type() attr.Type }, vals map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	typ := s.Type().TerraformType(context.Background()).(tftypes.Object)
	all := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := vals[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, all)
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func TestRevokeAction(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	a := &keyRevokeAction{svc: svc}
	var sr action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &sr)
	invoke := func(id string) (diag.Diagnostics, []string) {
		var msgs []string
		resp := action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) { msgs = append(msgs, e.Message) }}
		a.Invoke(ctx, action.InvokeRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: configFor(t, sr.Schema, map[string]tftypes.Value{
			"user_email": str(unitEmail), "key_id": str(id),
		})}}, &resp)
		return resp.Diagnostics, msgs
	}
	created, err := svc.Value.Client.CreateKey(ctx, unitEmail, mixpeek.CreateKeyRequest{Name: "victim"})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, id, wantErr, wantWarn string
	}{
		{name: "revokes", id: created.KeyID},
		{name: "already revoked", id: created.KeyID, wantWarn: "already revoked"},
		{name: "unknown id", id: "key_nope", wantErr: "lists no key key_nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diags, msgs := invoke(tc.id)
			text := diagText(diags)
			if strings.Contains(text+strings.Join(msgs, ""), created.Plaintext) {
				t.Fatal("the plaintext appears in the output")
			}
			switch {
			case tc.wantErr != "":
				if !diags.HasError() || !strings.Contains(text, tc.wantErr) {
					t.Fatalf("diagnostics %q, want an error containing %q", text, tc.wantErr)
				}
				return
			case diags.HasError():
				t.Fatal(text)
			case tc.wantWarn != "" && !strings.Contains(text, tc.wantWarn):
				t.Fatalf("diagnostics %q, want %q", text, tc.wantWarn)
			}
			k, err := svc.Value.Client.FindKey(ctx, unitEmail, created.KeyID)
			if err != nil || k.Status != mixpeek.StatusRevoked {
				t.Fatalf("after revoke: %+v %v", k, err)
			}
			if tc.wantWarn == "" && len(msgs) != 3 {
				t.Errorf("progress %q", msgs)
			}
		})
	}

	unconfigured := backend.NewData(time.Now)
	unconfigured.Unconfigured(ServiceName, "set mixpeek.api_key")
	s, _ := lookup(unconfigured)
	var resp action.ModifyPlanResponse
	(&keyRevokeAction{svc: s}).ModifyPlan(ctx, action.ModifyPlanRequest{}, &resp)
	if !strings.Contains(diagText(resp.Diagnostics), "mixpeek backend is not configured") {
		t.Errorf("plan without the backend: %q", diagText(resp.Diagnostics))
	}
}
