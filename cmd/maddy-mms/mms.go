// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// mmsCommand returns the "mms" command, for debugging handsets: "mms decode" prints an MM1 PDU
// (OMA-MMS-ENC, application/vnd.wap.mms-message) as the text form of mm1.PDU.WriteText, and
// "mms encode" builds the PDU back from that text (docs/reference/mms-decode.md).
func mmsCommand() *cli.Command {
	return &cli.Command{
		Name:  "mms",
		Usage: "decode and encode MM1 PDUs (application/vnd.wap.mms-message) for debugging",
		Subcommands: []*cli.Command{
			{
				Name:      "decode",
				Usage:     "print a binary MM1 PDU as text: its headers, then its parts",
				ArgsUsage: "FILE (- for stdin)",
				Action:    mmsDecode,
			},
			{
				Name:      "encode",
				Usage:     "build a binary MM1 PDU from the text mms decode prints",
				ArgsUsage: "[FILE] (default stdin)",
				Flags: []cli.Flag{
					&cli.PathFlag{Name: "o", Aliases: []string{"output"}, Usage: "write the PDU to `FILE` rather than stdout"},
				},
				Action: mmsEncode,
			},
		},
	}
}

// mmsInput reads the file named on the command line, or stdin for "-" (or none, if allowed).
func mmsInput(c *cli.Context, optional bool) (string, []byte, error) {
	if c.NArg() > 1 || (c.NArg() == 0 && !optional) {
		return "", nil, cli.Exit(fmt.Sprintf("usage: %s %s", c.Command.HelpName, c.Command.ArgsUsage), 2)
	}
	name := c.Args().First()
	if name == "" || name == "-" {
		r := c.App.Reader
		if r == nil {
			r = os.Stdin
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return "stdin", nil, cli.Exit(fmt.Sprintf("%s: stdin: %v", c.Command.HelpName, err), 1)
		}
		return "stdin", b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return name, nil, cli.Exit(fmt.Sprintf("%s: %v", c.Command.HelpName, err), 1)
	}
	return name, b, nil
}

func mmsDecode(c *cli.Context) error {
	name, b, err := mmsInput(c, false)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return cli.Exit(fmt.Sprintf("%s: %s is empty", c.Command.HelpName, name), 1)
	}
	p, derr := mm1.Decode(b)
	if derr != nil && (p == nil || len(p.Headers) == 0) {
		return cli.Exit(fmt.Sprintf("%s: %s: %v", c.Command.HelpName, name, derr), 1)
	}
	var out bytes.Buffer
	if derr != nil {
		fmt.Fprintf(&out, "# %s: decoding stopped at an error; the fields before it:\n", name)
	}
	if err := p.WriteText(&out); err != nil {
		return cli.Exit(fmt.Sprintf("%s: %s: %v", c.Command.HelpName, name, err), 1)
	}
	if _, err := c.App.Writer.Write(out.Bytes()); err != nil {
		return err
	}
	if derr != nil {
		var de *mm1.DecodeError
		if errors.As(derr, &de) {
			return cli.Exit(fmt.Sprintf("%s: %s: not a complete PDU: %v (of %d octets)", c.Command.HelpName, name, derr, len(b)), 1)
		}
		return cli.Exit(fmt.Sprintf("%s: %s: %v", c.Command.HelpName, name, derr), 1)
	}
	// A multipart body Decode could not read is kept whole (and printed as "--- body"): that is
	// an error too, after the text, which encode turns back into the same octets.
	if ct, ok := p.ContentType(); ok && ct.IsMultipart() && p.Parts == nil && len(p.Body) > 0 {
		_, err := mm1.DecodeMultipart(p.Body)
		return cli.Exit(fmt.Sprintf("%s: %s: the multipart body (WAP-230-WSP §8.5) does not parse, printed whole: %v", c.Command.HelpName, name, err), 1)
	}
	// A note on mandatory fields missing (OMA-MMS-ENC §6), on stderr so that stdout stays the
	// text encode reads.
	if err := p.Check(); err != nil {
		fmt.Fprintf(c.App.ErrWriter, "%s: note: %v\n", name, err)
	}
	return nil
}

func mmsEncode(c *cli.Context) error {
	name, b, err := mmsInput(c, true)
	if err != nil {
		return err
	}
	p, err := mm1.ParseText(bytes.NewReader(b))
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %s: %v", c.Command.HelpName, name, err), 1)
	}
	pdu, err := p.Encode()
	if err != nil {
		return cli.Exit(fmt.Sprintf("%s: %s: %v", c.Command.HelpName, name, err), 1)
	}
	if out := c.Path("o"); out != "" && out != "-" {
		if err := os.WriteFile(out, pdu, 0o644); err != nil {
			return cli.Exit(fmt.Sprintf("%s: %v", c.Command.HelpName, err), 1)
		}
		return nil
	}
	_, err = c.App.Writer.Write(pdu)
	return err
}
