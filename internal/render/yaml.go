package render

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// SplitYAML decodes a multi-document YAML stream into objects. Empty
// documents (only comments or whitespace) are skipped; every object must have
// apiVersion, kind and metadata.name. Errors are *Error naming file and
// 1-based document index, never the document's content (it may hold secrets).
func SplitYAML(file string, data []byte) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, &Error{File: file, Doc: doc, Msg: err.Error()}
		}
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, &Error{File: file, Doc: doc, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}
		}
		if t := bytes.TrimSpace(js); len(t) == 0 || string(t) == "null" {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(js); err != nil {
			return nil, &Error{File: file, Doc: doc, Msg: "not a Kubernetes object: " + err.Error()}
		}
		if obj.GetName() == "" {
			return nil, &Error{File: file, Doc: doc, Msg: fmt.Sprintf("%s has no metadata.name", obj.GetKind())}
		}
		if err := checkSecret(obj); err != nil {
			return nil, &Error{File: file, Doc: doc, Msg: err.Error()}
		}
		objs = append(objs, obj)
	}
}

// checkSecret makes sure secret material sits only where Kubernetes expects
// it (data, base64; or stringData) so it is never mistaken for plain config.
func checkSecret(obj *unstructured.Unstructured) error {
	if obj.GetKind() != "Secret" || obj.GroupVersionKind().Group != "" {
		return nil
	}
	for k := range obj.Object {
		switch k {
		case "apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable":
		default:
			return fmt.Errorf("secret %s: unexpected top-level field %q (secret values go in data or stringData)", obj.GetName(), k)
		}
	}
	data, _, _ := unstructured.NestedMap(obj.Object, "data")
	for key, v := range data {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("secret %s: data.%s must be a base64 string", obj.GetName(), key)
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return fmt.Errorf("secret %s: data.%s is not valid base64 (use stringData for plain text)", obj.GetName(), key)
		}
	}
	return nil
}
