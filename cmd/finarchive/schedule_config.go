package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	_ "time/tzdata" // --tz and CRON_TZ= work on hosts without a zoneinfo database
)

// siteConfig is one site of a schedule: its seeds, schedule, scope, rate
// limits, profile and database. It is what a `sites:` entry of a schedule
// file holds; `defaults:` holds the same fields, and `schedule URL...`
// builds one from its flags. The YAML keys are the crawl flags' names.
type siteConfig struct {
	Name  string   `yaml:"name"`
	Seeds []string `yaml:"seeds"`
	DB    string   `yaml:"db"`

	Every  crawler.Duration  `yaml:"every"`
	Cron   string            `yaml:"cron"`
	TZ     string            `yaml:"tz"`
	Jitter *crawler.Duration `yaml:"jitter"` // nil: 10% of the interval, at most 5 min

	// The crawl options: one key per crawl flag.
	crawler.Config `yaml:",inline"`
}

// scheduleFile is the layout of a schedule config file.
type scheduleFile struct {
	Defaults yaml.Node   `yaml:"defaults"`
	Sites    []yaml.Node `yaml:"sites"`
}

// configError is a bad schedule file: it names the file, the site and the
// field, so the fix is obvious.
type configError struct {
	file, site, field string
	line              int
	err               error
}

func (e *configError) Error() string {
	var b strings.Builder
	b.WriteString("config " + e.file)
	if e.line > 0 {
		fmt.Fprintf(&b, ":%d", e.line)
	}
	if e.site != "" {
		b.WriteString(": " + e.site)
	}
	if e.field != "" {
		b.WriteString(": " + e.field)
	}
	b.WriteString(": " + e.err.Error())
	return b.String()
}

func (e *configError) Unwrap() error { return e.err }

// siteKeys are the YAML keys a site (or the defaults) may have: its own
// and the crawl options'.
var siteKeys = func() map[string]bool {
	keys := map[string]bool{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			name, opts, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			switch {
			case opts == "inline":
				add(t.Field(i).Type)
			case name != "" && name != "-":
				keys[name] = true
			}
		}
	}
	add(reflect.TypeOf(siteConfig{}))
	return keys
}()

// loadScheduleFile reads a schedule config file. base holds the values a
// field takes when neither the site nor `defaults:` sets it. Every site is
// checked (see siteConfig.check) before any crawl starts.
func loadScheduleFile(path string, base siteConfig) ([]siteConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parseScheduleFile(path, data, base)
}

func parseScheduleFile(path string, data []byte, base siteConfig) ([]siteConfig, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f scheduleFile
	if err := dec.Decode(&f); err != nil {
		return nil, &configError{file: path, err: yamlErr(err)}
	}
	if len(f.Sites) == 0 {
		return nil, &configError{file: path, field: "sites", err: errors.New("no site listed")}
	}
	defaults := base
	if f.Defaults.Kind != 0 {
		if err := decodeSite(&f.Defaults, &defaults); err != nil {
			return nil, &configError{file: path, site: "defaults", line: f.Defaults.Line, err: err}
		}
		if defaults.Name != "" || len(defaults.Seeds) > 0 {
			return nil, &configError{file: path, site: "defaults", field: "name/seeds", line: f.Defaults.Line,
				err: errors.New("belong to a site, not to the defaults")}
		}
	}
	names := map[string]bool{}
	sites := make([]siteConfig, 0, len(f.Sites))
	for i := range f.Sites {
		n := &f.Sites[i]
		s := defaults
		label := fmt.Sprintf("site #%d", i+1)
		if name := mapValue(n, "name"); name != "" {
			label = fmt.Sprintf("site %q", name)
		}
		if err := decodeSite(n, &s); err != nil {
			return nil, &configError{file: path, site: label, line: n.Line, err: err}
		}
		if s.Name == "" {
			s.Name = fmt.Sprintf("site%d", i+1)
		}
		if names[s.Name] {
			return nil, &configError{file: path, site: label, field: "name", line: n.Line, err: errors.New("used by two sites")}
		}
		names[s.Name] = true
		if field, err := s.check(); err != nil {
			return nil, &configError{file: path, site: label, field: field, line: n.Line, err: err}
		}
		sites = append(sites, s)
	}
	return sites, nil
}

// mapValue returns the scalar value of key in a mapping node ("" if none).
func mapValue(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// decodeSite decodes one mapping over s: keys it does not set keep s's
// values. An unknown key is an error naming it.
func decodeSite(n *yaml.Node, s *siteConfig) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("want a mapping of settings (name: …, seeds: […], …)")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !siteKeys[k.Value] {
			return fmt.Errorf("line %d: unknown field %q (known: %s)", k.Line, k.Value, strings.Join(sortedKeySet(siteKeys), ", "))
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var one yaml.Node
		one.Kind, one.Tag = yaml.MappingNode, "!!map"
		one.Content = []*yaml.Node{k, v}
		if err := one.Decode(s); err != nil {
			err = yamlErr(err)
			if !strings.HasPrefix(err.Error(), "line ") {
				err = fmt.Errorf("line %d: %w", v.Line, err)
			}
			return fmt.Errorf("%s: %w", k.Value, err)
		}
	}
	return nil
}

