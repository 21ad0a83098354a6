/* test_filestore.c: unit tests for domain/filestore (content types, durable storage by hash,
 * safe removal, download paths, display names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uninorm.h>
#include <unistr.h>

#include "domain/filestore.h"
#include "domain/procedure.h"
#include "lib/err.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture: a store in a fresh folder under /tmp ---- */

struct fixture {
	char root[64];      /* mkdtemp folder */
	char dir[96];       /* root/files: the store */
	struct filestore *fs;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/filestore-test-XXXXXX");
	if (mkdtemp(f->root) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/files", f->root);
	if (filestore_open(f->dir, &f->fs, err, sizeof(err)) != 0) {
		fprintf(stderr, "filestore_open: %s\n", err);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	filestore_close(f->fs);
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- sample files ---- */

/* A growing byte buffer for building samples. */
struct bytes {
	unsigned char data[8192];
	size_t len;
};

static void put_bytes(struct bytes *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->data));
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_u16(struct bytes *b, unsigned v)
{
	unsigned char p[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	put_bytes(b, p, 2);
}

static void put_u32(struct bytes *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 24) };

	put_bytes(b, p, 4);
}

static void put_u32_be(struct bytes *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 8), (unsigned char)v };

	put_bytes(b, p, 4);
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (uint32_t)-(int32_t)(c & 1));
	}
	return c ^ 0xFFFFFFFFu;
}

static const char sample_pdf[] = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\n"
                                 "endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
static const unsigned char sample_jpeg[] = {
	0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
};

/* PNG signature and an IHDR chunk for a 1x1 RGB image. */
static void make_png(struct bytes *b)
{
	static const unsigned char ihdr[] = { 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2,
	                                      0, 0, 0 };

	b->len = 0;
	put_bytes(b, "\x89PNG\r\n\x1A\n", 8);
	put_u32_be(b, 13);
	put_bytes(b, ihdr, sizeof(ihdr));
	put_u32_be(b, crc32_of(ihdr, sizeof(ihdr)));
}

struct zip_entry {
	const char *name;
	const char *data;
};

/* A zip archive of stored (uncompressed) entries, with its central directory. */
static void make_zip(struct bytes *b, const struct zip_entry *e, size_t n)
{
	uint32_t offsets[16], cd;

	assert_true(n <= COUNT(offsets));
	b->len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t nlen = strlen(e[i].name), dlen = strlen(e[i].data);

		offsets[i] = (uint32_t)b->len;
		put_bytes(b, "PK\3\4", 4);
		put_u16(b, 20);                 /* version needed */
		put_u16(b, 0);                  /* flags */
		put_u16(b, 0);                  /* stored */
		put_u16(b, 0);                  /* time */
		put_u16(b, 0x21);               /* date */
		put_u32(b, crc32_of((const unsigned char *)e[i].data, dlen));
		put_u32(b, (uint32_t)dlen);
		put_u32(b, (uint32_t)dlen);
		put_u16(b, (unsigned)nlen);
		put_u16(b, 0);
		put_bytes(b, e[i].name, nlen);
		put_bytes(b, e[i].data, dlen);
	}
	cd = (uint32_t)b->len;
	for (size_t i = 0; i < n; i++) {
		size_t nlen = strlen(e[i].name), dlen = strlen(e[i].data);

		put_bytes(b, "PK\1\2", 4);
		put_u16(b, 20);                 /* made by */
		put_u16(b, 20);                 /* needed */
		put_u16(b, 0);
		put_u16(b, 0);
		put_u16(b, 0);
		put_u16(b, 0x21);
		put_u32(b, crc32_of((const unsigned char *)e[i].data, dlen));
		put_u32(b, (uint32_t)dlen);
		put_u32(b, (uint32_t)dlen);
		put_u16(b, (unsigned)nlen);
		put_u16(b, 0);                  /* extra */
		put_u16(b, 0);                  /* comment */
		put_u16(b, 0);                  /* disk */
		put_u16(b, 0);                  /* internal attributes */
		put_u32(b, 0);                  /* external attributes */
		put_u32(b, offsets[i]);
		put_bytes(b, e[i].name, nlen);
	}
	put_bytes(b, "PK\5\6", 4);
	put_u16(b, 0);
	put_u16(b, 0);
	put_u16(b, (unsigned)n);
	put_u16(b, (unsigned)n);
	put_u32(b, (uint32_t)b->len - cd - 4 - 2 - 2 - 2 - 2); /* central directory size */
	put_u32(b, cd);
	put_u16(b, 0);
}

#define CONTENT_TYPES "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://" \
                      "schemas.openxmlformats.org/package/2006/content-types\"></Types>"

