package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	pdhttp "github.com/pubdata/pubdata/http"
)

func serveCommand() *command {
	cmd := &command{
		name:     "serve",
		synopsis: "[--addr 127.0.0.1:8080] [--demo] [--data DIR | --db DSN] [--config FILE]",
		summary:  "migrate the database, then serve the portal, console and API",
		help: "Serve brings the database schema up to date, then serves the portal (/), the console\n" +
			"(/console) and the API (/api/v1). It signs the audit tree head every checkpoint interval\n" +
			"and once more on shutdown (SIGINT or SIGTERM), after finishing the requests in flight.\n" +
			"Batches left running by a server that stopped are marked failed at start-up (on\n" +
			"PostgreSQL: those without a heartbeat for 3 minutes, checked every minute); retry them.\n" +
			"With --demo it first creates the demo province (Fujian, 350000) if it is not there yet\n" +
			"and prints the demo logins.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, true)
		var demo bool
		fs.BoolVar(&demo, "demo", false, "create the demo province (idempotent) and print its logins")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		cfg, err := c.loadConfig(cmd, cf)
		if err != nil {
			return err
		}
		return c.serve(ctx, cfg, demo)
	}
	return cmd
}

// serve runs the server until ctx is cancelled, then shuts down gracefully: it stops
// accepting connections, waits for requests in flight (up to ShutdownTimeout), signs a last
// checkpoint and closes the database.
func (c *cli) serve(ctx context.Context, cfg *Config, demo bool) (err error) {
	serverGC(ctx)
	logger := cfg.NewLogger(c.stderr)
	a, err := openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close database: %w", cerr)
		}
	}()
	sys := systemContext(context.WithoutCancel(ctx))
	if err := a.db.CheckAuditKey(sys); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	a.failStaleBatches(sys)
	if demo {
		if err := loadDemo(sys, a, c.stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	h, err := a.handler()
	if err != nil {
		return fmt.Errorf("web server: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := pdhttp.NewHTTPServer(cfg.Addr, h)
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }

	// Sign a head for what is already there (e.g. the demo); the queue's checkpoint job signs
	// every checkpoint interval from then on (jobs.go).
	a.checkpoint(sys)
	var wg sync.WaitGroup
	tickCtx, stopTicks := context.WithCancel(sys)

	// Fail the batches another server left running without a heartbeat (PostgreSQL).
	if cfg.IsPostgres() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(min(cfg.BatchStaleAfter/3, time.Minute))
			defer t.Stop()
			for {
				select {
				case <-tickCtx.Done():
					return
				case <-t.C:
					a.failStaleBatches(tickCtx)
				}
			}
		}()
	}

	// The job queue (jobs.go): loads, and the periodic jobs run once per schedule across
	// the servers — due pulls (B3), overdue applications and expired grants, quality runs,
	// the early-warning rules, scheduled backups, clean-ups, checkpoints, the monitoring
	// refresh and its alerts, scheduled discovery, the development spaces' schedule, the
	// calendar's end warning, e-mailed notifications and the federation sync.
	jobs, err := a.startJobs(sys)
	if err != nil {
		ln.Close()
		stopTicks()
		wg.Wait()
		return err
	}
	a.jobs, a.web.Loads, a.web.Jobs = jobs, jobs, jobs
	a.web.SummaryWanted = jobs.EnqueueSummary

	// What is per process stays a goroutine of each server: writing the API tokens' and the
	// entries' usage counted in its memory every few seconds (accounts.go, usage.go), and
	// reloading its calendar after another server's change every minute (calendar.go).
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.runUsageFlush(tickCtx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.runCalendarReload(tickCtx, time.Minute)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.runEntryUsage(tickCtx)
	}()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	url := listenURL(ln.Addr())
	logger.Info("serving", "url", url, "db", redactDSN(cfg.DSN()), "data", cfg.Data)
	fmt.Fprintf(c.stdout, "pubdata is serving on %s (console: %s/console); press Ctrl-C to stop\n", url, url)

	var failure error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	case err := <-serveErr:
		failure = fmt.Errorf("serve: %w", err)
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		logger.Warn("requests still running at the shutdown timeout; closing them", "error", err)
		srv.Close()
	}
	if failure == nil {
		if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			failure = fmt.Errorf("serve: %w", err)
		}
	}
	stopTicks()
	wg.Wait()
	jobsCtx, cancelJobs := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	jobs.stop(jobsCtx)
	cancelJobs()
	a.flushUsage(sys) // the counts of the last seconds
	a.flushEntryUsage(sys)
	// The last head, so the record is sealed up to the moment the server stopped.
	a.checkpoint(sys)
	logger.Info("stopped")
	return failure
}

// checkpoint signs the audit tree head if it grew, logging the outcome.
func (a *app) checkpoint(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cp, err := a.audit.Checkpoint(cctx)
	switch {
	case err != nil:
		a.logger.Error("audit checkpoint failed", "error", err)
	case cp != nil:
		a.logger.Debug("audit checkpoint", "size", cp.Size, "root", cp.Root)
	}
}

// listenURL returns the URL a browser on this machine can open for the listener's address.
func listenURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
