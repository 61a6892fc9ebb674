package crawler

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config holds a crawl's options. It is the one definition of them: the
// crawl flags are bound from its fields (the flag is named by the yaml tag,
// or by the flag tag where the two differ, and described by the help tag),
// a schedule config file's keys are its yaml tags, and its JSON form is
// stored with the run so `crawl --resume` restores it. A new option is one
// new field here.
type Config struct {
	MaxDepth    int      `yaml:"max-depth" json:"max_depth" help:"follow links at most this far from a seed (0 = no limit)"`
	MaxPages    int      `yaml:"max-pages" json:"max_pages" help:"fetch at most this many pages (0 = no limit)"`
	Parallelism int      `yaml:"parallelism" json:"parallelism" help:"requests in flight per host, at most"`
	Delay       Duration `yaml:"delay" json:"delay" help:"minimum gap between the starts of two requests to one host (robots.txt and sitemaps included)"`
	RandomDelay Duration `yaml:"random-delay" json:"random_delay" help:"add a random extra gap up to this to each host's delay"`
	// MaxCrawlDelay caps a robots.txt Crawl-delay: a host asking for more
	// gets this gap.
	MaxCrawlDelay Duration `yaml:"max-crawl-delay" json:"max_crawl_delay" help:"obey a robots.txt Crawl-delay up to this gap between requests (0 = ignore Crawl-delay)"`
	UserAgent     string   `yaml:"user-agent" json:"user_agent" help:"User-Agent header, also matched against robots.txt"`
	Include       []string `yaml:"include" json:"include" help:"only follow URLs matching this regexp (repeatable)"`
	Exclude       []string `yaml:"exclude" json:"exclude" help:"never follow URLs matching this regexp (repeatable)"`
	Hosts         []string `yaml:"hosts" json:"hosts" flag:"host" help:"also crawl this host (repeatable; default: the seeds' hosts)"`
	IgnoreRobots  bool     `yaml:"ignore-robots" json:"ignore_robots" help:"do not obey robots.txt (only for sites you own)"`
	// AllowPrivate lets the crawl connect to loopback and private
	// addresses when no seed is on one (link-local and cloud metadata
	// addresses stay refused).
	AllowPrivate bool     `yaml:"allow-private" json:"allow_private" help:"also connect to loopback and private addresses (127.0.0.0/8, 10.0.0.0/8, 192.168.0.0/16 …) when no seed is on one; link-local and cloud metadata addresses are never asked"`
	MaxBodySize  ByteSize `yaml:"max-body-size" json:"max_body_size" help:"a larger response is an error for that URL (e.g. 10MiB, 512KiB)"`
	Timeout      Duration `yaml:"timeout" json:"timeout" help:"timeout of one request"`
	MaxRetries   int      `yaml:"retries" json:"max_retries" help:"retries of a failing URL (timeouts, resets, 429, 5xx, soft blocks)"`
	BackoffBase  Duration `yaml:"backoff" json:"backoff_base" help:"first retry wait; doubles each attempt, with jitter"`
	BackoffMax   Duration `yaml:"backoff-max" json:"backoff_max" help:"longest retry wait"`
	// MaxRetryAfter caps the wait a Retry-After header may impose; a host
	// asking for longer is deferred to the next run.
	MaxRetryAfter Duration `yaml:"max-retry-after" json:"max_retry_after" help:"honour a Retry-After up to this; a host asking for longer is left for the next run"`
	Sitemaps      bool     `yaml:"sitemaps" json:"sitemaps" flag:"no-sitemaps,negate" help:"do not read sitemap.xml / robots.txt Sitemap: lines as extra seeds"`
	MaxPerPattern int      `yaml:"max-per-pattern" json:"max_per_pattern" help:"follow at most this many URLs of one query-string shape (link-trap bound; 0 = no limit)"`
	Profile       string   `yaml:"profile" json:"profile,omitempty" help:"site profiles file (YAML or JSON) to override automatic extraction"`
	// Adaptive, MinRevisit and MaxRevisit are the run's revisit policy
	// (store.RunSpec); the crawler itself does not read them.
	Adaptive   bool     `yaml:"adaptive" json:"adaptive" help:"skip archived articles not yet due for a revisit (see README: adaptive revisits)"`
	MinRevisit Duration `yaml:"min-revisit" json:"min_revisit" help:"adaptive: shortest revisit interval"`
	MaxRevisit Duration `yaml:"max-revisit" json:"max_revisit" help:"adaptive: longest revisit interval"`
}

