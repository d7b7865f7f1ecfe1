package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// withApp loads the config, opens the store and runs f with it as the system actor.
func (c *cli) withApp(ctx context.Context, cmd *command, cf *configFlags, f func(ctx context.Context, a *app) error) error {
	cfg, err := c.loadConfig(cmd, cf)
	if err != nil {
		return err
	}
	// Commands other than serve log only warnings and errors, on stderr.
	logCfg := *cfg
	if level, _ := parseLevel(cfg.LogLevel); level < slog.LevelWarn {
		logCfg.LogLevel = "warn"
	}
	a, err := openApp(ctx, cfg, logCfg.NewLogger(c.stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	// A command that writes refuses a data folder whose audit key is not the record's: what
	// it recorded would break the record for every server.
	if !strings.HasPrefix(cmd.name, "audit ") {
		if err := a.db.CheckAuditKey(ctx); err != nil {
			return err
		}
	}
	if err := f(systemContext(ctx), a); err != nil {
		return err
	}
	// A command that recorded events signs the head before it exits, as serve does every
	// minute, so that the checkpoint log covers them. The audit commands only read.
	if !strings.HasPrefix(cmd.name, "audit ") {
		a.checkpoint(systemContext(ctx))
	}
	return nil
}

func migrateCommand() *command {
	cmd := &command{
		name:     "migrate",
		synopsis: "[--data DIR | --db DSN] [--config FILE]",
		summary:  "create or update the database schema",
		help: "Migrate applies the embedded, numbered migrations that the database lacks, each in one\n" +
			"transaction, and creates the SM2 audit key in the data folder if there is none.\n" +
			"serve and the other data commands do this too; run it alone before upgrading a cluster.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			fmt.Fprintf(c.stdout, "database %s is up to date\n", redactDSN(a.cfg.DSN()))
			return nil
		})
	}
	return cmd
}

func orgAddCommand() *command {
	cmd := &command{
		name:     "org add",
		synopsis: "--code C --name N --kind authority|public_body|company [--division 350000] [--parent C]",
		summary:  "add an organisation",
		help: "Org add creates an organisation: an authority (大数据工作主管部门), a public body\n" +
			"(公共管理和服务机构) or a company. The division is a GB/T 2260 code; the parent,\n" +
			"if given, is the code of an existing organisation. The change is recorded in the audit log.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var o pubdata.Org
		var kind string
		fs.StringVar(&o.Code, "code", "", "organisation `code` (letters, digits, '.', '_', '-')")
		fs.StringVar(&o.Name, "name", "", "organisation `name`, e.g. 福建省公安厅")
		fs.StringVar(&kind, "kind", "", "`kind`: authority, public_body or company")
		fs.StringVar(&o.Division, "division", "", "GB/T 2260 division `code`, e.g. 350000 (default: the parent's)")
		fs.StringVar(&o.Parent, "parent", "", "`code` of the parent organisation")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"code": o.Code, "name": o.Name, "kind": kind},
			"code", "name", "kind"); err != nil {
			return err
		}
		if o.Division == "" && o.Parent == "" {
			return usagef("%s: --division is required unless --parent gives it (see pubdata org add --help)", cmd.name)
		}
		o.Kind = pubdata.OrgKind(kind)
		if !o.Kind.Valid() {
			return usagef("%s: --kind %q is not one of authority, public_body, company", cmd.name, kind)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			if o.Division == "" {
				parent, err := a.orgs.FindOrgByCode(ctx, o.Parent)
				if err != nil {
					if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
						return fmt.Errorf("org add: no parent organisation %q", o.Parent)
					}
					return fmt.Errorf("org add: %w", err)
				}
				o.Division = parent.Division
			}
			if err := a.orgs.CreateOrg(ctx, &o); err != nil {
				return fmt.Errorf("org add: %w", err)
			}
			fmt.Fprintf(c.stdout, "created organisation %s (%s, %s, division %s)\n", o.Code, o.Name, o.Kind, o.Division)
			return nil
		})
	}
	return cmd
}

