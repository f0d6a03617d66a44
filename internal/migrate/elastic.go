package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// snapshotRepository is the repository deploy_system registers in every
// cluster: the same container and base path of the common storage account,
// read-write in at most one of them.
const snapshotRepository = "azure-backups"

// logIndices are the indices the nightly snapshots hold.
const logIndices = "aurak8s-*"

// Elastic is a client of the Elasticsearch snapshot APIs a migration uses.
type Elastic struct {
	URL      string // https://host:9200, no trailing slash
	User     string
	Password string
	Client   *http.Client
}

// esError is an Elasticsearch error answer; it carries the status and the
// body's error reason, never the request's credentials.
type esError struct {
	method, path string
	status       int
	reason       string
}

func (e *esError) Error() string {
	return fmt.Sprintf("elasticsearch %s %s: %d %s", e.method, e.path, e.status, e.reason)
}

func (e *Elastic) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(e.URL, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.User != "" {
		req.SetBasicAuth(e.User, e.Password)
	}
	c := e.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("elasticsearch %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("elasticsearch %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var eb struct {
			Error struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"error"`
		}
		reason := http.StatusText(resp.StatusCode)
		if json.Unmarshal(data, &eb) == nil && eb.Error.Reason != "" {
			reason = eb.Error.Type + ": " + eb.Error.Reason
		}
		return &esError{method: method, path: path, status: resp.StatusCode, reason: reason}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("elasticsearch %s %s: answer: %w", method, path, err)
		}
	}
	return nil
}

// repository is a snapshot repository's definition.
type repository struct {
	Type     string         `json:"type"`
	Settings map[string]any `json:"settings"`
}

// readonly reads settings.readonly, which Elasticsearch returns as a
// string ("true") and accepts as a boolean.
func (r *repository) readonly() bool {
	switch v := r.Settings["readonly"].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

func (e *Elastic) repository(ctx context.Context) (*repository, error) {
	var out map[string]repository
	if err := e.do(ctx, http.MethodGet, "/_snapshot/"+snapshotRepository, nil, &out); err != nil {
		return nil, err
	}
	r, ok := out[snapshotRepository]
	if !ok {
		return nil, fmt.Errorf("elasticsearch %s: no repository %s (deploy_system registers it)", e.URL, snapshotRepository)
	}
	return &r, nil
}

// setReadonly re-registers the repository with only readonly changed.
func (e *Elastic) setReadonly(ctx context.Context, r *repository, ro bool) error {
	settings := map[string]any{}
	for k, v := range r.Settings {
		settings[k] = v
	}
	settings["readonly"] = ro
	return e.do(ctx, http.MethodPut, "/_snapshot/"+snapshotRepository, repository{Type: r.Type, Settings: settings}, nil)
}

// snapshotState is the state of a snapshot ("" when it does not exist).
func (e *Elastic) snapshotState(ctx context.Context, name string) (string, error) {
	var out struct {
		Snapshots []struct {
			State string `json:"state"`
		} `json:"snapshots"`
	}
	err := e.do(ctx, http.MethodGet, "/_snapshot/"+snapshotRepository+"/"+name, nil, &out)
	if ee, ok := err.(*esError); ok && ee.status == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if len(out.Snapshots) == 0 {
		return "", nil
	}
	return out.Snapshots[0].State, nil
}

func (e *Elastic) createSnapshot(ctx context.Context, name string) error {
	return e.do(ctx, http.MethodPut, "/_snapshot/"+snapshotRepository+"/"+name,
		map[string]any{"indices": logIndices, "include_global_state": false}, nil)
}

// restoredPrefix renames restored indices: the destination already writes
// its own aurak8s-<date> indices since the DNS switch, and a restore onto
// an open index of the same name fails. The names still match aurak8s-*,
// so Kibana and the retention policy see them.
const restoredPrefix = "aurak8s-migrated-"

func (e *Elastic) restore(ctx context.Context, name string) error {
	return e.do(ctx, http.MethodPost, "/_snapshot/"+snapshotRepository+"/"+name+"/_restore", map[string]any{
		"indices": logIndices, "include_global_state": false,
		"rename_pattern": "aurak8s-(.+)", "rename_replacement": restoredPrefix + "$1",
	}, nil)
}

// restored reports whether the restored indices have recovered.
func (e *Elastic) restored(ctx context.Context) (bool, error) {
	var out struct {
		Status       string `json:"status"`
		Initializing int    `json:"initializing_shards"`
	}
	if err := e.do(ctx, http.MethodGet, "/_cluster/health/"+restoredPrefix+"*", nil, &out); err != nil {
		return false, err
	}
	return out.Status != "red" && out.Initializing == 0, nil
}
