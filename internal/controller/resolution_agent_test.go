package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/packages"
)

func (h *harness) waitResolution(t *testing.T, ns, version string) {
	t.Helper()
	eventually(t, wait, func() string {
		o := &aurav1.ResolutionResources{}
		must(t, h.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: aurav1.ResolutionResourcesName}, o))
		got := h.configMap(t, ns, userHelperConfigMap)[resolutionKey]
		if got != version || o.Status.InstalledVersion != version || condition(o.Status.Conditions, "Ready") != "True/Installed" {
			return fmt.Sprintf("%s=%s status=%+v, want %s", resolutionKey, got, o.Status, version)
		}
		return ""
	})
}

func testResolutionResources(t *testing.T, h *harness) {
	ns, kc := h.coreNamespace(t)
	for _, v := range []string{"0.0.5", "0.0.6", "0.4.0", "1.0.0"} {
		h.putPackage(t, packages.Key("resolution-resources", "resolution-resources", v), 300)
	}
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: ResolutionResources
metadata: {name: resolutionresources}
spec: {version: 0.0.0}
EOF`)
	h.waitResolution(t, ns, "0.0.0") // the built-in set: nothing to download

	h.mustSh(t, kc, guidePatchRR)
	h.waitResolution(t, ns, "0.0.5")
	if h.rolloutHash(t, ns, userHelperConfigMap) == "" {
		t.Fatal("user-helper was not rolled")
	}
	h.mustSh(t, kc, guideStrategyRR)
	h.waitResolution(t, ns, "0.4.0")
	h.mustSh(t, kc, fill(guideAnnotateRR, "<RESOLUTION_RESOURCES_NAME>", "resolutionresources", "<OB>", ns))
	h.waitResolution(t, ns, "0.4.0")
	out := h.mustSh(t, kc, guideListRR)
	if !strings.Contains(out, "resolutionresources") || !strings.Contains(out, "0.4.0") || !strings.Contains(out, "Minor") {
		t.Fatalf("%s:\n%s", guideListRR, out)
	}
	h.mustSh(t, kc, guideNoStrategyRR) // back to the pinned 0.0.5
	h.waitResolution(t, ns, "0.0.5")

	// Only one can exist, named resolutionresources.
	out, err := h.sh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: ResolutionResources
metadata: {name: second}
spec: {version: 0.0.6}
EOF`)
	if err == nil || !strings.Contains(out, "metadata.name must be resolutionresources") {
		t.Fatalf("a second ResolutionResources was not refused with a clear message: %v\n%s", err, out)
	}

	// Deleting it sets user-helper back to 0.0.0.
	h.mustSh(t, kc, `kubectl delete resolutionresources.auracognitive.com resolutionresources --wait=true --timeout=20s`)
	if got := h.configMap(t, ns, userHelperConfigMap)[resolutionKey]; got != "0.0.0" {
		t.Fatalf("after delete %s = %s, want 0.0.0", resolutionKey, got)
	}
}

