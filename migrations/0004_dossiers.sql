-- Dossiers (hồ sơ) submitted online or at the desk: the working copy, its frozen versions, its
-- files, its timeline and its confirmation links (docs/dossiers.md).  Times are ISO-8601 UTC
-- text, which sorts as time does.

-- One row per dossier.  The offering's procedure and agencies are copied at creation: an
-- offering may change later, a dossier must not.  No CHECK on 'status': the workflow table in
-- the domain governs it, and SQLite cannot change a CHECK without rebuilding the table.
CREATE TABLE dossiers (
	id INTEGER PRIMARY KEY,
	owner_account_id INTEGER REFERENCES accounts (id), -- NULL: walk-in, not yet attached
	offering_id INTEGER NOT NULL REFERENCES offerings (id),
	procedure_id INTEGER NOT NULL REFERENCES procedures (id),
	desk_agency_id INTEGER NOT NULL REFERENCES agencies (id),
	competent_agency_id INTEGER NOT NULL REFERENCES agencies (id),
	channel TEXT NOT NULL CHECK (channel IN ('online', 'walk_in')),
	-- The applicant, from the form's prefill fields; lookup and attach match on the citizen ID.
	applicant_name TEXT NOT NULL DEFAULT '',
	applicant_citizen_id TEXT NOT NULL DEFAULT '',
	applicant_phone TEXT NOT NULL DEFAULT '',
	applicant_email TEXT NOT NULL DEFAULT '',
	applicant_address TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,        -- raised by every change (optimistic concurrency)
	form_data TEXT NOT NULL,                   -- the working copy: JSON, field name -> answer
	receipt_no TEXT,                           -- given at reception
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	submitted_at TEXT,
	confirmed_at TEXT,
	received_at TEXT,
	due_at TEXT,
	withdrawn_at TEXT,
	withdraw_reason TEXT,
	draft_reminded_at TEXT                     -- the sweep's reminder before deleting a draft
);
CREATE INDEX dossiers_owner ON dossiers (owner_account_id, updated_at);
CREATE INDEX dossiers_desk ON dossiers (desk_agency_id, status);
CREATE UNIQUE INDEX dossiers_receipt_no ON dossiers (receipt_no);
CREATE INDEX dossiers_applicant ON dossiers (applicant_citizen_id);
-- The sweeps: unconfirmed dossiers to expire, drafts to remind and delete.
CREATE INDEX dossiers_status_updated ON dossiers (status, updated_at);

-- A frozen copy of form_data at each submit and each supplement update; staff compare
-- consecutive versions.
CREATE TABLE dossier_versions (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
	number INTEGER NOT NULL,                   -- the dossier's version when frozen
	form_data TEXT NOT NULL,
	created_at TEXT NOT NULL,
	account_id INTEGER REFERENCES accounts (id), -- who; NULL for the system
	actor_name TEXT NOT NULL,
	reason TEXT NOT NULL,                      -- why: submit, supplement ...
	UNIQUE (dossier_id, number)
);

-- One row per attached file.  The bytes live in <data>/files/ by hash; versions share unchanged
-- files: a file belongs to the versions from added_in up to (not including) removed_in, and the
-- current files are those with removed_in NULL.
CREATE TABLE dossier_files (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
	document_id INTEGER NOT NULL REFERENCES procedure_documents (id), -- stable across edits
	sha256 TEXT NOT NULL,                      -- lower-case hex
	name TEXT NOT NULL,                        -- display name, as uploaded
	kind TEXT NOT NULL,                        -- file type found from the content: pdf, jpg ...
	size INTEGER NOT NULL CHECK (size >= 0),   -- bytes
	added_in INTEGER NOT NULL,
	removed_in INTEGER,
	created_at TEXT NOT NULL
);
CREATE INDEX dossier_files_dossier ON dossier_files (dossier_id, removed_in);
-- The draft sweep keeps bytes only while another dossier uses them.
CREATE INDEX dossier_files_sha256 ON dossier_files (sha256);

-- The timeline: who moved the dossier from which status to which, when, and why.
CREATE TABLE dossier_events (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	account_id INTEGER REFERENCES accounts (id), -- NULL for the system (a sweep)
	actor_name TEXT NOT NULL,
	from_status TEXT,                          -- NULL for the creation
	to_status TEXT NOT NULL,
	note TEXT NOT NULL
);
CREATE INDEX dossier_events_dossier ON dossier_events (dossier_id, id);

-- Confirmation links.  Only the hash of each 256-bit token is stored; a token is single use and
-- valid for 72 hours.
CREATE TABLE dossier_tokens (
	id INTEGER PRIMARY KEY,
	dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT
);
CREATE INDEX dossier_tokens_dossier ON dossier_tokens (dossier_id);
