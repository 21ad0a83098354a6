-- Citizen and business accounts, one-time tokens, sessions, rate limits and the mail outbox.
-- Times are ISO-8601 UTC text ('2026-11-30T00:00:00.000Z'), which sorts as time does.

CREATE TABLE accounts (
	id INTEGER PRIMARY KEY,
	account_type TEXT NOT NULL CHECK (account_type IN ('citizen', 'business')),
	full_name TEXT NOT NULL,
	email TEXT NOT NULL,
	email_key TEXT NOT NULL UNIQUE,          -- email lower-cased: uniqueness ignores case
	phone TEXT NOT NULL,                     -- national form, 10 digits starting with 0
	citizen_id TEXT NOT NULL UNIQUE,
	birth_date TEXT NOT NULL,                -- YYYY-MM-DD
	address TEXT NOT NULL,
	organization_name TEXT,
	tax_code TEXT,
	password_hash TEXT NOT NULL,             -- argon2id, libsodium's encoded string
	status TEXT NOT NULL CHECK (status IN ('inactive', 'active', 'disabled')),
	created_at TEXT NOT NULL,
	activated_at TEXT,
	updated_at TEXT NOT NULL
);

-- One-time tokens sent by email.  Only a hash of the token is stored.
CREATE TABLE account_tokens (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL CHECK (purpose IN ('activate', 'reset', 'email')),
	token_hash TEXT NOT NULL UNIQUE,
	new_email TEXT,                          -- purpose 'email': the address being confirmed
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

-- Server-side sessions.  The cookie holds 256 random bits; only their hash is stored.
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at TEXT NOT NULL                 -- absolute limit
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed or counted attempts, per key ('login:acct:<id>', 'login:ip:<addr>', 'register:ip:...').
CREATE TABLE rate_events (
	id INTEGER PRIMARY KEY,
	rate_key TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (rate_key, at);

-- Keys that must wait until a time (set when a limit is reached).
CREATE TABLE rate_blocks (
	rate_key TEXT PRIMARY KEY,
	until TEXT NOT NULL
);

-- Every email, written in the same transaction as the change that causes it.
CREATE TABLE mail_outbox (
	id INTEGER PRIMARY KEY,
	recipient TEXT NOT NULL,
	subject TEXT NOT NULL,
	body_text TEXT NOT NULL,
	body_html TEXT NOT NULL,
	message_id TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	next_attempt_at TEXT NOT NULL,
	sent_at TEXT,
	last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
