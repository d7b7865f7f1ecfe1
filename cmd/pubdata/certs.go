package main

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/lib/pki"
)

// The keyring's commands (issue 14 item 3): the platform CA and signing certificates live
// in the database (pubdata.SigningKey), their private keys sealed with secrets-sm4.key.

func certsCommands() []*command {
	return []*command{certsListCommand(), certsInitCommand(), certsRotateCommand(), certsRevokeCommand(), certsExportCommand(), certsImportCommand(), extractVerifyCommand()}
}

func certsListCommand() *command {
	cmd := &command{
		name:     "certs list",
		synopsis: "[--data DIR | --db DSN] [--config FILE]",
		summary:  "list the signing keys and certificates",
		help:     "Certs list shows every key of the keyring: the CAs, the signing certificates and the keys of\nversion-1 extracts, with their state (active, retired, revoked) and validity.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			keys, err := a.certs.SigningKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tNOT AFTER\tSUBJECT")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Kind, k.Status, k.NotAfter.Format(time.DateOnly), k.Subject)
			}
			return tw.Flush()
		})
	}
	return cmd
}

func certsInitCommand() *command {
	cmd := &command{
		name:     "certs init",
		synopsis: "[--data DIR | --db DSN] [--config FILE]",
		summary:  "create the platform CA and signing certificate (done on first start too)",
		help: "Certs init creates the platform's SM2 root CA (20 years) and a document-signing certificate\n" +
			"(3 years) in the database when there is no active one; serve and the other data commands\n" +
			"do the same on first start. It prints the CA certificate (PEM) to give to whoever checks\n" +
			"extracts and certificates offline.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			g, err := a.keyring.Setup(ctx, a.platformName())
			if err != nil {
				return err
			}
			_, err = c.stdout.Write(g.RootsPEM())
			return err
		})
	}
	return cmd
}

func certsRotateCommand() *command {
	cmd := &command{
		name:     "certs rotate",
		synopsis: "[--data DIR | --db DSN] [--config FILE]",
		summary:  "issue a new signing certificate; the old one is retired",
		help: "Certs rotate issues a new document-signing certificate from the active CA and retires the\n" +
			"previous one: new extracts and certificates are signed with the new one, and everything the\n" +
			"retired one signed keeps verifying. Every node uses the new one at once (the keyring is in\n" +
			"the database).",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			k, err := a.keyring.Rotate(ctx, a.platformName())
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "signing certificate %s is active (valid until %s)\n", k.ID, k.NotAfter.Format(time.DateOnly))
			return nil
		})
	}
	return cmd
}

func certsRevokeCommand() *command {
	cmd := &command{
		name:     "certs revoke",
		synopsis: "--id SERIAL [--reason TEXT] [--data DIR | --db DSN] [--config FILE]",
		summary:  "revoke a signing certificate or CA (what it signed no longer verifies)",
		help: "Certs revoke revokes a key of the keyring (by its id, the certificate's serial in hex, as\n" +
			"certs list shows): every extract and certificate it signed, or that a certificate it issued\n" +
			"signed, stops verifying at once on every node, and the CA's revocation list\n" +
			"(GET /api/v1/keyring/crl) lists it. Revoke the active signing certificate only after\n" +
			"certs rotate, or nothing can be signed. Use it when a key is compromised; to replace a key\n" +
			"in the ordinary way, rotate.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		id := fs.String("id", "", "the key's id (certificate serial, hex)")
		reason := fs.String("reason", "", "why (recorded)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"id": *id}, "id"); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			k, err := a.certs.RevokeSigningKey(ctx, strings.ToLower(strings.TrimSpace(*id)), *reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "%s %s revoked\n", k.Kind, k.ID)
			return nil
		})
	}
	return cmd
}

func certsExportCommand() *command {
	cmd := &command{
		name:     "certs export",
		synopsis: "[--crl FILE] [--data DIR | --db DSN] [--config FILE]",
		summary:  "print the CA certificates (PEM); write the revocation list",
		help: "Certs export prints the PEM of every CA certificate that is not revoked (the active, the\n" +
			"retired and the imported ones): the --roots file of pubdata extract verify. With --crl it\n" +
			"also writes the active CA's revocation list (DER).",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		crl := fs.String("crl", "", "write the revocation list (DER) to this file")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			g, err := a.keyring.Load(ctx)
			if err != nil {
				return err
			}
			if *crl != "" {
				der, err := g.CRL(time.Now())
				if err != nil {
					return err
				}
				if err := os.WriteFile(*crl, der, 0o644); err != nil {
					return err
				}
			}
			_, err = c.stdout.Write(g.RootsPEM())
			return err
		})
	}
	return cmd
}

