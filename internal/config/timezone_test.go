package config

import (
	"testing"
	"time"
)

// Every OB's zone is one Databricks (a JVM) and Go both know.
func TestOBTimezone(t *testing.T) {
	for _, tc := range []struct {
		profile, want string
		known         bool
	}{
		{"es", "Europe/Madrid", true},
		{"de", "Europe/Berlin", true},
		{"uk", "Europe/London", true},
		{"br", "America/Sao_Paulo", true},
		{"ap", "UTC", true},
		{"mx", "UTC", false},
	} {
		got, known := OBTimezone(tc.profile)
		if got != tc.want || known != tc.known {
			t.Errorf("OBTimezone(%q) = %q, %v; want %q, %v", tc.profile, got, known, tc.want, tc.known)
		}
		if _, err := time.LoadLocation(got); err != nil {
			t.Errorf("%s: %v", got, err)
		}
	}
	for _, p := range Profiles() {
		if _, known := OBTimezone(p); !known {
			t.Errorf("profile %s has built-in defaults but no OB time zone", p)
		}
	}
}
