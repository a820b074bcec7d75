// Package releasecheck checks the release configuration (.goreleaser.yml)
// offline: its tests decode the file strictly, so a misspelt key fails, and
// assert what the Terraform Registry needs from a release. Run them with
// "make release-check"; they are also part of "go test ./...".
package releasecheck
