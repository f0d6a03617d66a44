package phase

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/auracognitive/aurak8s/internal/release"
)

func byKey(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	out := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		out[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = o
	}
	return out
}

// next_bot_channel_enabled moves aura-groot and authentication-api to the
// -next bot channel and back, and changes nothing else that core renders:
// their two settings and, through the config hash, a restart of their pods.
func TestNextBotChannelSettings(t *testing.T) {
	e := keysEnv(t, "next_domains_enabled: true")
	cfg := e.Cfg
	off := byKey(renderedCore(t, e))
	cfg.NextBotChannelEnabled = true
	on := byKey(renderedCore(t, e))
	cfg.NextBotChannelEnabled = false

	ns := e.CoreNamespace()
	var changed []string
	for k, o := range on {
		if !reflect.DeepEqual(o.Object, off[k].Object) {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	want := []string{"ConfigMap " + ns + "/aura-groot", "ConfigMap " + ns + "/authentication-api",
		"Deployment " + ns + "/aura-groot", "Deployment " + ns + "/authentication-api"}
	if len(on) != len(off) || !slices.Equal(changed, want) {
		t.Fatalf("the flag changed %q (%d objects, then %d), want %q", changed, len(off), len(on), want)
	}
	for _, c := range []string{"aura-groot", "authentication-api"} {
		for flag, objs := range map[bool]map[string]*unstructured.Unstructured{false: off, true: on} {
			data, _, _ := unstructured.NestedStringMap(objs["ConfigMap "+ns+"/"+c].Object, "data")
			name, endpoint := cfg.Derived.BotChannelName, "https://"+cfg.DNSName("services")+"/api/messages"
			if flag {
				name, endpoint = cfg.Derived.NextBotChannelName, "https://"+cfg.NextDNSName("services")+"/api/messages"
			}
			if data["BOT_CHANNEL_NAME"] != name || data["BOT_MESSAGING_ENDPOINT"] != endpoint {
				t.Errorf("%s with next_bot_channel_enabled %v: channel %q at %q, want %q at %q", c, flag,
					data["BOT_CHANNEL_NAME"], data["BOT_MESSAGING_ENDPOINT"], name, endpoint)
			}
		}
		offData, _, _ := unstructured.NestedStringMap(off["ConfigMap "+ns+"/"+c].Object, "data")
		onData, _, _ := unstructured.NestedStringMap(on["ConfigMap "+ns+"/"+c].Object, "data")
		var keys []string
		for k := range maps.Keys(onData) {
			if onData[k] != offData[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if !slices.Equal(keys, []string{"BOT_CHANNEL_NAME", "BOT_MESSAGING_ENDPOINT"}) || len(onData) != len(offData) {
			t.Errorf("ConfigMap %s: the flag changed %q", c, keys)
		}
		// The Deployment differs by its config hash only: its pods restart
		// and read the new channel.
		d0, d1 := off["Deployment "+ns+"/"+c].DeepCopy(), on["Deployment "+ns+"/"+c].DeepCopy()
		h0, _, _ := unstructured.NestedString(d0.Object, "spec", "template", "metadata", "annotations", release.ConfigHashAnnotation)
		h1, _, _ := unstructured.NestedString(d1.Object, "spec", "template", "metadata", "annotations", release.ConfigHashAnnotation)
		unstructured.RemoveNestedField(d0.Object, "spec", "template", "metadata", "annotations", release.ConfigHashAnnotation)
		unstructured.RemoveNestedField(d1.Object, "spec", "template", "metadata", "annotations", release.ConfigHashAnnotation)
		if h0 == h1 || !reflect.DeepEqual(d0.Object, d1.Object) {
			t.Errorf("Deployment %s: config hash %s → %s; differs beyond it: %v", c, h0, h1, !reflect.DeepEqual(d0.Object, d1.Object))
		}
	}
}

// The guide's `deploy_core -t aura-groot authentication-api`, with the flag
// off again, applies those two components with the current channel.
func TestBotChannelBackWithTwoComponents(t *testing.T) {
	e := keysEnv(t, "next_domains_enabled: true")
	e.Only = []string{"aura-groot", "authentication-api"}
	objs, err := e.coreObjects()(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ns := e.CoreNamespace()
	for _, c := range e.Only {
		data := cmData(t, objs, ns, c)
		if data["BOT_CHANNEL_NAME"] != e.Cfg.Derived.BotChannelName {
			t.Errorf("%s: channel %q, want %s", c, data["BOT_CHANNEL_NAME"], e.Cfg.Derived.BotChannelName)
		}
	}
	for _, o := range objs {
		if o.GetKind() == "Deployment" && !slices.Contains(e.Only, o.GetLabels()["app.kubernetes.io/component"]) {
			t.Errorf("-t aura-groot authentication-api applies Deployment %s", o.GetName())
		}
	}
}
