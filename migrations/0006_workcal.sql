-- The years whose holidays have been filled with their computed defaults (holiday_fill_year).
-- A year listed here is governed by its rows in holidays alone, so a default an administrator
-- deleted stays deleted; a year not listed counts with its computed defaults.
CREATE TABLE holiday_years (
	year INTEGER PRIMARY KEY,
	filled_at TEXT NOT NULL
);
