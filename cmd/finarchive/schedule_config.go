package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/crawlrun"
	"gopkg.in/yaml.v3"
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
	var root yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root)
	if errors.Is(err, io.EOF) || (err == nil && len(root.Content) == 0) {
		return nil, &configError{file: path, err: errors.New("the file is empty (want the keys defaults: and sites:)")}
	}
	if err != nil {
		return nil, &configError{file: path, err: yamlErr(err)}
	}
	// The layout is checked here, not by yaml's KnownFields, whose
	// messages name Go types.
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, &configError{file: path, line: top.Line, err: errors.New("want the keys defaults: and sites:, not a list or a value")}
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch {
		case k.Value != "defaults" && k.Value != "sites":
			return nil, &configError{file: path, line: k.Line, err: fmt.Errorf("unknown key %q (known: defaults, sites)", k.Value)}
		case k.Value == "sites" && v.Kind != yaml.SequenceNode:
			return nil, &configError{file: path, field: "sites", line: v.Line, err: errors.New("want a list of sites (- name: …)")}
		case k.Value == "defaults" && v.Kind != yaml.MappingNode && v.Tag != "!!null": // "defaults:" alone is none
			return nil, &configError{file: path, field: "defaults", line: v.Line, err: errors.New("want crawl options (key: value)")}
		}
	}
	var f scheduleFile
	if err := top.Decode(&f); err != nil {
		return nil, &configError{file: path, err: yamlErr(err)}
	}
	if len(f.Sites) == 0 {
		return nil, &configError{file: path, field: "sites", err: errors.New("no site listed")}
	}
	defaults := base
	if f.Defaults.Kind != 0 && f.Defaults.Tag != "!!null" {
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
	if s.Jitter != nil && *s.Jitter < 0 {
		return "jitter", fmt.Errorf("must not be negative (got %s)", *s.Jitter)
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

// schedule parses the site's --every or --cron (with --tz).
func (s *siteConfig) schedule() (crawlrun.Schedule, error) {
	return crawlrun.NewSchedule(time.Duration(s.Every), s.Cron, s.TZ)
}

// jitter returns the largest random delay added to each start: the site's
// own, or 10% of the schedule's interval capped at 5 minutes.
func (s *siteConfig) jitter(sched crawlrun.Schedule) time.Duration {
	if s.Jitter != nil {
		return time.Duration(*s.Jitter)
	}
	return crawlrun.DefaultJitter(sched)
}

// site returns the site as the daemon runs it: its schedule parsed and
// its profile loaded.
func (s *siteConfig) site() (crawlrun.Site, error) {
	sched, err := s.schedule()
	if err != nil {
		return crawlrun.Site{}, fmt.Errorf("site %s: %w", s.Name, err)
	}
	profiles, err := loadProfiles(s.Profile)
	if err != nil {
		return crawlrun.Site{}, fmt.Errorf("site %s: profile: %w", s.Name, err)
	}
	return crawlrun.Site{Name: s.Name, Seeds: s.Seeds, DB: s.DB, Schedule: sched, Jitter: s.jitter(sched),
		Config: s.Config, Profiles: profiles}, nil
}
