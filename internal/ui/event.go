// Package ui prints the progress of phases so that a person can follow it:
// one line per finished action with its state and duration, a live status
// line of the running actions on a terminal, and a summary at the end; or,
// with --output json, one JSON event per line. Every line and event passes
// through a Redactor, so no secret value reaches the output.
package ui

import (
	"bytes"
	"encoding/json"
	"time"
)

// States an Event can carry. Action events: running (started), ok (nothing
// to change), changed, planned (dry run: would change), failed, skipped.
// Phase events (Action empty): started, done, failed, interrupted, planned.
// Messages: info, warning, debug.
const (
	StateStarted     = "started"
	StateRunning     = "running"
	StateOK          = "ok"
	StateChanged     = "changed"
	StatePlanned     = "planned"
	StateFailed      = "failed"
	StateSkipped     = "skipped"
	StateDone        = "done"
	StateInterrupted = "interrupted"
	StateInfo        = "info"
	StateWarning     = "warning"
	StateDebug       = "debug"
)

// Event is one progress report; with --output json it is printed as one line
// {"time","phase","action","state","duration_ms","changes","message"}.
type Event struct {
	Time     time.Time
	Phase    string
	Action   string // empty for phase events and messages
	State    string
	Duration time.Duration
	Changes  []string // human descriptions, e.g. "create blob acct/c/x (12 bytes)"
	Message  string   // error or note; redacted like everything else
}

type jsonEvent struct {
	Time       string   `json:"time"`
	Phase      string   `json:"phase"`
	Action     string   `json:"action"`
	State      string   `json:"state"`
	DurationMS int64    `json:"duration_ms"`
	Changes    []string `json:"changes"`
	Message    string   `json:"message"`
}

// MarshalJSON renders the stable --output json schema: every field always
// present, the time in RFC 3339 UTC with milliseconds.
func (e Event) MarshalJSON() ([]byte, error) {
	ch := e.Changes
	if ch == nil {
		ch = []string{}
	}
	return marshalNoEscape(jsonEvent{
		Time:       e.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Phase:      e.Phase,
		Action:     e.Action,
		State:      e.State,
		DurationMS: e.Duration.Milliseconds(),
		Changes:    ch,
		Message:    e.Message,
	})
}

// marshalNoEscape keeps "<redacted>" readable: encoding/json would write
// \u003credacted\u003e by default.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// redact returns a copy of e with every string field redacted.
func (e Event) redact(r *Redactor) Event {
	e.Phase = r.Redact(e.Phase)
	e.Action = r.Redact(e.Action)
	e.Message = r.Redact(e.Message)
	if e.Changes != nil {
		ch := make([]string, len(e.Changes))
		for i, c := range e.Changes {
			ch[i] = r.Redact(c)
		}
		e.Changes = ch
	}
	return e
}
