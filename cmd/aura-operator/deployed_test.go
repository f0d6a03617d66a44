package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
	k8s "github.com/auracognitive/aurak8s/deploy/templates/k8s"
	"github.com/auracognitive/aurak8s/internal/blobtest"
	auraconfig "github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/internal/operatorconfig"
	"github.com/auracognitive/aurak8s/internal/phase"
	"github.com/auracognitive/aurak8s/internal/provider"
	"github.com/auracognitive/aurak8s/internal/provider/local"
	"github.com/auracognitive/aurak8s/internal/release"
	"github.com/auracognitive/aurak8s/internal/testenv"
)

// The S3 access key of the test's configuration; the S3 server refuses any other.
const (
	testAccessKeyID     = "AKIAOPERATORTEST01"
	testSecretAccessKey = "operator-test-s3-secret"
)

// TestDeployedOperator renders deploy_core's objects for the example
// configuration with the local provider, applies them (RBAC, Secret,
// ConfigMaps, consumers) to the test cluster, and runs the real aura-operator
// binary with exactly the environment and arguments of the rendered
// Deployment (ConfigMap and Secret references resolved) as its service
// account (impersonated). The guide's kubectl lines then publish a training
// from S3 to the storage account and run an agent.
func TestDeployedOperator(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	dir := t.TempDir()
	rel, err := release.Default()
	must(t, err)
	comp, _ := rel.Component("aura-operator")
	bucket := comp.Env[operatorconfig.EnvS3Bucket]

	s3url := fakeS3(t, bucket, map[string]string{
		"nlp-trainings/es-bot-1.0.0.tgz": "training one", "nlp-trainings/es-bot-1.1.0.tgz": "training two",
	})

	// deploy_infra's storage account, its key served by Azurite at local.blob_endpoint.
	w := newOperatorWorld(t, dir, s3url, "")
	pc := w.env.PackagesContainer()
	p := w.env.Provider
	_, err = p.EnsureResourceGroup(ctx, provider.ResourceGroup{Name: pc.ResourceGroup, Location: "westeurope"})
	must(t, err)
	_, err = p.EnsureStorageAccount(ctx, provider.StorageAccount{ResourceGroup: pc.ResourceGroup, Name: pc.Account, Containers: []string{pc.Container}})
	must(t, err)
	key, err := p.StorageAccountKey(ctx, provider.ResourceRef{ResourceGroup: pc.ResourceGroup, Name: pc.Account})
	must(t, err)
	blob := blobtest.StartAccounts(t, pc.Account+":"+key)
	w = newOperatorWorld(t, dir, s3url, blob.Endpoint())
	packagesContainer := containerClient(t, blob.Endpoint()+"/"+pc.Account, pc.Container, pc.Account, key)
	_, err = packagesContainer.Create(ctx, nil)
	must(t, err)

	bundles, err := w.env.RenderCore(ctx)
	must(t, err)
	var objs, apply []*unstructured.Unstructured
	for _, b := range bundles {
		objs = append(objs, b.Objects...)
		switch b.Component {
		case "", "aura-operator", "nlp", "user-helper":
			for _, o := range b.Objects {
				// The endpoints' Certificate needs cert-manager, which
				// deploy_system installs; this cluster has only core.
				if !strings.HasPrefix(o.GetAPIVersion(), "cert-manager.io/") {
					apply = append(apply, o)
				}
			}
		}
	}
	ns := w.env.CoreNamespace()
	var dep *unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetName() == "aura-operator" {
			dep = o
		}
	}
	if dep == nil {
		t.Fatal("deploy_core renders no aura-operator Deployment")
	}
	sa, _, _ := unstructured.NestedString(dep.Object, "spec", "template", "spec", "serviceAccountName")
	vars, args, err := operatorconfig.ContainerEnv(dep, "aura-operator", objs)
	must(t, err)
	applyObjects(t, env, dir, apply)

	// As its service account, with its environment and arguments; only the
	// listening addresses move off the container's ports, which this
	// machine's other tests may hold.
	probe, metrics := freeAddr(t), freeAddr(t)
	op := startBinary(t, buildOperator(t, dir), impersonating(t, env.Kubeconfig, dir, ns, sa), vars,
		append(args, "--health-probe-bind-address", probe, "--metrics-bind-address", metrics))
	started := time.Now()
	waitFor(t, "the operator to be ready", op, func() string {
		if code, _ := getURL("http://" + probe + "/readyz"); code != http.StatusOK {
			return fmt.Sprintf("/readyz: %d", code)
		}
		return ""
	})
	k := adminClient(t, env)
	waitFor(t, "the leader election Lease in "+ns, op, func() string {
		l := &coordinationv1.Lease{}
		if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "aura-operator.auracognitive.com"}, l); err != nil {
			return err.Error()
		}
		return ""
	})

	// The guide's commands, with the core namespace as the context's namespace.
	kc := withNamespace(t, env.Kubeconfig, dir, ns)
	kubectl(t, env, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: NlpTraining
metadata: {name: es-bot}
spec: {version: 1.0.0}
EOF`)
	nlpInstalled := func(version string) {
		t.Helper()
		waitFor(t, "es-bot "+version+" installed", op, func() string {
			o := &aurav1.NlpTraining{}
			if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "es-bot"}, o); err != nil {
				return err.Error()
			}
			cm := &corev1.ConfigMap{}
			if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "aura-nlp"}, cm); err != nil {
				return err.Error()
			}
			if o.Status.InstalledVersion != version || !strings.Contains(cm.Data["NLP_PACKAGES"], `"es-bot":"`+version+`"`) {
				return fmt.Sprintf("status %+v, NLP_PACKAGES %s", o.Status, cm.Data["NLP_PACKAGES"])
			}
			return ""
		})
		props, err := packagesContainer.NewBlobClient("nlp-trainings/es-bot-"+version+".tgz").GetProperties(ctx, nil)
		if err != nil || props.ContentLength == nil || *props.ContentLength == 0 {
			t.Fatalf("es-bot %s is not in the storage account's %s container: %v", version, pc.Container, err)
		}
	}
	nlpInstalled("1.0.0")
	kubectl(t, env, kc, `kubectl patch nlptrainings.auracognitive.com es-bot -p '{"spec" : {"version" : "1.1.0" }}' --type=merge`)
	nlpInstalled("1.1.0")
	putS3(t, s3url, bucket, "nlp-trainings/es-bot-1.1.4.tgz", "training three")
	kubectl(t, env, kc, `kubectl patch nlptrainings.auracognitive.com es-bot -p '{"spec" : {"update" : "Patch" }}' --type=merge`)
	kubectl(t, env, kc, `kubectl annotate nlptrainings.auracognitive.com es-bot last-check="$(date)" --overwrite -n `+ns)
	nlpInstalled("1.1.4")

	kubectl(t, env, kc, `kubectl apply -f - <<'EOF'
apiVersion: auracognitive.com/v1
kind: Agent
metadata: {name: faq}
spec: {image: registry.example/agents/faq, tag: 1.0.0}
EOF`)
	agentsNS := w.env.Cfg.Derived.AgentsNamespace
	agentReady := func(image string) {
		t.Helper()
		waitFor(t, "agent faq Ready on "+image, op, func() string {
			a := &aurav1.Agent{}
			if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "faq"}, a); err != nil {
				return err.Error()
			}
			d := &appsv1.Deployment{}
			if err := k.Get(ctx, client.ObjectKey{Namespace: agentsNS, Name: "faq"}, d); err != nil {
				return fmt.Sprintf("agent conditions %v: %v", a.Status.Conditions, err)
			}
			for _, obj := range []client.Object{&corev1.Service{}, &corev1.ConfigMap{}} {
				if err := k.Get(ctx, client.ObjectKey{Namespace: agentsNS, Name: "faq"}, obj); err != nil {
					return err.Error()
				}
			}
			ready := false
			for _, c := range a.Status.Conditions {
				ready = ready || c.Type == aurav1.ConditionReady && c.Status == "True"
			}
			if d.Spec.Template.Spec.Containers[0].Image != image || !ready || a.Status.ObservedGeneration != a.Generation {
				return fmt.Sprintf("image %s, agent conditions %v", d.Spec.Template.Spec.Containers[0].Image, a.Status.Conditions)
			}
			return ""
		})
	}
	agentReady("registry.example/agents/faq:1.0.0")
	kubectl(t, env, kc, `kubectl patch agents.auracognitive.com faq -p '{"spec" : {"tag" : "1.1.0" }}' --type=merge`)
	agentReady("registry.example/agents/faq:1.1.0")
	if out := kubectl(t, env, kc, `kubectl get agents.auracognitive.com`); !strings.Contains(out, "1.1.0") || !strings.Contains(out, "True") {
		t.Errorf("kubectl get agents:\n%s", out)
	}
	t.Logf("operator start → agent rolled to 1.1.0: %s", time.Since(started).Round(100*time.Millisecond))
	if log := op.log(); strings.Contains(log, "forbidden") {
		t.Errorf("the operator was refused something:\n%s", log)
	}
}

// operatorWorld is the example configuration with the test's S3, cluster,
// state directory and blob endpoint.
type operatorWorld struct{ env *phase.Env }

func newOperatorWorld(t *testing.T, dir, s3url, blobEndpoint string) *operatorWorld {
	t.Helper()
	root := filepath.Join("..", "..")
	cfgFile, ecfg := filepath.Join(dir, "config.yml"), filepath.Join(dir, "ecfg")
	copyFile(t, filepath.Join(root, "examples", "config.yml"), cfgFile)
	must(t, os.MkdirAll(ecfg, 0o700))
	copyFile(t, filepath.Join(root, "examples", "ecfg", "secrets.yml"), filepath.Join(ecfg, "secrets.yml"))
	over := fmt.Sprintf("local:\n  kubeconfig: %s\n  state_dir: %s\n", testenv.Get(t).Kubeconfig, filepath.Join(dir, "state"))
	if blobEndpoint != "" {
		over += "  blob_endpoint: " + blobEndpoint + "\n"
	}
	over += fmt.Sprintf("aura_operator_s3: {access_key_id: %s, secret_access_key: %s, endpoint: %q, path_style: true}\n",
		testAccessKeyID, testSecretAccessKey, s3url)
	must(t, os.WriteFile(filepath.Join(ecfg, "zz-test.yml"), []byte(over), 0o600))
	cfg, err := auraconfig.Load(auraconfig.LoadOptions{CfgFile: cfgFile, ExtraDir: ecfg, VaultPassword: "aura-demo"})
	must(t, err)
	p, err := local.New(local.Options{StateDir: cfg.Local.StateDir, Kubeconfig: cfg.Local.Kubeconfig})
	must(t, err)
	rel, err := release.Default()
	must(t, err)
	return &operatorWorld{env: &phase.Env{Cfg: cfg, Provider: p, Release: rel, Templates: k8s.FS(), OutputDir: filepath.Join(dir, "output_install")}}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	must(t, err)
	must(t, os.WriteFile(to, data, 0o600))
}

// fakeS3 serves bucket with objects over plain HTTP, refusing requests not
// signed with the test's access key.
func fakeS3(t *testing.T, bucket string, objects map[string]string) string {
	t.Helper()
	backend := s3mem.New()
	must(t, backend.CreateBucket(bucket))
	fake := gofakes3.New(backend).Server()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Authorization"), "Credential="+testAccessKeyID+"/") {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	for k, v := range objects {
		putS3(t, ts.URL, bucket, k, v)
	}
	return ts.URL
}

func putS3(t *testing.T, url, bucket, key, body string) {
	t.Helper()
	c := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: testAccessKeyID, SecretAccessKey: testSecretAccessKey}, nil
		})})
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	must(t, err)
}

func containerClient(t *testing.T, accountURL, name, account, key string) *container.Client {
	t.Helper()
	cred, err := container.NewSharedKeyCredential(account, key)
	must(t, err)
	c, err := container.NewClientWithSharedKeyCredential(accountURL+"/"+name, cred, nil)
	must(t, err)
	return c
}

// applyObjects applies objs as deploy_core does (server-side, namespace first).
func applyObjects(t *testing.T, env *testenv.Env, dir string, objs []*unstructured.Unstructured) {
	t.Helper()
	var docs []string
	for _, first := range []bool{true, false} {
		for _, o := range objs {
			if (o.GetKind() == "Namespace") != first {
				continue
			}
			y, err := yaml.Marshal(o.Object)
			must(t, err)
			docs = append(docs, string(y))
		}
	}
	f := filepath.Join(dir, "core.yaml")
	must(t, os.WriteFile(f, []byte(strings.Join(docs, "---\n")), 0o600))
	out, err := exec.Command(env.Kubectl, "--kubeconfig", env.Kubeconfig, "apply", "--server-side", "--field-manager", "aura", "-f", f).CombinedOutput()
	if err != nil {
		t.Fatalf("apply the rendered core: %v\n%s", err, out)
	}
}

// impersonating is a kubeconfig acting as service account ns/sa, as a pod of it would.
func impersonating(t *testing.T, admin, dir, ns, sa string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(admin)
	must(t, err)
	ai := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	ai.Impersonate = "system:serviceaccount:" + ns + ":" + sa
	ai.ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
	path := filepath.Join(dir, "operator.kubeconfig")
	must(t, clientcmd.WriteToFile(*cfg, path))
	return path
}

func withNamespace(t *testing.T, admin, dir, ns string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(admin)
	must(t, err)
	cfg.Contexts[cfg.CurrentContext].Namespace = ns
	path := filepath.Join(dir, "user.kubeconfig")
	must(t, clientcmd.WriteToFile(*cfg, path))
	return path
}

func buildOperator(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "aura-operator")
	start := time.Now()
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("go build aura-operator: %s", time.Since(start).Round(100*time.Millisecond))
	return bin
}

// process is the running operator.
type process struct {
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// exited says why the process ended, or "" while it runs.
func (p *process) exited() string {
	select {
	case <-p.done:
		return fmt.Sprintf("aura-operator exited (%v):\n%s", p.err, p.log())
	default:
		return ""
	}
}

// startBinary runs bin with exactly vars (and the kubeconfig it talks to
// the cluster with, where a pod would have its service account's token).
func startBinary(t *testing.T, bin, kubeconfig string, vars map[string]string, args []string) *process {
	t.Helper()
	p := &process{done: make(chan struct{})}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"KUBECONFIG=" + kubeconfig}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = p, p
	must(t, cmd.Start())
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("aura-operator output:\n%s", p.log())
		}
	})
	return p
}

// waitFor polls cond for up to 30 s, failing early if the operator exits.
func waitFor(t *testing.T, what string, p *process, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if why := p.exited(); why != "" {
			t.Fatalf("waiting for %s: %s", what, why)
		}
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %s", what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getURL(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func adminClient(t *testing.T, env *testenv.Env) client.Client {
	t.Helper()
	k, err := client.New(env.Config, client.Options{Scheme: newScheme(t)})
	must(t, err)
	return k
}

// kubectl runs a guide line with bash, the test cluster's kubectl first on PATH.
func kubectl(t *testing.T, env *testenv.Env, kubeconfig, line string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", line)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig,
		"PATH="+filepath.Dir(env.Kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	return string(out)
}
