package localcluster

import (
	"os"
	"path/filepath"
)

// LogPath is the log file of a component (etcd, kube-apiserver, ...).
func (c *Cluster) LogPath(component string) string {
	return filepath.Join(c.clusterDir(), "logs", component+".log")
}

// LogTail returns the last n lines of a component's log, prefixed by a
// heading, or "" when there is no such log; for error messages.
func (c *Cluster) LogTail(component string, n int) string {
	data, err := os.ReadFile(c.LogPath(component))
	if err != nil || len(data) == 0 {
		return ""
	}
	return "\n" + component + " log (last lines):\n" + tail(string(data), n)
}