// DefaultConfig returns polite defaults for a real site.
func DefaultConfig() Config {
	return Config{
		MaxDepth:      10,
		Parallelism:   2,
		Delay:         Duration(time.Second),
		MaxCrawlDelay: Duration(30 * time.Second),
		UserAgent:     DefaultUserAgent,
		MaxBodySize:   10 << 20,
		Timeout:       Duration(30 * time.Second),
		MaxRetries:    3,
		BackoffBase:   Duration(2 * time.Second),
		BackoffMax:    Duration(2 * time.Minute),
		MaxRetryAfter: Duration(5 * time.Minute),
		Sitemaps:      true,
		MaxPerPattern: 500,
		MinRevisit:    Duration(6 * time.Hour),
		MaxRevisit:    Duration(30 * 24 * time.Hour),
	}
}

// OptionError is a bad option value. Option is the flag's name (without
// "--"), which is also the schedule file's key; callers treat it as a
// usage error.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return "--" + e.Option + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *OptionError) Unwrap() error { return e.Err }

// optionRule is one check of Validate: the option it names and the check.
type optionRule struct {
	option string
	check  func(c *Config) error
}

func notNegative[T ~int | ~int64](v T) error {
	if v < 0 {
		return fmt.Errorf("must not be negative (got %v)", v)
	}
	return nil
}

func atLeastOne(v int) error {
	if v < 1 {
		return fmt.Errorf("want at least 1 (got %d)", v)
	}
	return nil
}

func validRegexps(res []string) error {
	for _, re := range res {
		if _, err := regexp.Compile(re); err != nil {
			return fmt.Errorf("bad regexp %q: %w", re, err)
		}
	}
	return nil
}

// optionRules are the checks Validate runs, in order; the first that fails
// is reported. A new check is one more row.
var optionRules = []optionRule{
	{"parallelism", func(c *Config) error { return atLeastOne(c.Parallelism) }},
	{"max-depth", func(c *Config) error { return notNegative(c.MaxDepth) }},
	{"max-pages", func(c *Config) error { return notNegative(c.MaxPages) }},
	{"retries", func(c *Config) error { return notNegative(c.MaxRetries) }},
	{"max-per-pattern", func(c *Config) error { return notNegative(c.MaxPerPattern) }},
	{"delay", func(c *Config) error { return c.Delay.notNegative() }},
	{"random-delay", func(c *Config) error { return c.RandomDelay.notNegative() }},
	{"max-crawl-delay", func(c *Config) error { return c.MaxCrawlDelay.notNegative() }},
	{"max-retry-after", func(c *Config) error { return c.MaxRetryAfter.notNegative() }},
	{"timeout", func(c *Config) error { return c.Timeout.positive() }},
	{"backoff", func(c *Config) error { return c.BackoffBase.positive() }},
	{"backoff-max", func(c *Config) error { return c.BackoffMax.positive() }},
	{"min-revisit", func(c *Config) error { return c.MinRevisit.notNegative() }},
	{"max-revisit", func(c *Config) error { return c.MaxRevisit.notNegative() }},
	{"max-body-size", func(c *Config) error {
		if c.MaxBodySize <= 0 {
			return fmt.Errorf("want a positive size (got %d)", c.MaxBodySize)
		}
		return nil
	}},
	{"user-agent", func(c *Config) error { return checkUserAgent(c.UserAgent) }},
	{"include", func(c *Config) error { return validRegexps(c.Include) }},
	{"exclude", func(c *Config) error { return validRegexps(c.Exclude) }},
	{"min-revisit", func(c *Config) error {
		if c.MaxRevisit > 0 && c.MinRevisit > c.MaxRevisit {
			return fmt.Errorf("%s is longer than --max-revisit %s", c.MinRevisit, c.MaxRevisit)
		}
		return nil
	}},
}

