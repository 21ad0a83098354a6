-- Agencies, departments, staff accounts, the procedure catalogue, offerings, public holidays and
-- the administrative audit log.  Times are ISO-8601 UTC text; days are 'YYYY-MM-DD'.

-- Staff accounts live in 'accounts' beside citizens, so login, sessions, rate limits and password
-- reset serve both.  A staff account needs no citizen ID or birth date: rebuild the table (the
-- runner turns foreign-key enforcement off around a migration and checks every key before it
-- commits).
CREATE TABLE accounts_new (
	id INTEGER PRIMARY KEY,
	account_type TEXT NOT NULL CHECK (account_type IN ('citizen', 'business', 'staff')),
	full_name TEXT NOT NULL,
	email TEXT NOT NULL,
	email_key TEXT NOT NULL UNIQUE,
	phone TEXT NOT NULL,
	citizen_id TEXT UNIQUE,
	birth_date TEXT,
	address TEXT NOT NULL,
	organization_name TEXT,
	tax_code TEXT,
	password_hash TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('inactive', 'active', 'disabled')),
	created_at TEXT NOT NULL,
	activated_at TEXT,
	updated_at TEXT NOT NULL,
	CHECK (account_type = 'staff' OR (citizen_id IS NOT NULL AND birth_date IS NOT NULL))
);
INSERT INTO accounts_new (id, account_type, full_name, email, email_key, phone, citizen_id,
                          birth_date, address, organization_name, tax_code, password_hash, status,
                          created_at, activated_at, updated_at)
	SELECT id, account_type, full_name, email, email_key, phone, citizen_id, birth_date, address,
	       organization_name, tax_code, password_hash, status, created_at, activated_at, updated_at
	FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;

-- Agencies form a tree of any depth: province bodies and centres, commune People's Committees
-- and their centres.  'code' is the electronic agency ID (mã định danh điện tử).
CREATE TABLE agencies (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	level TEXT NOT NULL CHECK (level IN ('central', 'province', 'commune')),
	parent_id INTEGER REFERENCES agencies (id),
	address TEXT NOT NULL,
	phone TEXT NOT NULL,
	email TEXT NOT NULL,
	-- JSON array of 7 strings, Monday first: "07:30-11:30,13:00-17:00", or "" when closed.
	office_hours TEXT NOT NULL,
	is_desk INTEGER NOT NULL CHECK (is_desk IN (0, 1)),           -- receives dossiers
	is_competent INTEGER NOT NULL CHECK (is_competent IN (0, 1)), -- decides on them
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX agencies_parent ON agencies (parent_id);

-- Departments (phòng, tổ chuyên môn) inside an agency.
CREATE TABLE departments (
	id INTEGER PRIMARY KEY,
	agency_id INTEGER NOT NULL REFERENCES agencies (id),
	name TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (agency_id, name)
);

-- What a staff account may do, and where.  Specialists belong to a department; a leader may.
CREATE TABLE staff (
	account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('intake', 'specialist', 'leader', 'agency_admin',
	                                   'system_admin')),
	agency_id INTEGER NOT NULL REFERENCES agencies (id),
	department_id INTEGER REFERENCES departments (id),
	title TEXT NOT NULL,                       -- position, e.g. "Chuyên viên"
	CHECK (role <> 'specialist' OR department_id IS NOT NULL)
);
CREATE INDEX staff_agency ON staff (agency_id);

-- Template files to download, stored once by content.
CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY,                   -- lower-case hex
	media_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	content BLOB NOT NULL
);