func certsImportCommand() *command {
	cmd := &command{
		name:     "certs import",
		synopsis: "--chain FILE --key FILE [--data DIR | --db DSN] [--config FILE]",
		summary:  "sign with an organisation's certificate issued by its own CA",
		help: "Certs import makes an organisation's SM2 signing certificate, issued by its CA, the one that\n" +
			"signs: --chain is the PEM of the signing certificate and its root CA, --key its PKCS #8 PEM\n" +
			"private key (sealed into the database; delete the file afterwards). The root becomes the\n" +
			"active CA; the platform's own CA and signing certificate are retired, and what they signed\n" +
			"keeps verifying.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		chain := fs.String("chain", "", "PEM file: the signing certificate and its root CA")
		key := fs.String("key", "", "PEM file: the signing certificate's PKCS #8 private key")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if err := required(cmd, map[string]string{"chain": *chain, "key": *key}, "chain", "key"); err != nil {
			return err
		}
		chainPEM, err := os.ReadFile(*chain)
		if err != nil {
			return err
		}
		keyPEM, err := os.ReadFile(*key)
		if err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			k, err := a.keyring.Import(ctx, chainPEM, keyPEM)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "signing certificate %s (%s) is active\n", k.ID, k.Subject)
			return nil
		})
	}
	return cmd
}

func extractVerifyCommand() *command {
	cmd := &command{
		name:     "extract verify",
		synopsis: "FILE --roots CA.pem [--crl CRL] [--signature FILE.p7s]",
		summary:  "check a signed extract or certificate offline, with the CA certificates only",
		help: "Extract verify checks a signed extract (pubdata-extract/v2) or an electronic certificate's\n" +
			"JSON (pubdata-certificate/v1) without the platform or its database: the CMS SM2 signature,\n" +
			"and the signer's chain up to a CA of --roots (pubdata certs export, or\n" +
			"GET /api/v1/keyring/ca.pem) at the signing time. With --crl (GET /api/v1/keyring/crl) a\n" +
			"revoked signing certificate fails. With --signature, FILE is any file (a certificate's PDF)\n" +
			"and the signature its detached CMS (base64 or DER). A certificate's revocation by its\n" +
			"issuer is known only to the platform: check it at /verify.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		roots := fs.String("roots", "", "PEM file of the trusted CA certificates")
		crl := fs.String("crl", "", "the CA's revocation list (DER or PEM)")
		sigFile := fs.String("signature", "", "a detached CMS signature of FILE")
		var file string
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			file, args = args[0], args[1:]
		}
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		if file == "" {
			return usagef("%s: FILE is required (see pubdata %s --help)", cmd.name, cmd.name)
		}
		if err := required(cmd, map[string]string{"roots": *roots}, "roots"); err != nil {
			return err
		}
		rootsPEM, err := os.ReadFile(*roots)
		if err != nil {
			return err
		}
		cas, err := pki.ParseCertsPEM(rootsPEM)
		if err != nil {
			return err
		}
		pool := smx509.NewCertPool()
		for _, ca := range cas {
			pool.AddCert(ca)
		}
		var check extract.Checker
		if *crl != "" {
			b, err := os.ReadFile(*crl)
			if err != nil {
				return err
			}
			revoked, err := pki.ParseCRL(b, cas)
			if err != nil {
				return err
			}
			check = func(serial string, _ time.Time) *extract.Invalid {
				if r, ok := revoked[serial]; ok {
					return &extract.Invalid{Reason: fmt.Sprintf("The signing certificate %s was revoked on %s.", serial, r.Time.UTC().Format(time.RFC3339))}
				}
				return nil
			}
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if *sigFile != "" {
			sig, err := readSignature(*sigFile)
			if err != nil {
				return err
			}
			s, err := pki.Verify(sig, raw, pool)
			if err != nil {
				return fmt.Errorf("not valid: %w", err)
			}
			if check != nil {
				if inv := check(pki.Serial(s.Signer), s.SigningTime); inv != nil {
					return fmt.Errorf("not valid: %s", inv.Reason)
				}
			}
			fmt.Fprintf(c.stdout, "valid: %s signed by %s (certificate %s) at %s\n", file, s.Signer.Subject, pki.Serial(s.Signer), s.SigningTime.Format(time.RFC3339))
			return nil
		}
		v, err := extract.VerifyCMS(raw, pool, check)
		if err != nil {
			return fmt.Errorf("not valid: %w", err)
		}
		fmt.Fprintf(c.stdout, "valid: %s (digest %s) signed by %s (certificate %s) at %s\n", v.Format, extract.Digest(v.Document), v.Signer, v.Serial, v.SigningTime.Format(time.RFC3339))
		return nil
	}
	return cmd
}

// readSignature reads a detached CMS signature: PEM, base64 or DER.
func readSignature(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if block, _ := pem.Decode(b); block != nil {
		return block.Bytes, nil
	}
	if d, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); err == nil && len(d) > 0 {
		return d, nil
	}
	if len(b) == 0 {
		return nil, errors.New("empty signature file")
	}
	return b, nil
}
