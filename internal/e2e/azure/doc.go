// Package azure runs the aura binary against Azure on this machine: the
// fake cloud of internal/provider/azure/fakecloud served over HTTPS on
// 127.0.0.1 (a Microsoft Entra login host and Resource Manager, reached
// as azure.cloud: Custom and trusted through SSL_CERT_FILE), Azurite
// behind its storage accounts, and a real control plane with kwok nodes
// (internal/testenv) behind its AKS cluster. The fake server counts ARM
// writes, so a test sees what each command changed in Azure.
package azure
