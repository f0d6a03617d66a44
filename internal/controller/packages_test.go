package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	"github.com/auracognitive/aurak8s/internal/packages"
)

const wait = 20 * time.Second

func TestOperator(t *testing.T) {
	// An hour: anything that happens here was caused by the test, not by a resync.
	h := newHarness(t, time.Hour)
	t.Run("NlpTraining", func(t *testing.T) { testNlpTraining(t, h) })
	t.Run("BrokenUpload", func(t *testing.T) { testBrokenUpload(t, h) })
	t.Run("ResolutionResources", func(t *testing.T) { testResolutionResources(t, h) })
	t.Run("Agent", func(t *testing.T) { testAgent(t, h) })
	t.Run("Validation", func(t *testing.T) { testValidation(t, h) })
	t.Run("Kstatus", func(t *testing.T) { testKstatus(t, h) })
	t.Run("AgentKstatus", func(t *testing.T) { testAgentKstatus(t, h) })
}

func (h *harness) nlp(t *testing.T, ns, name string) *aurav1.NlpTraining {
	t.Helper()
	o := &aurav1.NlpTraining{}
	must(t, h.c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, o))
	return o
}

// waitNlp waits until aura-nlp lists training at version and the object says Ready.
func (h *harness) waitNlp(t *testing.T, ns, name, training, version string) {
	t.Helper()
	eventually(t, wait, func() string {
		var m map[string]string
		data := h.configMap(t, ns, nlpConfigMap)
		if err := json.Unmarshal([]byte(data[nlpPackagesKey]), &m); err != nil {
			return err.Error()
		}
		o := h.nlp(t, ns, name)
		if m[training] != version || o.Status.InstalledVersion != version || condition(o.Status.Conditions, "Ready") != "True/Installed" ||
			o.Status.ObservedGeneration != o.Generation {
			return fmt.Sprintf("NLP_PACKAGES=%s, status=%+v, want %s=%s Ready", data[nlpPackagesKey], o.Status, training, version)
		}
		return ""
	})
}

func testNlpTraining(t *testing.T, h *harness) {
	ctx := context.Background()
	ns, kc := h.coreNamespace(t)
	for _, v := range []string{"0.0.1", "0.0.3", "0.2.0", "0.2.5-rc.1", "1.1.0", "1.3.0"} {
		h.putPackage(t, packages.Key("nlp-trainings", "es-bot", v), 2048)
	}
	h.putPackage(t, packages.Key("nlp-trainings", "fr-bot", "2.0.0"), 100)

	// From 0.0.0 with Patch: the highest 0.0.X.
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: NlpTraining
metadata: {name: es-bot}
spec: {version: 0.0.0, update: Patch}
EOF`)
	h.waitNlp(t, ns, "es-bot", "es-bot", "0.0.3")
	hash := h.rolloutHash(t, ns, nlpConfigMap)
	if hash == "" {
		t.Fatal("aura-nlp was not rolled")
	}
	if h.configMap(t, ns, nlpConfigMap)["OTHER"] != "kept" {
		t.Fatal("the operator lost another key of aura-nlp")
	}
	o := h.nlp(t, ns, "es-bot")
	if o.Status.Blob != "nlp-trainings/es-bot-0.0.3.tgz" || o.Status.Size != 2048 || len(o.Status.SHA256) != 64 {
		t.Fatalf("status does not describe the published package: %+v", o.Status)
	}

	// The guide's printer columns.
	out := h.mustSh(t, kc, guideListNlp)
	for _, want := range []string{"VERSION", "UPDATE", "INSTALLED", "READY", "es-bot", "0.0.0", "Patch", "0.0.3", "True"} {
		if !strings.Contains(out, want) {
			t.Fatalf("%s does not show %q:\n%s", guideListNlp, want, out)
		}
	}

	// Minor: the highest 0.X.X, never the pre-release 0.2.5-rc.1.
	h.mustSh(t, kc, fill(guideStrategyNlp, "<NLP_TRAINING_NAME>", "es-bot"))
	h.waitNlp(t, ns, "es-bot", "es-bot", "0.2.0")
	if h.rolloutHash(t, ns, nlpConfigMap) == hash {
		t.Fatal("aura-nlp was not rolled again")
	}

	// Major: the highest of all.
	h.mustSh(t, kc, `kubectl patch nlptrainings.auracognitive.com es-bot -p '{"spec" : {"update" : "Major" }}' --type=merge`)
	h.waitNlp(t, ns, "es-bot", "es-bot", "1.3.0")

	// Removing the strategy pins spec.version (0.0.0, not in S3): the download
	// fails and 1.3.0 stays installed; then the guide's pin to 1.1.0 installs it.
	h.mustSh(t, kc, fill(guideNoStrategyNlp, "<NLP_TRAINING_NAME>", "es-bot"))
	eventually(t, wait, func() string {
		o := h.nlp(t, ns, "es-bot")
		if o.Spec.Update != "" || condition(o.Status.Conditions, "Degraded") != "True/DownloadFailed" {
			return fmt.Sprintf("update=%q conditions=%v", o.Spec.Update, o.Status.Conditions)
		}
		return ""
	})
	if got := h.nlp(t, ns, "es-bot").Status.InstalledVersion; got != "1.3.0" {
		t.Fatalf("a failed download changed the installed version to %s", got)
	}
	if !strings.Contains(h.configMap(t, ns, nlpConfigMap)[nlpPackagesKey], `"es-bot":"1.3.0"`) {
		t.Fatal("a failed download changed NLP_PACKAGES")
	}
	h.mustSh(t, kc, fill(guidePatchNlp, "<NLP_TRAINING_NAME>", "es-bot"))
	h.waitNlp(t, ns, "es-bot", "es-bot", "1.1.0")

	// A new patch release appears in S3: nothing happens until the guide's
	// annotate forces a reconcile (the resync is an hour in tests).
	h.mustSh(t, kc, `kubectl patch nlptrainings.auracognitive.com es-bot -p '{"spec" : {"update" : "Patch" }}' --type=merge`)
	h.waitNlp(t, ns, "es-bot", "es-bot", "1.1.0")
	h.putPackage(t, packages.Key("nlp-trainings", "es-bot", "1.1.7"), 512)
	time.Sleep(500 * time.Millisecond)
	if got := h.nlp(t, ns, "es-bot").Status.InstalledVersion; got != "1.1.0" {
		t.Fatalf("installed %s without being asked", got)
	}
	start := time.Now()
	h.mustSh(t, kc, fill(guideAnnotateNlp, "<NLP_TRAINING_NAME>", "es-bot", "<OB>", ns))
	h.waitNlp(t, ns, "es-bot", "es-bot", "1.1.7")
	t.Logf("annotate → aura-nlp edited in %s", time.Since(start).Round(time.Millisecond))

	// A second training shares aura-nlp; deleting one removes only its entry.
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: NlpTraining
metadata: {name: french}
spec: {version: 2.0.0, training: fr-bot}
EOF`)
	h.waitNlp(t, ns, "french", "fr-bot", "2.0.0")
	h.mustSh(t, kc, `kubectl delete nlptrainings.auracognitive.com es-bot --wait=true --timeout=20s`)
	if got := h.configMap(t, ns, nlpConfigMap)[nlpPackagesKey]; got != `{"fr-bot":"2.0.0"}` {
		t.Fatalf("after deleting es-bot NLP_PACKAGES = %s", got)
	}
	_ = ctx
}

