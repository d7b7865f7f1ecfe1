package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/audit"
)

// parseWithArg parses the flags around one positional argument (what names it).
func (c *cli) parseWithArg(cmd *command, fs *flag.FlagSet, args []string, what string) (string, error) {
	var arg string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printCommandHelp(cmd, fs)
				return "", errHelp
			}
			return "", usagef("%s: %s (see pubdata %s --help)", cmd.name, err, cmd.name)
		}
		if fs.NArg() == 0 {
			break
		}
		if arg != "" {
			return "", usagef("%s: unexpected argument %q (see pubdata %s --help)", cmd.name, fs.Arg(0), cmd.name)
		}
		arg, args = fs.Arg(0), fs.Args()[1:]
	}
	if arg == "" {
		return "", usagef("%s: the %s is required (see pubdata %s --help)", cmd.name, what, cmd.name)
	}
	return arg, nil
}

func auditProveCommand() *command {
	cmd := &command{
		name:     "audit prove",
		synopsis: "[--url URL [--token-file FILE] | --data DIR | --db DSN] [--out FILE] SEQ",
		summary:  "write the inclusion proof of one event",
		help: "Audit prove writes the inclusion proof bundle of the event SEQ: the event as stored, its leaf\n" +
			"hash, the path to the root of the newest signed checkpoint, the checkpoint with its signature\n" +
			"and cosignatures, and the platform's public key. With --url it asks a platform's API\n" +
			"(GET /api/v1/audit/{seq}/proof) as the user of the token in --token-file or PUBDATA_TOKEN\n" +
			"(the event's actor, or an authority's administrator or reviewer); without, it reads the\n" +
			"database. Check the bundle anywhere, without the database, with pubdata audit check.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		url := fs.String("url", "", "the platform's base `URL`, e.g. https://data.example.gov.cn")
		tokenFile := fs.String("token-file", "", "`file` holding an API token (or env PUBDATA_TOKEN)")
		out := fs.String("out", "", "write the bundle to `FILE` (default: standard output)")
		arg, err := c.parseWithArg(cmd, fs, args, "SEQ")
		if err != nil {
			return err
		}
		seq, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || seq < 1 {
			return usagef("%s: SEQ %q is not an event's sequence number", cmd.name, arg)
		}
		var p *pubdata.InclusionProof
		if *url != "" {
			token, _ := c.getenv("PUBDATA_TOKEN")
			if *tokenFile != "" {
				b, err := os.ReadFile(*tokenFile)
				if err != nil {
					return fmt.Errorf("audit prove: %w", err)
				}
				token = string(b)
			}
			if p, err = fetchProof(ctx, *url, strings.TrimSpace(token), seq); err != nil {
				return fmt.Errorf("audit prove: %w", err)
			}
		} else {
			err = c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
				p, err = a.audit.Proof(ctx, seq)
				return err
			})
			if err != nil {
				return fmt.Errorf("audit prove: %w", err)
			}
		}
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if *out == "" {
			_, err = c.stdout.Write(b)
			return err
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return fmt.Errorf("audit prove: %w", err)
		}
		return nil
	}
	return cmd
}

// fetchProof asks a platform for the proof of event seq.
func fetchProof(ctx context.Context, base, token string, seq int64) (*pubdata.InclusionProof, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v1/audit/"+strconv.FormatInt(seq, 10)+"/proof", nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %s", req.URL, resp.Status, strings.TrimSpace(string(b)))
	}
	var p pubdata.InclusionProof
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", req.URL, err)
	}
	return &p, nil
}

func auditCheckCommand() *command {
	cmd := &command{
		name:     "audit check",
		synopsis: "[--key-id ID | --public-key KEY] BUNDLE",
		summary:  "check an inclusion proof bundle offline",
		help: "Audit check verifies a proof bundle written by pubdata audit prove, without the database:\n" +
			"the event's content gives its SM3 leaf hash, the inclusion path leads from it to the root of\n" +
			"the checkpoint, and the checkpoint's SM2 signature verifies. Give the platform's key id\n" +
			"(--key-id, as published at /api/v1/audit/checkpoints/latest) or public key (--public-key)\n" +
			"to trust only that key; without, the bundle's own key is used and its id printed.\n" +
			"It exits 0 when the proof holds and 1 naming the problem otherwise.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		keyID := fs.String("key-id", "", "trust only the key with this `ID` (hex SM3 of the public key)")
		pub := fs.String("public-key", "", "trust only this `KEY` (base64 PKIX DER)")
		file, err := c.parseWithArg(cmd, fs, args, "BUNDLE")
		if err != nil {
			return err
		}
		var b []byte
		if file == "-" {
			b, err = io.ReadAll(io.LimitReader(c.stdin, 16<<20))
		} else {
			b, err = os.ReadFile(file)
		}
		if err != nil {
			return fmt.Errorf("audit check: %w", err)
		}
		var p pubdata.InclusionProof
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("audit check: %s is not a proof bundle: %w", file, err)
		}
		trust := strings.TrimSpace(*pub)
		if p.Checkpoint != nil && trust == "" {
			trust = p.Checkpoint.PublicKey
			if *keyID != "" && audit.KeyID(trust) != strings.ToLower(strings.TrimSpace(*keyID)) {
				return fmt.Errorf("audit check: the bundle is signed with key %s, not %s", audit.KeyID(trust), *keyID)
			}
		}
		if err := audit.CheckProof(&p, trust); err != nil {
			return fmt.Errorf("audit check: proof fails: %w", err)
		}
		fmt.Fprintf(c.stdout, "proof valid: event %d (%s, %s, %s) is in the checkpoint at size %d signed %s by key %s\n",
			p.Event.Seq, p.Event.Action, p.Event.Actor, p.Event.Time, p.Checkpoint.Size, p.Checkpoint.Time, p.Checkpoint.KeyID)
		for _, cs := range p.Checkpoint.Cosignatures {
			if audit.VerifyBody(cs.PublicKey, audit.CosignatureBody(p.Checkpoint.KeyID, cs.Size, cs.Root, cs.Time), cs.Signature) == nil && cs.Size == p.Checkpoint.Size && cs.Root == p.Checkpoint.Root {
				fmt.Fprintf(c.stdout, "cosigned by witness %s (key %s) at %s\n", cs.Witness, cs.KeyID, cs.Time)
			} else {
				fmt.Fprintf(c.stdout, "the cosignature of witness %s does not verify\n", cs.Witness)
			}
		}
		return nil
	}
	return cmd
}
