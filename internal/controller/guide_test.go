package controller

import "strings"

// The kubectl lines of the guide's "Aura Operator" section, verbatim. Tests run
// them through bash after filling in the <PLACEHOLDERS>.
const (
	guideAnnotateNlp   = `kubectl annotate nlptrainings.auracognitive.com <NLP_TRAINING_NAME> last-check="$(date)" --overwrite -n <OB>`
	guideAnnotateRR    = `kubectl annotate resolutionresources.auracognitive.com <RESOLUTION_RESOURCES_NAME> last-check="$(date)" --overwrite -n <OB>`
	guideAnnotateAgent = `kubectl annotate agents.auracognitive.com <AGENT_NAME> last-check="$(date)" --overwrite -n <OB>`

	guideListAgents = `kubectl get agents.auracognitive.com`
	guidePatchAgent = `kubectl patch agents.auracognitive.com <AGENT_NAME> -p '{"spec" : {"tag" : "1.1.0" }}' --type=merge`

	guideListNlp       = `kubectl get nlptrainings.auracognitive.com`
	guidePatchNlp      = `kubectl patch nlptrainings.auracognitive.com <NLP_TRAINING_NAME> -p '{"spec" : {"version" : "1.1.0" }}' --type=merge`
	guideStrategyNlp   = `kubectl patch nlptrainings.auracognitive.com <NLP_TRAINING_NAME> -p '{"spec" : {"update" : "Minor" }}' --type=merge`
	guideNoStrategyNlp = `kubectl patch --type=json nlptrainings.auracognitive.com <NLP_TRAINING_NAME> -p="[{ 'op': 'remove', 'path': '/spec/update' }]"`
	guideListRR        = `kubectl get resolutionresources.auracognitive.com`
	guidePatchRR       = `kubectl patch resolutionresources.auracognitive.com resolutionresources -p '{"spec" : {"version" : "0.0.5" }}' --type=merge`
	guideStrategyRR    = `kubectl patch resolutionresources.auracognitive.com resolutionresources -p '{"spec" : {"update" : "Minor" }}' --type=merge`
	guideNoStrategyRR  = `kubectl patch --type=json resolutionresources.auracognitive.com resolutionresources -p="[{ 'op': 'remove', 'path': '/spec/update' }]"`
)

// fill replaces the guide's placeholders.
func fill(line string, kv ...string) string {
	return strings.NewReplacer(kv...).Replace(line)
}
