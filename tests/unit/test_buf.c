/* test_buf.c: unit tests for lib/buf, on the heap and on an h2o pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define H2O_USE_LIBUV 0
#include <h2o/memory.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Each test gets a pool; heap tests ignore it (and valgrind checks they free what they take). */
static int setup(void **state)
{
	h2o_mem_pool_t *pool = malloc(sizeof(*pool));

	if (pool == NULL)
		return -1;
	h2o_mem_init_pool(pool);
	*state = pool;
	return 0;
}

static int teardown(void **state)
{
	h2o_mem_pool_t *pool = *state;

	h2o_mem_clear_pool(pool);
	free(pool);
	return 0;
}

/* 'b' holds exactly the bytes of 'want' (len bytes), followed by a NUL. */
static void check_content(const struct buf *b, const char *want, size_t len)
{
	assert_non_null(b->data);
	assert_int_equal(b->len, len);
	assert_true(b->cap > b->len);
	if (len)
		assert_memory_equal(b->data, want, len);
	assert_int_equal(b->data[b->len], '\0');
}

#define CHECK_STR(b, s) check_content(b, s, strlen(s))

/* Run 'body' once on a heap buffer and once on a pool buffer. */
#define BOTH_KINDS(pool, b, body)                                  \
	do {                                                       \
		h2o_mem_pool_t *kinds_[2] = { NULL, (pool) };      \
		for (int k_ = 0; k_ < 2; k_++) {                   \
			struct buf b;                              \
			buf_init(&b, kinds_[k_]);                  \
			body;                                      \
			buf_free(&b);                              \
		}                                                  \
	} while (0)

static void test_init_is_empty(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct buf b;

	buf_init(&b, NULL);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_null(b.pool);
	buf_free(&b);

	buf_init(&b, pool);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.pool, pool);
	buf_free(&b);
}

static void test_append_puts_putc(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_append(&b, "abc", 3), 0);
		CHECK_STR(&b, "abc");
		assert_int_equal(buf_puts(&b, "def"), 0);
		CHECK_STR(&b, "abcdef");
		assert_int_equal(buf_putc(&b, 'g'), 0);
		CHECK_STR(&b, "abcdefg");
		/* Only 'len' bytes are taken. */
		assert_int_equal(buf_append(&b, "hijXYZ", 3), 0);
		CHECK_STR(&b, "abcdefghij");
	});
}

/* The first append, even of nothing, leaves a usable C string. */
static void test_empty_append_terminates(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_append(&b, "", 0), 0);
		check_content(&b, "", 0);
		assert_int_equal(buf_puts(&b, ""), 0);
		check_content(&b, "", 0);
	});
}

/* Bytes are bytes: NULs inside the data are kept and counted. */
static void test_embedded_nul(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_append(&b, "a\0b", 3), 0);
		assert_int_equal(buf_putc(&b, '\0'), 0);
		check_content(&b, "a\0b\0", 4);
	});
}

static const char digits[] = "0123456789";

/* Many small appends cross many growth steps; the content and the NUL survive every move. */
static void test_growth_many_appends(void **state)
{
	BOTH_KINDS(*state, b, {
		const size_t n = 20000;
		char want[16];
		for (size_t i = 0; i < n; i++) {
			size_t len = i % 7 + 1; /* 1..7 bytes */
			assert_int_equal(buf_append(&b, &digits[i % 3], len), 0);
			assert_int_equal(b.data[b.len], '\0');
			assert_true(b.cap > b.len);
		}
		/* Check every chunk again after all the moves. */
		size_t pos = 0;
		for (size_t i = 0; i < n; i++) {
			size_t len = i % 7 + 1;
			memcpy(want, &digits[i % 3], len);
			assert_memory_equal(b.data + pos, want, len);
			pos += len;
		}
		assert_int_equal(pos, b.len);
		assert_int_equal(strlen(b.data), b.len);
	});
}

/* One append much larger than the current capacity. */
static void test_growth_one_big_append(void **state)
{
	size_t n = 1u << 20;
	char *big = malloc(n);

	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_puts(&b, "x"), 0);
		assert_int_equal(buf_append(&b, big, n), 0);
		assert_int_equal(b.len, n + 1);
		assert_int_equal(b.data[0], 'x');
		assert_memory_equal(b.data + 1, big, n);
		assert_int_equal(b.data[b.len], '\0');
	});
	free(big);
}

static void test_reserve(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_puts(&b, "ab"), 0);
		assert_int_equal(buf_reserve(&b, 5000), 0);
		assert_true(b.cap >= b.len + 5000 + 1);
		assert_int_equal(b.len, 2);
		assert_memory_equal(b.data, "ab", 2);
		/* Appends within the reserved room do not move the data. */
		char *before = b.data;
		for (int i = 0; i < 5000; i++)
			assert_int_equal(buf_putc(&b, 'z'), 0);
		assert_ptr_equal(b.data, before);
		assert_int_equal(b.len, 5002);
		assert_int_equal(b.data[b.len], '\0');
		/* Reserving nothing, or less than what is free, changes nothing. */
		size_t cap = b.cap;
		assert_int_equal(buf_reserve(&b, 0), 0);
		assert_int_equal(b.cap, cap);
	});
}

