package createsp

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// LoginOptions say where and how the user signs in.
type LoginOptions struct {
	// TenantID is the tenant to sign in to; "" signs in to the user's home
	// tenant.
	TenantID string
	// Prompt shows the device-code message (the URL and the code).
	Prompt func(message string)
	// Transport carries the requests (nil: the SDK's default).
	Transport policy.Transporter
}

// Session is a signed-in user: one credential serves Resource Manager and
// Graph, through the refresh token of the one prompt.
type Session struct {
	Cred     azcore.TokenCredential
	TenantID string
	User     string
}

// Login signs the user in with a device code (guide: "You will be prompted
// for a code on the website").
func Login(ctx context.Context, e Endpoints, o LoginOptions) (*Session, error) {
	prompt := o.Prompt
	if prompt == nil {
		prompt = func(string) {}
	}
	opts := &azidentity.DeviceCodeCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: e.Cloud, Transport: o.Transport},
		TenantID:      o.TenantID,
		// Instance discovery asks the public login host, which a private
		// cloud cannot reach.
		DisableInstanceDiscovery: e.Custom,
		UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
			prompt(m.Message)
			return nil
		},
	}
	cred, err := azidentity.NewDeviceCodeCredential(opts)
	if err != nil {
		return nil, fmt.Errorf("create_sp: device-code login: %w", err)
	}
	// azcore's bearer policies ask for CAE tokens, which azidentity caches
	// apart: a login without it would prompt a second time.
	rec, err := cred.Authenticate(ctx, &policy.TokenRequestOptions{Scopes: []string{e.armAudience() + "/.default"}, EnableCAE: true})
	if err != nil {
		return nil, fmt.Errorf("create_sp: device-code login failed: %w", err)
	}
	return &Session{Cred: cred, TenantID: rec.TenantID, User: rec.Username}, nil
}
