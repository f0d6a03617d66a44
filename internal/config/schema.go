package config

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

//go:generate go test -run TestSchemaUpToDate -update .

// SchemaID is the $id of schema/config.schema.json.
const SchemaID = "https://auracognitive.com/aurak8s/config.schema.json"

// JSONSchema returns the JSON Schema of a config file, generated from the Go
// types (for editors: yaml-language-server). It allows unknown keys nowhere,
// like the loader.
func JSONSchema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true, // a file may hold any subset: the rest comes from defaults or --ecfg
		AllowAdditionalProperties:  false,
	}
	s := r.Reflect(&Config{})
	s.ID = SchemaID
	s.Title = "aura configuration (config.yml)"
	s.Description = "Configuration of the aura installer; see examples/config.yml and the operators' guide."
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