/* A docx the way Word writes it: libmagic names it from its first entries. */
static const struct zip_entry docx_entries[] = {
	{ "[Content_Types].xml", CONTENT_TYPES },
	{ "_rels/.rels", "<Relationships/>" },
	{ "word/document.xml", "<w:document/>" },
};
/* A docx some tools write (no _rels/ first): libmagic 5.44 calls it a plain zip. */
static const struct zip_entry docx_other_entries[] = {
	{ "[Content_Types].xml", CONTENT_TYPES },
	{ "word/document.xml", "<w:document/>" },
	{ "_rels/.rels", "<Relationships/>" },
};
/* A .docm (macros): Word refuses it as a .docx. */
static const struct zip_entry docm_entries[] = {
	{ "[Content_Types].xml", CONTENT_TYPES },
	{ "_rels/.rels", "<Relationships/>" },
	{ "word/document.xml", "<w:document/>" },
	{ "word/vbaProject.bin", "\xD0\xCF\x11\xE0" },
};
static const struct zip_entry xlsx_entries[] = {
	{ "[Content_Types].xml", CONTENT_TYPES },
	{ "_rels/.rels", "<Relationships/>" },
	{ "xl/workbook.xml", "<workbook/>" },
};
static const struct zip_entry xlsx_other_entries[] = {
	{ "docProps/app.xml", "<Properties/>" },
	{ "[Content_Types].xml", CONTENT_TYPES },
	{ "xl/workbook.xml", "<workbook/>" },
};
static const struct zip_entry odt_entries[] = {
	{ "mimetype", "application/vnd.oasis.opendocument.text" },
	{ "content.xml", "<office:document-content/>" },
};
/* An ODF text whose mimetype entry is not first: libmagic calls it a zip. */
static const struct zip_entry odt_other_entries[] = {
	{ "content.xml", "<office:document-content/>" },
	{ "mimetype", "application/vnd.oasis.opendocument.text" },
};
static const struct zip_entry ods_entries[] = {
	{ "mimetype", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "content.xml", "<office:document-content/>" },
};
static const struct zip_entry zip_entries[] = {
	{ "giay-to/don.txt", "Don de nghi" },
	{ "giay-to/cccd.txt", "CCCD" },
};
/* Both word/ and xl/ parts: not a docx nor an xlsx, but still a zip. */
static const struct zip_entry mixed_entries[] = {
	{ "docProps/app.xml", "<Properties/>" },
	{ "[Content_Types].xml", CONTENT_TYPES },
	{ "word/document.xml", "<w:document/>" },
	{ "xl/workbook.xml", "<workbook/>" },
};

/*
 * An OLE compound file (Word/Excel 97-2003 container): header, one FAT sector, one directory
 * sector (the root and one stream named 'stream'), and the stream's 4096 bytes.
 */
