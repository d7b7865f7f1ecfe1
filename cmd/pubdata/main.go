// Command pubdata runs the public data platform: the server, its migrations and the
// administrator's commands. See README.md and docs/API.md ("Command line").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pubdata/pubdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns the exit status:
// 0 on success, 2 on a usage error, 1 on any other failure, after one line on stderr.
// Cancelling ctx stops a running server gracefully.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{getenv: os.LookupEnv, stdin: stdin, stdout: stdout, stderr: stderr}
	return c.run(ctx, args)
}

// cli is one invocation: where it reads settings and writes output.
type cli struct {
	getenv envLookup
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is a subcommand.
type command struct {
	name     string // "org add"
	synopsis string // flags in the usage line
	summary  string // one line for the command list
	help     string // a paragraph for --help
	run      func(c *cli, ctx context.Context, args []string) error
}

func commands() []*command {
	return append([]*command{
		serveCommand(),
		migrateCommand(),
		orgAddCommand(),
		userAddCommand(),
		tokenCreateCommand(),
		auditVerifyCommand(),
		auditProveCommand(),
		auditCheckCommand(),
		keysStatusCommand(),
		keysRotateCommand(),
		keysApplyCommand(),
		backupVerifyCommand(),
		backupCommand(),
		restoreCommand(),
		entriesImportCommand(),
		calendarImportCommand(),
		calendarShowCommand(),
		entriesExportCommand(),
		ingestCommand(),
		anonymiseCommand(),
		discoverCommand(),
		traceCommand(),
		benchSearchCommand(),
		benchIngestCommand(),
		benchRowsCommand(),
		benchDownloadCommand(),
		benchPortalCommand(),
		benchBoardCommand(),
		benchAlertsCommand(),
		benchQualityCommand(),
		benchSizeCommand(),
		benchAggregateCommand(),
	}, certsCommands()...)
}

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelp means help was printed as asked; it exits with status 0.
var errHelp = errors.New("help shown")

func (c *cli) run(ctx context.Context, args []string) int {
	err := c.dispatch(ctx, args)
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "pubdata: %s\n", oneLine(ue.msg))
		return 2
	default:
		fmt.Fprintf(c.stderr, "pubdata: %s\n", errorLine(err))
		return 1
	}
}

// errorLine is the one line shown for a failure: the user-safe message of a domain error,
// the error text otherwise.
func errorLine(err error) string {
	var pe *pubdata.Error
	if errors.As(err, &pe) {
		msg := pe.Message
		// Keep the context that wrapped the domain error ("org add: …").
		if full := err.Error(); strings.HasSuffix(full, pe.Error()) {
			if prefix := strings.TrimSuffix(full, pe.Error()); prefix != "" {
				msg = prefix + msg
			}
		}
		return oneLine(msg)
	}
	return oneLine(err.Error())
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("no command given (see pubdata --help)")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		c.printUsage(c.stdout)
		return errHelp
	case "help":
		if len(args) == 1 {
			c.printUsage(c.stdout)
			return errHelp
		}
		// "pubdata help org add" is "pubdata org add --help".
		return c.dispatch(ctx, append(append([]string{}, args[1:]...), "--help"))
	}
	// Commands have one or two words ("serve", "org add").
	var groupFound bool
	for _, cmd := range commands() {
		words := strings.Fields(cmd.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == cmd.name {
			return cmd.run(c, ctx, args[len(words):])
		}
		if len(words) > 1 && words[0] == args[0] {
			groupFound = true
		}
	}
	if groupFound {
		if len(args) == 1 {
			return usagef("%s: missing subcommand (see pubdata %s --help)", args[0], args[0])
		}
		if args[1] == "--help" || args[1] == "-h" || args[1] == "-help" {
			c.printGroupUsage(c.stdout, args[0])
			return errHelp
		}
		return usagef("unknown command %q (see pubdata --help)", args[0]+" "+args[1])
	}
	return usagef("unknown command %q (see pubdata --help)", args[0])
}

func (c *cli) printUsage(w io.Writer) {
	fmt.Fprintf(w, "pubdata runs a public data platform: catalogue, aggregation, sharing, open data and a tamper-evident record.\n\n")
	fmt.Fprintf(w, "Usage:\n  pubdata <command> [flags]\n\nCommands:\n")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-14s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintf(w, "  %-14s %s\n", "help [command]", "show help for a command")
	fmt.Fprintf(w, "\nEvery data command takes --data DIR or --db DSN, and --config FILE.\n")
	fmt.Fprintf(w, "Settings come from defaults, then the config file, then PUBDATA_* environment, then flags.\n")
	fmt.Fprintf(w, "Run 'pubdata <command> --help' for the flags of a command.\n")
}

func (c *cli) printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n")
	for _, cmd := range commands() {
		if strings.HasPrefix(cmd.name, group+" ") {
			fmt.Fprintf(w, "  pubdata %s %s\n      %s\n", cmd.name, cmd.synopsis, cmd.summary)
		}
	}
}

// newFlagSet returns a silent flag set for cmd; parse prints help and errors itself.
func newFlagSet(cmd *command) *flag.FlagSet {
	fs := flag.NewFlagSet("pubdata "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args into fs. It prints the help on --help (errHelp), turns flag errors into
// usage errors and refuses positional arguments.
func (c *cli) parse(cmd *command, fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printCommandHelp(cmd, fs)
			return errHelp
		}
		return usagef("%s: %s (see pubdata %s --help)", cmd.name, err, cmd.name)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (see pubdata %s --help)", cmd.name, fs.Arg(0), cmd.name)
	}
	return nil
}

func (c *cli) printCommandHelp(cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(c.stdout, "Usage: pubdata %s %s\n\n%s\n", cmd.name, cmd.synopsis, cmd.help)
	var own, common []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if commonFlags[f.Name] {
			common = append(common, f)
		} else {
			own = append(own, f)
		}
	})
	for _, group := range []struct {
		title string
		flags []*flag.Flag
	}{{"Flags", own}, {"Settings (also in the config file and PUBDATA_* environment)", common}} {
		if len(group.flags) == 0 {
			continue
		}
		fmt.Fprintf(c.stdout, "\n%s:\n", group.title)
		for _, f := range group.flags {
			name, usage := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if name != "" {
				line += " " + name
			}
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(c.stdout, "%s\n      %s\n", line, usage)
		}
	}
}

// commonFlags are the settings flags that addConfigFlags registers.
var commonFlags = map[string]bool{
	"config": true, "data": true, "db": true, "log-level": true, "log-format": true,
	"addr": true, "secure-cookies": true, "max-body": true, "max-upload": true, "checkpoint-interval": true, "shutdown-timeout": true,
}

// required returns a usage error naming the first flag among names that is empty.
func required(cmd *command, flags map[string]string, names ...string) error {
	for _, n := range names {
		if strings.TrimSpace(flags[n]) == "" {
			return usagef("%s: --%s is required (see pubdata %s --help)", cmd.name, n, cmd.name)
		}
	}
	return nil
}

// loadConfig parses the shared config flags once fs is parsed; bad settings are usage errors.
func (c *cli) loadConfig(cmd *command, cf *configFlags) (*Config, error) {
	cfg, err := cf.load(c.getenv)
	if err != nil {
		return nil, usagef("%s: %s", cmd.name, err)
	}
	return cfg, nil
}