func testAgent(t *testing.T, h *harness) {
	ctx := context.Background()
	ns, kc := h.coreNamespace(t)
	agentsNS := "aura-agents-" + testEnvironment
	name := "faq-" + randSuffix()
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: Agent
metadata: {name: `+name+`}
spec:
  image: registry.example/agents/faq
  tag: 1.0.0
  replicas: 2
  port: 9000
  env: [{name: LOG_LEVEL, value: debug}]
  config: {prompt.txt: "be brief"}
EOF`)
	key := client.ObjectKey{Namespace: agentsNS, Name: name}
	image := func() string {
		d := &appsv1.Deployment{}
		if err := h.c.Get(ctx, key, d); err != nil {
			return err.Error()
		}
		return d.Spec.Template.Spec.Containers[0].Image
	}
	eventually(t, wait, func() string {
		if img := image(); img != "registry.example/agents/faq:1.0.0" {
			return "deployment image: " + img
		}
		// The Service is applied last.
		if err := h.c.Get(ctx, key, &corev1.Service{}); err != nil {
			return err.Error()
		}
		return ""
	})
	d := &appsv1.Deployment{}
	must(t, h.c.Get(ctx, key, d))
	c := d.Spec.Template.Spec.Containers[0]
	if *d.Spec.Replicas != 2 || c.Ports[0].ContainerPort != 9000 || c.Env[0].Name != "LOG_LEVEL" || c.Env[0].Value != "debug" {
		t.Fatalf("deployment does not follow the spec: %+v", d.Spec)
	}
	if ps := d.Spec.Template.Spec.ImagePullSecrets; len(ps) != 1 || ps[0].Name != testPullSecret {
		t.Errorf("agent pods pull with %v, want %s", ps, testPullSecret)
	}
	svc := &corev1.Service{}
	must(t, h.c.Get(ctx, key, svc))
	if svc.Spec.Ports[0].Port != 9000 || svc.Spec.Selector[labelAgent] != name {
		t.Fatalf("service: %+v", svc.Spec)
	}
	cm := &corev1.ConfigMap{}
	must(t, h.c.Get(ctx, key, cm))
	if cm.Data["prompt.txt"] != "be brief" {
		t.Fatalf("configmap: %v", cm.Data)
	}
	out := h.mustSh(t, kc, guideListAgents)
	if !strings.Contains(out, name) || !strings.Contains(out, "1.0.0") || !strings.Contains(out, "TAG") {
		t.Fatalf("%s:\n%s", guideListAgents, out)
	}

	// The guide's tag patch rolls the new image.
	h.mustSh(t, kc, fill(guidePatchAgent, "<AGENT_NAME>", name))
	eventually(t, wait, func() string {
		if img := image(); img != "registry.example/agents/faq:1.1.0" {
			return "deployment image: " + img
		}
		return ""
	})
	// Someone scales the Deployment by hand; the annotate brings back the spec's 2.
	d = &appsv1.Deployment{}
	must(t, h.c.Get(ctx, key, d))
	d.Spec.Replicas = ptr(int32(5))
	must(t, h.c.Update(ctx, d))
	h.mustSh(t, kc, fill(guideAnnotateAgent, "<AGENT_NAME>", name, "<OB>", ns))
	eventually(t, wait, func() string {
		d := &appsv1.Deployment{}
		must(t, h.c.Get(ctx, key, d))
		if *d.Spec.Replicas != 2 {
			return fmt.Sprintf("replicas %d", *d.Spec.Replicas)
		}
		return ""
	})
	a := &aurav1.Agent{}
	must(t, h.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, a))
	if a.Status.Namespace != agentsNS || a.Status.Image != "registry.example/agents/faq:1.1.0" || a.Status.ObservedGeneration != a.Generation {
		t.Fatalf("agent status: %+v", a.Status)
	}

	// Deleting the agent removes its children.
	h.mustSh(t, kc, `kubectl delete agents.auracognitive.com `+name+` --wait=true --timeout=20s`)
	for _, obj := range []client.Object{&appsv1.Deployment{}, &corev1.Service{}, &corev1.ConfigMap{}} {
		eventually(t, wait, func() string {
			err := h.c.Get(ctx, key, obj)
			if apierrors.IsNotFound(err) {
				return ""
			}
			return fmt.Sprintf("%T still there (err %v)", obj, err)
		})
	}
}

func testValidation(t *testing.T, h *harness) {
	_, kc := h.coreNamespace(t)
	tests := []struct{ name, manifest, want string }{
		{"unknown strategy", "kind: NlpTraining\nmetadata: {name: a}\nspec: {version: 1.0.0, update: Latest}", `Unsupported value: "Latest"`},
		{"two-part version", "kind: NlpTraining\nmetadata: {name: b}\nspec: {version: \"1.0\"}", "spec.version"},
		{"no version", "kind: NlpTraining\nmetadata: {name: c}\nspec: {}", "spec.version: Required value"},
		{"agent without tag", "kind: Agent\nmetadata: {name: d}\nspec: {image: x}", "spec.tag: Required value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := h.sh(t, kc, "kubectl apply -f - <<'EOF'\napiVersion: auracognitive.com/v1\n"+tt.manifest+"\nEOF")
			if err == nil || !strings.Contains(out, tt.want) {
				t.Fatalf("accepted or unclear (err %v):\n%s", err, out)
			}
		})
	}
}
