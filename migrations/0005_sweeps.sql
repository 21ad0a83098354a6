-- The background sweeps' leases (src/sweeper.c): at most one process at a time runs the sweeps
-- (expiring unconfirmed dossiers, reminding and deleting old drafts, and later the overdue
-- sweep), however many servers and `motcua sweep` commands share the database.  A holder takes
-- or renews the lease with one atomic statement that succeeds only when the row is absent, has
-- lapsed or is its own, and deletes the row when done; a crashed holder's lease lapses at
-- expires_at.  Times are ISO-8601 UTC text of the real clock (never the --clock-offset one: a
-- lease measures elapsed time between processes).
CREATE TABLE sweep_leases (
	name TEXT PRIMARY KEY,                     -- which sweep: "sweeps" for all of today's
	holder TEXT NOT NULL,                      -- "<host>:<pid>:<random>", unique per holder
	expires_at TEXT NOT NULL
);