// An upload that the blob service refuses leaves the running version and says why.
func testBrokenUpload(t *testing.T, h *harness) {
	ctx := context.Background()
	ns, kc := h.coreNamespace(t)
	h.putPackage(t, packages.Key("nlp-trainings", "broken", "1.0.0"), 1024)
	h.putPackage(t, packages.Key("nlp-trainings", "broken", "1.0.1"), 1024)
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: NlpTraining
metadata: {name: broken}
spec: {version: 1.0.0}
EOF`)
	h.waitNlp(t, ns, "broken", "broken", "1.0.0")
	hash := h.rolloutHash(t, ns, nlpConfigMap)

	must(t, h.sink.DeleteContainer(ctx)) // the storage account loses the container
	h.mustSh(t, kc, `kubectl patch nlptrainings.auracognitive.com broken -p '{"spec" : {"version" : "1.0.1" }}' --type=merge`)
	// One observation: the operator retries with backoff, and a retry in
	// progress rewrites the conditions between two reads.
	msg := ""
	eventually(t, wait, func() string {
		o := h.nlp(t, ns, "broken")
		if condition(o.Status.Conditions, "Degraded") != "True/UploadFailed" || condition(o.Status.Conditions, "Ready") != "False/UploadFailed" {
			return fmt.Sprintf("conditions=%v", o.Status.Conditions)
		}
		for _, c := range o.Status.Conditions {
			if c.Type == "Degraded" {
				msg = c.Message
			}
		}
		return ""
	})
	if got := h.configMap(t, ns, nlpConfigMap)[nlpPackagesKey]; got != `{"broken":"1.0.0"}` {
		t.Fatalf("after a failed upload NLP_PACKAGES = %s", got)
	}
	if h.rolloutHash(t, ns, nlpConfigMap) != hash {
		t.Fatal("aura-nlp was rolled although nothing was installed")
	}
	if !strings.Contains(msg, "1.0.1 not installed, 1.0.0 stays") || !strings.Contains(msg, "upload") {
		t.Fatalf("Degraded message does not say why: %q", msg)
	}
	eventually(t, wait, func() string {
		if ev := h.warningEvents(t, ns, "broken"); len(ev) == 0 || !strings.HasPrefix(ev[0], "UploadFailed") {
			return fmt.Sprintf("warning events: %v", ev)
		}
		return ""
	})

	// The container is back: the guide's annotate installs the version at once.
	eventually(t, wait, func() string {
		if err := h.sink.CreateContainer(ctx); err != nil { // Azurite needs a moment after a delete
			return err.Error()
		}
		return ""
	})
	h.mustSh(t, kc, `kubectl annotate nlptrainings.auracognitive.com broken last-check="$(date)" --overwrite -n `+ns)
	h.waitNlp(t, ns, "broken", "broken", "1.0.1")
}

// Without any poke, the periodic resync installs a release that appears in S3.
func TestResyncInstallsNewRelease(t *testing.T) {
	h := newHarness(t, time.Second)
	ns, kc := h.coreNamespace(t)
	h.putPackage(t, packages.Key("nlp-trainings", "periodic", "3.0.0"), 64)
	h.mustSh(t, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: NlpTraining
metadata: {name: periodic}
spec: {version: 3.0.0, update: Patch}
EOF`)
	h.waitNlp(t, ns, "periodic", "periodic", "3.0.0")
	h.putPackage(t, packages.Key("nlp-trainings", "periodic", "3.0.4"), 64)
	h.waitNlp(t, ns, "periodic", "periodic", "3.0.4")
}
