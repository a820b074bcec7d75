package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// providerPrivate decodes private data the way the framework hands it to a resource, for the
// shortcuts whose rules read it: a JSON object of base64 values, each valid UTF-8 JSON. ok is
// false unless the framework would pass the data through untouched, so that the shortcut may
// answer with the request's bytes as they are: the framework decodes private data and encodes it
// again (json.Marshal of the merged map: sorted keys, empty values dropped), which only gives
// back the same bytes when they are already that encoding (an empty value, which it drops, is
// not valid JSON). Keys beginning with "." are the framework's own (an import marker Read
// removes), and decline too.
func providerPrivate(raw []byte) (map[string][]byte, bool) {
	if len(raw) == 0 {
		return nil, true
	}
	var m map[string][]byte
	if err := json.Unmarshal(raw, &m); err != nil || len(m) == 0 {
		return nil, false
	}
	for k, v := range m {
		if strings.HasPrefix(k, ".") || !utf8.Valid(v) || !json.Valid(v) {
			return nil, false
		}
	}
	again, err := json.Marshal(m)
	if err != nil || !bytes.Equal(again, raw) {
		return nil, false
	}
	return m, true
}
