package operatorconfig

import (
	"encoding/base64"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// ContainerEnv is the environment and arguments the kubelet would give the
// named container of a rendered Deployment, with its ConfigMap and Secret
// references resolved among objs (rendered alongside it): envFrom in order,
// then env, later entries winning. It shows what the operator would start
// with, without a node to run it on.
func ContainerEnv(deployment *unstructured.Unstructured, container string, objs []*unstructured.Unstructured) (map[string]string, []string, error) {
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(deployment.Object, &d); err != nil {
		return nil, nil, fmt.Errorf("rendered Deployment %s: %w", deployment.GetName(), err)
	}
	var c *corev1.Container
	for i := range d.Spec.Template.Spec.Containers {
		if d.Spec.Template.Spec.Containers[i].Name == container {
			c = &d.Spec.Template.Spec.Containers[i]
		}
	}
	if c == nil {
		return nil, nil, fmt.Errorf("rendered Deployment %s has no container %s", d.Name, container)
	}
	ns := d.Namespace
	data := func(kind, name string) (map[string]string, bool, error) {
		for _, o := range objs {
			if o.GetKind() == kind && o.GetNamespace() == ns && o.GetName() == name {
				return objectData(o)
			}
		}
		return nil, false, nil
	}
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		kind, name, optional := "ConfigMap", "", false
		switch {
		case from.ConfigMapRef != nil:
			name, optional = from.ConfigMapRef.Name, ptrTrue(from.ConfigMapRef.Optional)
		case from.SecretRef != nil:
			kind, name, optional = "Secret", from.SecretRef.Name, ptrTrue(from.SecretRef.Optional)
		default:
			continue
		}
		m, ok, err := data(kind, name)
		if err != nil {
			return nil, nil, err
		}
		if !ok && !optional {
			return nil, nil, fmt.Errorf("envFrom: %s %s/%s is not rendered", kind, ns, name)
		}
		for k, v := range m {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
			continue
		}
		kind, name, key, optional := "", "", "", false
		switch vf := e.ValueFrom; {
		case vf.FieldRef != nil && vf.FieldRef.FieldPath == "metadata.namespace":
			env[e.Name] = ns
			continue
		case vf.ConfigMapKeyRef != nil:
			kind, name, key, optional = "ConfigMap", vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key, ptrTrue(vf.ConfigMapKeyRef.Optional)
		case vf.SecretKeyRef != nil:
			kind, name, key, optional = "Secret", vf.SecretKeyRef.Name, vf.SecretKeyRef.Key, ptrTrue(vf.SecretKeyRef.Optional)
		default:
			return nil, nil, fmt.Errorf("env %s: only metadata.namespace, ConfigMap and Secret references are resolved", e.Name)
		}
		m, ok, err := data(kind, name)
		if err != nil {
			return nil, nil, err
		}
		v, has := m[key]
		if (!ok || !has) && !optional {
			return nil, nil, fmt.Errorf("env %s: %s %s/%s key %s is not rendered", e.Name, kind, ns, name, key)
		}
		if has {
			env[e.Name] = v
		}
	}
	args := append(append([]string(nil), c.Command...), c.Args...)
	for _, a := range args {
		if strings.Contains(a, "$(") {
			return nil, nil, fmt.Errorf("argument %q: $(VAR) references are not resolved", a)
		}
	}
	return env, args, nil
}

func ptrTrue(b *bool) bool { return b != nil && *b }

// objectData is a ConfigMap's data, or a Secret's data (decoded) overlaid
// with its stringData, as the API server stores it.
func objectData(o *unstructured.Unstructured) (map[string]string, bool, error) {
	out := map[string]string{}
	d, _, err := unstructured.NestedStringMap(o.Object, "data")
	if err != nil {
		return nil, true, fmt.Errorf("%s %s: data: %w", o.GetKind(), o.GetName(), err)
	}
	for k, v := range d {
		if o.GetKind() == "Secret" {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, true, fmt.Errorf("rendered Secret %s: data.%s is not base64", o.GetName(), k)
			}
			v = string(b)
		}
		out[k] = v
	}
	if o.GetKind() == "Secret" {
		sd, _, err := unstructured.NestedStringMap(o.Object, "stringData")
		if err != nil {
			return nil, true, fmt.Errorf("rendered Secret %s: stringData: %w", o.GetName(), err)
		}
		for k, v := range sd {
			out[k] = v
		}
	}
	return out, true, nil
}
