package config

import "testing"

func TestQuartz(t *testing.T) {
	valid := []string{
		"0 0 1 * * ?",          // the guide's snapshot default
		"59 59 23 * * ?",       // the guide's Databricks default
		"0 30 1 ? * MON-FRI",   //
		"0 0/15 * * * ?",       //
		"0 0 12 L * ?",         // last day of the month
		"0 0 12 L-3 * ?",       //
		"0 0 12 15W * ?",       // nearest weekday to the 15th
		"0 0 12 LW * ?",        //
		"0 0 12 ? * 6L",        // last Friday
		"0 0 12 ? * 2#1",       // first Monday
		"0 0 12 ? JAN,JUL SUN", //
		"0 0 12 1 * ? 2030",    // with a year
		"0 15 10 ? * * 2025-2030",
		"*/5 * * ? * *",
	}
	for _, e := range valid {
		if err := checkQuartz(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	invalid := []string{
		"",
		"0 1 * * *",          // Unix cron: 5 fields
		"0 0 1 * * ? 2030 1", // 8 fields
		"60 0 1 * * ?",       // second out of range
		"0 60 1 * * ?",       //
		"0 0 24 * * ?",       //
		"0 0 1 32 * ?",       //
		"0 0 1 0 * ?",        //
		"0 0 1 * 13 ?",       //
		"0 0 1 ? * 8",        //
		"0 0 1 * * *",        // neither day field is ?
		"0 0 1 ? * ?",        // both are
		"? 0 1 * * ?",        // ? outside the day fields
		"0 0 1 * FOO ?",      //
		"0 0 1 ? * MON#6",    //
		"0 0/0 1 * * ?",      // zero step
		"0 0 1 * * ? 1960",   //
		"0 0 1,,2 * * ?",     //
		"0 0 1-x * * ?",      //
		"0 0 1 5L * ?",       // L-suffix only in day-of-week
	}
	for _, e := range invalid {
		if err := checkQuartz(e); err == nil {
			t.Errorf("%q: accepted", e)
		}
	}
}
