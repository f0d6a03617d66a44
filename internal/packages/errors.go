package packages

import "errors"

// ErrNotFound says a package, version or bucket does not exist.
var ErrNotFound = errors.New("not found")

// ErrAccessDenied says S3 refused the credentials (or their absence).
var ErrAccessDenied = errors.New("access denied")

// DownloadError is a failure to read a package from S3, or a read that did
// not match what S3 described (size, checksum). Publish returns it, so that
// callers tell it from an UploadError with errors.As.
type DownloadError struct{ Err error }

func (e *DownloadError) Error() string { return "download: " + e.Err.Error() }
func (e *DownloadError) Unwrap() error { return e.Err }

// UploadError is a failure to write a package to the blob container, or an
// upload that did not commit what was read.
type UploadError struct{ Err error }

func (e *UploadError) Error() string { return "upload: " + e.Err.Error() }
func (e *UploadError) Unwrap() error { return e.Err }
