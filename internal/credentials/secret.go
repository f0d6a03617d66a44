package credentials

// Secret holds a value that must never be printed. fmt verbs, %#v and JSON
// all show "<redacted>"; Reveal is the one deliberate way to read it.
type Secret string

const redacted = "<redacted>"

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return `credentials.Secret("` + redacted + `")` }

// MarshalJSON redacts, so a Credentials value can go into --debug JSON safely.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Reveal returns the secret for the one place that needs it (the Azure SDK).
func (s Secret) Reveal() string { return string(s) }