static void make_cfb(struct bytes *b, const char *stream)
{
	unsigned char hdr[512] = { 0 }, fat[512], dir[512] = { 0 };

	memcpy(hdr, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
	hdr[0x18] = 0x3E;                                   /* minor version */
	hdr[0x1A] = 3;                                      /* major version 3: 512-byte sectors */
	hdr[0x1C] = 0xFE, hdr[0x1D] = 0xFF;                 /* little-endian */
	hdr[0x1E] = 9;                                      /* sector shift */
	hdr[0x20] = 6;                                      /* mini sector shift */
	hdr[0x2C] = 1;                                      /* FAT sectors */
	hdr[0x30] = 1;                                      /* first directory sector */
	hdr[0x39] = 0x10;                                   /* mini stream cutoff 4096 */
	memset(hdr + 0x3C, 0xFF, 4), hdr[0x3C] = 0xFE;      /* no mini FAT */
	memset(hdr + 0x44, 0xFF, 4), hdr[0x44] = 0xFE;      /* no DIFAT sectors */
	memset(hdr + 0x4C, 0xFF, 109 * 4);
	memset(hdr + 0x4C, 0, 4);                           /* the FAT is sector 0 */

	memset(fat, 0xFF, sizeof(fat));
	memcpy(fat, "\xFD\xFF\xFF\xFF", 4);                 /* sector 0: FAT */
	memcpy(fat + 4, "\xFE\xFF\xFF\xFF", 4);             /* sector 1: directory, end */
	for (unsigned s = 2; s < 9; s++) {                  /* sectors 2..9: the stream */
		fat[4 * s] = (unsigned char)(s + 1);
		memset(fat + 4 * s + 1, 0, 3);
	}
	memcpy(fat + 4 * 9, "\xFE\xFF\xFF\xFF", 4);

	for (int i = 0; i < 4; i++) {
		unsigned char *e = dir + 128 * i;
		const char *name = i == 0 ? "Root Entry" : i == 1 ? stream : NULL;

		memset(e + 68, 0xFF, 12);                       /* left, right, child: none */
		if (name == NULL)
			continue;
		for (size_t k = 0; name[k] != '\0'; k++)
			e[2 * k] = (unsigned char)name[k];          /* UTF-16LE */
		e[64] = (unsigned char)(2 * strlen(name) + 2);
		e[66] = i == 0 ? 5 : 2;                         /* root storage, stream */
		e[67] = 1;                                      /* black */
		if (i == 0) {
			e[76] = 1, e[77] = e[78] = e[79] = 0;      /* child: entry 1 */
			memcpy(e + 116, "\xFE\xFF\xFF\xFF", 4);
		} else {
			e[116] = 2;                                 /* first sector */
			e[121] = 0x10;                              /* size 4096 */
		}
	}
	b->len = 0;
	put_bytes(b, hdr, sizeof(hdr));
	put_bytes(b, fat, sizeof(fat));
	put_bytes(b, dir, sizeof(dir));
	memset(b->data + b->len, 0, 4096);
	b->len += 4096;
}

static const char *const all_kinds[] = { "pdf", "jpg", "png", "docx", "doc",
                                         "xlsx", "xls", "odt", "zip", "xml" };

/* The kind of data[0..len) among 'allowed' (NULL-terminated), or NULL when refused. */
static const char *kind_of(struct filestore *fs, const void *data, size_t len,
                           const char *const *allowed, size_t n)
{
	const char *kind = "sentinel";
	int rc = filestore_type_of(fs, data, len, allowed, n, &kind);

	if (rc != 0) {
		assert_int_equal(rc, MC_EINVAL);
		assert_null(kind);
		return NULL;
	}
	assert_non_null(kind);
	return kind;
}

#define ONLY(...) (const char *const[]){ __VA_ARGS__ }, COUNT(((const char *const[]){ __VA_ARGS__ }))
#define ANY all_kinds, COUNT(all_kinds)

/* Fail at the caller's line when kind 'got' is not 'want' (NULL: refused). */
static void check_kind(const char *got, const char *want, const char *file, int line)
{
	if (got == want || (got != NULL && want != NULL && strcmp(got, want) == 0))
		return;
	print_error("kind %s, expected %s\n", got ? got : "(refused)", want ? want : "(refused)");
	_fail(file, line);
}

#define assert_kind(got, want) check_kind(got, want, __FILE__, __LINE__)

/* ---- content types ---- */

static void test_type_images_pdf(void **state)
{
	struct fixture *f = *state;
	struct bytes png;

	make_png(&png);
	assert_kind(kind_of(f->fs, sample_pdf, sizeof(sample_pdf) - 1, ANY), "pdf");
	assert_kind(kind_of(f->fs, sample_jpeg, sizeof(sample_jpeg), ANY), "jpg");
	assert_kind(kind_of(f->fs, png.data, png.len, ANY), "png");
	assert_kind(kind_of(f->fs, png.data, png.len, ONLY("pdf", "jpg", "png")), "png");
	/* A PNG named x.pdf: the name never reaches the check, the content is refused. */
	assert_kind(kind_of(f->fs, png.data, png.len, ONLY("pdf")), NULL);
	assert_kind(kind_of(f->fs, sample_jpeg, sizeof(sample_jpeg), ONLY("pdf", "png")), NULL);
	assert_kind(kind_of(f->fs, sample_pdf, sizeof(sample_pdf) - 1, ONLY("jpg", "docx")), NULL);
	/* Unknown names in the list are ignored. */
	assert_kind(kind_of(f->fs, sample_pdf, sizeof(sample_pdf) - 1, ONLY("exe", "pdf")), "pdf");
	assert_kind(kind_of(f->fs, sample_pdf, sizeof(sample_pdf) - 1, ONLY("exe")), NULL);
	/* The static kind string is not the caller's. */
	{
		char mine[] = "pdf";
		const char *const allowed[] = { mine };
		const char *k = kind_of(f->fs, sample_pdf, sizeof(sample_pdf) - 1, allowed, 1);

		assert_ptr_not_equal(k, mine);
	}
}

static void test_type_empty_and_text(void **state)
{
	struct fixture *f = *state;
	const char *kind = "sentinel";
	static const char text[] = "Đơn đề nghị cấp giấy phép\n";
	static const char html[] = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n";
	static const unsigned char junk[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xFE };

	assert_int_equal(filestore_type_of(f->fs, sample_pdf, 0, ANY, &kind), MC_EINVAL);
	assert_null(kind);
	assert_int_equal(filestore_type_of(f->fs, "", 0, ANY, &kind), MC_EINVAL);
	assert_kind(kind_of(f->fs, text, sizeof(text) - 1, ANY), NULL);
	assert_kind(kind_of(f->fs, html, sizeof(html) - 1, ANY), NULL);
	assert_kind(kind_of(f->fs, junk, sizeof(junk), ANY), NULL);
	/* Nothing allowed. */
	assert_int_equal(filestore_type_of(f->fs, sample_pdf, sizeof(sample_pdf) - 1, all_kinds, 0,
	                                   &kind), MC_EINVAL);
}

static void test_type_xml(void **state)
{
	struct fixture *f = *state;
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hoSo><ten>An</ten></hoSo>\n";
	static const char bare[] = "\xEF\xBB\xBF\n  <hoSo><ten>An</ten></hoSo>\n";
	static const char notxml[] = "hoSo <ten>\n";

	assert_kind(kind_of(f->fs, decl, sizeof(decl) - 1, ANY), "xml");
	assert_kind(kind_of(f->fs, decl, sizeof(decl) - 1, ONLY("pdf")), NULL);
	assert_kind(kind_of(f->fs, bare, sizeof(bare) - 1, ONLY("xml")), "xml");
	assert_kind(kind_of(f->fs, notxml, sizeof(notxml) - 1, ONLY("xml")), NULL);
}

static void test_type_office_zip(void **state)
{
	struct fixture *f = *state;
	struct bytes b;

	make_zip(&b, docx_entries, COUNT(docx_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ANY), "docx");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx")), "docx");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("zip")), "zip");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("pdf", "xlsx", "doc", "odt")), NULL);

	make_zip(&b, docx_other_entries, COUNT(docx_other_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx")), "docx");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("xlsx")), NULL);

	make_zip(&b, docm_entries, COUNT(docm_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx")), NULL);
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx", "zip")), "zip");

	make_zip(&b, xlsx_entries, COUNT(xlsx_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ANY), "xlsx");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx")), NULL);
	make_zip(&b, xlsx_other_entries, COUNT(xlsx_other_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx", "xlsx")), "xlsx");

	make_zip(&b, odt_entries, COUNT(odt_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ANY), "odt");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx")), NULL);
	make_zip(&b, odt_other_entries, COUNT(odt_other_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("odt")), "odt");
	/* An ODF spreadsheet is not an odt. */
	make_zip(&b, ods_entries, COUNT(ods_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("odt")), NULL);
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("odt", "zip")), "zip");

	make_zip(&b, zip_entries, COUNT(zip_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ANY), "zip");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx", "xlsx", "odt")), NULL);
	make_zip(&b, mixed_entries, COUNT(mixed_entries));
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx", "xlsx")), NULL);
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx", "zip")), "zip");

	/* A zip cut short (no central directory) is refused even where zips are allowed, though
	 * libmagic, reading the first entries only, calls the first one a docx. */
	make_zip(&b, docx_entries, COUNT(docx_entries));
	assert_kind(kind_of(f->fs, b.data, b.len - 30, ONLY("docx", "zip")), NULL);
	assert_kind(kind_of(f->fs, b.data, 200, ONLY("docx", "zip")), NULL);
	/* A central directory pointing outside the file. */
	b.data[b.len - 6] = 0xFF;
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("docx", "zip")), NULL);
	assert_kind(kind_of(f->fs, "PK\3\4", 4, ONLY("zip")), NULL);
}

static void test_type_ole(void **state)
{
	struct fixture *f = *state;
	struct bytes b;

	make_cfb(&b, "WordDocument");
	assert_kind(kind_of(f->fs, b.data, b.len, ANY), "doc");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("xls", "docx")), NULL);
	make_cfb(&b, "Workbook");
	assert_kind(kind_of(f->fs, b.data, b.len, ANY), "xls");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("doc")), NULL);
	/* A compound file libmagic cannot name: a doc where doc is allowed, else an xls. */
	make_cfb(&b, "SomeStream");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("xls", "doc")), "doc");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("xls")), "xls");
	assert_kind(kind_of(f->fs, b.data, b.len, ONLY("pdf", "zip")), NULL);
}

