package bench

// findings is the part of BENCHMARKS.md that is not measured by this run:
// the causes found and the experiments tried, each with the run it comes
// from. It is kept here, beside the generator, so that "make bench"
// regenerates the whole document; update it when the numbers it cites move.
const findings = `## Causes and experiments

Recorded by hand from the run above and from focused runs of this harness (provider CPU per key
from the kernel's accounting; profiles with APIKEY_PROVIDER_CPU_PROFILE). The machine has 2
shared cores: CPU times vary by about ±20% between runs, so compare within one run.

**Process choices (main.go, internal/server), unchanged since they were measured.** When no
TF_LOG* (or TF_ACC_LOG_PATH) variable is set the provider turns the SDK's and its own loggers off
(terraform-plugin-log otherwise formats every framework trace line at TRACE for the CLI to drop:
1.7 to 2.3× the CPU). The protocol server wrapper hands the framework, per unary call, a context
that drops its parent when the call returns, so the framework's list of cancel functions keeps
about 250 bytes per RPC instead of the request's whole context chain (about 12 KB): the heap
after a collection at the end of a 1000-key refresh is 2 to 3 MB instead of 54 MB. GOGC=400 with
a 40 MiB soft limit (both overridable) was chosen over GOGC=100 with 96 MiB (0.66 to 0.81× the
CPU, peak RSS 57 to 61 MB instead of 35 to 51 MB, as rusage reported it then; see below).

**Peak RSS is the provider's own.** The kernel's rusage figure for a child process starts, on
Linux, from its parent's resident set at the fork (exec records the old address space's
high-water mark), and this harness holds the local server's data. Peak RSS is now the
provider's own VmHWM, which it reports at exit with its other counters
(TestPeakRSSIsTheProvidersOwn: a child allocating 17 MB was charged 274 MB by rusage). Reports
before this run show max(harness, provider): the 71.3 MB once given for N = 10 000 was the
harness's.

**Protocol shortcuts (internal/server).** With the process choices above, what remained was the
framework itself: every attribute lookup rebuilds the schema's attribute map
(schema.Schema.GetAttributes), and its reflection re-reads the model's struct tags (compiling a
regular expression per field) on every Get and Set, so a schema of about 40 attributes costs 10
to 15× the one-attribute minimal provider per RPC. These RPCs of apikey_unkey_key are answered
in front of the framework when a rule in internal/services/unkey can give the framework's exact
answer, and go to the framework otherwise:

1. PlanResourceChange of an unchanged key (unkey.KeyPlanUnchanged: no default to re-plan, no
   rotation or warning clock, no out-of-band expiry, no retiring key, no private data).
2. PlanResourceChange of a create, both the plan and the apply-time plan (unkey.KeyPlanCreate).
3. ReadResource (unkey.KeyRead): the key is read through the same batched reader and mapped by
   the resource's own code; creation markers, reroll chains, imports, retiring keys, private
   data, errors, and changes to meta, expires_at or identity go to the framework.
4. ValidateResourceConfig (tfvalue.ValidateResourceConfig), also for apikey_mixpeek_key.
5. UpgradeResourceState of a state at the current version (saved JSON decoded in one pass).
6. ApplyResourceChange of a create (unkey.KeyCreate through tfvalue.CreateResource): the
   resource's own Create, with what the framework adds around it (Configure, the missing state
   and identity errors, semantic equality between plan and state, diagnostics); private data, a
   planned identity and provider_meta go to the framework.
7. PlanResourceChange of a destroy and ApplyResourceChange of a Delete (unkey.KeyPlanDestroy,
   which records the destroy for apikey_unkey_api's check as ModifyPlan does, and
   unkey.KeyDelete, the resource's own delete); a Delete with private data (a reroll ledger)
   goes to the framework.

apikey_mixpeek_key has rules for 1 to 4 (internal/services/mixpeek): its private data (the
permissions Mixpeek chose) is accepted only when re-encoding it gives the same bytes, so the
answer passes it through untouched. Each rule is proven by a differential test through both
servers (states, identities, private data, diagnostics, and for the applies every request sent
to two local servers seeded alike, faults included; every fallback rule has a case showing the
framework's answer differs there) and a fuzz target in make test; TestAccFastPlan_refreshAndDrift,
TestAccFastRead_refreshAndDrift, TestAccCreatePlan_sameState, TestAccFastCreate_sameState,
TestAccFastDestroy_keysAndAPI and TestAccFastMixpeek_refreshAndPlan check through both CLIs that
the shortcuts answer and that the state is the framework's. When no TF_LOG* is set the
provider's own logger (TF_LOG_PROVIDER_APIKEY) is now turned off too: before, every HTTP
attempt's debug line was written to stderr for the CLI to drop (about 2.4% of apply CPU).

The "before" variant above leaves all seven shortcuts out (the codec, the reader and the quiet
logs stay). At N = 1000 (OpenTofu / Terraform) the shortcuts take refresh from 12.34 / 12.44 to
1.58 / 1.75 ms per key, plan from 8.28 / 10.53 to 0.98 / 0.86, apply from 17.75 / 18.37 to
2.75 / 3.73, destroy from 13.82 / 17.52 to 2.58 / 3.78, and allocations per refreshed key from
37 900 to 4 800, per created key from 57 600 to 7 000. As issued, the provider cost 12.8 ms per
refreshed key and 32.7 ms per created key.

**Apply, met (2.75 / 3.73 ms).** Profile of a 1000-key apply on OpenTofu with the create shortcut
(a focused run on a loaded machine): the shortcut about 36% of the process's CPU (the resource's
Create 20 points, decoding the request 6), the validation shortcut 14%, the create-plan shortcut
9%; collection time fell from 0.91 s to 0.11 s. Terraform's apply costs more per key than
OpenTofu's with the same allocations per key (7041 against 7031), and so does the minimal
provider's (1.81 against 1.53 ms); Terraform's apply takes 5× OpenTofu's wall time.

**Destroy, met (2.58 / 3.78 ms).** Counted per RPC type for a 300-key destroy, both CLIs send the
same calls (300 ReadResource, 300 unchanged plans, 300 destroy plans, 300 Deletes, 900
UpgradeResourceState, 301 ValidateResourceConfig, 3 ConfigureProvider) with the same payloads,
and allocations per key match (8527 / 8532 here). The CPU difference between the CLIs followed
the machine's load in paired runs (4.79 against 6.80 ms at loads 2.6 and 7.7; 6.31 against 6.10
at equal load) and is not explained further; Terraform's destroy takes 6× OpenTofu's wall time.

**settle: the first plan after an apply.** Every create leaves a creation marker on the key
(the evidence a later create uses to find keys an interrupted run made, see the guide); the key's
first refresh removes it with one updateKey and a getKey, through the framework: 4.64 / 4.26 ms
and 2 requests per key (2020 at N = 1000), reported apart from the refresh of settled keys, which
the targets are about.

**Flatness in N: refresh met, plan not met (1.23× / 1.32×).** Per-key figures include the
process's fixed cost: at N = 1 (a focused run on OpenTofu at db2a9a6) a refresh costs 26.8 ms of
provider CPU and a plan 23.4 ms, the minimal provider 25.7 and 21.6 ms, so the plugin's start-up
and handshake, not this provider's schema, are most of it. That adds about 0.23 ms per key at
N = 100, which is the gap in plan (1.20 against 0.98 ms on OpenTofu, 1.13 against 0.86 on
Terraform); the minimal provider's own plan is 1.14× / 1.25× (0.72 against 0.63 ms, 0.70
against 0.56). The cost of each
further key, (CPU at N = 1000 - CPU at N = 100) / 900, is 0.96 / 0.83 ms for plan, below the
N = 1000 figures.

**N = 10 000** (a focused run of this provider alone, -subjects apikey_unkey_key, on OpenTofu
1.12.6 at 8dd34a1: after the peak RSS fix, before the create and destroy shortcuts; the machine
was loaded, 4 to 13; stopped after the plan phase): apply 5.92 ms per key (58.9 MB peak RSS),
settle 5.48 ms (58.7 MB, 20 646 requests), refresh 1.48 ms (4 792 allocations, 56.5 MB, 307
requests), plan 1.05 ms (41.7 MB). Against N = 1000 in this report that is 0.94× for refresh and
1.07× for plan (the refresh and plan code is the same in both builds), and peak RSS stays under
60 MB (58.9 MB at most, against 53.2 MB at N = 1000), held by the collector's 40 MiB soft
limit. 307 refresh requests are within N + 10 but above N/100 + 10 = 110. The listing is ordered
by key id, which is random with respect to the CLI's order of reads, and the ledger allows a
page only while pages < served + 10. Once the first 10 of the 100 pages are fetched, a read
finds its key on a fetched page with probability pages/100, and each read so served allows one
more page, so going from 10 to 100 pages takes about 100 · ln 10 ≈ 230 reads, most of which find
their key on no page yet and use keys.getKey: about 10 + 200 + 100 requests. Reaching N/100 + 10 at this size would need pages that have
not yet paid for themselves, which the N + 10 bound for a large API forbids.

**Requests.** A refresh of 1000 keys that are their whole API makes 20 requests: 10 keys.getKey
(the reads before the listing starts) and 10 apis.listKeys pages (TestUnkeyReader_refreshBounds:
50 random read orders, 1000 keys of an API of 1000 and 50 of 5000). Every Unkey create is one
request plus, per API and provider process, one listing (the check for keys an interrupted run
left). The rate-limited apply in this run took 0.21× N/rate with no 429: the local server's limit
is a fixed one-minute window, and this apply started late in a window, so its 1003 requests fell
into two windows without reaching the limit; the limiter was not exercised. The harness now
starts that apply with a window. A focused run of it afterwards (OpenTofu, this provider alone,
at ce4627f): 84.25 s, 0.84× N/rate, 1002 requests, no 429 (the client paced itself from the
RateLimit headers: 600 requests in the first window, the rest after it), 0 errors, 1000 of 1000
created.

**apikey_mixpeek_key, not met (apply 2.39× / 4.31×, destroy 3.29× / 6.25× Unkey's CPU per key;
refresh 0.71× / 0.61×, plan 0.80× / 0.83×).** Refresh and plan now take the read and plan
shortcuts (refresh 1.12 / 1.07 ms, from 7.84 in the run at 46cfe47). Apply and destroy are
writes: Mixpeek addresses keys by name, has no get-one endpoint and does not document names as
unique, so every write resolves its key in a listing of all the user's keys requested after the
write began (shared between the writes waiting for it). On OpenTofu 1000 creates made 1282
requests (about 280 listings) and 1000 deletes 1240; on Terraform, whose apply walk sends the
writes more spread out, 1964 and 1960 (nearly a listing per write). Decoding one listing of 1000
keys costs about 16.5 ms (BenchmarkDecodeListing; 24 ms before it was decoded in one pass), so a
destroy's listings alone are about 4 ms per key on OpenTofu and 16 on Terraform, and they grow
with the number of the user's keys (revoked keys stay listed). A cheaper decoder or fewer
listings per write were not tried.

**Sets vs lists of nested objects (ratelimits), in isolation.** BenchmarkNestedSetVsList
(internal/bench/setlist_test.go) serves a resource of a name and the rate-limit objects through
the framework's protocol server, once as a set and once as a list; process CPU per op and
allocations:

| RPC | 1 element: set / list CPU | allocs set / list | 5 elements: set / list CPU | allocs set / list |
|---|---:|---:|---:|---:|
| ValidateResourceConfig | 2.2× | 1366 / 816 (1.7×) | 1.9× | 7496 / 3238 (2.3×) |
| PlanResourceChange | 1.6× | 4795 / 3264 (1.5×) | 1.6× | 25744 / 12053 (2.1×) |
| ReadResource | 1.2× | 2802 / 1918 (1.5×) | 2.1× | 19035 / 6085 (3.1×) |

With the shortcuts answering the hot RPCs, the framework's cost of a set no longer applies to
them; the schema was not changed.
`
