-- 0001_site.sql: the portal's public identity, shown in page headers, footers and mails.
-- Administrators edit the values; the seed is a neutral default for a provincial portal.
CREATE TABLE site_settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

INSERT INTO site_settings (key, value, updated_at) VALUES
	('portal_name', 'Cổng Dịch vụ công', '1970-01-01T00:00:00Z'),
	('agency_name', 'Ủy ban nhân dân tỉnh', '1970-01-01T00:00:00Z'),
	('agency_address', '', '1970-01-01T00:00:00Z'),
	('agency_phone', '', '1970-01-01T00:00:00Z'),
	('agency_email', '', '1970-01-01T00:00:00Z'),
	('agency_hours', 'Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00', '1970-01-01T00:00:00Z');