static void test_media_type(void **state)
{
	(void)state;
	assert_string_equal(filestore_media_type("pdf"), "application/pdf");
	assert_string_equal(filestore_media_type("jpg"), "image/jpeg");
	assert_string_equal(filestore_media_type("xlsx"),
	                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	for (size_t i = 0; i < COUNT(all_kinds); i++)
		assert_non_null(filestore_media_type(all_kinds[i]));
	assert_null(filestore_media_type("exe"));
	assert_null(filestore_media_type(NULL));
}

/* ---- storing ---- */

static void sodium_hex(const void *data, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* The whole content of 'path' (malloc'd) and its length, or NULL when it cannot be read. */
static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static int counted_files, counted_tmp;

static int count_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_F) {
		if (strstr(path, "/tmp/put-") != NULL)
			counted_tmp++;
		else
			counted_files++;
	}
	return 0;
}

/* Count stored files and temporary files under the store. */
static void count_files(const struct fixture *f, int *stored, int *tmp)
{
	counted_files = counted_tmp = 0;
	assert_int_equal(nftw(f->dir, count_entry, 16, FTW_PHYS), 0);
	*stored = counted_files;
	*tmp = counted_tmp;
}

/* Check that 'hex' is stored with exactly data[0..len), through path and open_read. */
static void check_stored(const struct fixture *f, const char *hex, const void *data, size_t len)
{
	char path[512], want[512];
	unsigned char *got, *got2;
	size_t glen = 0, size = 0;
	struct stat st;
	int fd = -1;

	assert_int_equal(filestore_path(f->fs, hex, path, sizeof(path)), 0);
	snprintf(want, sizeof(want), "%s/%.2s/%.2s/%s", f->dir, hex, hex + 2, hex);
	assert_string_equal(path, want);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	got = read_file(path, &glen);
	assert_non_null(got);
	assert_int_equal(glen, len);
	assert_memory_equal(got, data, len);
	free(got);

	assert_int_equal(filestore_open_read(f->fs, hex, &fd, &size), 0);
	assert_true(fd >= 0);
	assert_int_equal(size, len);
	got2 = malloc(len + 1);
	assert_non_null(got2);
	assert_int_equal(read(fd, got2, len + 1), (ssize_t)len);
	assert_memory_equal(got2, data, len);
	free(got2);
	close(fd);
}

static void test_put_hash_and_layout(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], want[65], path[512];
	struct stat st;
	int stored, tmp;

	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, hex), 0);
	sodium_hex(sample_pdf, sizeof(sample_pdf) - 1, want);
	assert_string_equal(hex, want);
	check_stored(f, hex, sample_pdf, sizeof(sample_pdf) - 1);
	/* Two levels of fan-out, private folders. */
	snprintf(path, sizeof(path), "%s/%.2s", f->dir, hex);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s", f->dir, hex, hex + 2);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 1);
	assert_int_equal(tmp, 0);

	/* The known digest of "abc" (FIPS 180-2), through the store. */
	assert_int_equal(filestore_put(f->fs, "abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_stored(f, hex, "abc", 3);
}

static void test_put_twice_stored_once(void **state)
{
	struct fixture *f = *state;
	char a[FILESTORE_SHA256_HEX], b[FILESTORE_SHA256_HEX], c[FILESTORE_SHA256_HEX];
	struct bytes png;
	int stored, tmp;

	make_png(&png);
	assert_int_equal(filestore_put(f->fs, png.data, png.len, a), 0);
	assert_int_equal(filestore_put(f->fs, png.data, png.len, b), 0);
	assert_string_equal(a, b);
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 1);
	assert_int_equal(tmp, 0);
	check_stored(f, a, png.data, png.len);
	/* Other content: another file. */
	assert_int_equal(filestore_put(f->fs, sample_jpeg, sizeof(sample_jpeg), c), 0);
	assert_string_not_equal(a, c);
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 2);
	assert_int_equal(tmp, 0);
}

static void test_put_large(void **state)
{
	struct fixture *f = *state;
	size_t len = 3 * 1024 * 1024 + 12345; /* several write chunks, not a multiple of one */
	unsigned char *data = malloc(len);
	char hex[FILESTORE_SHA256_HEX], want[65];

	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	assert_int_equal(filestore_put(f->fs, data, len, hex), 0);
	sodium_hex(data, len, want);
	assert_string_equal(hex, want);
	check_stored(f, hex, data, len);
	free(data);
}