-- Administrative procedures (thủ tục hành chính).
CREATE TABLE procedures (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,                 -- national code, e.g. 1.001193
	name TEXT NOT NULL,
	search_text TEXT NOT NULL,                 -- code, name and field folded: lower case, no marks
	field TEXT NOT NULL,                       -- lĩnh vực
	level TEXT NOT NULL CHECK (level IN ('central', 'province', 'commune')),
	applicant_type TEXT NOT NULL CHECK (applicant_type IN ('citizen', 'business', 'both')),
	description TEXT NOT NULL,
	steps TEXT NOT NULL,
	submission TEXT NOT NULL,                  -- how to submit
	conditions TEXT NOT NULL,
	time_kind TEXT NOT NULL CHECK (time_kind IN ('days', 'same_day', 'hours')),
	time_value INTEGER NOT NULL,               -- working days or hours; 0 for same_day
	time_note TEXT NOT NULL,
	legal_basis TEXT NOT NULL,
	result TEXT NOT NULL,                      -- the document issued
	service_mode TEXT NOT NULL CHECK (service_mode IN ('info', 'forms', 'partial', 'full')),
	form_schema TEXT NOT NULL,                 -- JSON, see docs/form-schema.md
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- The catalogue's search index, kept by procedure_store: the filtered columns and the order of
-- each procedure in narrow rows, so a search over many procedures never reads the wide rows it
-- skips, and the words of its search_text, so words are found by prefix through an index.
CREATE TABLE procedure_search (
	id INTEGER PRIMARY KEY REFERENCES procedures (id) ON DELETE CASCADE,
	active INTEGER NOT NULL,
	sort_key TEXT NOT NULL,                    -- the name folded: the catalogue's order
	code TEXT NOT NULL,
	field TEXT NOT NULL,
	level TEXT NOT NULL,
	applicant_type TEXT NOT NULL,
	service_mode TEXT NOT NULL
);
CREATE INDEX procedure_search_order ON procedure_search (active, sort_key, code, field, level,
                                                         applicant_type, service_mode);
CREATE INDEX procedure_search_field ON procedure_search (active, field);

CREATE TABLE procedure_words (
	word TEXT NOT NULL,
	procedure_id INTEGER NOT NULL REFERENCES procedures (id) ON DELETE CASCADE,
	PRIMARY KEY (word, procedure_id)
);
CREATE INDEX procedure_words_procedure ON procedure_words (procedure_id, word);

CREATE TABLE procedure_fees (
	id INTEGER PRIMARY KEY,
	procedure_id INTEGER NOT NULL REFERENCES procedures (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	amount INTEGER NOT NULL CHECK (amount >= 0), -- đồng
	description TEXT NOT NULL,
	UNIQUE (procedure_id, position)
);

-- The documents a dossier must or may hold (thành phần hồ sơ).
CREATE TABLE procedure_documents (
	id INTEGER PRIMARY KEY,
	procedure_id INTEGER NOT NULL REFERENCES procedures (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	name TEXT NOT NULL,
	originals INTEGER NOT NULL CHECK (originals >= 0),
	copies INTEGER NOT NULL CHECK (copies >= 0),
	requirement TEXT NOT NULL CHECK (requirement IN ('mandatory', 'conditional')),
	condition TEXT NOT NULL,                   -- when conditional: in which case
	file_types TEXT NOT NULL,                  -- comma-separated: pdf,jpg,png
	max_size INTEGER NOT NULL CHECK (max_size > 0),
	multiple INTEGER NOT NULL CHECK (multiple IN (0, 1)),
	template_name TEXT,                        -- file name offered for download
	template_sha256 TEXT REFERENCES blobs (sha256),
	UNIQUE (procedure_id, position)
);

-- Which desk accepts which procedure for which competent agency.
CREATE TABLE offerings (
	id INTEGER PRIMARY KEY,
	procedure_id INTEGER NOT NULL REFERENCES procedures (id),
	desk_agency_id INTEGER NOT NULL REFERENCES agencies (id),
	competent_agency_id INTEGER NOT NULL REFERENCES agencies (id),
	department_id INTEGER REFERENCES departments (id),
	online INTEGER NOT NULL CHECK (online IN (0, 1)),
	workflow TEXT NOT NULL CHECK (workflow IN ('standard', 'no_department', 'no_leader')),
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (procedure_id, desk_agency_id, competent_agency_id)
);
CREATE INDEX offerings_desk ON offerings (desk_agency_id);

-- Public holidays and swapped working days, per calendar day.
CREATE TABLE holidays (
	id INTEGER PRIMARY KEY,
	day TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL CHECK (kind IN ('day_off', 'working_day')),
	name TEXT NOT NULL
);

-- Every administrative change: who, when, what, before and after (JSON).
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id INTEGER REFERENCES accounts (id),
	actor_name TEXT NOT NULL,
	action TEXT NOT NULL,                      -- create, update, deactivate, activate, delete, import
	entity TEXT NOT NULL,                      -- agency, department, staff, procedure, ...
	entity_id INTEGER,
	agency_id INTEGER,                         -- the agency it concerns, for scoped viewing
	summary TEXT NOT NULL,
	before_json TEXT,
	after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
