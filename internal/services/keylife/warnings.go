package keylife

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// PlanWarnings adds the age and usage warnings of warn_unused_after and warn_older_than to the
// plan of an existing key. It reads only the attributes it needs, and changes nothing.
func PlanWarnings(ctx context.Context, now time.Time, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var unusedAfter, olderThan types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("warn_unused_after"), &unusedAfter)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("warn_older_than"), &olderThan)...)
	unused, checkUnused := duration(unusedAfter)
	older, checkOlder := duration(olderThan)
	if !checkUnused && !checkOlder {
		return
	}
	var id, name, createdAt, lastUsedAt types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &name)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("created_at"), &createdAt)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("last_used_at"), &lastUsedAt)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, w := range ageWarnings(now, keyLabel(id, name), createdAt, lastUsedAt, unused, checkUnused, older, checkOlder) {
		resp.Diagnostics.AddAttributeWarning(path.Root(w.attr), w.summary, w.detail)
	}
}

type warning struct{ attr, summary, detail string }

func keyLabel(id, name types.String) string {
	if name.IsNull() || name.ValueString() == "" {
		return "Key " + id.ValueString()
	}
	return fmt.Sprintf("Key %s (%q)", id.ValueString(), name.ValueString())
}

func ageWarnings(now time.Time, label string, createdAt, lastUsedAt types.String, unused time.Duration, checkUnused bool, older time.Duration, checkOlder bool) []warning {
	created, errCreated := time.Parse(time.RFC3339Nano, createdAt.ValueString())
	var out []warning
	if checkUnused {
		last, used := time.Time{}, false
		if t, err := time.Parse(time.RFC3339Nano, lastUsedAt.ValueString()); err == nil {
			last, used = t, true
		}
		switch {
		case used && now.Sub(last) >= unused:
			out = append(out, warning{"warn_unused_after", "Key unused",
				fmt.Sprintf("%s was last used at %s, %s ago, which is longer than warn_unused_after (%s).", label, last.UTC().Format(time.RFC3339), roundAge(now.Sub(last)), unused)})
		case !used && errCreated == nil && now.Sub(created) >= unused:
			out = append(out, warning{"warn_unused_after", "Key unused",
				fmt.Sprintf("%s has never been used since it was created at %s, %s ago, which is longer than warn_unused_after (%s).", label, created.UTC().Format(time.RFC3339), roundAge(now.Sub(created)), unused)})
		}
	}
	if checkOlder && errCreated == nil && now.Sub(created) >= older {
		out = append(out, warning{"warn_older_than", "Key older than allowed",
			fmt.Sprintf("%s was created at %s, %s ago, which is longer than warn_older_than (%s). Rotate it (rotate_after or rotation_triggers) or raise the threshold.", label, created.UTC().Format(time.RFC3339), roundAge(now.Sub(created)), older)})
	}
	return out
}

// roundAge renders an age as a reader would say it: whole hours beyond a day, minutes below.
func roundAge(d time.Duration) time.Duration {
	if d >= 24*time.Hour {
		return d.Round(time.Hour)
	}
	return d.Round(time.Minute)
}
