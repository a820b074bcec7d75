package unkey

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	unkey "github.com/apikey-provider/terraform-provider-apikey/internal/client/unkey"
	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// Rerolls and the resource that manages the key.
//
// keys.rerollKey issues a new key (a new id) with the original's settings and leaves the
// original in place with an expiry; Unkey records no link between the two. An action cannot
// write the state of the resource that manages the key, so the action writes the link where the
// resource reads: into the original key's meta, under rerolledToKey, after the reroll. The
// original is retiring (its meta was already copied to the new key), so nothing a configuration
// manages changes. At its next refresh an apikey_unkey_key holding the original id follows the
// link and adopts the new key (see followReroll), so the next plan is empty and the new key is
// never left untracked. The original becomes the resource's previous_key, as after an in-place
// reroll (rotation_mode = "reroll"), and is deleted by the first refresh after its deadline.
//
// A key rerolled several times before the resource refreshed leaves a chain: the refresh follows
// it to the newest key, previous_key is the key the latest reroll retired, and the keys further
// back are recorded in the resource's private state (privateRerolled) with their own deadlines.
// They hold the links a refresh that is not saved (terraform plan) must follow again, so the
// refresh that adopts deletes none of them; a later refresh deletes each once its deadline has
// passed, and destroying the resource deletes them all. No key of a chain is left untracked.
const (
	rerolledToKey = "_apikey_rerolled_to"
	// maxRerollHops bounds how many links a refresh follows (a key rerolled again before the
	// resource caught up).
	maxRerollHops = 8
)

var (
	_ action.ActionWithConfigure  = (*keyRerollAction)(nil)
	_ action.ActionWithModifyPlan = (*keyRerollAction)(nil)
)

// NewKeyRerollAction is the apikey_unkey_key_reroll action.
func NewKeyRerollAction() action.Action {
	return &keyRerollAction{keyAction{what: "action.apikey_unkey_key_reroll"}}
}

type keyRerollAction struct{ keyAction }

type keyRerollModel struct {
	KeyID   types.String `tfsdk:"key_id"`
	Overlap types.String `tfsdk:"overlap"`
}

func (a *keyRerollAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_unkey_key_reroll"
}

func (a *keyRerollAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Rerolls an Unkey key (`keys.rerollKey`), for incident response: Unkey issues a new key with the same settings and the old key stops verifying after `overlap`. " +
			"The new plaintext is never shown or stored by the action; a recoverable key's replacement is recoverable too, so the `apikey_unkey_key` ephemeral resource can reveal it. " +
			"An `apikey_unkey_key` that manages the old key adopts the new one at its next refresh (with a warning; its stored `plaintext` is cleared), and the next plan is empty. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"key_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Key to reroll (`keyId`), for example `apikey_unkey_key.billing.id`.",
				Validators:          identifier(unkey.KeyIDMinLength, unkey.KeyIDMaxLength),
			},
			"overlap": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("How long the old key keeps verifying, as a Go duration such as `15m` (`expiration`, in milliseconds on the wire, at most %s). Default `0s`: the old key stops at once. Unkey rounds a non-zero overlap up to the next full minute.", millis(unkey.RerollExpirationMaxMillis)),
				Validators:          []validator.String{tfvalue.Duration(0, millis(unkey.RerollExpirationMaxMillis))},
			},
		},
	}
}

