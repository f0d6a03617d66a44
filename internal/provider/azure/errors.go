package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/auracognitive/aurak8s/internal/credentials"
	"github.com/auracognitive/aurak8s/internal/provider"
)

// Error is an Azure refusal explained for the person running aura: what
// was refused, Azure's code, and what to do about it.
type Error struct {
	What   string // e.g. `create cluster "aura-es-dev-1"`
	Code   string // Azure's error code, e.g. SkuNotAvailable
	Region string // the region of the resource, when known
	Hint   string // what to do
	Msg    string // Azure's message
	err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("azure: " + e.What + ": ")
	if e.Code != "" {
		b.WriteString(e.Code)
		if e.Region != "" {
			b.WriteString(" in region " + e.Region)
		}
		if e.Msg != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("\n  hint: " + e.Hint)
	}
	return b.String()
}

// Unwrap keeps errors.Is(err, provider.ErrNotFound) and context errors working.
func (e *Error) Unwrap() error { return e.err }

var (
	quotaCodes = map[string]bool{
		"QuotaExceeded": true, "InsufficientVCPUQuota": true, "ErrCode_InsufficientVCPUQuota": true,
	}
	skuCodes = map[string]bool{
		"SkuNotAvailable": true, "VMSizeNotSupported": true, "InvalidVMSize": true, "ZonalAllocationFailed": true,
		"AllocationFailed": true, "AvailabilityZoneNotSupported": true, "LocationNotAvailableForResourceType": true,
		"K8sVersionNotSupported": true, "AgentPoolK8sVersionNotSupported": true,
	}
	registrationCodes = map[string]bool{
		"MissingSubscriptionRegistration": true, "NoRegisteredProviderFound": true, "SubscriptionNotRegistered": true,
	}
	providerNamespaceRE = regexp.MustCompile(`(?i)/providers/(Microsoft\.[A-Za-z]+)`)
)

// wrap turns an SDK error into an *Error naming what was refused. A 404 is
// also provider.ErrNotFound. Context errors pass through unchanged.
func (p *Provider) wrap(err error, what, region string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("azure: %s: %w", what, err)
	}
	var ce *CredentialError
	var be *busyError
	if errors.As(err, &ce) || errors.As(err, &be) {
		return err
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return &Error{What: what, Msg: err.Error(), err: err}
	}
	e := &Error{What: what, Code: re.ErrorCode, Region: region, Msg: responseMessage(re), err: err}
	ns, registering := "", false
	if re.RawResponse != nil && re.RawResponse.Request != nil {
		path := re.RawResponse.Request.URL.Path
		if m := providerNamespaceRE.FindStringSubmatch(path); m != nil {
			ns = m[1]
		}
		// The SDK registers a missing resource provider itself; this is its
		// registration that failed.
		registering = ns != "" && strings.HasSuffix(strings.ToLower(path), "/providers/"+strings.ToLower(ns)+"/register")
	}
	switch {
	case re.StatusCode == http.StatusNotFound:
		e.err = errors.Join(err, provider.ErrNotFound)
	case registrationCodes[re.ErrorCode] || registering:
		if ns == "" {
			ns = "Microsoft.<namespace in the message>"
		}
		e.Hint = fmt.Sprintf("the subscription %s has no %s resource provider registered and aura could not register it; run: az provider register --namespace %s (or give the service principal the %s/register/action permission)",
			p.opts.SubscriptionID, ns, ns, ns)
	case quotaCodes[re.ErrorCode] || strings.Contains(strings.ToLower(e.Msg), "quota"):
		e.Hint = "the subscription's quota in this region is too small: ask for more (Azure portal → Subscriptions → Usage + quotas) or choose smaller VM sizes (infrastructure.compute.agentpools.*.type) or another azure_region"
	case skuCodes[re.ErrorCode]:
		e.Hint = "this VM size, zone or version is not offered to the subscription in this region: see `az vm list-skus --location REGION --resource-type virtualMachines`, then change infrastructure.compute.agentpools.*.type, aks_multi_az or azure_region"
	case re.ErrorCode == "AuthorizationFailed" || re.StatusCode == http.StatusForbidden:
		e.Hint = "the service principal lacks this permission on the subscription: it needs Contributor (and Microsoft.Authorization/roleAssignments/* for role assignments); `aura create_sp` grants both"
	case re.ErrorCode == "InvalidAuthenticationTokenTenant":
		e.Hint = fmt.Sprintf("%s is not a subscription of the tenant %s: check both", credentials.KeySubscriptionID, credentials.KeyTenant)
	case re.ErrorCode == "SubscriptionNotFound" || re.ErrorCode == "InvalidSubscriptionId":
		e.Hint = fmt.Sprintf("check %s (the service principal cannot see subscription %s)", credentials.KeySubscriptionID, p.opts.SubscriptionID)
	case re.ErrorCode == "StorageAccountAlreadyTaken" || re.ErrorCode == "VaultAlreadyExists":
		e.Hint = "this name is global to Azure and another subscription uses it: change the name it derives from (cluster_name, environment_profile, environment_type or tenant_name)"
	}
	return e
}

// responseMessage is Azure's error message without the SDK's dump of the
// request and response (which is long and, for some services, echoes
// request bodies).
func responseMessage(re *azcore.ResponseError) string {
	if re.RawResponse == nil || re.RawResponse.Body == nil {
		return http.StatusText(re.StatusCode)
	}
	full := re.Error()
	// The SDK renders: "...\nERROR CODE: X\n---...---\n{json}\n---..."; the
	// JSON's message is what a person needs.
	if m := messageRE.FindStringSubmatch(full); m != nil {
		return m[1]
	}
	return http.StatusText(re.StatusCode)
}

var messageRE = regexp.MustCompile(`"message"\s*:\s*"((?:[^"\\]|\\.)*)"`)

// CredentialError says Azure rejected the service principal, naming the
// variable or file to fix, never the secret.
type CredentialError struct{ msg string }

func (e *CredentialError) Error() string { return e.msg }

// namedCredential explains token failures in terms of the credentials'
// keys and where they came from.
type namedCredential struct {
	azcore.TokenCredential
	creds *credentials.Credentials
}

var aadstsRE = regexp.MustCompile(`AADSTS(\d+)`)

func (n *namedCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := n.TokenCredential.GetToken(ctx, opts)
	if err == nil || ctx.Err() != nil {
		return tok, err
	}
	return tok, credentialError(err, n.creds)
}

func credentialError(err error, c *credentials.Credentials) error {
	code := ""
	if m := aadstsRE.FindStringSubmatch(err.Error()); m != nil {
		code = "AADSTS" + m[1]
	}
	var fix string
	switch code {
	case "AADSTS7000215", "AADSTS7000216":
		fix = credentials.KeySecret + " is wrong (use the secret's value, not its ID)"
	case "AADSTS7000222":
		fix = credentials.KeySecret + " has expired: create a new secret (aura create_sp)"
	case "AADSTS700016":
		fix = credentials.KeyClientID + " names no application in tenant " + c.TenantID
	case "AADSTS90002", "AADSTS900023", "AADSTS90013":
		fix = credentials.KeyTenant + " names no tenant"
	case "":
		return &CredentialError{fmt.Sprintf("azure: cannot sign in as service principal %s (credentials from %s): %s", c.ClientID, c.Source, firstLine(err.Error()))}
	default:
		fix = "check " + credentials.KeyClientID + ", " + credentials.KeySecret + " and " + credentials.KeyTenant
	}
	return &CredentialError{fmt.Sprintf("azure: Azure rejected service principal %s (%s; credentials from %s): %s", c.ClientID, code, c.Source, fix)}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