/*
 * buf_reserve alone must keep the NUL: "data is always NUL-terminated after the first append".
 * The pool is first filled with junk and cleared, so that h2o's recycled chunk hands the grown
 * buffer memory that is not zero.
 */
static void test_reserve_keeps_nul(void **state)
{
	h2o_mem_pool_t *pool = *state;
	char *junk = h2o_mem_alloc_pool(pool, 3000);

	memset(junk, 'z', 3000);
	h2o_mem_clear_pool(pool);
	BOTH_KINDS(pool, b, {
		assert_int_equal(buf_puts(&b, "ab"), 0);
		assert_int_equal(buf_reserve(&b, 1000), 0);
		CHECK_STR(&b, "ab");
	});
	BOTH_KINDS(pool, b, {
		assert_int_equal(buf_append(&b, "", 0), 0);
		assert_int_equal(buf_reserve(&b, 1000), 0);
		check_content(&b, "", 0);
	});
}

/* Sizes that cannot be represented fail cleanly and leave the buffer as it was. */
static void test_reserve_overflow(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_puts(&b, "keep"), 0);
		char *data = b.data;
		size_t cap = b.cap;
		assert_int_equal(buf_reserve(&b, SIZE_MAX), MC_ENOMEM);
		assert_int_equal(buf_reserve(&b, SIZE_MAX - b.len), MC_ENOMEM);
		assert_int_equal(buf_reserve(&b, SIZE_MAX / 2), MC_ENOMEM);
		assert_int_equal(buf_append(&b, "x", SIZE_MAX - 1), MC_ENOMEM);
		assert_ptr_equal(b.data, data);
		assert_int_equal(b.cap, cap);
		CHECK_STR(&b, "keep");
	});
}

static void test_free_and_reuse(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_puts(&b, "first"), 0);
		buf_free(&b);
		assert_null(b.data);
		assert_int_equal(b.len, 0);
		assert_int_equal(b.cap, 0);
		/* A freed buffer is an empty buffer of the same kind, and freeing twice is harmless. */
		buf_free(&b);
		assert_int_equal(buf_puts(&b, "second"), 0);
		CHECK_STR(&b, "second");
	});
}

/* Freeing a buffer that was never written is fine on both kinds. */
static void test_free_unused(void **state)
{
	BOTH_KINDS(*state, b, { assert_null(b.data); });
}

static void test_printf(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_printf(&b, "%d-%s-%c", 42, "x", 'y'), 0);
		CHECK_STR(&b, "42-x-y");
		assert_int_equal(buf_printf(&b, " %05.1f|%-3s|%%", 3.14159, "a"), 0);
		CHECK_STR(&b, "42-x-y 003.1|a  |%");
		assert_int_equal(buf_printf(&b, "%s", ""), 0);
		CHECK_STR(&b, "42-x-y 003.1|a  |%");
		assert_int_equal(buf_printf(&b, "%zu/%lld", (size_t)7, -9000000000LL), 0);
		CHECK_STR(&b, "42-x-y 003.1|a  |%7/-9000000000");
	});
}

/* The first write being an empty printf still gives a C string. */
static void test_printf_empty_first(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_printf(&b, "%s", ""), 0);
		check_content(&b, "", 0);
	});
}

/* Output longer than the first allocation, and many printfs in a row. */
static void test_printf_long(void **state)
{
	size_t n = 100000;
	char *big = malloc(n + 1);

	assert_non_null(big);
	memset(big, 'q', n);
	big[n] = '\0';
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_puts(&b, "<"), 0);
		assert_int_equal(buf_printf(&b, "%s|%d", big, 7), 0);
		assert_int_equal(b.len, 1 + n + 2);
		assert_int_equal(b.data[0], '<');
		assert_memory_equal(b.data + 1, big, n);
		assert_memory_equal(b.data + 1 + n, "|7", 2);
		assert_int_equal(b.data[b.len], '\0');

		/* Width-generated output, no long argument. */
		buf_free(&b);
		assert_int_equal(buf_printf(&b, "%0*d", 3000, 5), 0);
		assert_int_equal(b.len, 3000);
		assert_int_equal(b.data[2998], '0');
		assert_int_equal(b.data[2999], '5');
		assert_int_equal(b.data[3000], '\0');

		buf_free(&b);
		for (int i = 0; i < 5000; i++)
			assert_int_equal(buf_printf(&b, "%04d;", i), 0);
		assert_int_equal(b.len, 5000 * 5);
		assert_memory_equal(b.data, "0000;0001;", 10);
		assert_memory_equal(b.data + b.len - 5, "4999;", 5);
		assert_int_equal(b.data[b.len], '\0');
	});
	free(big);
}