static void test_put_refused(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX] = "x";

	assert_int_equal(filestore_put(f->fs, sample_pdf, 0, hex), MC_EINVAL);
	assert_string_equal(hex, "");
	/* Larger than any catalogue allows: refused before the data is read. */
	hex[0] = 'x';
	assert_int_equal(filestore_put(f->fs, sample_pdf, (size_t)PROCEDURE_DOCUMENT_SIZE_MAX + 1,
	                               hex), MC_ETOOBIG);
	assert_string_equal(hex, "");
}

/* A failing file system: the error is MC_EIO with errno kept, and nothing is left behind. */
static void test_put_io_errors(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], want[65], path[512];
	int stored, tmp, fd;

	/* tmp/ replaced by a file: no temporary file can be made. */
	snprintf(path, sizeof(path), "%s/tmp", f->dir);
	assert_int_equal(rmdir(path), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, hex), MC_EIO);
	assert_int_equal(errno, ENOTDIR);
	assert_string_equal(hex, "");
	assert_int_equal(unlink(path), 0);
	/* tmp/ removed: made again. */
	assert_int_equal(filestore_put(f->fs, "abc", 3, hex), 0);

	/* The first fan-out folder is a file: the rename fails, the temporary file goes. */
	sodium_hex(sample_pdf, sizeof(sample_pdf) - 1, want);
	snprintf(path, sizeof(path), "%s/%.2s", f->dir, want);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, hex), MC_EIO);
	assert_int_equal(errno, ENOTDIR);
	assert_string_equal(hex, "");
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 2); /* "abc" and the blocking file */
	assert_int_equal(tmp, 0);
	assert_int_equal(filestore_path(f->fs, want, path, sizeof(path)), MC_ENOTFOUND);
}

/* What a crash in the middle of a put leaves: not a stored file, and no obstacle. */
static void test_put_after_crash(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], want[65], path[512];
	size_t size = 99;
	int fd = 7, stored, tmp;

	sodium_hex(sample_pdf, sizeof(sample_pdf) - 1, want);
	snprintf(path, sizeof(path), "%s/tmp/put-%ld-0", f->dir, (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, sample_pdf, 10), 10);
	close(fd);
	assert_int_equal(filestore_path(f->fs, want, path, sizeof(path)), MC_ENOTFOUND);
	assert_string_equal(path, "");
	assert_int_equal(filestore_open_read(f->fs, want, &fd, &size), MC_ENOTFOUND);
	assert_int_equal(fd, -1);
	assert_int_equal(size, 0);
	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, hex), 0);
	assert_string_equal(hex, want);
	check_stored(f, hex, sample_pdf, sizeof(sample_pdf) - 1);
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 1);
	assert_int_equal(tmp, 1); /* the young leftover stays until it is stale */
}

/* A damaged file under the final name (wrong size) is replaced by the next put. */
static void test_put_repairs(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], want[65], path[512];
	int fd;

	sodium_hex(sample_pdf, sizeof(sample_pdf) - 1, want);
	snprintf(path, sizeof(path), "%s/%.2s", f->dir, want);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s", f->dir, want, want + 2);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", f->dir, want, want + 2, want);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, sample_pdf, 10), 10);
	close(fd);
	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, hex), 0);
	assert_string_equal(hex, want);
	check_stored(f, hex, sample_pdf, sizeof(sample_pdf) - 1);
}

/* Stale temporary files are swept when the store opens; young ones are kept. */
static void test_open_sweeps_stale(void **state)
{
	struct fixture *f = *state;
	char old[512], young[512], other[512], err[256];
	struct timespec times[2];
	struct stat st;
	int fd;

	snprintf(old, sizeof(old), "%s/tmp/put-1-1", f->dir);
	snprintf(young, sizeof(young), "%s/tmp/put-1-2", f->dir);
	snprintf(other, sizeof(other), "%s/tmp/keep-me", f->dir);
	for (int i = 0; i < 3; i++) {
		fd = open(i == 0 ? old : i == 1 ? young : other, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	times[0].tv_sec = times[1].tv_sec = time(NULL) - FILESTORE_TMP_STALE_SECONDS - 60;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, old, times, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, other, times, 0), 0);
	filestore_close(f->fs);
	f->fs = NULL;
	assert_int_equal(filestore_open(f->dir, &f->fs, err, sizeof(err)), 0);
	assert_int_equal(stat(old, &st), -1);
	assert_int_equal(stat(young, &st), 0);
	assert_int_equal(stat(other, &st), 0); /* not ours */
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct filestore *fs = (struct filestore *)1;
	char dir[512], err[256] = "";

	snprintf(dir, sizeof(dir), "%s/missing/files", f->root);
	assert_int_equal(filestore_open(dir, &fs, err, sizeof(err)), MC_EIO);
	assert_null(fs);
	assert_non_null(strstr(err, "missing/files"));
	fs = (struct filestore *)1;
	assert_int_equal(filestore_open("", &fs, err, sizeof(err)), MC_EINVAL);
	assert_null(fs);
	/* A file where the folder should be. */
	snprintf(dir, sizeof(dir), "%s/plain", f->root);
	close(open(dir, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(filestore_open(dir, &fs, NULL, 0), MC_EIO);
	assert_null(fs);
	filestore_close(NULL);
}

static void test_bad_hashes(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], path[512], upper[65], traversal[80];
	const char *bad[] = {
		NULL, "", "abc", upper, traversal,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",   /* 63 */
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", /* 65 */
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2001/ad",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2001 ad",
	};
	size_t size;
	int fd;

	assert_int_equal(filestore_put(f->fs, "abc", 3, hex), 0);
	for (size_t i = 0; i < 64; i++)
		upper[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	upper[64] = '\0';
	snprintf(traversal, sizeof(traversal), "../../%s", hex);
	for (size_t i = 0; i < COUNT(bad); i++) {
		snprintf(path, sizeof(path), "sentinel");
		assert_int_equal(filestore_path(f->fs, bad[i], path, sizeof(path)), MC_EINVAL);
		assert_string_equal(path, "");
		fd = 5;
		size = 5;
		assert_int_equal(filestore_open_read(f->fs, bad[i], &fd, &size), MC_EINVAL);
		assert_int_equal(fd, -1);
		assert_int_equal(size, 0);
	}
	/* Well formed but absent. */
	assert_int_equal(filestore_path(f->fs, "0000000000000000000000000000000000000000000000000000000000000000",
	                                path, sizeof(path)), MC_ENOTFOUND);
	assert_int_equal(filestore_open_read(f->fs, "0000000000000000000000000000000000000000000000000000000000000000",
	                                     &fd, &size), MC_ENOTFOUND);
	/* Present, but the buffer is too small. */
	assert_int_equal(filestore_path(f->fs, hex, path, 20), MC_ETOOBIG);
	assert_string_equal(path, "");
}

/* ---- removing ---- */

/* Set the modification time of stored file 'hex' to 'age' seconds ago. */
static void age_file(const struct fixture *f, const char *hex, long age)
{
	char path[512];
	struct timespec times[2];

	assert_int_equal(filestore_path(f->fs, hex, path, sizeof(path)), 0);
	times[0].tv_sec = times[1].tv_sec = time(NULL) - age;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static time_t mtime_of(const struct fixture *f, const char *hex)
{
	char path[512];
	struct stat st;

	assert_int_equal(filestore_path(f->fs, hex, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mtime;
}

/* A put of content already stored makes the file young again. */
static void test_put_refreshes_time(void **state)
{
	struct fixture *f = *state;
	char a[FILESTORE_SHA256_HEX], b[FILESTORE_SHA256_HEX];
	int stored, tmp;

	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, a), 0);
	age_file(f, a, 2 * FILESTORE_TMP_STALE_SECONDS);
	assert_true(mtime_of(f, a) < time(NULL) - FILESTORE_TMP_STALE_SECONDS);
	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, b), 0);
	assert_string_equal(a, b);
	assert_true(mtime_of(f, a) >= time(NULL) - 5);
	check_stored(f, a, sample_pdf, sizeof(sample_pdf) - 1);
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 1);
	assert_int_equal(tmp, 0);
}

