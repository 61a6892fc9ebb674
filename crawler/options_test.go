package crawler

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"10MiB": 10 << 20, "512KiB": 512 << 10, "2048": 2048, " 1GiB ": 1 << 30, "3MB": 3e6} {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"10XB", "", "-1", "MiB", "1.5MiB", "0", "99999999999GiB"} {
		if got, err := ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q) = %d, want an error", in, got)
		}
	}
}

// TestConfig_JSON: the stored run's options read back equal, and the older
// form (durations and sizes as plain numbers) still reads.
func TestConfig_JSON(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Include = []string{"/zixun/"}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if back.Delay != cfg.Delay || back.MaxBodySize != cfg.MaxBodySize || back.MaxRevisit != cfg.MaxRevisit || back.Include[0] != "/zixun/" {
		t.Errorf("round trip: got %+v from %s", back, b)
	}
	old := `{"max_depth":3,"parallelism":2,"delay":1500000000,"max_body_size":1048576,"timeout":30000000000,"sitemaps":true}`
	var o Config
	if err := json.Unmarshal([]byte(old), &o); err != nil {
		t.Fatal(err)
	}
	if time.Duration(o.Delay) != 1500*time.Millisecond || o.MaxBodySize != 1<<20 || o.MaxDepth != 3 {
		t.Errorf("old form: got %+v", o)
	}
}

// TestConfig_YAML: a config file's durations and sizes read as the flags do.
func TestConfig_YAML(t *testing.T) {
	var c Config
	if err := yaml.Unmarshal([]byte("delay: 2s\nmax-revisit: 7d\nmax-body-size: 512KiB\nparallelism: 3\n"), &c); err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.Delay) != 2*time.Second || time.Duration(c.MaxRevisit) != 7*24*time.Hour || c.MaxBodySize != 512<<10 || c.Parallelism != 3 {
		t.Errorf("got %+v", c)
	}
	if err := yaml.Unmarshal([]byte("delay: fast\n"), &c); err == nil {
		t.Error("delay: fast was accepted")
	}
}

// TestConfig_Validate: each bad value is reported as an *OptionError
// naming its flag.
func TestConfig_Validate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		option string
		mod    func(c *Config)
	}{
		{"parallelism", func(c *Config) { c.Parallelism = 0 }},
		{"delay", func(c *Config) { c.Delay = Duration(-5 * time.Second) }},
		{"max-depth", func(c *Config) { c.MaxDepth = -1 }},
		{"max-retry-after", func(c *Config) { c.MaxRetryAfter = -1 }},
		{"include", func(c *Config) { c.Include = []string{"("} }},
		{"min-revisit", func(c *Config) { c.MinRevisit, c.MaxRevisit = Duration(time.Hour), Duration(time.Minute) }},
	} {
		c := DefaultConfig()
		tc.mod(&c)
		err := c.Validate()
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Option != tc.option {
			t.Errorf("%s: Validate() = %v, want an OptionError for --%s", tc.option, err, tc.option)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "7d": 7 * 24 * time.Hour, " 1h30m ": 90 * time.Minute,
		"-2d": -48 * time.Hour, "106751d": 106751 * 24 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || time.Duration(got) != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	// Days past time.Duration's range are an error, not a value wrapped
	// around (300000d read as about 86,000 days, 999999d as a negative).
	for _, in := range []string{"106752d", "300000d", "999999d", "-999999d", "99999999999999999999d", "d", "1.5d", "7 d"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %s, want an error", in, got)
		}
	}
}
