package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/finarchive/finarchive/crawler"
	"github.com/finarchive/finarchive/store"
	"github.com/spf13/cobra"
)

// Exit codes, documented in README.md.
const (
	exitOK          = 0
	exitError       = 1 // the command could not do its job
	exitUsage       = 2 // bad flags or arguments
	exitPartial     = 3 // the crawl finished, but some URLs failed
	exitLocked      = 4 // another crawl holds the database
	exitInterrupted = 130
)

// errSilent marks an error already reported to the user.
var errSilent = errors.New("already reported")

// exitError carries an exit code with an error.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codeError{code: code, err: err}
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ce *codeError
	if errors.As(err, &ce) {
		return ce.code
	}
	var lost *store.LockLostError
	if errors.As(err, &lost) {
		return exitLocked
	}
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	var ue *usageError
	var oe *crawler.OptionError
	var fe *store.ForeignDatabaseError // --db names another program's file
	if errors.As(err, &ue) || errors.As(err, &oe) || errors.As(err, &fe) {
		return exitUsage
	}
	return exitError
}

// usageError is a bad flag or argument.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// app is what every subcommand shares: the streams and the logger. There is
// no global state: run builds one per invocation, which keeps tests honest.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	logLevel       string
	logJSON        bool
	quiet          bool
	log            *slog.Logger
}

// run is the whole program: it parses args and runs one subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "finarchive",
		Short:         "Crawl Chinese finance-info sites into an offline, searchable archive (a SQLite file, or PostgreSQL)",
		Version:       crawler.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setupLog()
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().BoolVar(&a.logJSON, "log-json", false, "write logs as JSON lines")
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", false, "log only warnings and errors")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	for _, mk := range []func(*app) *cobra.Command{
		newCrawlCmd, newExportCmd, newExtractCmd, newDemoCmd, newRunsCmd, newReextractCmd,
		newSearchCmd, newServeCmd, newScheduleCmd, newTestsiteCmd, newImportCmd, newWorkCmd,
	} {
		root.AddCommand(mk(a))
	}
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		return &usageError{msg: err.Error()}
	}
	return err
}

func (a *app) setupLog() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return &usageError{msg: fmt.Sprintf("--log-level %q: want debug, info, warn or error", a.logLevel)}
	}
	if a.quiet && level < slog.LevelWarn {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.logJSON {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
	return nil
}

// isTerminal reports whether w is a terminal, for the live progress line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
