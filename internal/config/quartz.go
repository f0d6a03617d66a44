package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Quartz cron expressions are what Elasticsearch snapshot schedules and
// Databricks jobs take: "sec min hour day-of-month month day-of-week [year]".
// No maintained Go library parses Quartz syntax (robfig/cron knows neither
// '?', 'L', 'W' nor '#'), hence this small checker.

type cronField struct {
	name     string
	min, max int
	names    []string // JAN.. or SUN.., index+min is the value
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	cronFields = []cronField{
		{name: "seconds", min: 0, max: 59},
		{name: "minutes", min: 0, max: 59},
		{name: "hours", min: 0, max: 23},
		{name: "day-of-month", min: 1, max: 31},
		{name: "month", min: 1, max: 12, names: monthNames},
		{name: "day-of-week", min: 1, max: 7, names: dayNames},
		{name: "year", min: 1970, max: 2099},
	}
)

// checkQuartz returns why expr is not a valid Quartz cron expression, or nil.
func checkQuartz(expr string) error {
	fields := strings.Fields(expr)
	if len(fields) != 6 && len(fields) != 7 {
		return fmt.Errorf("a Quartz cron expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), this one has %d", len(fields))
	}
	for i, f := range fields {
		if err := checkCronField(strings.ToUpper(f), cronFields[i]); err != nil {
			return fmt.Errorf("%s field %q: %v", cronFields[i].name, f, err)
		}
	}
	dom, dow := fields[3], fields[5]
	if (dom == "?") == (dow == "?") {
		return fmt.Errorf("exactly one of day-of-month and day-of-week must be '?'")
	}
	return nil
}

func checkCronField(f string, cf cronField) error {
	if f == "?" {
		if cf.name == "day-of-month" || cf.name == "day-of-week" {
			return nil
		}
		return fmt.Errorf("'?' is only allowed in day-of-month and day-of-week")
	}
	for _, item := range strings.Split(f, ",") {
		if err := checkCronItem(item, cf); err != nil {
			return err
		}
	}
	return nil
}

func checkCronItem(item string, cf cronField) error {
	if item == "" {
		return fmt.Errorf("empty list item")
	}
	switch cf.name {
	case "day-of-month":
		switch {
		case item == "L" || item == "LW":
			return nil
		case strings.HasPrefix(item, "L-"):
			return cf.value(item[2:], 0, 30)
		case strings.HasSuffix(item, "W"):
			return cf.value(item[:len(item)-1], cf.min, cf.max)
		}
	case "day-of-week":
		switch {
		case item == "L":
			return nil
		case strings.HasSuffix(item, "L"):
			return cf.value(item[:len(item)-1], cf.min, cf.max)
		case strings.Contains(item, "#"):
			d, n, _ := strings.Cut(item, "#")
			if err := cf.value(d, cf.min, cf.max); err != nil {
				return err
			}
			if k, err := strconv.Atoi(n); err != nil || k < 1 || k > 5 {
				return fmt.Errorf("the n in day#n must be 1 to 5")
			}
			return nil
		}
	}
	base, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		if k, err := strconv.Atoi(step); err != nil || k < 1 || k > cf.max {
			return fmt.Errorf("step %q must be a number from 1 to %d", step, cf.max)
		}
	}
	if base == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if err := cf.value(lo, cf.min, cf.max); err != nil {
		return err
	}
	if isRange {
		if err := cf.value(hi, cf.min, cf.max); err != nil {
			return err
		}
	}
	return nil
}

// value checks one number (or name) against [lo, hi].
func (cf cronField) value(s string, lo, hi int) error {
	if slices.Contains(cf.names, s) {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if len(cf.names) > 0 {
			return fmt.Errorf("%q is neither a number from %d to %d nor one of %s", s, lo, hi, strings.Join(cf.names, ","))
		}
		return fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)
	}
	if n < lo || n > hi {
		return fmt.Errorf("%d is out of range %d-%d", n, lo, hi)
	}
	return nil
}
