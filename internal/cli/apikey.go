package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/auracognitive/aurak8s/internal/config"
	"github.com/auracognitive/aurak8s/pkg/apikey"
)

// `aura api_key` makes the APIKeys that protect the public Aura APIs (guide:
// "Create Aura APIKeys") and, beyond the guide, checks one with --verify.
// The format is specified in docs/apikey.md.
func init() { register(newAPIKeyCommand) }

func newAPIKeyCommand(g *Globals) *cobra.Command {
	var audience, scope, mode, verify string
	cmd := &cobra.Command{
		Use:   "api_key",
		Short: "Create an Aura APIKey from aura_encryption_key (or --verify one)",
		Long: "api_key makes an APIKey for the client AUDIENCE with the active (last) key of aura_encryption_key,\n" +
			"aura_encryption_algorithm and aura_encryption_iv_position, and prints it alone on stdout:\n" +
			"  KEY=$(aura api_key --cfg config.yml -v PASS -a Novum -s aura-services:token -m rw)\n" +
			"With --verify KEY (or --verify - to read it from stdin) it checks a key against every item of\n" +
			"aura_encryption_key instead, prints its audience, scope, mode, issue time and which key opened it,\n" +
			"and exits 1 if none does. The format is described in docs/apikey.md.",
		Example: "  aura api_key --cfg config.yml -v PASS -a aura-bot\n" +
			"  aura api_key --cfg config.yml -v PASS --verify \"$KEY\"",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("verify") {
				for _, f := range []string{"audience", "scope", "mode"} {
					if cmd.Flags().Changed(f) {
						return UsageErrorf("--verify checks an existing APIKey: it cannot be combined with -%s", cmd.Flags().Lookup(f).Shorthand)
					}
				}
				return runAPIKeyVerify(g, verify, cmd.InOrStdin())
			}
			return runAPIKeyCreate(g, apikey.Payload{Audience: audience, Scope: scope, Mode: apikey.Mode(mode)})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&audience, "audience", "a", "", "name of the client that will use the APIKey (Novum, Kernel, aura-bot, ...)")
	f.StringVarP(&scope, "scope", "s", apikey.Scopes()[0], "scope for the APIKey: "+strings.Join(apikey.Scopes(), " | "))
	f.StringVarP(&mode, "mode", "m", string(apikey.ModeRead), "access mode to the API: r | w | rw")
	f.StringVar(&verify, "verify", "", "check this APIKey instead of creating one (- reads it from stdin)")
	_ = cmd.RegisterFlagCompletionFunc("scope", cobra.FixedCompletions(apikey.Scopes(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]string{"r", "w", "rw"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// apiKeyParams is what the config says about APIKeys.
type apiKeyParams struct {
	keys       []string
	algorithm  string
	ivPosition int
}

func apiKeyParamsOf(cfg *config.Config) apiKeyParams {
	return apiKeyParams{apikey.SplitKeys(cfg.AuraEncryptionKey), cfg.AuraEncryptionAlgorithm, cfg.AuraEncryptionIVPosition}
}

// describeKey names item i of the key list without showing it.
func (p apiKeyParams) describeKey(i int) string {
	s := fmt.Sprintf("aura_encryption_key item %d of %d (fingerprint %s", i+1, len(p.keys), apikey.Fingerprint(p.keys[i]))
	if i == len(p.keys)-1 {
		s += ", the active key"
	}
	return s + ")"
}

func runAPIKeyCreate(g *Globals, p apikey.Payload) error {
	// Usage is checked before the config is read, so a typo costs nothing.
	if p.Audience == "" {
		return UsageErrorf("-a AUDIENCE is required: the name of the client that will use the APIKey (Novum, Kernel, aura-bot, ...)")
	}
	if !apikey.IsKnownScope(p.Scope) {
		return UsageErrorf("-s %q is not a valid scope; use one of: %s", p.Scope, strings.Join(apikey.Scopes(), ", "))
	}
	if !slices.Contains(apikey.Modes(), p.Mode) {
		return UsageErrorf("-m %q is not a valid mode; use r, w or rw", p.Mode)
	}
	p.IssuedAt = time.Now().Unix()
	if err := p.Validate(); err != nil {
		return UsageErrorf("-a: %v", err)
	}
	cfg, err := g.LoadConfig()
	if err != nil {
		return err
	}
	params := apiKeyParamsOf(cfg)
	g.debugAPIKey(params)
	key, err := apikey.New(p, params.keys, params.algorithm, params.ivPosition)
	if err != nil {
		return UsageErrorf("%s: %v", g.CfgFile, err)
	}
	if _, err := fmt.Fprintln(g.Stdout, key); err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr, "APIKey for audience %q, scope %s, mode %s, made with %s\n",
		p.Audience, p.Scope, p.Mode, params.describeKey(len(params.keys)-1))
	return nil
}

func runAPIKeyVerify(g *Globals, key string, stdin io.Reader) error {
	if key == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return fmt.Errorf("reading the APIKey from stdin: %w", err)
		}
		key = string(b)
	}
	// Pasted keys often carry a newline or spaces; they are never part of a key.
	key = strings.TrimSpace(key)
	if key == "" {
		return UsageErrorf("--verify needs an APIKey (or - to read it from stdin)")
	}
	cfg, err := g.LoadConfig()
	if err != nil {
		return err
	}
	params := apiKeyParamsOf(cfg)
	g.debugAPIKey(params)
	r, err := apikey.Open(key, params.keys, params.algorithm, params.ivPosition)
	switch {
	case errors.Is(err, apikey.ErrMalformed):
		return fmt.Errorf("the APIKey is not valid: %w", err)
	case errors.Is(err, apikey.ErrNoMatch):
		return fmt.Errorf("the APIKey is not valid: no item of aura_encryption_key opens it (tried %d, %s, IV position %d); "+
			"it was made with another key, algorithm or IV position, or it was altered", len(params.keys), algorithmName(params.algorithm), params.ivPosition)
	case err != nil:
		return UsageErrorf("%s: %v", g.CfgFile, err) // the config's key list, algorithm or position is unusable
	}
	if g.Output == "json" {
		return json.NewEncoder(g.Stdout).Encode(map[string]any{
			"valid": true, "audience": r.Audience, "scope": r.Scope, "mode": r.Mode, "iat": r.IssuedAt,
			"issued_at": r.Issued().Format(time.RFC3339), "key_index": r.KeyIndex + 1, "key_count": len(params.keys),
			"key_fingerprint": r.KeyFingerprint, "active_key": r.KeyIndex == len(params.keys)-1,
		})
	}
	modes := map[apikey.Mode]string{apikey.ModeRead: "read", apikey.ModeWrite: "write", apikey.ModeReadWrite: "read and write"}
	var b strings.Builder
	fmt.Fprintf(&b, "APIKey is valid\n")
	fmt.Fprintf(&b, "audience:  %s\n", r.Audience)
	fmt.Fprintf(&b, "scope:     %s\n", r.Scope)
	fmt.Fprintf(&b, "mode:      %s (%s)\n", r.Mode, modes[r.Mode])
	fmt.Fprintf(&b, "issued at: %s (iat %d)\n", r.Issued().Format(time.RFC3339), r.IssuedAt)
	fmt.Fprintf(&b, "key:       %s\n", params.describeKey(r.KeyIndex))
	if _, err := fmt.Fprint(g.Stdout, b.String()); err != nil {
		return err
	}
	if r.KeyIndex != len(params.keys)-1 {
		fmt.Fprintf(g.Stderr, "note: made with an older key; it stops working when item %d is removed from aura_encryption_key\n", r.KeyIndex+1)
	}
	return nil
}

// debugAPIKey shows the parameters, never the keys themselves.
func (g *Globals) debugAPIKey(p apiKeyParams) {
	if !g.Debug {
		return
	}
	fps := make([]string, len(p.keys))
	for i, k := range p.keys {
		fps[i] = apikey.Fingerprint(k)
	}
	fmt.Fprintf(g.Stderr, "debug: api_key: algorithm %s, IV position %d, %d encryption key(s) with fingerprints %s\n",
		algorithmName(p.algorithm), p.ivPosition, len(p.keys), strings.Join(fps, ", "))
}

func algorithmName(a string) string {
	if a == "" {
		return apikey.DefaultAlgorithm
	}
	return a
}

// CheckAPIKeys returns warnings (never errors) about the APIKeys in cfg, for
// `aura validate`: aura_bot_services_api_key must open with one of the
// configured encryption keys and carry an aura-services scope, else the bot is
// refused by aura-services at run time.
func CheckAPIKeys(cfg *config.Config) []string {
	if cfg.AuraBotServicesAPIKey == "" {
		return nil
	}
	params := apiKeyParamsOf(cfg)
	const fix = "; make one with `aura api_key -a aura-bot -s aura-services`"
	r, err := apikey.Open(cfg.AuraBotServicesAPIKey, params.keys, params.algorithm, params.ivPosition)
	switch {
	case errors.Is(err, apikey.ErrMalformed):
		return []string{fmt.Sprintf("aura_bot_services_api_key is not a valid APIKey (%v)%s", err, fix)}
	case errors.Is(err, apikey.ErrNoMatch):
		return []string{fmt.Sprintf("aura_bot_services_api_key does not verify with any item of aura_encryption_key "+
			"(made with another key, algorithm or IV position?): aura-services will refuse the bot%s", fix)}
	case err != nil:
		return []string{fmt.Sprintf("aura_bot_services_api_key cannot be checked: %v", err)}
	}
	var w []string
	if r.Scope != "aura-services" && !strings.HasPrefix(r.Scope, "aura-services:") {
		w = append(w, fmt.Sprintf("aura_bot_services_api_key has scope %q; the guide requires the aura-services scope%s", r.Scope, fix))
	}
	if r.KeyIndex != len(params.keys)-1 {
		w = append(w, fmt.Sprintf("aura_bot_services_api_key was made with %s, not the active (last) one: "+
			"it stops working when that key is removed%s", params.describeKey(r.KeyIndex), fix))
	}
	return w
}
