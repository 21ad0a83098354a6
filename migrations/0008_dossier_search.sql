-- What the staff queues' search box looks in: the applicant's name, the receipt number and the
-- citizen ID, folded (lower case, no diacritics, punctuation as spaces: lib/fold.c) and wrapped
-- in spaces, so that each typed word matches the start of a word with LIKE '% word%'.  Kept by
-- the domain whenever one of them changes; filled at start-up where still NULL.
ALTER TABLE dossiers ADD COLUMN search_text TEXT;