func userAddCommand() *command {
	cmd := &command{
		name:     "user add",
		synopsis: "--username U --password P [--org C --role admin|editor|reviewer|member] [--display-name N]",
		summary:  "add a user (without --org: a public user)",
		help: "User add creates an account. With --org and --role the user belongs to that organisation;\n" +
			"without --org it is a public user of the open portal. The password is stored only as an\n" +
			"argon2id hash. Give --password - to read the password from the first line of stdin.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var u pubdata.UserCreate
		var role string
		fs.StringVar(&u.Username, "username", "", "`username`")
		fs.StringVar(&u.Password, "password", "", "`password` (at least 8 characters; - reads it from stdin)")
		fs.StringVar(&u.OrgCode, "org", "", "`code` of the user's organisation (none: a public user)")
		fs.StringVar(&role, "role", "", "`role` in the organisation: admin, editor, reviewer or member")
		fs.StringVar(&u.DisplayName, "display-name", "", "display `name`")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"username": u.Username, "password": u.Password}, "username", "password"); err != nil {
			return err
		}
		u.Role = pubdata.Role(role)
		switch {
		case u.OrgCode != "" && role == "":
			return usagef("%s: --role is required with --org (see pubdata user add --help)", cmd.name)
		case u.OrgCode == "" && role != "":
			return usagef("%s: --role needs --org; a public user has no role", cmd.name)
		case role != "" && !u.Role.Valid():
			return usagef("%s: --role %q is not one of admin, editor, reviewer, member", cmd.name, role)
		}
		if u.Password == "-" {
			p, err := readLine(c.stdin)
			if err != nil {
				return fmt.Errorf("user add: reading the password from stdin: %w", err)
			}
			u.Password = p
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			created, err := a.users.CreateUser(ctx, &u)
			if err != nil {
				return fmt.Errorf("user add: %w", err)
			}
			if created.OrgCode == "" {
				fmt.Fprintf(c.stdout, "created public user %s\n", created.Username)
			} else {
				fmt.Fprintf(c.stdout, "created user %s (%s of %s)\n", created.Username, created.Role, created.OrgCode)
			}
			return nil
		})
	}
	return cmd
}

// readLine reads one line, without its line ending.
func readLine(r io.Reader) (string, error) {
	var sb strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			sb.WriteByte(buf[0])
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return "", err
		}
	}
	return strings.TrimRight(sb.String(), "\r"), nil
}

// defaultCLITokenExpiry is how long a token from "token create" lives unless --expires says.
const defaultCLITokenExpiry = 720 * time.Hour

func tokenCreateCommand() *command {
	cmd := &command{
		name:     "token create",
		synopsis: "--username U [--expires 720h] [--name N]",
		summary:  "create an API token; prints only the token",
		help: "Token create makes an API token for the user and prints only its secret on stdout, for\n" +
			"use as 'Authorization: Bearer <token>'. The secret is shown once; the store keeps a hash.\n" +
			"Tokens can be listed and revoked on the console's account page.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var username, name string
		var expires time.Duration
		fs.StringVar(&username, "username", "", "`username` of the token's owner")
		fs.DurationVar(&expires, "expires", defaultCLITokenExpiry, "lifetime, e.g. 24h or 720h (at most 17520h)")
		fs.StringVar(&name, "name", "cli", "`name` of the token, to tell tokens apart")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"username": username}, "username"); err != nil {
			return err
		}
		if expires <= 0 {
			return usagef("%s: --expires %s must be positive", cmd.name, expires)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			u, err := a.users.FindUserByUsername(ctx, username)
			if err != nil {
				if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
					return fmt.Errorf("token create: no user %q", username)
				}
				return fmt.Errorf("token create: %w", err)
			}
			_, secret, err := a.tokens.CreateToken(ctx, u.ID, name, expires)
			if err != nil {
				return fmt.Errorf("token create: %w", err)
			}
			fmt.Fprintln(c.stdout, secret)
			return nil
		})
	}
	return cmd
}

func auditVerifyCommand() *command {
	cmd := &command{
		name:     "audit verify",
		synopsis: "[--data DIR | --db DSN] [--config FILE]",
		summary:  "check the tamper-evident record",
		help: "Audit verify recomputes every event's SM3 leaf hash, seal and the Merkle tree heads, and checks\n" +
			"them against every signed checkpoint: in the database, in the checkpoint log outside it\n" +
			"(checkpoint_log) and in every configured witness's copy. It exits 0 when the record is intact\n" +
			"and 1, naming the first bad sequence number or checkpoint, if any event was altered, deleted\n" +
			"or inserted, a checkpoint is forged or missing from the log, or no checkpoint covers the record.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			v, err := a.audit.Verify(ctx)
			if err != nil {
				return fmt.Errorf("audit verify: %w", err)
			}
			if !v.OK {
				problem := v.Problem
				if problem == "" {
					problem = "it does not match the record"
				}
				switch {
				case v.FirstBad > 0:
					return fmt.Errorf("audit verify: record broken at seq %d: %s", v.FirstBad, problem)
				case v.BadCheckpoint > 0:
					return fmt.Errorf("audit verify: record broken at checkpoint %d: %s", v.BadCheckpoint, problem)
				}
				return fmt.Errorf("audit verify: record broken: %s", problem)
			}
			fmt.Fprintf(c.stdout, "audit record intact: %d events, %d signed checkpoints verified (checkpoint log %s", v.Events, v.Checkpoints, v.Log)
			if len(v.Witnesses) > 0 {
				fmt.Fprintf(c.stdout, "; witnesses: %s", strings.Join(v.Witnesses, ", "))
			}
			fmt.Fprintln(c.stdout, ")")
			return nil
		})
	}
	return cmd
}
