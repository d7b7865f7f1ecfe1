package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

func calendarImportCommand() *command {
	cmd := &command{
		name:     "calendar import",
		synopsis: "FILE",
		summary:  "import a year's statutory holidays (the State Council notice)",
		help: "Calendar import stores one year's holiday file in the working-day calendar: the State\n" +
			"Council notice in the holiday-cn JSON format,\n" +
			"    {\"year\": 2027, \"papers\": [\"https://www.gov.cn/…\"],\n" +
			"     \"days\": [{\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": true}, …]}\n" +
			"where isOffDay false marks a make-up working day. It replaces the year's built-in or\n" +
			"earlier file (corrections of single days stay), recounts the due dates of pending\n" +
			"applications and open objections, and is recorded in the audit log as the system's.\n" +
			"Nothing is stored if the file has a problem; every problem is listed with its field.\n" +
			"FILE - reads standard input. Running servers pick the year up within a minute.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		file, err := c.parseWithFile(cmd, fs, args)
		if err != nil {
			return err
		}
		var in io.Reader = c.stdin
		if file != "-" {
			f, err := os.Open(file)
			if err != nil {
				return fmt.Errorf("calendar import: %w", err)
			}
			defer f.Close()
			in = f
		}
		body, err := io.ReadAll(io.LimitReader(in, 1<<20+1))
		if err != nil {
			return fmt.Errorf("calendar import: %w", err)
		}
		if len(body) > 1<<20 {
			return fmt.Errorf("calendar import: %s is larger than 1 MiB; a holiday file is a few kilobytes", file)
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			ch, err := sqlstore.NewCalendarService(a.db).ImportCalendarYear(ctx, body)
			if err != nil {
				return fmt.Errorf("calendar import %s: %w", file, err)
			}
			y := ch.Year
			fmt.Fprintf(c.stdout, "imported %d: %d listed days", y.Year, len(y.Days))
			if len(y.Papers) > 0 {
				fmt.Fprintf(c.stdout, " from %s", strings.Join(y.Papers, ", "))
			}
			fmt.Fprintf(c.stdout, "; %d pending deadlines recounted\n", len(ch.Moved))
			return nil
		})
	}
	return cmd
}

func calendarShowCommand() *command {
	cmd := &command{
		name:     "calendar show",
		synopsis: "[--year YEAR]",
		summary:  "show the covered years, or one year's holidays and corrections",
		help: "Calendar show lists the years the working-day calendar covers with their source (built in\n" +
			"or imported, by whom and when); with --year, the days its notice lists and the corrections.",
	}
	cmd.run = func(c *cli, ctx context.Context, args []string) error {
		fs := newFlagSet(cmd)
		cf := addConfigFlags(fs, false)
		var year int
		fs.IntVar(&year, "year", 0, "the `year` to show (default: list the covered years)")
		if err := c.parse(cmd, fs, args); err != nil {
			return err
		}
		return c.withApp(ctx, cmd, cf, func(ctx context.Context, a *app) error {
			svc := sqlstore.NewCalendarService(a.db)
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			defer tw.Flush()
			source := func(y *pubdata.CalendarYear) string {
				if y.Source == pubdata.CalendarBuiltIn {
					return "built in"
				}
				return fmt.Sprintf("imported by %s at %s", orSystem(y.UpdatedBy), y.UpdatedAt.In(pubdata.ChinaTime).Format(time.DateTime))
			}
			if year == 0 {
				ys, err := svc.FindCalendarYears(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintln(tw, "YEAR\tDAYS\tCORRECTIONS\tSOURCE")
				for _, y := range ys {
					fmt.Fprintf(tw, "%d\t%d\t%d\t%s\n", y.Year, len(y.Days), len(y.Corrections), source(y))
				}
				through, ok := a.db.Calendar().CoveredThrough(time.Now())
				if !ok {
					fmt.Fprintf(tw, "\nthis year is not covered: import its notice\n")
				} else if pubdata.CalendarEnding(through, time.Now()) {
					fmt.Fprintf(tw, "\ncovered up to %s: import the next year's notice when it is published\n", through.Format(time.DateOnly))
				}
				return nil
			}
			y, err := svc.FindCalendarYear(ctx, year)
			if err != nil {
				return err
			}
			notice := strings.Join(y.Papers, ", ")
			if notice == "" {
				notice = "no address given"
			}
			fmt.Fprintf(tw, "%d, %s; notice: %s\n\nDATE\tNAME\tDAY\n", y.Year, source(y), notice)
			for _, d := range y.Days {
				kind := "off"
				if !d.IsOffDay {
					kind = "make-up working day"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", d.Date, d.Name, kind)
			}
			for _, k := range y.Corrections {
				kind := "off"
				if k.Workday {
					kind = "working day"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s (corrected by %s: %s)\n", k.Date, k.Name, kind, orSystem(k.UpdatedBy), k.Reason)
			}
			return nil
		})
	}
	return cmd
}

func orSystem(user string) string {
	if user == "" {
		return "the system"
	}
	return user
}

// runCalendarReload reloads this server's calendar when another server changed it, every
// interval until ctx ends (per process: the calendar is held in memory). The warning of the
// calendar's end is a periodic job of the queue (warnCalendarEnding, jobs.go).
func (a *app) runCalendarReload(ctx context.Context, interval time.Duration) {
	tick(ctx, interval, func() {
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := a.db.SyncCalendar(jctx); err != nil && ctx.Err() == nil {
			a.logger.Error("reloading the working-day calendar", "error", err)
		}
	})
}

// warnCalendarEnding warns the authorities' admins when the covered range ends soon (once
// per end: sqlstore.CalendarService.WarnCalendarEnding locks and marks it).
func (a *app) warnCalendarEnding(ctx context.Context, now time.Time) {
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if warned, err := sqlstore.NewCalendarService(a.db).WarnCalendarEnding(jctx, now); err != nil && ctx.Err() == nil {
		a.logger.Error("warning of the calendar's end", "error", err)
	} else if warned {
		a.logger.Warn("the working-day calendar's holidays end soon; the authorities' admins were notified to import the next year")
	}
}
