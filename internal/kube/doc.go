// Package kube applies rendered objects to a cluster the way every phase
// needs it: server-side apply with field manager "aura", an inventory (labels
// plus a recorded list per environment/phase) so that objects no longer
// desired are pruned exactly, a plan computed by server-side dry-run that
// changes nothing, and readiness by kstatus. Results are structured per
// object so a progress UI can print them.
package kube
