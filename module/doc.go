// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Package module holds the maddy-mms modules for maddy: thin glue from
// maddy's module interfaces to package mmsmap. Importing it registers them.
package module
