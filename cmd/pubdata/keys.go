package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pubdata/pubdata/lib/envelope"
)

// Encryption at rest: the master key's commands (issue 15 item 2; docs/OPERATIONS.md).

func keysStatusCommand() *command {
	cmd := &command{
		name:     "keys status",
		synopsis: "[--data DIR | --db DSN] [--config FILE]",
		summary:  "show the master key of encryption at rest and the entries' keys it wraps",
		help: "Keys status prints where the master key comes from (the file master-sm4.key in the data\n" +
			"folder, or PUBDATA_MASTER_KEY), its id, the retired keys at hand, and how many entries'\n" +
			"data keys each master key wraps. After a rotation every entry should be under the\n" +
			"current key; a retired key may be deleted only when no backup still needs it.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			st, err := a.db.KeyStatus(ctx)
			if err != nil {
				return fmt.Errorf("keys status: %w", err)
			}
			if k, ok := a.db.KeyService().(*envelope.LocalKeys); ok {
				fmt.Fprintf(c.stdout, "master key %s from %s\n", k.KeyID(), k.Source)
				for _, id := range k.Retired() {
					fmt.Fprintf(c.stdout, "retired key %s at hand\n", id)
				}
			} else {
				fmt.Fprintf(c.stdout, "master key %s from a key service\n", st.Current)
			}
			p := a.db.EncryptionPolicy()
			fmt.Fprintf(c.stdout, "policy: items of grade %d and above encrypted (0: none by grade), personal information: %v\n", p.Grade, p.Personal)
			ids := make([]string, 0, len(st.ByKey))
			for id := range st.ByKey {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for _, id := range ids {
				mark := ""
				if id != st.Current {
					mark = " (not the current key: run pubdata keys rotate --rewrap-only)"
				}
				fmt.Fprintf(c.stdout, "%d entries' keys wrapped by %s%s\n", st.ByKey[id], id, mark)
			}
			return nil
		})
	}
	return cmd
}

func keysRotateCommand() *command {
	cmd := &command{
		name:     "keys rotate",
		synopsis: "[--rewrap-only] [--entry ID]… [--data DIR | --db DSN] [--config FILE]",
		summary:  "replace the master key of encryption at rest (and optionally entries' data keys)",
		help: "Keys rotate makes a new master key and re-wraps every entry's data key under it, in one\n" +
			"transaction, recorded (data.keys_rewrap); the values themselves are not touched.\n" +
			"With the key in the data folder, the new key replaces master-sm4.key and the old one is\n" +
			"kept beside it as master-sm4.key.<id> (written before anything else changes, so an\n" +
			"interrupted rotation loses nothing: run it again with --rewrap-only). With the key in\n" +
			"PUBDATA_MASTER_KEY, set the new key there and the old one in PUBDATA_MASTER_KEY_RETIRED\n" +
			"and run keys rotate --rewrap-only. Copy the new key to every server (and to the\n" +
			"backups) before restarting them. --entry ID also gives that entry new data and index\n" +
			"keys and re-encrypts its values, reports, quality samples and objections' keys\n" +
			"(recorded: data.key_rotate); it may be repeated.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		rewrapOnly := fs.Bool("rewrap-only", false, "do not make a new key: re-wrap under the current one (an interrupted rotation, or a key set in the environment)")
		var entries multiFlag
		fs.Var(&entries, "entry", "also re-encrypt this `entry`'s values under new data keys (repeatable)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		cfg, err := c.loadConfig(cmd, cf)
		if err != nil {
			return err
		}
		if !*rewrapOnly {
			if os.Getenv(envelope.EnvMasterKey) != "" {
				return usagef("%s: the master key is in %s: set the new key there, the old one in %s, and run %s --rewrap-only", cmd.name, envelope.EnvMasterKey, envelope.EnvRetiredKeys, cmd.name)
			}
			if _, err := os.Stat(filepath.Join(cfg.Data, envelope.MasterKeyFile)); err != nil {
				return fmt.Errorf("keys rotate: %w", err)
			}
			raw, err := envelope.NewMasterKey()
			if err != nil {
				return err
			}
			if err := envelope.RotateFile(cfg.Data, raw); err != nil {
				return fmt.Errorf("keys rotate: %w", err)
			}
			fmt.Fprintf(c.stdout, "new master key %s written to %s; the old one is kept beside it\n", envelope.KeyID(raw), filepath.Join(cfg.Data, envelope.MasterKeyFile))
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			n, err := a.db.RewrapKeys(ctx)
			if err != nil {
				return fmt.Errorf("keys rotate: %w", err)
			}
			fmt.Fprintf(c.stdout, "%d entries' data keys re-wrapped under master key %s\n", n, a.db.KeyService().KeyID())
			for _, id := range entries {
				cells, err := a.db.ReencryptEntry(ctx, id)
				if err != nil {
					return fmt.Errorf("keys rotate: entry %s: %w", id, err)
				}
				fmt.Fprintf(c.stdout, "entry %s: %d values re-encrypted under new data keys\n", id, cells)
			}
			return nil
		})
	}
	return cmd
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func keysApplyCommand() *command {
	cmd := &command{
		name:     "keys apply",
		synopsis: "[--vacuum=true] [--data DIR | --db DSN] [--config FILE]",
		summary:  "encrypt the values the encryption policy covers in tables loaded before it",
		help: "Keys apply brings every entry's table to the encryption policy (encrypt_grade,\n" +
			"encrypt_personal): the columns of items it now covers are encrypted in place, history\n" +
			"included, one entry per transaction, recorded (data.table_migrate). A table is also\n" +
			"brought to the policy by its next load or publication; run this once after upgrading or\n" +
			"after making the policy stricter. Then, with --vacuum, the database is rewritten so that\n" +
			"no freed page keeps a clear value (SQLite VACUUM and a WAL checkpoint; PostgreSQL VACUUM\n" +
			"FULL of the encrypted tables). Columns once encrypted stay encrypted.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		vacuum := fs.Bool("vacuum", true, "rewrite the database afterwards")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			ids, err := a.db.TableEntries(ctx)
			if err != nil {
				return fmt.Errorf("keys apply: %w", err)
			}
			n := 0
			for _, id := range ids {
				e, err := a.entries.FindPublishedEntry(ctx, id)
				if err != nil {
					continue // retired: its table is read no more
				}
				if err := a.data.EnsureTable(ctx, e); err != nil {
					return fmt.Errorf("keys apply: entry %s: %w", id, err)
				}
				n++
			}
			fmt.Fprintf(c.stdout, "%d tables brought to the encryption policy\n", n)
			if *vacuum {
				if err := a.db.Vacuum(ctx); err != nil {
					return fmt.Errorf("keys apply: %w", err)
				}
				fmt.Fprintln(c.stdout, "database vacuumed")
			}
			return nil
		})
	}
	return cmd
}