static void test_remove(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], other[FILESTORE_SHA256_HEX], path[512];
	const char *absent = "0000000000000000000000000000000000000000000000000000000000000000";
	int removed, stored, tmp;

	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, hex), 0);
	assert_int_equal(filestore_put(f->fs, "abc", 3, other), 0);

	/* Malformed names never reach the file system. */
	removed = 7;
	assert_int_equal(filestore_remove(f->fs, NULL, 0, &removed), MC_EINVAL);
	assert_int_equal(removed, 0);
	assert_int_equal(filestore_remove(f->fs, "../../etc/passwd", 0, NULL), MC_EINVAL);
	assert_int_equal(filestore_remove(f->fs, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
	                                  0, NULL), MC_EINVAL);
	assert_int_equal(filestore_remove(f->fs, hex, -1, &removed), MC_EINVAL);
	/* Absent: nothing to do. */
	removed = 7;
	assert_int_equal(filestore_remove(f->fs, absent, 0, &removed), 0);
	assert_int_equal(removed, 0);

	/* Young: kept. */
	removed = 7;
	assert_int_equal(filestore_remove(f->fs, hex, FILESTORE_TMP_STALE_SECONDS, &removed), 0);
	assert_int_equal(removed, 0);
	check_stored(f, hex, sample_pdf, sizeof(sample_pdf) - 1);
	/* Old enough: gone, and only that file. */
	age_file(f, hex, FILESTORE_TMP_STALE_SECONDS + 1);
	assert_int_equal(filestore_remove(f->fs, hex, FILESTORE_TMP_STALE_SECONDS, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(filestore_path(f->fs, hex, path, sizeof(path)), MC_ENOTFOUND);
	check_stored(f, other, "abc", 3);
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 1);
	/* Twice: the second finds nothing. */
	removed = 7;
	assert_int_equal(filestore_remove(f->fs, hex, 0, &removed), 0);
	assert_int_equal(removed, 0);
	/* The content may come back: same name, in the folders that stayed. */
	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, hex), 0);
	check_stored(f, hex, sample_pdf, sizeof(sample_pdf) - 1);

	/* An old file put again (an upload racing the sweep) is young again: kept. */
	age_file(f, other, 10 * FILESTORE_TMP_STALE_SECONDS);
	assert_int_equal(filestore_put(f->fs, "abc", 3, other), 0);
	assert_int_equal(filestore_remove(f->fs, other, FILESTORE_TMP_STALE_SECONDS, &removed), 0);
	assert_int_equal(removed, 0);
	check_stored(f, other, "abc", 3);
	/* No grace at all: even a file just stored goes. */
	assert_int_equal(filestore_remove(f->fs, other, 0, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(filestore_path(f->fs, other, path, sizeof(path)), MC_ENOTFOUND);
}

static void test_remove_not_a_file(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], path[512];
	int removed = 7;

	assert_int_equal(filestore_put(f->fs, "abc", 3, hex), 0);
	assert_int_equal(filestore_path(f->fs, hex, path, sizeof(path)), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	errno = 0;
	assert_int_equal(filestore_remove(f->fs, hex, 0, &removed), MC_EIO);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(removed, 0);
	assert_int_equal(rmdir(path), 0);
}

/* A remove or a put that must wait for the lock: run in a thread. */
struct lock_waiter {
	struct filestore *fs;
	const char *hex;
	int do_put;
	atomic_int done;
	int rc, removed;
};

static void *lock_waiter_run(void *arg)
{
	struct lock_waiter *w = arg;
	char hex[FILESTORE_SHA256_HEX];

	if (w->do_put)
		w->rc = filestore_put(w->fs, "abc", 3, hex);
	else
		w->rc = filestore_remove(w->fs, w->hex, 0, &w->removed);
	atomic_store(&w->done, 1);
	return NULL;
}

/* Hold the store's lock as 'how' while a remove (do_put 0) or a put (1) runs: it must wait. */
static void check_waits(struct fixture *f, const char *hex, int how, int do_put)
{
	struct lock_waiter w = { .fs = f->fs, .hex = hex, .do_put = do_put };
	struct timespec pause = { 0, 100 * 1000000L };
	pthread_t t;
	int fd;

	fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, how), 0);
	atomic_init(&w.done, 0);
	assert_int_equal(pthread_create(&t, NULL, lock_waiter_run, &w), 0);
	nanosleep(&pause, NULL);
	assert_int_equal(atomic_load(&w.done), 0);
	close(fd);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load(&w.done), 1);
	assert_int_equal(w.rc, 0);
}

