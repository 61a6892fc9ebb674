// Command finarchive crawls Chinese finance-info sites into an offline,
// searchable archive: a SQLite file, or a PostgreSQL database that many
// workers share. See README.md for usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, errSilent) {
		fmt.Fprintln(os.Stderr, "finarchive:", err)
	}
	os.Exit(exitCode(err))
}
