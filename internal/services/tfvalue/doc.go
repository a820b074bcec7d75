// Package tfvalue holds the generic Terraform value helpers the services share: JSON strings
// compared by meaning, string sets, times, durations, enum rendering, and the plan modifiers and
// validators built on them. Nothing here knows a backend.
package tfvalue