/* Escape the literal 'in' into a fresh buffer and compare with 'want'. */
static void check_html(h2o_mem_pool_t *pool, const char *in, size_t len, const char *want,
                       size_t wantlen)
{
	BOTH_KINDS(pool, b, {
		assert_int_equal(buf_append_html(&b, in, len), 0);
		check_content(&b, want, wantlen);
	});
}

#define HTML(pool, in, want) check_html(pool, in, sizeof(in) - 1, want, sizeof(want) - 1)

static void test_html_each_character(void **state)
{
	h2o_mem_pool_t *pool = *state;

	HTML(pool, "&", "&amp;");
	HTML(pool, "<", "&lt;");
	HTML(pool, ">", "&gt;");
	HTML(pool, "\"", "&quot;");
	HTML(pool, "'", "&#39;");
}

static void test_html_mixed(void **state)
{
	h2o_mem_pool_t *pool = *state;

	HTML(pool, "a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	HTML(pool, "<script>alert('x')</script>",
	     "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	HTML(pool, "\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
	/* Already-escaped text is escaped again: the writer does not guess. */
	HTML(pool, "&amp;", "&amp;amp;");
	/* At both ends and back to back. */
	HTML(pool, "<<>>&&", "&lt;&lt;&gt;&gt;&amp;&amp;");
	HTML(pool, "plain text, no change", "plain text, no change");
	HTML(pool, "", "");
}

/* Vietnamese text (precomposed and combining forms) passes through byte for byte. */
static void test_html_utf8_passthrough(void **state)
{
	h2o_mem_pool_t *pool = *state;

	HTML(pool, "Thủ tục hành chính: Cấp giấy phép xây dựng – Đăng ký hộ kinh doanh",
	     "Thủ tục hành chính: Cấp giấy phép xây dựng – Đăng ký hộ kinh doanh");
	HTML(pool, "Ủy ban nhân dân phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
	     "Ủy ban nhân dân phường Bến Nghé, Quận 1, TP. Hồ Chí Minh");
	HTML(pool, "Nguye\xcc\x82\xcc\x83n", "Nguye\xcc\x82\xcc\x83n"); /* NFD: e + U+0302 + U+0303 */
	HTML(pool, "Hồ sơ <số 5> & \"đã nhận\" của bà Đỗ", "Hồ sơ &lt;số 5&gt; &amp; &quot;đã nhận&quot; của bà Đỗ");
	HTML(pool, "“trích dẫn” ‘đơn’", "“trích dẫn” ‘đơn’"); /* typographic quotes stay */
}

/* Only 'len' bytes are read; NULs within them are copied, not treated as the end. */
static void test_html_respects_len(void **state)
{
	h2o_mem_pool_t *pool = *state;

	check_html(pool, "a<b>c", 2, "a&lt;", 5);
	check_html(pool, "<>", 0, "", 0);
	check_html(pool, "a\0<", 3, "a\0&lt;", 6);
}

static void test_html_appends(void **state)
{
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_puts(&b, "<p>"), 0);
		assert_int_equal(buf_append_html(&b, "x<y", 3), 0);
		assert_int_equal(buf_puts(&b, "</p>"), 0);
		CHECK_STR(&b, "<p>x&lt;y</p>");
	});
}

/* Escaping that multiplies the size by four crosses several growth steps. */
static void test_html_long(void **state)
{
	size_t n = 50000;
	char *in = malloc(n);

	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = i % 2 ? '<' : 'a';
	BOTH_KINDS(*state, b, {
		assert_int_equal(buf_append_html(&b, in, n), 0);
		assert_int_equal(b.len, n / 2 * (1 + 4));
		for (size_t i = 0; i < n / 2; i++)
			assert_memory_equal(b.data + i * 5, "a&lt;", 5);
		assert_int_equal(b.data[b.len], '\0');
	});
	free(in);
}

/* Pool buffers live until the pool is cleared, with no buf_free at all (the request case). */
static void test_pool_without_free(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct buf a, b;

	buf_init(&a, pool);
	buf_init(&b, pool);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(buf_printf(&a, "%d,", i), 0);
		assert_int_equal(buf_append_html(&b, "<&>", 3), 0);
	}
	assert_memory_equal(a.data, "0,1,2,", 6);
	assert_int_equal(b.len, 2000 * 13);
	assert_memory_equal(b.data + b.len - 13, "&lt;&amp;&gt;", 13);
	/* teardown clears the pool; valgrind/ASan report anything left behind. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_puts_putc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_append_terminates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_embedded_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growth_many_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growth_one_big_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve_keeps_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_unused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printf_empty_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printf_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_each_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_utf8_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_respects_len, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_without_free, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
