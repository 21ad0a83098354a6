-- The back office (docs/workflow.md): what the desk, the departments and the leaders record on
-- a dossier, receipt number counters, deadline extensions, and the audit log's hash chain.

-- The workflow variant is copied from the offering when the dossier is created, like its
-- agencies: an offering may change later, a dossier in progress must not.
ALTER TABLE dossiers ADD COLUMN workflow TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE dossiers ADD COLUMN department_id INTEGER REFERENCES departments (id);
ALTER TABLE dossiers ADD COLUMN assignee_id INTEGER REFERENCES accounts (id); -- who claimed it
ALTER TABLE dossiers ADD COLUMN step_due_at TEXT;     -- when the current step should be done
ALTER TABLE dossiers ADD COLUMN paused_at TEXT;       -- the clock stopped: supplement awaited
ALTER TABLE dossiers ADD COLUMN result_kind TEXT;     -- 'grant' or 'refusal'
ALTER TABLE dossiers ADD COLUMN result_json TEXT;     -- the drafted result, or the refusal's reason
ALTER TABLE dossiers ADD COLUMN approved_by INTEGER REFERENCES accounts (id);
ALTER TABLE dossiers ADD COLUMN approved_at TEXT;
ALTER TABLE dossiers ADD COLUMN finished_at TEXT;     -- processing over (done or refused)
ALTER TABLE dossiers ADD COLUMN returned_at TEXT;
ALTER TABLE dossiers ADD COLUMN return_method TEXT;   -- 'in_person' or 'post'
ALTER TABLE dossiers ADD COLUMN overdue_notified_at TEXT;

-- The queues: a desk's or a department's dossiers by status and due time.
CREATE INDEX dossiers_competent ON dossiers (competent_agency_id, status, due_at);
CREATE INDEX dossiers_department ON dossiers (department_id, status);
CREATE INDEX dossiers_due ON dossiers (status, due_at);

-- Staff notes on the timeline are kept from the citizen; 'action' names the transition.
ALTER TABLE dossier_events ADD COLUMN internal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossier_events ADD COLUMN action TEXT;

-- Receipt numbers: an agency's pattern and the first number of each day.  Tokens: {code} the
-- agency's code, {yyyy} {yy} {MM} {dd} the local date of reception, {N...} the day's counter
-- padded to as many digits as N's (default: 000.00.06.H56-261130-0001).
ALTER TABLE agencies ADD COLUMN receipt_pattern TEXT NOT NULL DEFAULT '{code}-{yy}{MM}{dd}-{NNNN}';
ALTER TABLE agencies ADD COLUMN receipt_start INTEGER NOT NULL DEFAULT 1 CHECK (receipt_start >= 0);

-- The last number given per agency and local day ('YYYY-MM-DD').
CREATE TABLE receipt_counters (
	agency_id INTEGER NOT NULL REFERENCES agencies (id),
	day TEXT NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (agency_id, day)
);

-- Each new due date a leader gives a late dossier: the history is never changed.
CREATE TABLE dossier_extensions (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	account_id INTEGER REFERENCES accounts (id),
	actor_name TEXT NOT NULL,
	old_due_at TEXT,
	new_due_at TEXT NOT NULL,
	reason TEXT NOT NULL
);
CREATE INDEX dossier_extensions_dossier ON dossier_extensions (dossier_id);

-- The audit log becomes a hash chain: each row holds the SHA-256 of the row before it and its
-- own (docs/architecture.md, "Audit"), so that editing or deleting a row shows.  Rows written
-- before this migration are sealed at the next start-up, in order.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
