package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/finarchive/finarchive/crawler"
	"github.com/spf13/pflag"
)

// bindOptions adds one flag per field of crawler.Config to fs, bound to
// the field of cfg: the flag is named by the field's flag tag, else its
// yaml tag, and described by its help tag; its default is cfg's value. A
// flag tag "no-x,negate" binds a bool field as its negation.
func bindOptions(fs *pflag.FlagSet, cfg *crawler.Config) {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, negate := optionFlag(f)
		if name == "" {
			continue
		}
		help := f.Tag.Get("help")
		switch p := v.Field(i).Addr().Interface().(type) {
		case *int:
			fs.IntVar(p, name, *p, help)
		case *string:
			fs.StringVar(p, name, *p, help)
		case *[]string:
			fs.StringArrayVar(p, name, *p, help)
		case *bool:
			if negate {
				fs.Var(&negatedBool{p}, name, help)
				fs.Lookup(name).NoOptDefVal = "true"
			} else {
				fs.BoolVar(p, name, *p, help)
			}
		case pflag.Value: // crawler.Duration, crawler.ByteSize
			fs.Var(p, name, help)
		default:
			panic(fmt.Sprintf("bindOptions: field %s has a type no flag binds", f.Name))
		}
		_ = fs.SetAnnotation(name, optionAnnotation, []string{f.Name})
	}
}

// optionAnnotation marks the flags bindOptions binds: the crawl options
// that a run stores.
const optionAnnotation = "finarchive-crawl-option"

// changedOptions returns the crawl-option flags set on the command line,
// "--name" each, in order.
func changedOptions(fs *pflag.FlagSet) []string {
	var names []string
	fs.Visit(func(fl *pflag.Flag) {
		if _, ok := fl.Annotations[optionAnnotation]; ok {
			names = append(names, "--"+fl.Name)
		}
	})
	return names
}

// optionFlag returns the flag name of a crawler.Config field and whether
// it negates a bool ("" when the field has no flag).
func optionFlag(f reflect.StructField) (name string, negate bool) {
	tag := f.Tag.Get("flag")
	if tag == "" {
		tag = f.Tag.Get("yaml")
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "-" {
		return "", false
	}
	return name, opts == "negate"
}

// negatedBool is a flag that sets a bool to the opposite of its value
// (--no-sitemaps sets Sitemaps to false).
type negatedBool struct{ p *bool }

func (b *negatedBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*b.p = !v
	return nil
}

func (b *negatedBool) String() string {
	if b.p == nil {
		return "false"
	}
	return strconv.FormatBool(!*b.p)
}

func (b *negatedBool) Type() string { return "bool" }

// IsBoolFlag lets the flag be given without a value.
func (b *negatedBool) IsBoolFlag() bool { return true }
