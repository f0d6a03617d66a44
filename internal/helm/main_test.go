package helm_test

import (
	"flag"
	"testing"

	"github.com/auracognitive/aurak8s/internal/testenv"
)

func TestMain(m *testing.M) {
	flag.Parse() // testenv reads testing.Verbose before m.Run parses flags
	testenv.Main(m, testenv.Options{Pods: true})
}
