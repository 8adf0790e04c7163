package queue

import (
	"strings"
	"testing"
	"time"

	parser "github.com/foxcpp/maddy/framework/cfgparser"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/foxcpp/maddy/internal/testutils"
)

func TestQueueRetryDirectives(t *testing.T) {
	module.RegisterInstance(&testutils.Target{InstName: "retry_test_target"}, config.NewMap(nil, config.Node{}))
	for _, tc := range []struct {
		directives string
		wantErr    bool
		initial    time.Duration
		scale      float64
	}{
		{"", false, 15 * time.Minute, 1.25},
		{"initial_retry_time 2s\nretry_time_scale 1", false, 2 * time.Second, 1},
		{"initial_retry_time 1h\nretry_time_scale 2.5", false, time.Hour, 2.5},
		{"initial_retry_time 0s", true, 0, 0},
		{"retry_time_scale 0.5", true, 0, 0},
	} {
		cfg := "target.queue q {\n target &retry_test_target\n hostname mx.example.org\n location " + t.TempDir() + "\n" + tc.directives + "\n}"
		nodes, err := parser.Read(strings.NewReader(cfg), "test")
		if err != nil {
			t.Fatal(err)
		}
		mod, _ := NewQueue("target.queue", "q", nil, nil)
		q := mod.(*Queue)
		err = q.Init(config.NewMap(nil, nodes[0]))
		if tc.wantErr {
			if err == nil {
				t.Errorf("%q: no error", tc.directives)
				q.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.directives, err)
			continue
		}
		if q.initialRetryTime != tc.initial || q.retryTimeScale != tc.scale {
			t.Errorf("%q: initial_retry_time %v, retry_time_scale %v", tc.directives, q.initialRetryTime, q.retryTimeScale)
		}
		q.Close()
	}
}