func (a *keyRerollAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if !a.svc.Require(&resp.Diagnostics, a.what) {
		return
	}
	var cfg keyRerollModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var overlap time.Duration
	if !cfg.Overlap.IsNull() {
		var err error
		if overlap, err = time.ParseDuration(cfg.Overlap.ValueString()); err != nil {
			resp.Diagnostics.AddError("Invalid overlap", err.Error())
			return
		}
	}
	b := a.svc.Value
	id := cfg.KeyID.ValueString()

	old, err := b.Client.GetKey(ctx, id, false)
	if err != nil {
		resp.Diagnostics.AddError("Error reading key", fmt.Sprintf("Could not read key %s before rerolling it: %s", id, b.explain(err)))
		return
	}
	// A second reroll of the same key would copy the first link into the new key, and the
	// resource could follow it to the wrong key.
	if next := rerolledTo(old.Meta); next != "" {
		resp.Diagnostics.AddError("Key already rerolled", fmt.Sprintf("Key %s was already rerolled to %s; reroll %s instead.", id, next, next))
		return
	}
	when := "at once"
	if overlap > 0 {
		when = "in " + overlap.String()
	}
	progress(resp, fmt.Sprintf("Rerolling key %s; it stops verifying %s", id, when))
	b.reader.wrote(id)
	created, err := b.Client.RerollKey(ctx, id, overlap.Milliseconds())
	if err != nil {
		resp.Diagnostics.AddError("Error rerolling key", fmt.Sprintf("Could not reroll key %s: %s. If the error came after Unkey acted, a new key may exist: list the API's keys (terraform query) to find it.", id, b.explain(err)))
		return
	}
	// The plaintext goes no further than this function.
	created.Key = ""
	b.reader.wrote(created.KeyID)
	progress(resp, fmt.Sprintf("Key %s rerolled to %s", id, created.KeyID))
	tflog.Info(ctx, "rerolled unkey key", map[string]any{"key_id": id, "new_key_id": created.KeyID})

	meta, err := linkMeta(old.Meta, created.KeyID)
	if err == nil {
		err = b.Client.UpdateKey(ctx, unkey.UpdateKeyRequest{KeyID: id, Meta: unkey.Value(meta)})
	}
	if err != nil {
		resp.Diagnostics.AddWarning("Reroll not linked",
			fmt.Sprintf("Key %s was rerolled to %s, but the link could not be recorded on %s (%s). An apikey_unkey_key that manages %s will not adopt %s: remove %s from state and import %s into it, or delete %s.",
				id, created.KeyID, id, b.explain(err), id, created.KeyID, id, created.KeyID, created.KeyID))
		return
	}
	progress(resp, fmt.Sprintf("Recorded on key %s that it was rerolled to %s; an apikey_unkey_key managing %s adopts %s at its next refresh", id, created.KeyID, id, created.KeyID))
}

// linkMeta is the original key's meta with the link to its replacement. Any creation marker is
// dropped: the original's create is long settled, and the room keeps the meta within Unkey's
// property limit.
func linkMeta(meta json.RawMessage, next string) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(meta) > 0 {
		if err := json.Unmarshal(meta, &obj); err != nil {
			return nil, fmt.Errorf("the key's meta is not a JSON object: %w", err)
		}
	}
	delete(obj, createMarkerKey)
	quoted, _ := json.Marshal(next)
	obj[rerolledToKey] = quoted
	return json.Marshal(obj)
}

