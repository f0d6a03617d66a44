package vault

import (
	"errors"
	"fmt"
	"os"
)

// DecryptFile reads and decrypts the vaulted file at path. Errors name the
// file: a wrong password reads "vault password is wrong for <path>" and still
// matches ErrWrongPassword; malformed data reads "<path>:<line>: malformed
// vault data: <reason>" and still matches ErrMalformed.
func DecryptFile(path, password string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	plain, err := Decrypt(data, password)
	if err != nil {
		return nil, InFile(path, err)
	}
	return plain, nil
}

// InFile names path in an error from Decrypt (or DecryptString, for a whole
// file of inline values), the way DecryptFile does; nil stays nil.
func InFile(path string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrWrongPassword) {
		return fmt.Errorf("%w for %s", ErrWrongPassword, path)
	}
	return &fileError{path: path, err: err}
}

type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string {
	var fe *FormatError
	if errors.As(e.err, &fe) && fe.Line > 0 {
		return fmt.Sprintf("%s:%d: %v: %s", e.path, fe.Line, ErrMalformed, fe.Reason)
	}
	return e.path + ": " + e.err.Error()
}

func (e *fileError) Unwrap() error { return e.err }
