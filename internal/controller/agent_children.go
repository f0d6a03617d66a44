package controller

import (
	"encoding/json"
	"fmt"

	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	aurav1 "github.com/auracognitive/aurak8s/api/v1"
)

// Labels on an agent's children. The children live in another namespace than the
// Agent, so these (not owner references) tie them to it.
const (
	labelName      = "app.kubernetes.io/name"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelAgent     = "auracognitive.com/agent"
	labelAgentNS   = "auracognitive.com/agent-namespace"
	configMountDir = "/etc/agent"
)

func agentSelector(a *aurav1.Agent) map[string]string {
	return map[string]string{labelName: a.Name, labelAgent: a.Name}
}

func agentLabels(a *aurav1.Agent) map[string]string {
	l := agentSelector(a)
	l[labelManagedBy] = FieldOwner
	l[labelAgentNS] = a.Namespace
	return l
}

func agentImage(a *aurav1.Agent) string { return a.Spec.Image + ":" + a.Spec.Tag }

func agentReplicas(a *aurav1.Agent) int32 {
	if a.Spec.Replicas == nil {
		return 1
	}
	return *a.Spec.Replicas
}

func agentPort(a *aurav1.Agent) int32 {
	if a.Spec.Port == 0 {
		return 8080
	}
	return a.Spec.Port
}

// agentConfigMap is the agent's configuration data.
func agentConfigMap(a *aurav1.Agent, ns string) *corev1ac.ConfigMapApplyConfiguration {
	data := a.Spec.Config
	if data == nil {
		data = map[string]string{}
	}
	return corev1ac.ConfigMap(a.Name, ns).WithLabels(agentLabels(a)).WithData(data)
}

// agentDeployment runs the agent's image with its env and its ConfigMap (mounted
// and as env); the config hash on the pod template rolls pods when the config changes.
func agentDeployment(a *aurav1.Agent, ns, pullSecret string) (*appsv1ac.DeploymentApplyConfiguration, error) {
	var env []corev1ac.EnvVarApplyConfiguration
	if err := convert(a.Spec.Env, &env); err != nil {
		return nil, fmt.Errorf("spec.env: %w", err)
	}
	var res corev1ac.ResourceRequirementsApplyConfiguration
	if err := convert(a.Spec.Resources, &res); err != nil {
		return nil, fmt.Errorf("spec.resources: %w", err)
	}
	c := corev1ac.Container().
		WithName("agent").
		WithImage(agentImage(a)).
		WithPorts(corev1ac.ContainerPort().WithName("http").WithContainerPort(agentPort(a)).WithProtocol("TCP")).
		WithEnvFrom(corev1ac.EnvFromSource().WithConfigMapRef(corev1ac.ConfigMapEnvSource().WithName(a.Name))).
		WithVolumeMounts(corev1ac.VolumeMount().WithName("config").WithMountPath(configMountDir).WithReadOnly(true)).
		WithResources(&res)
	for i := range env {
		c.WithEnv(&env[i])
	}
	spec := corev1ac.PodSpec().
		WithContainers(c).
		WithVolumes(corev1ac.Volume().WithName("config").
			WithConfigMap(corev1ac.ConfigMapVolumeSource().WithName(a.Name)))
	if pullSecret != "" {
		spec.WithImagePullSecrets(corev1ac.LocalObjectReference().WithName(pullSecret))
	}
	pod := corev1ac.PodTemplateSpec().
		WithLabels(agentLabels(a)).
		WithAnnotations(map[string]string{ConfigHashAnnotation: hashData(a.Spec.Config)}).
		WithSpec(spec)
	return appsv1ac.Deployment(a.Name, ns).
		WithLabels(agentLabels(a)).
		WithSpec(appsv1ac.DeploymentSpec().
			WithReplicas(agentReplicas(a)).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(agentSelector(a))).
			WithTemplate(pod)), nil
}

// agentService exposes the agent's port inside the cluster.
func agentService(a *aurav1.Agent, ns string) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(a.Name, ns).
		WithLabels(agentLabels(a)).
		WithSpec(corev1ac.ServiceSpec().
			WithSelector(agentSelector(a)).
			WithPorts(corev1ac.ServicePort().WithName("http").WithPort(agentPort(a)).WithProtocol("TCP").
				WithTargetPort(intOrStringName("http"))))
}

// convert moves API types into their apply configurations, which share the JSON form.
func convert(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
