package unkey

import (
	"encoding/json"
	"testing"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUpdateKeyRequestJSON(t *testing.T) {
	const id = `{"keyId":"key_1"`
	for _, tc := range []struct {
		name string
		req  UpdateKeyRequest
		want string
	}{
		{"all unset", UpdateKeyRequest{}, id + `}`},

		{"name null", UpdateKeyRequest{Name: Null[string]()}, id + `,"name":null}`},
		{"name value", UpdateKeyRequest{Name: Value("billing")}, id + `,"name":"billing"}`},
		{"name empty string is a value", UpdateKeyRequest{Name: Value("")}, id + `,"name":""}`},

		{"externalId null", UpdateKeyRequest{ExternalID: Null[string]()}, id + `,"externalId":null}`},
		{"externalId value", UpdateKeyRequest{ExternalID: Value("cust_1")}, id + `,"externalId":"cust_1"}`},

		{"meta null", UpdateKeyRequest{Meta: Null[json.RawMessage]()}, id + `,"meta":null}`},
		{"meta value", UpdateKeyRequest{Meta: Value(json.RawMessage(`{"a": [1, 2]}`))}, id + `,"meta":{"a":[1,2]}}`},

		{"expires null", UpdateKeyRequest{Expires: Null[int64]()}, id + `,"expires":null}`},
		{"expires zero is a value", UpdateKeyRequest{Expires: Value[int64](0)}, id + `,"expires":0}`},
		{"expires value", UpdateKeyRequest{Expires: Value[int64](4102444800000)}, id + `,"expires":4102444800000}`},

		{"credits null", UpdateKeyRequest{Credits: Null[UpdateCredits]()}, id + `,"credits":null}`},
		{"credits empty object", UpdateKeyRequest{Credits: Value(UpdateCredits{})}, id + `,"credits":{}}`},
		{"credits remaining null", UpdateKeyRequest{Credits: Value(UpdateCredits{Remaining: Null[int64]()})}, id + `,"credits":{"remaining":null}}`},
		{"credits remaining value", UpdateKeyRequest{Credits: Value(UpdateCredits{Remaining: Value[int64](10)})}, id + `,"credits":{"remaining":10}}`},
		{"credits refill null", UpdateKeyRequest{Credits: Value(UpdateCredits{Remaining: Value[int64](0), Refill: Null[Refill]()})}, id + `,"credits":{"remaining":0,"refill":null}}`},
		{"credits refill daily", UpdateKeyRequest{Credits: Value(UpdateCredits{Refill: Value(Refill{Interval: RefillDaily, Amount: 5})})}, id + `,"credits":{"refill":{"interval":"daily","amount":5}}}`},
		{"credits refill monthly", UpdateKeyRequest{Credits: Value(UpdateCredits{Refill: Value(Refill{Interval: RefillMonthly, Amount: 5, RefillDay: ptr(31)})})}, id + `,"credits":{"refill":{"interval":"monthly","amount":5,"refillDay":31}}}`},

		{"ratelimits empty", UpdateKeyRequest{Ratelimits: &[]RatelimitRequest{}}, id + `,"ratelimits":[]}`},
		{"ratelimits value", UpdateKeyRequest{Ratelimits: &[]RatelimitRequest{{Name: "req", Limit: 10, Duration: 60000}}}, id + `,"ratelimits":[{"name":"req","limit":10,"duration":60000,"autoApply":false}]}`},
		{"roles empty", UpdateKeyRequest{Roles: &[]string{}}, id + `,"roles":[]}`},
		{"roles value", UpdateKeyRequest{Roles: &[]string{"admin"}}, id + `,"roles":["admin"]}`},
		{"permissions empty", UpdateKeyRequest{Permissions: &[]string{}}, id + `,"permissions":[]}`},
		{"permissions value", UpdateKeyRequest{Permissions: &[]string{"a.read", "b.*"}}, id + `,"permissions":["a.read","b.*"]}`},
		{"enabled false", UpdateKeyRequest{Enabled: ptr(false)}, id + `,"enabled":false}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.KeyID = "key_1"
			if got := marshal(t, tc.req); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// UpdateKey itself must turn pointers to nil slices into [] (null is a 400) and send the exact
// bytes above.
func TestUpdateKeySendsExactJSON(t *testing.T) {
	f, c := newFake(t)
	f.ok("keys.updateKey", env(`{}`))
	var noRoles []string
	var noLimits []RatelimitRequest
	err := c.UpdateKey(t.Context(), UpdateKeyRequest{
		KeyID: "key_1", Name: Null[string](), Meta: Value(json.RawMessage(`{"team":"x"}`)), Expires: Null[int64](),
		Credits: Value(UpdateCredits{Remaining: Value[int64](3), Refill: Null[Refill]()}),
		Roles:   &noRoles, Ratelimits: &noLimits, Permissions: &[]string{"p"},
	})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"keyId":"key_1","name":null,"meta":{"team":"x"},"expires":null,"credits":{"remaining":3,"refill":null},"ratelimits":[],"roles":[],"permissions":["p"]}`
	if got := f.lastBody("keys.updateKey"); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCreateKeyRequestJSON(t *testing.T) {
	minimal := marshal(t, CreateKeyRequest{APIID: "api_1"})
	if minimal != `{"apiId":"api_1"}` {
		t.Errorf("minimal create = %s", minimal)
	}
	full := marshal(t, CreateKeyRequest{
		APIID: "api_1", Prefix: "sk", Name: "n", ByteLength: 32, ExternalID: "cust", Meta: json.RawMessage(`{"a":1}`),
		Roles: []string{"admin"}, Permissions: []string{"p"}, Expires: ptr[int64](0),
		Credits:    &Credits{Remaining: ptr[int64](5), Refill: &Refill{Interval: RefillDaily, Amount: 5}},
		Ratelimits: []RatelimitRequest{{Name: "req", Limit: 1, Duration: 1000, AutoApply: true}},
		Enabled:    ptr(false), Recoverable: true,
	})
	const want = `{"apiId":"api_1","prefix":"sk","name":"n","byteLength":32,"externalId":"cust","meta":{"a":1},"roles":["admin"],"permissions":["p"],"expires":0,"credits":{"remaining":5,"refill":{"interval":"daily","amount":5}},"ratelimits":[{"name":"req","limit":1,"duration":1000,"autoApply":true}],"enabled":false,"recoverable":true}`
	if full != want {
		t.Errorf("got  %s\nwant %s", full, want)
	}
	// Unlimited credits with a nil Remaining still send the required member, as null.
	if got := marshal(t, Credits{}); got != `{"remaining":null}` {
		t.Errorf("credits = %s", got)
	}
}

func TestNullableRoundTrip(t *testing.T) {
	type body struct {
		Name    Nullable[string] `json:"name,omitzero"`
		Expires Nullable[int64]  `json:"expires,omitzero"`
	}
	for _, in := range []string{`{}`, `{"name":null}`, `{"name":"x","expires":5}`, `{"expires":null}`} {
		var b body
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			t.Fatal(err)
		}
		if out := marshal(t, b); out != in {
			t.Errorf("%s round-tripped to %s", in, out)
		}
	}
	var n Nullable[int64]
	if err := json.Unmarshal([]byte(`"nope"`), &n); err == nil {
		t.Error("a wrongly typed value must fail")
	}
	// Without omitzero an unset field still encodes as valid JSON.
	if got := marshal(t, struct{ N Nullable[int] }{}); got != `{"N":null}` {
		t.Errorf("unset without omitzero = %s", got)
	}
}