/* A remove waits for a put in its critical section (shared lock), and a put of content that
 * is there already waits for a remove (exclusive lock); puts do not wait for each other. */
static void test_remove_lock(void **state)
{
	struct fixture *f = *state;
	char hex[FILESTORE_SHA256_HEX], again[FILESTORE_SHA256_HEX], path[512];
	int fd;

	assert_int_equal(filestore_put(f->fs, "abc", 3, hex), 0);
	check_waits(f, hex, LOCK_SH, 0);
	assert_int_equal(filestore_path(f->fs, hex, path, sizeof(path)), MC_ENOTFOUND);
	assert_int_equal(filestore_put(f->fs, "abc", 3, hex), 0);
	check_waits(f, hex, LOCK_EX, 1);
	check_stored(f, hex, "abc", 3);
	/* A shared holder does not block a put. */
	fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_SH), 0);
	assert_int_equal(filestore_put(f->fs, "abc", 3, again), 0);
	assert_int_equal(filestore_put(f->fs, sample_pdf, sizeof(sample_pdf) - 1, again), 0);
	close(fd);
}

/* ---- threads ---- */

struct worker {
	struct filestore *fs;
	int id;
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char hex[FILESTORE_SHA256_HEX], want[65], mine[64];
	struct bytes png;

	make_png(&png);
	for (int i = 0; i < 40; i++) {
		const char *kind = NULL;
		int n = snprintf(mine, sizeof(mine), "worker %d file %d", w->id, i % 5);

		if (filestore_type_of(w->fs, png.data, png.len, all_kinds, COUNT(all_kinds), &kind) != 0 ||
		    strcmp(kind, "png") != 0)
			w->failures++;
		if (filestore_type_of(w->fs, sample_pdf, sizeof(sample_pdf) - 1, all_kinds,
		                      COUNT(all_kinds), &kind) != 0 || strcmp(kind, "pdf") != 0)
			w->failures++;
		/* Everyone stores the same PNG, and a few files of their own. */
		sodium_hex(png.data, png.len, want);
		if (filestore_put(w->fs, png.data, png.len, hex) != 0 || strcmp(hex, want) != 0)
			w->failures++;
		sodium_hex(mine, (size_t)n, want);
		if (filestore_put(w->fs, mine, (size_t)n, hex) != 0 || strcmp(hex, want) != 0)
			w->failures++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fixture *f = *state;
	struct worker w[6];
	pthread_t t[6];
	int stored, tmp;

	for (int i = 0; i < 6; i++) {
		w[i] = (struct worker){ .fs = f->fs, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	count_files(f, &stored, &tmp);
	assert_int_equal(stored, 1 + 6 * 5);
	assert_int_equal(tmp, 0);
}

/* ---- display names ---- */

static void check_name(const char *in, const char *want)
{
	char out[FILESTORE_DISPLAY_NAME_CAP];

	assert_int_equal(filestore_display_name(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_display_paths(void **state)
{
	(void)state;
	check_name("C:\\Users\\An\\Giấy tờ\\Đơn đề nghị.pdf", "Đơn đề nghị.pdf");
	check_name("/etc/passwd", "passwd");
	check_name("../../etc/cron.d/x", "x");
	check_name("thu-muc/con/anh.jpg", "anh.jpg");
	check_name("plain.docx", "plain.docx");
	check_name("dir/", FILESTORE_DISPLAY_NAME_FALLBACK);
	check_name("a\\", FILESTORE_DISPLAY_NAME_FALLBACK);
}

static void test_display_unicode(void **state)
{
	(void)state;
	/* NFC Vietnamese is kept as it is. */
	check_name("Giấy khai sinh – bản sao (có chứng thực).pdf",
	           "Giấy khai sinh – bản sao (có chứng thực).pdf");
	check_name("Đơn đề nghị cấp phép xây dựng.docx", "Đơn đề nghị cấp phép xây dựng.docx");
	/* NFD (as macOS sends it) becomes NFC: "Tiếng Việt.docx". */
	check_name("Tie\xCC\x82\xCC\x81ng Vie\xCC\xA3\xCC\x82t.docx", "Tiếng Việt.docx");
	/* Checked after NFC: '<' and a combining long solidus compose to U+226E, which is fine. */
	check_name("a<\xCC\xB8" "b.pdf", "a\xE2\x89\xAE" "b.pdf");
	/* Invalid UTF-8 (a legacy code page) is replaced byte by byte. */
	check_name("h\xF4 s\xE1.pdf", "h_ s_.pdf");
	check_name("\xC0\xAF" "x.pdf", "__x.pdf"); /* an overlong '/' is no separator */
	check_name("\xED\xA0\x80.pdf", "___.pdf"); /* a surrogate */
	/* Bidi override ("exe.pdf" shown reversed), zero-width space, line separator. */
	check_name("hoa-don\xE2\x80\xAE" "fdp.exe", "hoa-don_fdp.exe");
	check_name("a\xE2\x80\x8B" "b\xE2\x80\xA8" "c.pdf", "a_b_c.pdf");
}

static void test_display_unsafe(void **state)
{
	(void)state;
	check_name("a\tb\x01" "c\x7F" "d.pdf", "a_b_c_d.pdf");
	check_name("x\r\nContent-Type: text.pdf", "x__Content-Type_ text.pdf");
	check_name("a\"b*c:d<e>f?g|h.pdf", "a_b_c_d_e_f_g_h.pdf");
	check_name("c1\xC2\x85" "c1\xC2\x9F.pdf", "c1_c1_.pdf"); /* C1 controls */
	check_name("  ..hidden.pdf", "hidden.pdf");
	check_name(". .x", "x");
	check_name("report.pdf. . ", "report.pdf");
	check_name("..", FILESTORE_DISPLAY_NAME_FALLBACK);
	check_name(".", FILESTORE_DISPLAY_NAME_FALLBACK);
	check_name("", FILESTORE_DISPLAY_NAME_FALLBACK);
	check_name("   ", FILESTORE_DISPLAY_NAME_FALLBACK);
	check_name(NULL, FILESTORE_DISPLAY_NAME_FALLBACK);
	check_name("..\\..", FILESTORE_DISPLAY_NAME_FALLBACK);
	check_name("\x01", "_");
	check_name(".pdf", "pdf");
}

static void test_display_long(void **state)
{
	char in[2048], out[FILESTORE_DISPLAY_NAME_CAP], want[2048];
	size_t n = 0;

	(void)state;
	/* 300 × "ệ" (3 bytes each) and ".pdf": 196 kept, then the extension. */
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "ệ");
	snprintf(in + n, sizeof(in) - n, ".pdf");
	assert_int_equal(filestore_display_name(in, out, sizeof(out)), 0);
	assert_int_equal(u8_mbsnlen((const uint8_t *)out, strlen(out)), FILESTORE_DISPLAY_NAME_CHARS);
	assert_int_equal(strlen(out), 196 * 3 + 4);
	assert_memory_equal(out, in, 196 * 3);
	assert_string_equal(out + 196 * 3, ".pdf");

	/* Exactly 200 characters: untouched. */
	memset(in, 'a', 196);
	snprintf(in + 196, sizeof(in) - 196, ".xml");
	check_name(in, in);

	/* No extension: cut at 200. */
	memset(in, 'b', 250);
	in[250] = '\0';
	memset(want, 'b', 200);
	want[200] = '\0';
	check_name(in, want);

	/* What follows a dot is no extension when it is long: cut at 200 as a whole. */
	memset(in, 'c', 10);
	in[10] = '.';
	memset(in + 11, 'd', 300);
	in[311] = '\0';
	memcpy(want, in, 200);
	want[200] = '\0';
	check_name(in, want);

	/* Four-byte characters fill the whole buffer. */
	n = 0;
	for (int i = 0; i < 250; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "\xF0\x9F\x93\x84");
	assert_int_equal(filestore_display_name(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 200 * 4);

	/* The buffer must hold the longest name. */
	assert_int_equal(filestore_display_name("a.pdf", out, FILESTORE_DISPLAY_NAME_CAP - 1),
	                 MC_EINVAL);
	assert_string_equal(out, "");
}

/* Random bytes: whatever comes in, what goes out is a safe NFC name. */
static void test_display_random(void **state)
{
	char in[400], out[FILESTORE_DISPLAY_NAME_CAP];
	static const char pool[] = { 'a', '.', ' ', '/', '\\', '\x01', '"', ':', '\x7F', '\xC3',
	                             '\xA1', '\xCC', '\x81', '\xE1', '\xBB', '\x87', '\xFF', '\xE2',
	                             '\x80', '\xAE', 'e' };
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len, olen, nlen = 0;
		uint8_t *nfc;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % sizeof(in);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = pool[(seed >> 16) % sizeof(pool)];
		}
		in[len] = '\0';
		assert_int_equal(filestore_display_name(in, out, sizeof(out)), 0);
		olen = strlen(out);
		assert_true(olen > 0);
		assert_null(u8_check((const uint8_t *)out, olen));
		assert_true(u8_mbsnlen((const uint8_t *)out, olen) <= FILESTORE_DISPLAY_NAME_CHARS);
		assert_true(out[0] != '.' && out[0] != ' ');
		assert_null(strpbrk(out, "/\\\"*:<>?|\x7F\x01"));
		assert_null(strstr(out, "\xE2\x80\xAE"));
		nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)out, olen, NULL, &nlen);
		assert_non_null(nfc);
		assert_int_equal(nlen, olen);
		assert_memory_equal(nfc, out, olen);
		free(nfc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_type_images_pdf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_empty_and_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_office_zip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_ole, setup, teardown),
		cmocka_unit_test(test_media_type),
		cmocka_unit_test_setup_teardown(test_put_hash_and_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_twice_stored_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_io_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_repairs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_sweeps_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_hashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_refreshes_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_not_a_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test(test_display_paths),
		cmocka_unit_test(test_display_unicode),
		cmocka_unit_test(test_display_unsafe),
		cmocka_unit_test(test_display_long),
		cmocka_unit_test(test_display_random),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
