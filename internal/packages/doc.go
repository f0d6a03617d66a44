// Package packages moves versioned packages from an S3 bucket to an Azure Blob
// container for the aura-operator: it lists the versions a bucket holds, chooses
// one under an update strategy, and streams the chosen package to the container
// without holding it in memory, verifying its size and checksum on the way.
//
// Key layout (the same key is used for the S3 object and the blob):
//
//	<prefix>/<package>-<version>.tgz     e.g. nlp-trainings/es-bot-1.4.2.tgz
//
// <version> is a strict semantic version (X.Y.Z, optionally -prerelease and
// +build); keys that do not parse are ignored.
package packages
