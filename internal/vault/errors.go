package vault

import (
	"errors"
	"fmt"
)

var (
	// ErrWrongPassword: the HMAC did not match, so the password is wrong (or
	// the data was altered after encryption; the format cannot tell these apart).
	ErrWrongPassword = errors.New("vault password is wrong")
	// ErrMalformed: the data is not a well-formed vault envelope. Errors that
	// wrap it are *FormatError values naming the line and the problem.
	ErrMalformed = errors.New("malformed vault data")
	// ErrNoPassword: an empty password was given. ansible-vault refuses empty
	// passwords too, so this is reported apart from a wrong one.
	ErrNoPassword = errors.New("no vault password given")
)

// FormatError says what is wrong with vault data and where. Line counts the
// envelope's lines from 1 (the $ANSIBLE_VAULT header); 0 means the data as a
// whole. It never holds key material or plaintext.
type FormatError struct {
	Line   int
	Reason string
}

func (e *FormatError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v: line %d: %s", ErrMalformed, e.Line, e.Reason)
	}
	return fmt.Sprintf("%v: %s", ErrMalformed, e.Reason)
}

// Is makes errors.Is(err, ErrMalformed) true for every FormatError.
func (e *FormatError) Is(target error) bool { return target == ErrMalformed }

func malformed(line int, format string, a ...any) error {
	return &FormatError{Line: line, Reason: fmt.Sprintf(format, a...)}
}