// yamlErr strips yaml's "yaml: unmarshal errors:" preamble.
func yamlErr(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return errors.New(strings.Join(te.Errors, "; "))
	}
	return err
}

func sortedKeySet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// check validates a site and returns the name of the bad field with the
// error.
func (s *siteConfig) check() (field string, err error) {
	if len(s.Seeds) == 0 {
		return "seeds", errors.New("no seed URL")
	}
	for _, seed := range s.Seeds {
		if _, err := crawler.Normalize(seed); err != nil {
			return "seeds", fmt.Errorf("%q is not an http(s) URL: %w", seed, err)
		}
	}
	if s.DB == "" {
		return "db", errors.New("no database (a SQLite file or a postgres:// URL)")
	}
	if _, err := s.schedule(); err != nil {
		field := "every"
		switch {
		case s.TZ != "" && strings.Contains(err.Error(), "time zone"):
			field = "tz"
		case s.Cron != "":
			field = "cron"
		}
		return field, err
	}
	if err := s.Config.Validate(); err != nil {
		var oe *crawler.OptionError
		if errors.As(err, &oe) {
			return oe.Option, oe.Err
		}
		return "", err
	}
	if s.Profile != "" {
		if _, err := os.Stat(s.Profile); err != nil {
			return "profile", err
		}
	}
	return "", nil
}

// hosts returns the hosts the site crawls: its seeds' and the extra ones.
func (s *siteConfig) hosts() []string {
	out := append([]string(nil), s.Hosts...)
	for _, seed := range s.Seeds {
		if n, err := crawler.Normalize(seed); err == nil {
			if u, err := url.Parse(n); err == nil {
				out = append(out, u.Host)
			}
		}
	}
	return out
}

// schedule is when a site is crawled.
type schedule interface {
	// Next returns the first slot after t.
	Next(t time.Time) time.Time
	// String describes the schedule for the log.
	String() string
}

// everySchedule runs at a fixed interval.
type everySchedule time.Duration

func (e everySchedule) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }
func (e everySchedule) String() string             { return "every " + time.Duration(e).String() }

// cronSchedule runs on a cron expression.
type cronSchedule struct {
	expr  string
	sched cron.Schedule
}

func (c cronSchedule) Next(t time.Time) time.Time { return c.sched.Next(t) }
func (c cronSchedule) String() string             { return "cron " + strconv.Quote(c.expr) }

// cronParser reads standard 5-field expressions, an optional leading
// seconds field, descriptors (@daily, @every 1h) and a CRON_TZ=/TZ= prefix.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// schedule parses the site's --every or --cron (with --tz).
func (s *siteConfig) schedule() (schedule, error) {
	every, expr := time.Duration(s.Every), strings.TrimSpace(s.Cron)
	switch {
	case every > 0 && expr != "":
		return nil, errors.New("give either every or cron, not both")
	case every > 0:
		if s.TZ != "" {
			return nil, errors.New("tz applies to cron only")
		}
		return everySchedule(every), nil
	case expr == "":
		return nil, errors.New("no schedule: give every (e.g. 24h) or cron (e.g. \"30 3 * * *\")")
	}
	if s.TZ != "" {
		if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
			return nil, errors.New("give the time zone either in tz or as a CRON_TZ= prefix, not both")
		}
		if _, err := time.LoadLocation(s.TZ); err != nil {
			return nil, fmt.Errorf("unknown time zone %q: %w", s.TZ, err)
		}
		expr = "CRON_TZ=" + s.TZ + " " + expr
	}
	sched, err := cronParser.Parse(expr)
	if err != nil {
		if strings.Contains(err.Error(), "location") {
			return nil, fmt.Errorf("bad time zone in %q: %w", expr, err)
		}
		return nil, fmt.Errorf("bad cron expression %q: %w", expr, err)
	}
	if sched.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("cron expression %q never fires", expr)
	}
	return cronSchedule{expr: expr, sched: sched}, nil
}

// jitter returns the largest random delay added to each start: the site's
// own, or 10% of the schedule's interval capped at 5 minutes.
func (s *siteConfig) jitter(sched schedule) time.Duration {
	if s.Jitter != nil {
		return time.Duration(*s.Jitter)
	}
	now := time.Now()
	first := sched.Next(now)
	interval := sched.Next(first).Sub(first)
	return min(interval/10, 5*time.Minute)
}
