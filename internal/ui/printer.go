package ui

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Options configure a Printer.
type Options struct {
	JSON     bool      // --output json: one JSON event per line
	Debug    bool      // --debug: print debug messages (still redacted)
	Redactor *Redactor // nil redacts nothing
}

// Printer renders events. It is safe for concurrent use: actions of one
// phase run in parallel. Call Close when done so the status line is cleared.
type Printer struct {
	mu      sync.Mutex
	w       io.Writer
	opts    Options
	tty     bool // live status line
	color   bool // ANSI colours
	running map[string]runningAction
	ticker  *time.Ticker
	stop    chan struct{}
	done    chan struct{}
	frame   int
	seq     int
	tick    time.Duration // status line redraw period
	shown   bool          // the status line is on screen
	now     func() time.Time
}

type runningAction struct {
	name  string
	start time.Time
	seq   int // order of arrival, for ties
}

// New returns a Printer writing to w. The status line and colours are used
// only when w is a terminal; colours also need NO_COLOR unset (no-color.org)
// and TERM other than "dumb".
func New(w io.Writer, opts Options) *Printer {
	p := &Printer{w: w, opts: opts, running: map[string]runningAction{}, now: time.Now, tick: 125 * time.Millisecond}
	f, ok := w.(interface{ Fd() uintptr })
	p.tty, p.color = termStyle(ok && !opts.JSON && term.IsTerminal(int(f.Fd())), os.Getenv)
	return p
}

// Colors reports whether w is a terminal that may be given colours, by the
// rule the printer follows (for messages printed beside it).
func Colors(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	_, color := termStyle(ok && term.IsTerminal(int(f.Fd())), os.Getenv)
	return color
}

// termStyle decides on the status line and colours: a terminal gets both,
// but no colours with NO_COLOR set to anything non-empty or TERM=dumb.
func termStyle(isTerminal bool, getenv func(string) string) (statusLine, color bool) {
	if !isTerminal {
		return false, false
	}
	return true, getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// Info, Warn and Debug print a message that belongs to no action.
func (p *Printer) Info(phase, msg string) {
	p.Event(Event{Phase: phase, State: StateInfo, Message: msg})
}
func (p *Printer) Warn(phase, msg string) {
	p.Event(Event{Phase: phase, State: StateWarning, Message: msg})
}
func (p *Printer) Debug(phase, msg string) {
	p.Event(Event{Phase: phase, State: StateDebug, Message: msg})
}

// Event prints one event.
func (p *Printer) Event(e Event) {
	if e.State == StateDebug && !p.opts.Debug {
		return
	}
	if e.Time.IsZero() {
		e.Time = p.now()
	}
	e = e.redact(p.opts.Redactor)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.opts.JSON {
		line, err := marshalNoEscape(e)
		if err != nil {
			return
		}
		fmt.Fprintln(p.w, p.opts.Redactor.Redact(string(line)))
		return
	}
	key := e.Phase + "\x00" + e.Action
	if e.Action != "" && e.State == StateRunning {
		if p.tty {
			p.seq++
			p.running[key] = runningAction{name: e.Action, start: e.Time, seq: p.seq}
			p.startSpinner()
			p.clearStatus()
			p.drawStatus()
		}
		return
	}
	delete(p.running, key)
	p.clearStatus()
	io.WriteString(p.w, p.opts.Redactor.Redact(p.text(e)))
	p.drawStatus()
}

// text renders an event for a person; every line ends with "\n".
func (p *Printer) text(e Event) string {
	var b strings.Builder
	switch {
	case e.Action != "":
		if e.State == StateSkipped {
			fmt.Fprintf(&b, "%s %s\n", p.paint(e.State, fmt.Sprintf("%-8s", e.State)), e.Action)
		} else {
			fmt.Fprintf(&b, "%s %-44s %7s\n", p.paint(e.State, fmt.Sprintf("%-8s", e.State)), e.Action, fmtDuration(e.Duration))
		}
		for _, c := range e.Changes {
			fmt.Fprintf(&b, "%9s- %s\n", "", c)
		}
		if e.Message != "" {
			fmt.Fprintf(&b, "%9s%s\n", "", e.Message)
		}
	case e.State == StateStarted:
		fmt.Fprintf(&b, "%s %s\n", p.paint("", "=="), p.bold(e.Phase))
		if e.Message != "" {
			fmt.Fprintf(&b, "%s\n", e.Message)
		}
	case e.State == StateInfo:
		fmt.Fprintf(&b, "%s\n", e.Message)
	case e.State == StateWarning || e.State == StateDebug:
		fmt.Fprintf(&b, "%s %s\n", p.paint(e.State, e.State+":"), e.Message)
	default: // phase summary
		fmt.Fprintf(&b, "%s %s in %s: %s\n", p.bold(e.Phase), p.paint(e.State, e.State), fmtDuration(e.Duration), e.Message)
	}
	return b.String()
}

var colors = map[string]string{
	StateOK: "32", StateDone: "32", StateChanged: "33", StatePlanned: "36", StateWarning: "33",
	StateFailed: "31", StateInterrupted: "31", StateSkipped: "90", StateDebug: "90", "": "90",
}

func (p *Printer) paint(state, s string) string {
	if c, ok := colors[state]; ok && p.color {
		return "\x1b[" + c + "m" + s + "\x1b[0m"
	}
	return s
}

func (p *Printer) bold(s string) string {
	if p.color {
		return "\x1b[1m" + s + "\x1b[0m"
	}
	return s
}

func fmtDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// startSpinner redraws the status line 8 times a second; terminal only.
func (p *Printer) startSpinner() {
	if p.ticker != nil {
		return
	}
	p.ticker = time.NewTicker(p.tick)
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func(t *time.Ticker, stop, done chan struct{}) {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.frame++
				p.clearStatus()
				p.drawStatus()
				p.mu.Unlock()
			}
		}
	}(p.ticker, p.stop, p.done)
}

func (p *Printer) clearStatus() {
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// drawStatus shows the running actions, oldest first, on one line.
func (p *Printer) drawStatus() {
	if !p.tty || len(p.running) == 0 {
		return
	}
	acts := make([]runningAction, 0, len(p.running))
	for _, a := range p.running {
		acts = append(acts, a)
	}
	sort.Slice(acts, func(i, j int) bool {
		if !acts[i].start.Equal(acts[j].start) {
			return acts[i].start.Before(acts[j].start)
		}
		return acts[i].seq < acts[j].seq
	})
	width := 80
	if f, ok := p.w.(interface{ Fd() uintptr }); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 20 {
			width = w
		}
	}
	names := make([]string, len(acts))
	for i, a := range acts {
		names[i] = a.name
	}
	line := fmt.Sprintf("%s %s (%s)", spinnerFrames[p.frame%len(spinnerFrames)], strings.Join(names, ", "),
		fmtDuration(p.now().Sub(acts[0].start)))
	if r := []rune(line); len(r) > width-1 {
		line = string(r[:width-2]) + "…"
	}
	io.WriteString(p.w, p.opts.Redactor.Redact(line))
	p.shown = true
}

// Close stops the status line. The Printer stays usable.
func (p *Printer) Close() {
	p.mu.Lock()
	stop, done := p.stop, p.done
	if p.ticker != nil {
		p.ticker.Stop()
		p.ticker, p.stop, p.done = nil, nil, nil
	}
	p.running = map[string]runningAction{}
	p.clearStatus()
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}
