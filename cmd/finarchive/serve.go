package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/finarchive/finarchive/web"
	"github.com/spf13/cobra"
)

type serveFlags struct {
	db   string
	addr string
}

func newServeCmd(a *app) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve [--db PATH] [--addr 127.0.0.1:8080]",
		Short: "Read the archive in a browser (a local, read-only web UI)",
		Long: `Serve starts a local web reader for the archive: the articles newest first by
site and category, full-text search, each article with its related cards and
its history, and the crawl runs. It opens the database read-only and never
writes to it, so it can run while a crawl writes. It listens on loopback by
default; it needs no internet and loads nothing from it. Ctrl-C stops it.`,
		Example: `  finarchive serve --db bank.db
  finarchive serve --db bank.db --addr 127.0.0.1:0   # any free port`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.db, "db", "finarchive.db", "SQLite archive file")
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 = any free port)")
	return cmd
}

func (a *app) serve(ctx context.Context, f *serveFlags) error {
	db, err := a.openExisting(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	h, err := web.New(db, web.Options{Logger: a.log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(a.stdout, "finarchive: serving %s read-only at %s (Ctrl-C to stop)\n", f.db, url)
	a.log.Info("serving", "db", f.db, "url", url)

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		a.log.Warn("serve: shutdown", "err", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	a.log.Info("stopped serving")
	return nil
}