// Validate checks the options and returns an *OptionError naming the
// first bad one.
func (c Config) Validate() error {
	for _, r := range optionRules {
		if err := r.check(&c); err != nil {
			return &OptionError{Option: r.option, Err: err}
		}
	}
	return nil
}

// Duration is a time.Duration written as "90s", "1h30m" or "7d" in flags,
// config files and the stored run's JSON (which also reads the older form,
// a number of nanoseconds).
type Duration time.Duration

// String returns the duration as time.Duration writes it, whole days as
// "7d".
func (d Duration) String() string {
	const day = 24 * time.Hour
	if t := time.Duration(d); t >= day && t%day == 0 {
		return strconv.FormatInt(int64(t/day), 10) + "d"
	}
	return time.Duration(d).String()
}

// ParseDuration reads a duration as time.ParseDuration does, and also
// whole days ("7d").
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseInt(days, 10, 64); err == nil {
			const day = int64(24 * time.Hour)
			if n > math.MaxInt64/day || n < math.MinInt64/day {
				return 0, fmt.Errorf("bad duration %q: out of range (at most %dd)", s, math.MaxInt64/day)
			}
			return Duration(n * day), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (want e.g. 30s, 6h or 7d)", s)
	}
	return Duration(d), nil
}

// positive is the check of a duration that 0 would not make sense for
// (New would put its default in its place).
func (d Duration) positive() error {
	if d <= 0 {
		return fmt.Errorf("want a positive duration (got %s)", d)
	}
	return nil
}

func (d Duration) notNegative() error {
	if d < 0 {
		return fmt.Errorf("must not be negative (got %s)", d)
	}
	return nil
}

// Set parses a flag's value (pflag.Value).
func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Type names the flag's value type in help (pflag.Value).
func (d *Duration) Type() string { return "duration" }

// MarshalText writes the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a duration as ParseDuration does (YAML and JSON
// strings).
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }

// UnmarshalJSON reads a JSON string, or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return d.Set(s)
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(n)
	return nil
}

// ByteSize is a number of bytes written as "10MiB", "512KiB", "1MB" or
// "2048" in flags, config files and the stored run's JSON (which also
// reads a plain number).
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}

// ParseByteSize reads 10MiB, 512KiB, 1MB or 2048; a size must be positive.
func ParseByteSize(s string) (ByteSize, error) {
	orig := s
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q (want e.g. 10MiB, 512KiB or a number of bytes)", orig)
	}
	return ByteSize(n * mult), nil
}

// String writes the size in the largest binary unit that divides it.
func (b ByteSize) String() string {
	for _, u := range sizeUnits[:3] {
		if b > 0 && int64(b)%u.mult == 0 {
			return strconv.FormatInt(int64(b)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// Set parses a flag's value (pflag.Value).
func (b *ByteSize) Set(s string) error {
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Type names the flag's value type in help (pflag.Value).
func (b *ByteSize) Type() string { return "size" }

// MarshalText writes the size as String does.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText reads a size as ParseByteSize does.
func (b *ByteSize) UnmarshalText(t []byte) error { return b.Set(string(t)) }

// UnmarshalJSON reads a JSON string, or a number of bytes.
func (b *ByteSize) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		return b.Set(s)
	}
	var n int64
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("size: %w", err)
	}
	*b = ByteSize(n)
	return nil
}

// errNoSeed is returned by Run when no seed is a valid URL.
var errNoSeed = errors.New("crawler: no valid seed URL")
