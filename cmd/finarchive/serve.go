package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/finarchive/finarchive/web"
	"github.com/spf13/cobra"
)

type serveFlags struct {
	db          string
	addr        string
	allowRemote bool
	hosts       []string
}

func newServeCmd(a *app) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve [--db PATH|URL] [--addr 127.0.0.1:8080]",
		Short: "Read the archive in a browser (a local, read-only web UI)",
		Long: `Serve starts a local web reader for the archive: the articles newest first by
site and category, full-text search, each article with its related cards and
its history, and the crawl runs. It opens the database read-only and never
writes to it, so it can run while a crawl writes. It listens on loopback by
default; it needs no internet and loads nothing from it. Ctrl-C stops it.

The reader has no login: an address other machines can reach (0.0.0.0, a LAN
address) needs --allow-remote. A request naming another host in its Host
header (a web page's trick to reach a local server through its own domain:
DNS rebinding) is answered 421; --host adds a name the reader is reached by.`,
		Example: `  finarchive serve --db bank.db
  finarchive serve --db bank.db --addr 127.0.0.1:0   # any free port
  finarchive serve --db bank.db --addr 0.0.0.0:8080 --allow-remote --host nas.local`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.db, "db", "finarchive.db", dbFlagHelp)
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 = any free port)")
	cmd.Flags().BoolVar(&f.allowRemote, "allow-remote", false, "allow an --addr other machines can reach (the reader has no login)")
	cmd.Flags().StringArrayVar(&f.hosts, "host", nil, "also answer requests for this host name (repeatable; default: the address, localhost)")
	return cmd
}

func (a *app) serve(ctx context.Context, f *serveFlags) error {
	if err := checkAddr(f.addr); err != nil {
		return err
	}
	db, err := a.openExisting(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	defer ln.Close()
	bound := ln.Addr().(*net.TCPAddr)
	if !bound.IP.IsLoopback() {
		if !f.allowRemote {
			return &usageError{msg: fmt.Sprintf("serve: --addr %s listens on %s, which other machines can reach, and the reader has no login: pass --allow-remote to serve it there anyway", f.addr, bound)}
		}
		a.log.Warn("serving beyond this machine: anyone who can reach the address can read the archive", "addr", bound.String())
	}
	h, err := web.New(db, web.Options{Logger: a.log, Addr: bound.String(), Hosts: f.hosts})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	url, also := "http://"+bound.String()+"/", ""
	if bound.IP.IsUnspecified() {
		url = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(bound.Port)) + "/"
		also = fmt.Sprintf(" and on port %d of every address of this machine", bound.Port)
	}
	fmt.Fprintf(a.stdout, "finarchive: serving %s read-only at %s%s (Ctrl-C to stop)\n", dbName(f.db), url, also)
	a.log.Info("serving", "db", dbName(f.db), "url", url)

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

// checkAddr reports an --addr that is no host:port with a port of 0 to
// 65535 as a usage error, before anything is opened.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("serve: --addr %q: want host:port (127.0.0.1:8080; port 0 = any free port): %v", addr, err)}
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return &usageError{msg: fmt.Sprintf("serve: --addr %q: port %q is not a number from 0 to 65535", addr, port)}
	}
	return nil
}
