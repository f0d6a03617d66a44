package migrate

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// reindexScript rebuilds every index of the restored databases on the
// destination's server: each collection's index definitions are read,
// dropped and created again. reIndex is refused on replica set members
// (MongoDB ≥ 6), so the rebuild goes through dropIndexes/createIndexes.
// The definitions are saved in aura_migrate_indexes before the drop and
// removed after the create, so a run that dies in between is finished by
// the next one from the saved copy instead of finding only _id_.
const reindexScript = `
const skip = ["admin", "local", "config"];
const saved = "aura_migrate_indexes";
db.getMongo().getDBNames().filter(n => !skip.includes(n)).forEach(name => {
  const d = db.getSiblingDB(name);
  d.getCollectionInfos({ type: "collection" }).filter(c => c.name !== saved).forEach(c => {
    const coll = d.getCollection(c.name);
    const kept = d.getCollection(saved).findOne({ _id: c.name });
    const specs = kept ? kept.specs : coll.getIndexes().filter(i => i.name !== "_id_");
    if (specs.length === 0) return;
    if (!kept) d.getCollection(saved).insertOne({ _id: c.name, specs: specs });
    const have = coll.getIndexes().map(i => i.name);
    const drop = specs.map(i => i.name).filter(n => have.includes(n));
    if (drop.length > 0) coll.dropIndexes(drop);
    const indexes = specs.map(i => { const o = Object.assign({}, i); delete o.v; delete o.ns; return o; });
    const res = d.runCommand({ createIndexes: c.name, indexes: indexes });
    if (!res.ok) throw new Error(name + "." + c.name + ": " + JSON.stringify(res));
    d.getCollection(saved).deleteOne({ _id: c.name });
    print(name + "." + c.name + ": " + indexes.length + " indexes rebuilt");
  });
  if (d.getCollectionNames().includes(saved) && d.getCollection(saved).countDocuments({}) === 0) d.getCollection(saved).drop();
});
`

// reindexJob turns a Job made from the mongodb-restore CronJob (its image
// has the MongoDB tools and its environment the connection Secret) into
// the index rebuild.
func reindexJob(job *batchv1.Job) error {
	cs := job.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		return fmt.Errorf("CronJob mongodb-restore has %d containers, want 1", len(cs))
	}
	c := &cs[0]
	c.Name = "mongodb-reindex"
	c.Command = []string{"/bin/sh", "-c"}
	c.Args = []string{`set -eu
mongosh "$MONGODB_URI" --quiet --eval "$REINDEX_SCRIPT"`}
	c.Env = append(c.Env, corev1.EnvVar{Name: "REINDEX_SCRIPT", Value: reindexScript})
	return nil
}