// rerolledTo is the id a key was rerolled to, or "".
func rerolledTo(meta json.RawMessage) string {
	if len(meta) == 0 {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(meta, &obj) != nil {
		return ""
	}
	var next string
	if json.Unmarshal(obj[rerolledToKey], &next) != nil {
		return ""
	}
	return next
}

// followReroll moves state from a key that apikey_unkey_key_reroll replaced to its replacement,
// and returns the key state now tracks; adopted reports the move. gone reports that the
// replacement no longer exists (the resource is removed from state and the next plan creates a
// key).
func (r *keyResource) followReroll(ctx context.Context, state *keyModel, key *unkey.Key, ledger *rerollLedger, diags *diag.Diagnostics) (_ *unkey.Key, adopted, gone bool) {
	chain := []*unkey.Key{key}
	seen := map[string]bool{key.KeyID: true}
	for range maxRerollHops {
		next := rerolledTo(key.Meta)
		if next == "" || seen[next] {
			break
		}
		seen[next] = true
		k, err := r.getKeyAfterWrite(ctx, next)
		if keyGone(err) {
			diags.AddWarning("Rerolled key no longer exists",
				fmt.Sprintf("Key %s was rerolled to %s, which Unkey reports as not found. It is removed from state and the next plan creates a new key; key %s stays until its expiry and can be deleted.", key.KeyID, next, key.KeyID))
			return nil, false, true
		}
		if err != nil {
			diags.AddError("Error reading rerolled key", fmt.Sprintf("Key %s was rerolled to %s, which could not be read: %s. State is left unchanged.", key.KeyID, next, r.b().explain(err)))
			return nil, false, false
		}
		chain = append(chain, k)
		key = k
	}
	if len(chain) == 1 {
		return key, false, false
	}
	first := chain[0].KeyID
	diags.AddWarning("Key was rerolled",
		fmt.Sprintf("Key %s was rerolled to %s (apikey_unkey_key_reroll); state now tracks %s. The stored plaintext belonged to the old key and is cleared: reveal the new key with the apikey_unkey_key ephemeral resource if it is recoverable, or replace this resource to get a new plaintext in state.", first, key.KeyID, key.KeyID))
	r.retireRerolled(ctx, state, chain[:len(chain)-1], ledger, diags)
	state.ID = types.StringValue(key.KeyID)
	state.Plaintext = types.StringNull()
	state.EncryptedPlaintext = types.StringNull()
	return key, true, false
}

// retireRerolled hands the key the tracked key replaced to the resource's retirement, as after
// an in-place reroll: it becomes previous_key, deleted by the first refresh after its deadline
// that starts from a saved state tracking the replacement. Deleting it sooner would break the
// link for a state not yet saved (a refresh during terraform plan is discarded). An earlier
// previous_key is superseded and deleted now. Keys further back in a chain of rerolls hold links
// too: they go into the ledger, which later refreshes empty as their deadlines pass.
func (r *keyResource) retireRerolled(ctx context.Context, state *keyModel, replaced []*unkey.Key, ledger *rerollLedger, diags *diag.Diagnostics) {
	last := replaced[len(replaced)-1]
	if prev := previousKeyOf(ctx, state.PreviousKey, diags); prev != nil && !slices.ContainsFunc(replaced, func(k *unkey.Key) bool { return k.KeyID == prev.ID.ValueString() }) {
		id := prev.ID.ValueString()
		r.b().reader.wrote(id)
		if err := r.b().Client.DeleteKey(ctx, id, false); err != nil && !keyGone(err) {
			diags.AddWarning("Replaced key not deleted",
				fmt.Sprintf("Key %s, retired by an earlier reroll, could not be deleted: %s. Delete it by hand.", id, r.b().explain(err)))
		}
	}
	if older := replaced[:len(replaced)-1]; len(older) > 0 {
		names := make([]string, len(older))
		for i, k := range older {
			deadline := r.deadlineOf(k)
			ledger.add(rerolledKey{ID: k.KeyID, ExpiresAt: deadline.Format(time.RFC3339Nano)})
			names[i] = fmt.Sprintf("%s (until %s)", k.KeyID, deadline.Format(time.RFC3339))
		}
		diags.AddWarning("Key was rerolled more than once",
			fmt.Sprintf("This refresh followed more than one reroll. previous_key is %s, which the latest reroll retired. The keys retired before it, %s, keep working until their deadlines; the first refresh after a deadline deletes that key, and destroying this resource deletes them all.",
				last.KeyID, strings.Join(names, ", ")))
	}
	obj, d := types.ObjectValueFrom(ctx, previousKeyAttrTypes, previousKeyModel{
		ID: types.StringValue(last.KeyID), Start: types.StringValue(last.Start), ExpiresAt: types.StringValue(r.deadlineOf(last).Format(time.RFC3339Nano)),
	})
	diags.Append(d...)
	state.PreviousKey = obj
}

// deadlineOf is when a rerolled key stops verifying: Unkey set its expiry to the reroll's
// deadline; without one it is due now.
func (r *keyResource) deadlineOf(k *unkey.Key) time.Time {
	if k.Expires != nil {
		return time.UnixMilli(*k.Expires).UTC()
	}
	return r.b().now().UTC()
}

// privateRerolled is the private-state key of the rerollLedger.
const privateRerolled = "rerolled_keys"

// rerolledKey is a key a chain of rerolls retired that previous_key does not hold.
type rerolledKey struct {
	ID        string `json:"id"`
	ExpiresAt string `json:"expires_at"`
}

// rerollLedger is the rerolled keys a resource still has to delete. It lives in the resource's
// private state: a state that holds it tracks the newest key of the chain, so deleting the keys
// it lists can never break a link that state needs.
type rerollLedger struct {
	keys    []rerolledKey
	changed bool
}

type privateReader interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// loadRerollLedger reads the ledger from private state. Unreadable data is dropped with a
// warning: it only ever names keys past their use.
func loadRerollLedger(ctx context.Context, p privateReader, diags *diag.Diagnostics) *rerollLedger {
	l := &rerollLedger{}
	if p == nil {
		return l
	}
	raw, d := p.GetKey(ctx, privateRerolled)
	diags.Append(d...)
	if len(raw) == 0 {
		return l
	}
	if err := json.Unmarshal(raw, &l.keys); err != nil {
		diags.AddWarning("Rerolled keys forgotten", fmt.Sprintf("The list of rerolled keys this resource still has to delete could not be read (%s); delete keys retired by earlier rerolls by hand.", err))
		l.keys, l.changed = nil, true
	}
	return l
}

func (l *rerollLedger) add(k rerolledKey) {
	if slices.ContainsFunc(l.keys, func(e rerolledKey) bool { return e.ID == k.ID }) {
		return
	}
	l.keys = append(l.keys, k)
	l.changed = true
}

// save writes the ledger back when it changed; an empty ledger removes the key.
func (l *rerollLedger) save(ctx context.Context, p privateWriter, diags *diag.Diagnostics) {
	if !l.changed || p == nil {
		return
	}
	var raw []byte
	if len(l.keys) > 0 {
		raw, _ = json.Marshal(l.keys)
	}
	diags.Append(p.SetKey(ctx, privateRerolled, raw)...)
}

// retireRerolledKeys deletes the ledger's keys whose deadline has passed, and keeps the rest, and
// any it could not delete, for a later refresh. With all (the resource is destroyed or gone) it
// deletes every key and names those it could not.
func (r *keyResource) retireRerolledKeys(ctx context.Context, l *rerollLedger, all bool, diags *diag.Diagnostics) {
	kept := l.keys[:0:0]
	for _, k := range l.keys {
		deadline, err := time.Parse(time.RFC3339Nano, k.ExpiresAt)
		if !all && err == nil && r.b().now().Before(deadline) {
			kept = append(kept, k)
			continue
		}
		r.b().reader.wrote(k.ID)
		if err := r.b().Client.DeleteKey(ctx, k.ID, false); err != nil && !keyGone(err) {
			if all {
				// Nothing tracks the key once this resource is gone.
				diags.AddWarning("Rerolled key not deleted",
					fmt.Sprintf("Key %s, retired by an earlier reroll, could not be deleted with the resource: %s. Delete it by hand.", k.ID, r.b().explain(err)))
				continue
			}
			diags.AddWarning("Rerolled key not deleted",
				fmt.Sprintf("Key %s, retired by an earlier reroll, reached its deadline but deleting it failed: %s. It no longer verifies; the next refresh tries again.", k.ID, r.b().explain(err)))
			kept = append(kept, k)
			continue
		}
		l.changed = true
	}
	l.keys = kept
}
