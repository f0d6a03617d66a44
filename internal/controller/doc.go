// Package controller holds the aura-operator's reconcilers: NlpTraining and
// ResolutionResources publish versioned packages from S3 to Azure Blob and point
// their consumers at them; Agent runs an agent's Deployment, Service and ConfigMap.
package controller
