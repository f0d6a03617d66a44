package config

// obTimezones is the time zone of each OB (environment_profile), in which
// the Databricks job's schedule runs (guide: "By default, the Ob's
// timezone will be configured"). The guide names no zone per profile and
// config.yml has no key for it: these are the OBs' capitals, and ap, the
// Global profile, runs in UTC.
var obTimezones = map[string]string{
	"es": "Europe/Madrid",
	"de": "Europe/Berlin",
	"uk": "Europe/London",
	"br": "America/Sao_Paulo",
	"ap": "UTC",
}

// OBTimezone is the profile's time zone (a Java/IANA zone ID, as
// Databricks takes it); known is false for a profile aura has no zone for,
// whose zone is then UTC.
func OBTimezone(profile string) (tz string, known bool) {
	tz, known = obTimezones[profile]
	if !known {
		return "UTC", false
	}
	return tz, true
}
