// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Command maddy-mms is a maddy mail server binary with every stock maddy
// module plus the maddy-mms modules (MM4 interworking, MMS address rewriting
// and delivery). It is started like maddy: maddy-mms -config FILE run.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/foxcpp/maddy"
	parser "github.com/foxcpp/maddy/framework/cfgparser"
	"github.com/foxcpp/maddy/framework/config"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/urfave/cli/v2"
	"golang.org/x/crypto/bcrypt"

	_ "github.com/maddy-mms/maddy-mms/module"
)

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "maddy-mms:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	app := cli.NewApp()
	app.Name = "maddy-mms"
	app.Usage = "maddy mail server with MMS (MM4/MM3) interworking"
	app.HideVersion = true
	app.ExitErrHandler = func(c *cli.Context, err error) { cli.HandleExitCoder(err) }

	configFlag := &cli.PathFlag{
		Name:    "config",
		Usage:   "configuration file to use",
		EnvVars: []string{"MADDY_CONFIG"},
		Value:   filepath.Join(maddy.ConfigDirectory, "maddy.conf"),
	}
	// run's flags are also registered globally (as maddy itself does), so
	// "maddy-mms -log X run" and "maddy-mms run -log X" both work; the
	// integration harness relies on the former.
	runFlags := []cli.Flag{
		&cli.StringFlag{
			Name:        "libexec",
			Value:       maddy.DefaultLibexecDirectory,
			Usage:       "path to the libexec directory",
			Destination: &config.LibexecDirectory,
		},
		&cli.StringSliceFlag{
			Name:  "log",
			Usage: "default logging target(s): stderr, stderr_ts, syslog, off or a file path",
			Value: cli.NewStringSlice("stderr"),
		},
		&cli.BoolFlag{Name: "v", Usage: "print version and build metadata, then exit", Hidden: true},
	}
	app.Flags = append([]cli.Flag{
		configFlag,
		&cli.BoolFlag{Name: "debug", Usage: "enable debug logging early", Destination: &log.DefaultLogger.Debug},
		// Accepted for compatibility with maddy's integration harness;
		// they have no effect in a release build.
		&cli.IntFlag{Name: "debug.smtpport", Hidden: true},
		&cli.StringFlag{Name: "debug.dnsoverride", Hidden: true},
	}, runFlags...)

	app.Commands = []*cli.Command{
		{
			Name:   "run",
			Usage:  "start the server",
			Flags:  runFlags,
			Action: maddy.Run,
		},
		{
			Name:  "version",
			Usage: "print version and build metadata, then exit",
			Action: func(c *cli.Context) error {
				fmt.Println("maddy-mms", maddy.BuildInfo())
				return nil
			},
		},
		{
			Name:      "verify-config",
			Usage:     "parse the configuration and initialise every module without serving, then exit",
			ArgsUsage: " ",
			Action: func(c *cli.Context) error {
				if err := verifyConfig(c.Path("config")); err != nil {
					return cli.Exit(err.Error(), 2)
				}
				fmt.Fprintln(c.App.Writer, "configuration OK:", c.Path("config"))
				return nil
			},
		},
		{
			Name:      "hash",
			Usage:     "hash a password for auth.pass_table (reads it from stdin if no argument)",
			ArgsUsage: "[PASSWORD]",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "cost", Value: bcrypt.DefaultCost, Usage: "bcrypt cost"},
			},
			Action: func(c *cli.Context) error {
				pass := c.Args().First()
				if c.NArg() == 0 {
					b, err := io.ReadAll(c.App.Reader)
					if err != nil {
						return err
					}
					pass = strings.TrimRight(string(b), "\r\n")
				}
				if pass == "" {
					return cli.Exit("empty password", 2)
				}
				h, err := bcrypt.GenerateFromPassword([]byte(pass), c.Int("cost"))
				if err != nil {
					return cli.Exit(err.Error(), 2)
				}
				fmt.Fprintln(c.App.Writer, "bcrypt:"+string(h))
				return nil
			},
		},
		mmsCommand(),
	}
	return app
}

// verifyConfig does what maddy's startup does, short of serving: parse,
// read globals, create the state directories, register every block and
// initialise every module, so that a typo anywhere is reported. Endpoints
// are only constructed (their Init would bind listening sockets), so
// endpoint-level directives are checked when the server starts.
func verifyConfig(path string) error {
	log.DefaultLogger.Out = log.WriterOutput(os.Stderr, false)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	nodes, err := parser.Read(f, path)
	if err != nil {
		return err
	}
	globals, blocks, err := maddy.ReadGlobals(nodes)
	if err != nil {
		return err
	}
	if err := maddy.InitDirs(); err != nil {
		return err
	}
	_, mods, err := maddy.RegisterModules(globals, blocks)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range mods {
		if _, err := module.GetInstance(m.Instance.InstanceName()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
