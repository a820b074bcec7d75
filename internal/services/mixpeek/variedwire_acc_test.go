package mixpeek_test

import "testing"

// The main Mixpeek tests again, against a server that spells timestamps with "Z", "+00:00" or no
// zone (with and without fractional seconds) and answers listings in every envelope the client
// accepts, in turn: the published API promises neither. APIKEY_ACC_MIXPEEK_VARY_WIRE=1 runs
// every test that uses newServer this way.
func TestAccMixpeekVariedWire(t *testing.T) {
	for name, test := range map[string]func(*testing.T){
		"lifecycle":                   TestAccMixpeekKey_lifecycle,
		"drift":                       TestAccMixpeekKey_drift,
		"defaultPermissionsDrift":     TestAccMixpeekKey_defaultPermissionsDrift,
		"expiresAtOffset":             TestAccMixpeekKey_expiresAtOffset,
		"identity":                    TestAccMixpeekKey_identity,
		"keysDataSource":              TestAccMixpeekKeysDataSource_listing,
		"keyDataSource":               TestAccMixpeekKeyDataSource_managedKey,
		"listResource":                TestAccMixpeekKeyList_filtersAndObjects,
		"revokeAction":                TestAccMixpeekKeyRevokeAction,
		"storePlaintextFalse":         TestAccMixpeekLifecycle_storePlaintextFalse,
		"duplicateNameNeverModified":  TestAccMixpeekKey_duplicateNameNeverModified,
		"keptRateLimitOverride":       TestAccMixpeekKey_keptRateLimitOverride,
		"missingUserLeavesStateAlone": TestAccMixpeekKey_missingUserLeavesStateAlone,
		"keyHashMismatchWarns":        TestAccMixpeekKey_keyHashMismatchWarns,
	} {
		t.Run(name, test)
	}
}
