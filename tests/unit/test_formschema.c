/* test_formschema.c: unit tests for domain/formschema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uninorm.h>
#include <unistr.h>

#include "domain/formschema.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/tpl.h"

#define TODAY "2026-03-15"

/* JSON written with single quotes, so the tests stay readable: every ' becomes ". */
static char *q(const char *s)
{
	char *p = strdup(s), *c;

	assert_non_null(p);
	for (c = p; *c != '\0'; c++)
		if (*c == '\'')
			*c = '"';
	return p;
}

/* A message for a person: valid UTF-8 in NFC, one line, and Vietnamese (so not pure ASCII). */
static void check_message(const char *msg)
{
	size_t len = strlen(msg), nfclen = 0, i;
	uint8_t *nfc;
	int non_ascii = 0;

	assert_true(len > 5);
	assert_null(u8_check((const uint8_t *)msg, len));
	nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)msg, len, NULL, &nfclen);
	assert_non_null(nfc);
	assert_int_equal(nfclen, len);
	assert_memory_equal(nfc, msg, len);
	free(nfc);
	for (i = 0; i < len; i++) {
		assert_true((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f);
		non_ascii |= (unsigned char)msg[i] >= 0x80;
	}
	assert_true(non_ascii);
}

/* ---- Checking schemas ------------------------------------------------------------------------ */

/* Every field type, every member where it applies. */
static const char every_type[] =
	"{ 'sections': ["
	"  { 'title': 'Thông tin người yêu cầu', 'description': 'Ghi đúng như trên giấy tờ.',"
	"    'fields': ["
	"      { 'name': 'requester_name', 'label': 'Họ, chữ đệm, tên', 'type': 'text',"
	"        'required': true, 'min_length': 2, 'max_length': 100, 'prefill': 'full_name',"
	"        'pattern': '[^0-9]+', 'help': 'Viết có dấu.' },"
	"      { 'name': 'org', 'label': 'Tên tổ chức', 'type': 'text', 'prefill': 'organization_name' },"
	"      { 'name': 'note', 'label': 'Ghi chú', 'type': 'textarea', 'max_length': 2000,"
	"        'pattern': '.*' },"
	"      { 'name': 'home', 'label': 'Nơi ở', 'type': 'textarea', 'prefill': 'address' },"
	"      { 'name': 'qty', 'label': 'Số bản sao', 'type': 'number', 'min': 1, 'max': 10,"
	"        'integer': true },"
	"      { 'name': 'area', 'label': 'Diện tích (m²)', 'type': 'number', 'min': 0.5 },"
	"      { 'name': 'birth_date', 'label': 'Ngày sinh', 'type': 'date', 'required': true,"
	"        'min': '1900-01-01', 'max': 'today', 'prefill': 'birth_date' },"
	"      { 'name': 'appointment', 'label': 'Ngày hẹn', 'type': 'date', 'min': 'today' }"
	"    ] },"
	"  { 'title': 'Lựa chọn',"
	"    'fields': ["
	"      { 'name': 'province', 'label': 'Tỉnh', 'type': 'select', 'required': true,"
	"        'options': [ { 'value': 'hn', 'label': 'Hà Nội' }, { 'value': 'hcm', 'label': 'TP HCM' } ] },"
	"      { 'name': 'gender', 'label': 'Giới tính', 'type': 'radio',"
	"        'options': [ { 'value': 'nam', 'label': 'Nam' }, { 'value': 'nu', 'label': 'Nữ' } ] },"
	"      { 'name': 'copies', 'label': 'Giấy tờ kèm theo', 'type': 'checkbox',"
	"        'options': [ { 'value': 'a-1', 'label': 'Bản sao' }, { 'value': 'b_2', 'label': 'Ảnh' } ] },"
	"      { 'name': 'pledge', 'label': 'Tôi cam đoan', 'type': 'checkbox', 'required': true },"
	"      { 'name': 'email', 'label': 'Thư điện tử', 'type': 'email', 'prefill': 'email' },"
	"      { 'name': 'phone', 'label': 'Điện thoại', 'type': 'phone', 'prefill': 'phone' },"
	"      { 'name': 'cid', 'label': 'Số định danh', 'type': 'citizen_id', 'prefill': 'citizen_id' },"
	"      { 'name': 'tax', 'label': 'Mã số thuế', 'type': 'tax_code', 'prefill': 'tax_code',"
	"        'max_length': 14 },"
	"      { 'name': 'addr', 'label': 'Địa chỉ', 'type': 'address', 'prefill': 'address',"
	"        'min_length': 5 }"
	"    ] }"
	"] }";

/* The example of docs/form-schema.md. */
static const char doc_example[] =
	"{\n"
	"  \"sections\": [\n"
	"    {\n"
	"      \"title\": \"Thông tin người yêu cầu\",\n"
	"      \"fields\": [\n"
	"        { \"name\": \"requester_name\", \"label\": \"Họ, chữ đệm, tên\", \"type\": \"text\",\n"
	"          \"required\": true, \"max_length\": 100, \"prefill\": \"full_name\" },\n"
	"        { \"name\": \"gender\", \"label\": \"Giới tính\", \"type\": \"radio\", \"required\": true,\n"
	"          \"options\": [ { \"value\": \"nam\", \"label\": \"Nam\" }, { \"value\": \"nu\", \"label\": \"Nữ\" } ] },\n"
	"        { \"name\": \"birth_date\", \"label\": \"Ngày sinh\", \"type\": \"date\", \"required\": true,\n"
	"          \"min\": \"1900-01-01\", \"max\": \"today\", \"help\": \"Theo giấy chứng sinh.\" }\n"
	"      ]\n"
	"    }\n"
	"  ]\n"
	"}\n";

static json_t *load_ok(const char *text)
{
	char err[FORMSCHEMA_ERR_SIZE] = "";
	json_t *schema = NULL;
	int rc = formschema_check(text, strlen(text), &schema, err, sizeof err);

	if (rc != 0)
		fail_msg("refused: %s", err);
	assert_non_null(schema);
	assert_string_equal(err, "");
	return schema;
}

/* Check that 'json' (single-quoted) is refused with a message starting with 'want'. */
static void refused(const char *json, const char *want)
{
	char err[FORMSCHEMA_ERR_SIZE] = "";
	char *text = q(json);
	json_t *schema = (json_t *)1;

	assert_int_equal(formschema_check(text, strlen(text), &schema, err, sizeof err), MC_EINVAL);
	assert_null(schema);
	check_message(err);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("want '%s...', got '%s'", want, err);
	free(text);
}

/* A schema whose first section holds a good field and then 'field', so it is fields[1]. */
static void refused_field(const char *field, const char *member, const char *want)
{
	char json[16384], prefix[128];

	snprintf(json, sizeof json,
	         "{ 'sections': [ { 'title': 'Phần 1', 'fields': ["
	         " { 'name': 'first', 'label': 'Trường đầu', 'type': 'text' }, %s ] } ] }",
	         field);
	snprintf(prefix, sizeof prefix, "sections[0].fields[1]%s%s: %s", member[0] ? "." : "",
	         member, want);
	refused(json, prefix);
}

static void test_valid_schemas(void **state)
{
	char *text = q(every_type);
	json_t *schema;

	(void)state;
	schema = load_ok(text);
	assert_int_equal(json_array_size(json_object_get(schema, "sections")), 2);
	assert_int_equal(formschema_check_json(schema, NULL, 0), 0);
	json_decref(schema);
	free(text);

	schema = load_ok(doc_example);
	json_decref(schema);

	/* The smallest form, and 'err' may be NULL. */
	text = q("{'sections':[{'title':'T','fields':[{'name':'a','label':'A','type':'text'}]}]}");
	assert_int_equal(formschema_check(text, strlen(text), &schema, NULL, 0), 0);
	json_decref(schema);
	free(text);
}

static void test_bad_root(void **state)
{
	char err[FORMSCHEMA_ERR_SIZE];
	json_t *schema = (json_t *)1;

	(void)state;
	refused("[1, 2]", "Biểu mẫu phải là một đối tượng JSON");
	refused("'sections'", "Biểu mẫu phải là một đối tượng JSON");
	refused("42", "Biểu mẫu phải là một đối tượng JSON");
	refused("{}", "sections: thiếu thành phần bắt buộc");
	refused("{'sections': {}}", "sections: phải là một mảng");
	refused("{'sections': []}", "sections: phải có từ 1 đến 20 phần");
	refused("{'sections': [{'title':'T','fields':[{'name':'a','label':'A','type':'text'}]}],"
	        " 'version': 2}", "version: thành phần này không có");
	refused("{'sections': [1]}", "sections[0]: phải là một đối tượng");

	/* formschema_check_json on what someone else parsed. */
	assert_int_equal(formschema_check_json(json_null(), err, sizeof err), MC_EINVAL);
	check_message(err);
	assert_int_equal(formschema_check(NULL, 0, &schema, err, sizeof err), MC_EINVAL);
	assert_null(schema);
	assert_non_null(strstr(err, "Lỗi cú pháp JSON"));
}

static void test_syntax_errors(void **state)
{
	static const char broken[] = "{\n  \"sections\": [\n    {, \"title\": \"A\" }\n  ]\n}\n";
	char err[FORMSCHEMA_ERR_SIZE];
	json_t *schema = (json_t *)1;

	(void)state;
	assert_int_equal(formschema_check(broken, strlen(broken), &schema, err, sizeof err),
	                 MC_EINVAL);
	assert_null(schema);
	check_message(err);
	assert_string_equal(err, "Lỗi cú pháp JSON ở dòng 3, cột 6: sai cú pháp, gần ','");

	refused("{'sections': [", "Lỗi cú pháp JSON ở dòng 1, cột 14: văn bản kết thúc giữa chừng");
	refused("{'sections': [] } x", "Lỗi cú pháp JSON ở dòng 1, cột 19: còn nội dung thừa");
	refused("{'sections': [], 'sections': []}", "Lỗi cú pháp JSON ở dòng 1, cột 27: một tên thành "
	        "phần xuất hiện hai lần");
	refused("{'sections': ['\\u0000']}", "Lỗi cú pháp JSON ở dòng 1, cột 22: chuỗi chứa ký tự NUL");

	/* Not NUL-terminated: only 'len' bytes are read. */
	assert_int_equal(formschema_check("{}xyz", 2, &schema, err, sizeof err), MC_EINVAL);
	assert_string_equal(err, "sections: thiếu thành phần bắt buộc này");

	/* A small buffer cuts the message between characters, never inside one. */
	assert_int_equal(formschema_check("{}", 2, &schema, err, 16), MC_EINVAL);
	assert_null(u8_check((const uint8_t *)err, strlen(err)));
	assert_string_equal(err, "sections: thi");
}

static void test_bad_sections(void **state)
{
	char json[8192];
	size_t i, o;

	(void)state;
	refused("{'sections': [{'fields':[{'name':'a','label':'A','type':'text'}]}]}",
	        "sections[0].title: thiếu thành phần bắt buộc");
	refused("{'sections': [{'title':'  ','fields':[{'name':'a','label':'A','type':'text'}]}]}",
	        "sections[0].title: không được để trống");
	refused("{'sections': [{'title':7,'fields':[{'name':'a','label':'A','type':'text'}]}]}",
	        "sections[0].title: phải là một chuỗi văn bản");
	refused("{'sections': [{'title':'T','description':7,'fields':[{'name':'a','label':'A',"
	        "'type':'text'}]}]}", "sections[0].description: phải là một chuỗi");
	refused("{'sections': [{'title':'T'}]}", "sections[0].fields: thiếu thành phần bắt buộc");
	refused("{'sections': [{'title':'T','fields':[]}]}", "sections[0].fields: phải có từ 1 đến 100 trường");
	refused("{'sections': [{'title':'T','fields':{}}]}", "sections[0].fields: phải là một mảng");
	refused("{'sections': [{'title':'T','fields':[{'name':'a','label':'A','type':'text'}]},"
	        " {'titel':'U','fields':[{'name':'b','label':'B','type':'text'}]}]}",
	        "sections[1].titel: thành phần này không có trong định dạng biểu mẫu");
	refused("{'sections': [{'title':'T','fields':[3]}]}", "sections[0].fields[0]: phải là một đối tượng");

	/* 21 sections. */
	o = (size_t)snprintf(json, sizeof json, "{'sections':[");
	for (i = 0; i < 21; i++)
		o += (size_t)snprintf(json + o, sizeof json - o,
		                      "%s{'title':'T','fields':[{'name':'f%zu','label':'A','type':'text'}]}",
		                      i ? "," : "", i);
	snprintf(json + o, sizeof json - o, "]}");
	refused(json, "sections: phải có từ 1 đến 20 phần");
	/* ... 20 are fine. */
	o = (size_t)snprintf(json, sizeof json, "{'sections':[");
	for (i = 0; i < 20; i++)
		o += (size_t)snprintf(json + o, sizeof json - o,
		                      "%s{'title':'T','fields':[{'name':'f%zu','label':'A','type':'text'}]}",
		                      i ? "," : "", i);
	snprintf(json + o, sizeof json - o, "]}");
	{
		char *text = q(json);

		json_decref(load_ok(text));
		free(text);
	}
}

/* A section of 'n' text fields named <prefix>0.. */
static size_t put_section(char *json, size_t size, const char *prefix, size_t n)
{
	size_t i, o = 0;

	o += (size_t)snprintf(json + o, size - o, "{'title':'T','fields':[");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(json + o, size - o, "%s{'name':'%s%zu','label':'A','type':'text'}",
		                      i ? "," : "", prefix, i);
	o += (size_t)snprintf(json + o, size - o, "]}");
	return o;
}

static void test_too_many_fields(void **state)
{
	char *json = malloc(65536), *text;
	size_t o;

	(void)state;
	assert_non_null(json);
	o = (size_t)snprintf(json, 65536, "{'sections':[");
	o += put_section(json + o, 65536 - o, "a", 101);
	snprintf(json + o, 65536 - o, "]}");
	refused(json, "sections[0].fields: phải có từ 1 đến 100 trường");

	/* 100 + 100 is the most a form may hold; one more in a third section is refused there. */
	o = (size_t)snprintf(json, 65536, "{'sections':[");
	o += put_section(json + o, 65536 - o, "a", 100);
	o += (size_t)snprintf(json + o, 65536 - o, ",");
	o += put_section(json + o, 65536 - o, "b", 100);
	snprintf(json + o, 65536 - o, "]}");
	text = q(json);
	json_decref(load_ok(text));
	free(text);
	snprintf(json + o, 65536 - o, ",");
	o += 1;
	o += put_section(json + o, 65536 - o, "c", 1);
	snprintf(json + o, 65536 - o, "]}");
	refused(json, "sections[2].fields: cả biểu mẫu chỉ được có tối đa 200 trường");
	free(json);
}

static void test_bad_fields(void **state)
{
	char field[4096], label[1024];
	size_t i, o;

	(void)state;
	/* Unknown members at each level: root and section above, field and option here. */
	refused_field("{'name':'b','label':'B','type':'text','requried':true}", "requried",
	              "thành phần này không có trong định dạng biểu mẫu");
	refused_field("{'name':'b','label':'B','type':'radio','options':[{'value':'x','lable':'X'}]}",
	              "options[0].lable", "thành phần này không có");
	/* A key that is not a plain word is not echoed; the path stops at its object. */
	refused_field("{'name':'b','label':'B','type':'text','a b<c>':1}", "",
	              "thành phần này không có");

	/* name */
	refused_field("{'label':'B','type':'text'}", "name", "thiếu thành phần bắt buộc");
	refused_field("{'name':'1abc','label':'B','type':'text'}", "name", "phải bắt đầu bằng chữ thường");
	refused_field("{'name':'Abc','label':'B','type':'text'}", "name", "phải bắt đầu bằng chữ thường");
	refused_field("{'name':'a-b','label':'B','type':'text'}", "name", "phải bắt đầu bằng chữ thường");
	refused_field("{'name':'','label':'B','type':'text'}", "name", "không được để trống");
	refused_field("{'name':'ngày','label':'B','type':'text'}", "name", "phải bắt đầu bằng chữ thường");
	refused_field("{'name':'a23456789012345678901234567890123456789012','label':'B','type':'text'}",
	              "name", "không được dài quá 40 ký tự");
	refused_field("{'name':5,'label':'B','type':'text'}", "name", "phải là một chuỗi văn bản");
	refused_field("{'name':'first','label':'B','type':'text'}", "name",
	              "tên \"first\" đã dùng cho trường sections[0].fields[0]");
	refused("{'sections':[{'title':'T','fields':[{'name':'x','label':'A','type':'text'}]},"
	        "{'title':'U','fields':[{'name':'y','label':'A','type':'text'},"
	        "{'name':'x','label':'A','type':'date'}]}]}",
	        "sections[1].fields[1].name: tên \"x\" đã dùng cho trường sections[0].fields[0]");
	{
		char *text = q("{'sections':[{'title':'T','fields':[{'name':'a234567890123456789012345678"
		               "901234567890','label':'A','type':'text'}]}]}");

		json_decref(load_ok(text)); /* 40 characters is the limit */
		free(text);
	}

	/* label: 1..200 characters, counted as characters */
	refused_field("{'name':'b','type':'text'}", "label", "thiếu thành phần bắt buộc");
	refused_field("{'name':'b','label':'','type':'text'}", "label", "không được để trống");
	for (i = 0, o = 0; i < 200; i++)
		o += (size_t)snprintf(label + o, sizeof label - o, "ệ");
	snprintf(field, sizeof field, "{'name':'b','label':'%s','type':'text'}", label);
	{
		char json[8192], *text;

		snprintf(json, sizeof json, "{'sections':[{'title':'T','fields':[%s]}]}", field);
		text = q(json);
		json_decref(load_ok(text)); /* 200 characters, 600 bytes */
		free(text);
	}
	snprintf(field, sizeof field, "{'name':'b','label':'%sa','type':'text'}", label);
	refused_field(field, "label", "không được dài quá 200 ký tự");

	/* type */
	refused_field("{'name':'b','label':'B'}", "type", "thiếu thành phần bắt buộc");
	refused_field("{'name':'b','label':'B','type':'string'}", "type", "kiểu trường không hợp lệ");
	refused_field("{'name':'b','label':'B','type':'Text'}", "type", "kiểu trường không hợp lệ");

	/* required, help */
	refused_field("{'name':'b','label':'B','type':'text','required':'yes'}", "required",
	              "phải là true hoặc false");
	for (i = 0, o = 0; i < 501; i++)
		o += (size_t)snprintf(label + o, sizeof label - o, "a");
	snprintf(field, sizeof field, "{'name':'b','label':'B','type':'text','help':'%s'}", label);
	refused_field(field, "help", "không được dài quá 500 ký tự");
}

static void test_bad_lengths_and_patterns(void **state)
{
	(void)state;
	refused_field("{'name':'b','label':'B','type':'text','min_length':10,'max_length':5}",
	              "min_length", "min_length (10) không được lớn hơn max_length (5)");
	refused_field("{'name':'b','label':'B','type':'text','min_length':600}", "min_length",
	              "min_length (600) lớn hơn độ dài tối đa mặc định của kiểu text (500)");
	refused_field("{'name':'b','label':'B','type':'address','max_length':3}", "max_length",
	              "max_length (3) nhỏ hơn độ dài tối thiểu mặc định của kiểu address (5)");
	refused_field("{'name':'b','label':'B','type':'text','max_length':10001}", "max_length",
	              "phải là số nguyên từ 0 đến 10.000");
	refused_field("{'name':'b','label':'B','type':'text','min_length':-1}", "min_length",
	              "phải là số nguyên từ 0 đến 10.000");
	refused_field("{'name':'b','label':'B','type':'text','max_length':5.5}", "max_length",
	              "phải là số nguyên");
	refused_field("{'name':'b','label':'B','type':'text','max_length':'5'}", "max_length",
	              "phải là số nguyên");
	refused_field("{'name':'b','label':'B','type':'number','max_length':5}", "max_length",
	              "không dùng được cho trường kiểu number");
	refused_field("{'name':'b','label':'B','type':'select','min_length':1,"
	              "'options':[{'value':'a','label':'A'}]}", "min_length",
	              "không dùng được cho trường kiểu select");

	refused_field("{'name':'b','label':'B','type':'text','pattern':'(a'}", "pattern",
	              "không phải biểu thức chính quy POSIX mở rộng hợp lệ (dấu ngoặc tròn");
	refused_field("{'name':'b','label':'B','type':'text','pattern':'a{2'}", "pattern",
	              "không phải biểu thức chính quy POSIX mở rộng hợp lệ");
	refused_field("{'name':'b','label':'B','type':'text','pattern':'*a'}", "pattern",
	              "không phải biểu thức chính quy POSIX mở rộng hợp lệ (ký hiệu lặp");
	refused_field("{'name':'b','label':'B','type':'text','pattern':'[[:chu:]]'}", "pattern",
	              "không phải biểu thức chính quy POSIX mở rộng hợp lệ (tên lớp ký tự");
	refused_field("{'name':'b','label':'B','type':'text','pattern':''}", "pattern",
	              "không được để trống");
	refused_field("{'name':'b','label':'B','type':'text','pattern':7}", "pattern",
	              "phải là một chuỗi văn bản");
	refused_field("{'name':'b','label':'B','type':'number','pattern':'[0-9]+'}", "pattern",
	              "không dùng được cho trường kiểu number");
	refused_field("{'name':'b','label':'B','type':'email','pattern':'.*'}", "pattern",
	              "không dùng được cho trường kiểu email");
	{
		char field[1024], pat[256];

		memset(pat, 'a', 201);
		pat[201] = '\0';
		snprintf(field, sizeof field, "{'name':'b','label':'B','type':'text','pattern':'%s'}", pat);
		refused_field(field, "pattern", "không được dài quá 200 ký tự");
	}
}

static void test_bad_bounds(void **state)
{
	(void)state;
	refused_field("{'name':'b','label':'B','type':'number','min':5,'max':1}", "min",
	              "không được lớn hơn max");
	refused_field("{'name':'b','label':'B','type':'number','min':'1'}", "min", "phải là một số");
	refused_field("{'name':'b','label':'B','type':'number','max':true}", "max", "phải là một số");
	refused_field("{'name':'b','label':'B','type':'number','integer':1}", "integer",
	              "phải là true hoặc false");
	refused_field("{'name':'b','label':'B','type':'text','integer':true}", "integer",
	              "không dùng được cho trường kiểu text");
	refused_field("{'name':'b','label':'B','type':'text','min':1}", "min",
	              "không dùng được cho trường kiểu text");

	refused_field("{'name':'b','label':'B','type':'date','min':'2020-01-02','max':'2020-01-01'}",
	              "min", "không được sau ngày max");
	refused_field("{'name':'b','label':'B','type':'date','max':'2023-02-29'}", "max",
	              "phải là một ngày có thật dạng YYYY-MM-DD");
	refused_field("{'name':'b','label':'B','type':'date','min':'01/01/1900'}", "min",
	              "phải là một ngày có thật dạng YYYY-MM-DD");
	refused_field("{'name':'b','label':'B','type':'date','min':'Today'}", "min",
	              "phải là một ngày có thật");
	refused_field("{'name':'b','label':'B','type':'date','min':19000101}", "min",
	              "phải là một ngày có thật");
	/* 'today' on one side cannot be compared, so it is allowed either way. */
	{
		char *text = q("{'sections':[{'title':'T','fields':[{'name':'b','label':'B','type':'date',"
		               "'min':'today','max':'2000-01-01'},{'name':'c','label':'C',"
		               "'type':'date','min':'2024-02-29','max':'2024-02-29'}]}]}");

		json_decref(load_ok(text));
		free(text);
	}
}

static void test_bad_options(void **state)
{
	char field[8192];
	size_t i, o;

	(void)state;
	refused_field("{'name':'b','label':'B','type':'select'}", "options",
	              "thiếu thành phần bắt buộc với trường kiểu select");
	refused_field("{'name':'b','label':'B','type':'radio'}", "options",
	              "thiếu thành phần bắt buộc với trường kiểu radio");
	refused_field("{'name':'b','label':'B','type':'radio','options':[]}", "options",
	              "phải có từ 1 đến 100 lựa chọn");
	refused_field("{'name':'b','label':'B','type':'checkbox','options':[]}", "options",
	              "phải có từ 1 đến 100 lựa chọn");
	refused_field("{'name':'b','label':'B','type':'select','options':{'a':'A'}}", "options",
	              "phải là một mảng");
	refused_field("{'name':'b','label':'B','type':'date','options':[{'value':'a','label':'A'}]}",
	              "options", "không dùng được cho trường kiểu date");
	refused_field("{'name':'b','label':'B','type':'text','options':[{'value':'a','label':'A'}]}",
	              "options", "không dùng được cho trường kiểu text");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':'a','label':'A'},"
	              "{'value':'b','label':'B'},{'value':'a','label':'C'}]}", "options[2].value",
	              "giá trị \"a\" bị trùng với options[0]");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':'Nam','label':'A'}]}",
	              "options[0].value", "chỉ gồm chữ thường không dấu");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':'','label':'A'}]}",
	              "options[0].value", "chỉ gồm chữ thường không dấu");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':'aaaaaaaaaaaaaaaaaaaa"
	              "aaaaaaaaaaaaaaaaaaaaa','label':'A'}]}", "options[0].value", "chỉ gồm chữ thường không dấu");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':'a b','label':'A'}]}",
	              "options[0].value", "chỉ gồm chữ thường không dấu");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':1,'label':'A'}]}",
	              "options[0].value", "phải là một chuỗi văn bản");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'label':'A'}]}",
	              "options[0].value", "thiếu thành phần bắt buộc");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':'a'}]}",
	              "options[0].label", "thiếu thành phần bắt buộc");
	refused_field("{'name':'b','label':'B','type':'select','options':[{'value':'a','label':''}]}",
	              "options[0].label", "không được để trống");
	refused_field("{'name':'b','label':'B','type':'select','options':['a']}",
	              "options[0]", "phải là một đối tượng");

	o = (size_t)snprintf(field, sizeof field, "{'name':'b','label':'B','type':'radio','options':[");
	for (i = 0; i < 101; i++)
		o += (size_t)snprintf(field + o, sizeof field - o, "%s{'value':'v%zu','label':'V'}",
		                      i ? "," : "", i);
	snprintf(field + o, sizeof field - o, "]}");
	refused_field(field, "options", "phải có từ 1 đến 100 lựa chọn");
}

static void test_bad_prefill(void **state)
{
	(void)state;
	refused_field("{'name':'b','label':'B','type':'text','prefill':'ho_ten'}", "prefill",
	              "phải là một trong: full_name, email");
	refused_field("{'name':'b','label':'B','type':'text','prefill':3}", "prefill",
	              "phải là một chuỗi văn bản");
	refused_field("{'name':'b','label':'B','type':'text','prefill':'birth_date'}", "prefill",
	              "thông tin \"birth_date\" của tài khoản không dùng được cho trường kiểu text");
	refused_field("{'name':'b','label':'B','type':'date','prefill':'full_name'}", "prefill",
	              "thông tin \"full_name\" của tài khoản không dùng được cho trường kiểu date");
	refused_field("{'name':'b','label':'B','type':'text','prefill':'email'}", "prefill",
	              "thông tin \"email\" của tài khoản không dùng được");
	refused_field("{'name':'b','label':'B','type':'textarea','prefill':'full_name'}", "prefill",
	              "thông tin \"full_name\" của tài khoản không dùng được cho trường kiểu textarea");
	refused_field("{'name':'b','label':'B','type':'text','prefill':'address'}", "prefill",
	              "thông tin \"address\" của tài khoản không dùng được");
	refused_field("{'name':'b','label':'B','type':'number','prefill':'phone'}", "prefill",
	              "không dùng được cho trường kiểu number");
	refused_field("{'name':'b','label':'B','type':'select','prefill':'phone',"
	              "'options':[{'value':'a','label':'A'}]}", "prefill",
	              "không dùng được cho trường kiểu select");
}

/* ---- Checking answers ------------------------------------------------------------------------- */

static const char answer_schema[] =
	"{ 'sections': [ { 'title': 'Thông tin', 'fields': ["
	" { 'name': 'full_name', 'label': 'Họ và tên', 'type': 'text', 'required': true,"
	"   'min_length': 2, 'max_length': 10 },"
	" { 'name': 'code', 'label': 'Mã hồ sơ', 'type': 'text', 'pattern': '[A-Z]{2}[0-9]{3}' },"
	" { 'name': 'alt', 'label': 'Loại', 'type': 'text', 'pattern': 'ab|cd' },"
	" { 'name': 'paren', 'label': 'Ngoặc', 'type': 'text', 'pattern': 'a)|b' },"
	" { 'name': 'word', 'label': 'Từ', 'type': 'text', 'pattern': '[[:alpha:]]{3}' },"
	" { 'name': 'dots', 'label': 'Ba ký tự', 'type': 'text', 'pattern': '...' },"
	" { 'name': 'plain', 'label': 'Văn bản', 'type': 'text' },"
	" { 'name': 'note', 'label': 'Ghi chú', 'type': 'textarea', 'max_length': 5 },"
	" { 'name': 'story', 'label': 'Trình bày', 'type': 'textarea', 'pattern': '[^x]*' },"
	" { 'name': 'qty', 'label': 'Số lượng', 'type': 'number', 'min': 1, 'max': 10,"
	"   'integer': true },"
	" { 'name': 'area', 'label': 'Diện tích', 'type': 'number', 'min': 0.5, 'max': 1000.25 },"
	" { 'name': 'birth_date', 'label': 'Ngày sinh', 'type': 'date', 'required': true,"
	"   'min': '1900-01-01', 'max': 'today' },"
	" { 'name': 'appt', 'label': 'Ngày hẹn', 'type': 'date', 'min': 'today',"
	"   'max': '2026-12-31' },"
	" { 'name': 'province', 'label': 'Tỉnh', 'type': 'select', 'required': true,"
	"   'options': [ { 'value': 'hn', 'label': 'Hà Nội' }, { 'value': 'hcm', 'label': 'TP HCM' } ] },"
	" { 'name': 'gender', 'label': 'Giới tính', 'type': 'radio',"
	"   'options': [ { 'value': 'nam', 'label': 'Nam' }, { 'value': 'nu', 'label': 'Nữ' } ] },"
	" { 'name': 'docs', 'label': 'Giấy tờ', 'type': 'checkbox', 'required': true,"
	"   'options': [ { 'value': 'a', 'label': 'A' }, { 'value': 'b', 'label': 'B' },"
	"                { 'value': 'c', 'label': 'C' } ] },"
	" { 'name': 'extras', 'label': 'Kèm theo', 'type': 'checkbox',"
	"   'options': [ { 'value': 'x', 'label': 'X' } ] },"
	" { 'name': 'pledge', 'label': 'Cam đoan', 'type': 'checkbox', 'required': true },"
	" { 'name': 'news', 'label': 'Nhận tin', 'type': 'checkbox' },"
	" { 'name': 'email', 'label': 'Thư điện tử', 'type': 'email' },"
	" { 'name': 'phone', 'label': 'Số điện thoại', 'type': 'phone' },"
	" { 'name': 'cid', 'label': 'Số định danh', 'type': 'citizen_id' },"
	" { 'name': 'tax', 'label': 'Mã số thuế', 'type': 'tax_code' },"
	" { 'name': 'addr', 'label': 'Địa chỉ', 'type': 'address' }"
	"] } ] }";

struct answers_fixture {
	json_t *schema;
};

static int answers_setup(void **state)
{
	struct answers_fixture *f = calloc(1, sizeof *f);
	char *text = q(answer_schema);
	char err[FORMSCHEMA_ERR_SIZE];

	if (f == NULL || formschema_check(text, strlen(text), &f->schema, err, sizeof err) != 0) {
		fprintf(stderr, "answer schema refused: %s\n", err);
		free(text);
		free(f);
		return -1;
	}
	free(text);
	*state = f;
	return 0;
}

static int answers_teardown(void **state)
{
	struct answers_fixture *f = *state;

	json_decref(f->schema);
	free(f);
	return 0;
}

/*
 * Submit only {name: value} (value is JSON, single-quoted), then check the answer of 'name':
 * want_error NULL means no error and a clean value equal to want_clean (JSON); otherwise the
 * message must start with the label, ": " and contain want_error.
 */
static void answer(const json_t *schema, const char *name, const char *value,
                   const char *want_error, const char *want_clean)
{
	char json[8192], *text;
	json_t *submitted, *clean = NULL, *errors = NULL, *want;
	const char *msg;
	int rc;

	snprintf(json, sizeof json, "{'%s': %s}", name, value);
	text = q(json);
	submitted = json_loads(text, JSON_ALLOW_NUL, NULL);
	if (submitted == NULL)
		fail_msg("bad test JSON: %s", text);
	rc = formschema_check_values(schema, submitted, TODAY, &clean, &errors);
	assert_true(rc == 0 || rc == MC_EINVAL);
	assert_non_null(clean);
	assert_non_null(errors);
	assert_int_equal(rc == 0, json_object_size(errors) == 0);
	msg = json_string_value(json_object_get(errors, name));
	if (want_error == NULL) {
		if (msg != NULL)
			fail_msg("%s = %s: unexpected error '%s'", name, value, msg);
	} else {
		if (msg == NULL)
			fail_msg("%s = %s: no error, wanted '%s'", name, value, want_error);
		check_message(msg);
		assert_int_equal(msg[strlen(msg) - 1], '.');
		if (strstr(msg, want_error) == NULL)
			fail_msg("%s = %s: wanted '%s' in '%s'", name, value, want_error, msg);
	}
	if (want_clean != NULL) {
		char *wtext = q(want_clean);

		want = json_loads(wtext, JSON_DECODE_ANY, NULL);
		assert_non_null(want);
		if (!json_equal(want, json_object_get(clean, name))) {
			char *got = json_dumps(json_object_get(clean, name), JSON_ENCODE_ANY);

			fail_msg("%s = %s: clean %s, wanted %s", name, value, got, wtext);
		}
		json_decref(want);
		free(wtext);
	}
	json_decref(clean);
	json_decref(errors);
	json_decref(submitted);
	free(text);
}

#define OK(name, value, clean) answer(f->schema, name, value, NULL, clean)
#define BAD(name, value, error) answer(f->schema, name, value, error, NULL)

static void test_answers_text(void **state)
{
	struct answers_fixture *f = *state;

	OK("full_name", "'Nguyễn Văn'", "'Nguyễn Văn'"); /* 10 characters, 14 bytes */
	OK("full_name", "'  Lê Na \\r\\n'", "'Lê Na'");
	/* Decomposed input (NFD) is counted after NFC and stored in NFC. */
	OK("full_name", "'Nguye\\u0302\\u0303n Va\\u0306n'", "'Nguyễn Văn'");
	BAD("full_name", "'Nguyễn Văn A'", "Họ và tên: không được dài quá 10 ký tự (hiện có 12 ký tự).");
	BAD("full_name", "'A'", "Họ và tên: phải có ít nhất 2 ký tự");
	BAD("full_name", "''", "Họ và tên: vui lòng nhập thông tin này.");
	BAD("full_name", "'   '", "Họ và tên: vui lòng nhập thông tin này.");
	BAD("full_name", "'Lê\\tNa'", "Họ và tên: chỉ được nhập trên một dòng");
	BAD("full_name", "'Lê\\nNa'", "Họ và tên: chỉ được nhập trên một dòng");
	BAD("full_name", "'Lê\\u0085Na'", "chỉ được nhập trên một dòng");
	BAD("full_name", "5", "Họ và tên: có ký tự không hợp lệ");
	BAD("full_name", "['Lê Na', 'Lê Nam']", "Họ và tên: chỉ được nhập một giá trị.");
	OK("full_name", "['Lê Na']", "'Lê Na'");
	BAD("full_name", "'Lê\\u0000Na'", "Họ và tên: có ký tự không hợp lệ");
	OK("plain", "''", "''");
	OK("plain", "null", "''");

	/* The pattern must match the whole answer. */
	OK("code", "'AB123'", "'AB123'");
	BAD("code", "'xAB123'", "Mã hồ sơ: không đúng định dạng yêu cầu.");
	BAD("code", "'AB1234'", "Mã hồ sơ: không đúng định dạng");
	BAD("code", "'ab123'", "Mã hồ sơ: không đúng định dạng");
	OK("code", "''", "''"); /* optional and empty: no pattern check */
	OK("alt", "'ab'", "'ab'");
	OK("alt", "'cd'", "'cd'");
	BAD("alt", "'abcd'", "không đúng định dạng");
	BAD("alt", "'xcd'", "không đúng định dạng");
	BAD("alt", "'abx'", "không đúng định dạng");
	/* A lone ')' is a literal: "a)" or "b", nothing else. */
	OK("paren", "'a)'", "'a)'");
	OK("paren", "'b'", "'b'");
	BAD("paren", "'a'", "không đúng định dạng");
	BAD("paren", "'b)'", "không đúng định dạng");
	/* Characters, not bytes: a Vietnamese letter is one '.' and one [[:alpha:]]. */
	OK("word", "'Ấủờ'", "'Ấủờ'");
	BAD("word", "'Ấủ'", "không đúng định dạng");
	BAD("word", "'Ấủ1'", "không đúng định dạng");
	OK("dots", "'ăâê'", "'ăâê'");
	BAD("dots", "'ăâêô'", "không đúng định dạng");

	/* A textarea keeps its lines; CR LF counts as one character. */
	OK("note", "'ab\\r\\ncd'", "'ab\\ncd'");
	OK("note", "'ư\\tơ\\nă'", "'ư\\tơ\\nă'");
	BAD("note", "'abc\\r\\ncd'", "Ghi chú: không được dài quá 5 ký tự (hiện có 6 ký tự).");
	BAD("note", "'a\\u0007b'", "Ghi chú: không được chứa ký tự điều khiển");
	OK("story", "'dòng 1\\ndòng 2'", "'dòng 1\\ndòng 2'"); /* '.' and [^x] cross lines */
	BAD("story", "'dòng x'", "Trình bày: không đúng định dạng");
}

static void test_answers_number_date(void **state)
{
	struct answers_fixture *f = *state;

	OK("qty", "'5'", "'5'");
	OK("qty", "'5,0'", "'5'");
	OK("qty", "'10.00'", "'10'");
	OK("qty", "'1'", "'1'");
	BAD("qty", "'5,5'", "Số lượng: phải là số nguyên");
	BAD("qty", "'0'", "Số lượng: không được nhỏ hơn 1.");
	BAD("qty", "'11'", "Số lượng: không được lớn hơn 10.");
	BAD("qty", "'-3'", "Số lượng: không được nhỏ hơn 1.");
	BAD("qty", "'abc'", "Số lượng: không phải là số hợp lệ");
	BAD("qty", "'1.000,5'", "không phải là số hợp lệ");
	BAD("qty", "'1e2'", "không phải là số hợp lệ");
	BAD("qty", "'5.'", "không phải là số hợp lệ");
	BAD("qty", "',5'", "không phải là số hợp lệ");
	BAD("qty", "'+5'", "không phải là số hợp lệ");
	BAD("qty", "'5 000'", "không phải là số hợp lệ");
	BAD("qty", "'12345678901234567890123456789012345678901'", "không phải là số hợp lệ");
	OK("qty", "''", "''");
	OK("area", "'0,5'", "'0.5'");
	OK("area", "'1000.25'", "'1000.25'");
	OK("area", "' 12,75 '", "'12.75'");
	BAD("area", "'0,49'", "Diện tích: không được nhỏ hơn 0,5.");
	BAD("area", "'1000,26'", "Diện tích: không được lớn hơn 1000,25.");

	OK("birth_date", "'1990-05-31'", "'1990-05-31'");
	OK("birth_date", "'31/05/1990'", "'1990-05-31'");
	OK("birth_date", "'1/2/1990'", "'1990-02-01'");
	OK("birth_date", "'2000-02-29'", "'2000-02-29'");
	OK("birth_date", "'" TODAY "'", "'" TODAY "'");
	OK("birth_date", "'1900-01-01'", "'1900-01-01'");
	BAD("birth_date", "'2023-02-29'", "Ngày sinh: không phải ngày hợp lệ.");
	BAD("birth_date", "'1900-02-29'", "Ngày sinh: không phải ngày hợp lệ.");
	BAD("birth_date", "'30/02/2000'", "Ngày sinh: không phải ngày hợp lệ.");
	BAD("birth_date", "'1990-5-31'", "Ngày sinh: không phải ngày hợp lệ.");
	BAD("birth_date", "'31-05-1990'", "Ngày sinh: không phải ngày hợp lệ.");
	BAD("birth_date", "'31/05/90'", "Ngày sinh: không phải ngày hợp lệ.");
	BAD("birth_date", "'2026-03-16'", "Ngày sinh: không được sau ngày hôm nay.");
	BAD("birth_date", "'1899-12-31'", "Ngày sinh: không được trước ngày 01/01/1900.");
	BAD("birth_date", "''", "Ngày sinh: vui lòng nhập thông tin này.");
	BAD("birth_date", "'1990-05-31x'", "Ngày sinh: không phải ngày hợp lệ.");
	OK("appt", "'" TODAY "'", "'" TODAY "'");
	OK("appt", "'31/12/2026'", "'2026-12-31'");
	BAD("appt", "'2026-03-14'", "Ngày hẹn: không được trước ngày hôm nay.");
	BAD("appt", "'2027-01-01'", "Ngày hẹn: không được sau ngày 31/12/2026.");
	OK("appt", "''", "''");
}

static void test_answers_choices(void **state)
{
	struct answers_fixture *f = *state;

	OK("province", "'hn'", "'hn'");
	OK("province", "['hcm']", "'hcm'");
	BAD("province", "'hà nội'", "Tỉnh: lựa chọn không hợp lệ.");
	BAD("province", "'HN'", "Tỉnh: lựa chọn không hợp lệ.");
	BAD("province", "''", "Tỉnh: vui lòng chọn một lựa chọn.");
	BAD("province", "['hn', 'hcm']", "Tỉnh: chỉ được nhập một giá trị.");
	OK("gender", "'nu'", "'nu'");
	OK("gender", "''", "''");
	BAD("gender", "'khac'", "Giới tính: lựa chọn không hợp lệ.");

	/* A checkbox group: a list in the schema's order, each value once. */
	OK("docs", "['c', 'a']", "['a', 'c']");
	OK("docs", "'b'", "['b']");
	OK("docs", "['a', 'a', '']", "['a']");
	BAD("docs", "[]", "Giấy tờ: vui lòng chọn ít nhất một lựa chọn.");
	BAD("docs", "''", "Giấy tờ: vui lòng chọn ít nhất một lựa chọn.");
	BAD("docs", "['a', 'z']", "Giấy tờ: lựa chọn không hợp lệ.");
	BAD("docs", "[1]", "Giấy tờ: lựa chọn không hợp lệ.");
	answer(f->schema, "docs", "['a', 'z']", "lựa chọn không hợp lệ", "['a']");
	OK("extras", "[]", "[]");
	OK("extras", "null", "[]");
	OK("extras", "['x']", "['x']");

	/* A single box, "1" when ticked; required means it must be ticked. */
	OK("pledge", "'1'", "'1'");
	BAD("pledge", "''", "Cam đoan: vui lòng đánh dấu vào ô này.");
	BAD("pledge", "'yes'", "Cam đoan: giá trị không hợp lệ");
	OK("news", "''", "''");
	OK("news", "'1'", "'1'");
}

static void test_answers_identity(void **state)
{
	struct answers_fixture *f = *state;

	OK("email", "'Nguyen.VanA@Gmail.com'", "'Nguyen.VanA@Gmail.com'");
	BAD("email", "'không-phải-email'", "Thư điện tử: địa chỉ thư điện tử");
	BAD("email", "'a@b'", "Thư điện tử: tên miền sau dấu @ không đúng.");
	OK("email", "''", "''");

	OK("phone", "'0912 345 678'", "'0912345678'");
	OK("phone", "'+84 912-345-678'", "'0912345678'");
	BAD("phone", "'0243 123 4567'", "Số điện thoại: ");
	BAD("phone", "'12345'", "Số điện thoại: số điện thoại phải là số di động");

	OK("cid", "'001090012345'", "'001090012345'");
	BAD("cid", "'12345'", "Số định danh: số định danh cá nhân phải gồm đúng 12 chữ số");
	BAD("cid", "'003090012345'", "Số định danh: ba chữ số đầu");
	BAD("cid", "'001290012345'", "Số định danh: năm sinh ghi trong số định danh cá nhân");
	OK("cid", "'001226012345'", "'001226012345'"); /* born 2026: this year */
	BAD("cid", "'001227012345'", "năm sinh ghi trong số định danh");

	OK("tax", "'0100109106'", "'0100109106'");
	OK("tax", "'0100109106-001'", "'0100109106-001'");
	BAD("tax", "'0100109107'", "Mã số thuế: mã số thuế không đúng: chữ số kiểm tra");
	BAD("tax", "'0100109106-000'", "Mã số thuế: mã chi nhánh");
	BAD("tax", "'01001091'", "Mã số thuế: mã số thuế phải gồm 10 chữ số");

	OK("addr", "'Số 1, phố Huế\\r\\nHà Nội'", "'Số 1, phố Huế\\nHà Nội'");
	OK("addr", "'Huế 1'", "'Huế 1'"); /* 5 characters */
	BAD("addr", "'Huế'", "Địa chỉ: phải có ít nhất 5 ký tự (hiện có 3 ký tự).");
	{
		char value[2048];
		size_t i, o = 0;

		o += (size_t)snprintf(value + o, sizeof value - o, "'");
		for (i = 0; i < 501; i++)
			o += (size_t)snprintf(value + o, sizeof value - o, "ở");
		snprintf(value + o, sizeof value - o, "'");
		BAD("addr", value, "Địa chỉ: không được dài quá 500 ký tự (hiện có 501 ký tự).");
		value[o - strlen("ở")] = '\0'; /* drop the last "ở" */
		strcat(value, "'");
		OK("addr", value, NULL);
	}
}

static void test_answers_whole_form(void **state)
{
	struct answers_fixture *f = *state;
	static const char good[] =
		"{ 'full_name': 'Trần Thị B', 'birth_date': '02/09/1945', 'province': 'hcm',"
		"  'docs': ['b'], 'pledge': '1', 'ignored': 'x', 'qty': '3' }";
	char *text = q(good);
	json_t *submitted = json_loads(text, 0, NULL), *clean = NULL, *errors = NULL;

	assert_non_null(submitted);
	assert_int_equal(formschema_check_values(f->schema, submitted, TODAY, &clean, &errors), 0);
	assert_int_equal(json_object_size(errors), 0);
	/* Every field of the schema has a clean answer, and nothing else does. */
	assert_int_equal(json_object_size(clean), 24);
	assert_null(json_object_get(clean, "ignored"));
	assert_string_equal(json_string_value(json_object_get(clean, "birth_date")), "1945-09-02");
	assert_string_equal(json_string_value(json_object_get(clean, "email")), "");
	assert_true(json_is_array(json_object_get(clean, "extras")));
	json_decref(clean);
	json_decref(errors);

	/* Nothing at all: only the required fields complain, each once. */
	json_object_clear(submitted);
	assert_int_equal(formschema_check_values(f->schema, submitted, TODAY, &clean, &errors),
	                 MC_EINVAL);
	assert_int_equal(json_object_size(errors), 5);
	assert_non_null(json_object_get(errors, "full_name"));
	assert_non_null(json_object_get(errors, "birth_date"));
	assert_non_null(json_object_get(errors, "province"));
	assert_non_null(json_object_get(errors, "docs"));
	assert_non_null(json_object_get(errors, "pledge"));
	json_decref(clean);
	json_decref(errors);

	/* Caller bugs. */
	clean = errors = (json_t *)1;
	assert_int_equal(formschema_check_values(f->schema, submitted, NULL, &clean, &errors),
	                 MC_EINVAL);
	assert_null(clean);
	assert_null(errors);
	assert_int_equal(formschema_check_values(f->schema, submitted, "2026-02-30", &clean, &errors),
	                 MC_EINVAL);
	assert_null(clean);
	assert_int_equal(formschema_check_values(f->schema, json_null(), TODAY, &clean, &errors),
	                 MC_EINVAL);
	assert_null(errors);
	json_decref(submitted);
	free(text);
}

static void test_prefill(void **state)
{
	struct answers_fixture *f = *state;
	char *text = q(every_type);
	json_t *schema = load_ok(text), *values, *account;

	(void)f;
	values = json_pack("{s:s, s:s}", "requester_name", "", "email", "khac@vi.du");
	account = json_pack("{s:s, s:s, s:s, s:s, s:s}", "full_name", "Phạm Văn C", "email",
	                    "c@vi.du", "birth_date", "1980-01-02", "address", "Số 2, Huế",
	                    "phone", "");
	assert_non_null(values);
	assert_non_null(account);
	assert_int_equal(formschema_prefill(schema, account, values), 0);
	assert_string_equal(json_string_value(json_object_get(values, "requester_name")), "Phạm Văn C");
	assert_string_equal(json_string_value(json_object_get(values, "email")), "khac@vi.du");
	assert_string_equal(json_string_value(json_object_get(values, "birth_date")), "1980-01-02");
	assert_string_equal(json_string_value(json_object_get(values, "home")), "Số 2, Huế");
	assert_string_equal(json_string_value(json_object_get(values, "addr")), "Số 2, Huế");
	assert_null(json_object_get(values, "phone"));  /* the account's detail is empty */
	assert_null(json_object_get(values, "org"));    /* the account has none */
	assert_null(json_object_get(values, "note"));   /* no prefill */
	assert_int_equal(formschema_prefill(schema, account, json_null()), MC_EINVAL);
	json_decref(values);
	json_decref(account);
	json_decref(schema);
	free(text);
}

/* ---- The view model and the partial ------------------------------------------------------------ */

/* The field called 'name' in view model 'view'. */
static const json_t *view_field(const json_t *view, const char *name)
{
	const json_t *section, *field;
	size_t i, j;

	json_array_foreach(json_object_get(view, "sections"), i, section)
		json_array_foreach(json_object_get(section, "fields"), j, field)
			if (strcmp(json_string_value(json_object_get(field, "name")), name) == 0)
				return field;
	fail_msg("no field %s", name);
	return NULL;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL)
		fail_msg("%s is not a string", key);
	return s;
}

static bool flag(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		fail_msg("%s is not a boolean", key);
	return json_is_true(v);
}

static json_t *sample_view(json_t **schema_out)
{
	char *text = q(every_type);
	json_t *schema = load_ok(text), *values, *errors, *view = NULL;

	values = json_pack("{s:s, s:s, s:[s,s], s:s, s:s, s:s}", "gender", "nu", "province", "hcm",
	                   "copies", "b_2", "a-1", "pledge", "1", "requester_name", "Lê <Na>",
	                   "birth_date", "2030-01-01");
	errors = json_pack("{s:s, s:s, s:s}", "birth_date", "Ngày sinh: không được sau ngày hôm nay.",
	                   "gender", "Giới tính: lựa chọn không hợp lệ.", "note", "");
	assert_non_null(values);
	assert_non_null(errors);
	assert_int_equal(formschema_view(schema, values, errors, TODAY, &view), 0);
	assert_non_null(view);
	json_decref(values);
	json_decref(errors);
	free(text);
	*schema_out = schema;
	return view;
}

static void test_view(void **state)
{
	json_t *schema, *view = sample_view(&schema), *blank = NULL;
	const json_t *f, *opts, *summary;

	(void)state;
	assert_int_equal(json_array_size(json_object_get(view, "sections")), 2);
	assert_string_equal(str(json_array_get(json_object_get(view, "sections"), 0), "description"),
	                    "Ghi đúng như trên giấy tờ.");
	assert_string_equal(str(json_array_get(json_object_get(view, "sections"), 1), "description"),
	                    "");

	/* A text field: ids, attributes, value, help. */
	f = view_field(view, "requester_name");
	assert_string_equal(str(f, "id"), "f_requester_name");
	assert_string_equal(str(f, "input_name"), "f_requester_name");
	assert_string_equal(str(f, "label"), "Họ, chữ đệm, tên");
	assert_string_equal(str(f, "value"), "Lê <Na>");
	assert_string_equal(str(f, "input_type"), "text");
	assert_string_equal(str(f, "autocomplete"), "name");
	assert_string_equal(str(f, "help"), "Viết có dấu.");
	assert_string_equal(str(f, "describedby"), "f_requester_name-help");
	assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 100);
	assert_true(flag(f, "is_text") && flag(f, "control_input") && flag(f, "required"));
	assert_false(flag(f, "is_textarea") || flag(f, "is_date") || flag(f, "invalid"));
	assert_false(flag(f, "is_checkbox_single") || flag(f, "is_checkbox_multi"));
	assert_false(flag(f, "min") || flag(f, "max") || flag(f, "step") || flag(f, "inputmode"));
	assert_int_equal(json_array_size(json_object_get(f, "options")), 0);
	f = view_field(view, "org");
	assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 500);
	assert_string_equal(str(f, "autocomplete"), "organization");
	assert_string_equal(str(f, "describedby"), "");
	f = view_field(view, "note");
	assert_true(flag(f, "control_textarea") && flag(f, "is_textarea"));
	assert_false(flag(f, "invalid")); /* an empty message is no error */
	assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 2000);
	assert_int_equal(json_integer_value(json_object_get(f, "rows")), 5);

	/* A date: "today" becomes the date; its error is attached. */
	f = view_field(view, "birth_date");
	assert_true(flag(f, "is_date") && flag(f, "invalid"));
	assert_string_equal(str(f, "input_type"), "date");
	assert_string_equal(str(f, "min"), "1900-01-01");
	assert_string_equal(str(f, "max"), TODAY);
	assert_string_equal(str(f, "autocomplete"), "bday");
	assert_string_equal(str(f, "value"), "2030-01-01");
	assert_string_equal(str(f, "error"), "Ngày sinh: không được sau ngày hôm nay.");
	assert_string_equal(str(f, "error_id"), "f_birth_date-error");
	assert_string_equal(str(f, "describedby"), "f_birth_date-error");
	assert_string_equal(str(view_field(view, "appointment"), "min"), TODAY);
	assert_false(flag(view_field(view, "appointment"), "max"));

	/* Numbers. */
	f = view_field(view, "qty");
	assert_string_equal(str(f, "input_type"), "number");
	assert_string_equal(str(f, "min"), "1");
	assert_string_equal(str(f, "max"), "10");
	assert_string_equal(str(f, "step"), "1");
	assert_string_equal(str(f, "inputmode"), "numeric");
	f = view_field(view, "area");
	assert_string_equal(str(f, "min"), "0.5");
	assert_false(flag(f, "max"));
	assert_string_equal(str(f, "step"), "any");
	assert_string_equal(str(f, "inputmode"), "decimal");

	/* Choices: selected, checked, a group's error and its summary anchor. */
	f = view_field(view, "province");
	assert_true(flag(f, "control_select"));
	opts = json_object_get(f, "options");
	assert_false(flag(json_array_get(opts, 0), "selected"));
	assert_true(flag(json_array_get(opts, 1), "selected"));
	f = view_field(view, "gender");
	assert_true(flag(f, "control_radio") && flag(f, "invalid"));
	assert_string_equal(str(f, "value"), "");
	opts = json_object_get(f, "options");
	assert_string_equal(str(json_array_get(opts, 1), "id"), "f_gender-1");
	assert_string_equal(str(json_array_get(opts, 1), "label"), "Nữ");
	assert_false(flag(json_array_get(opts, 0), "checked"));
	assert_true(flag(json_array_get(opts, 1), "checked"));
	f = view_field(view, "copies");
	assert_true(flag(f, "control_checkboxes") && flag(f, "is_checkbox_multi"));
	opts = json_object_get(f, "options");
	assert_true(flag(json_array_get(opts, 0), "checked"));
	assert_true(flag(json_array_get(opts, 1), "checked"));
	f = view_field(view, "pledge");
	assert_true(flag(f, "control_checkbox") && flag(f, "is_checkbox_single") && flag(f, "checked"));

	/* Identity fields. */
	f = view_field(view, "cid");
	assert_string_equal(str(f, "inputmode"), "numeric");
	assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 12);
	assert_false(flag(f, "autocomplete"));
	f = view_field(view, "tax");
	assert_string_equal(str(f, "inputmode"), "numeric");
	assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 14);
	f = view_field(view, "phone");
	assert_string_equal(str(f, "input_type"), "tel");
	assert_string_equal(str(f, "autocomplete"), "tel");
	assert_false(flag(f, "maxlength"));
	f = view_field(view, "email");
	assert_string_equal(str(f, "input_type"), "email");
	assert_int_equal(json_integer_value(json_object_get(f, "maxlength")), 254);
	f = view_field(view, "addr");
	assert_true(flag(f, "control_textarea") && flag(f, "is_address"));
	assert_string_equal(str(f, "autocomplete"), "street-address");
	assert_int_equal(json_integer_value(json_object_get(f, "rows")), 3);

	/* The error summary, in the order of the form. */
	assert_true(flag(view, "has_errors"));
	summary = json_object_get(view, "errors");
	assert_int_equal(json_array_size(summary), 2);
	assert_string_equal(str(json_array_get(summary, 0), "field"), "f_birth_date");
	assert_string_equal(str(json_array_get(summary, 1), "field"), "f_gender-0");
	assert_string_equal(str(json_array_get(summary, 1), "message"),
	                    "Giới tính: lựa chọn không hợp lệ.");

	/* A blank form: no values, no errors, no date for "today". */
	assert_int_equal(formschema_view(schema, NULL, NULL, NULL, &blank), 0);
	assert_false(flag(blank, "has_errors"));
	assert_false(flag(view_field(blank, "birth_date"), "max"));
	assert_string_equal(str(view_field(blank, "birth_date"), "min"), "1900-01-01");
	assert_string_equal(str(view_field(blank, "requester_name"), "value"), "");
	assert_false(flag(json_array_get(json_object_get(view_field(blank, "gender"), "options"), 1),
	                  "checked"));
	json_decref(blank);
	blank = (json_t *)1;
	assert_int_equal(formschema_view(json_null(), NULL, NULL, NULL, &blank), MC_EINVAL);
	assert_null(blank);

	json_decref(view);
	json_decref(schema);
}

static void contains(const char *html, const char *want)
{
	if (strstr(html, want) == NULL)
		fail_msg("missing: %s", want);
}

static void test_partial(void **state)
{
	struct tpl_set *set = tpl_set_new();
	char err[512] = "";
	struct buf out;
	json_t *schema, *view = sample_view(&schema);
	const char *html;

	(void)state;
	assert_non_null(set);
	buf_init(&out, NULL);
	if (tpl_set_load_dir(set, MOTCUA_SHARE_DIR "/templates", err, sizeof err) != 0)
		fail_msg("templates: %s", err);
	assert_true(tpl_exists(set, "partials/form_fields"));
	assert_int_equal(tpl_render(set, "partials/form_fields", view, &out), 0);
	assert_int_equal(buf_putc(&out, '\0'), 0);
	html = out.data;

	assert_null(strstr(html, "{{"));
	/* Sections, labels with the required marker, values escaped. */
	contains(html, "<legend class=\"h5 mb-3\">Thông tin người yêu cầu</legend>");
	contains(html, "<p class=\"form-text mt-0 mb-3\">Ghi đúng như trên giấy tờ.</p>");
	contains(html, "<label class=\"form-label\" for=\"f_requester_name\">Họ, chữ đệm, tên "
	               "<span class=\"required-marker\">(bắt buộc)</span></label>");
	contains(html, "<label class=\"form-label\" for=\"f_org\">Tên tổ chức</label>");
	contains(html, "<input class=\"form-control\" type=\"text\" id=\"f_requester_name\" "
	               "name=\"f_requester_name\" value=\"Lê &lt;Na&gt;\" maxlength=\"100\" "
	               "autocomplete=\"name\" required aria-describedby=\"f_requester_name-help\">");
	contains(html, "<div class=\"form-text\" id=\"f_requester_name-help\">Viết có dấu.</div>");
	/* The error: marked invalid, described and shown. */
	contains(html, "<input class=\"form-control is-invalid\" type=\"date\" id=\"f_birth_date\" "
	               "name=\"f_birth_date\" value=\"2030-01-01\" min=\"1900-01-01\" "
	               "max=\"" TODAY "\" autocomplete=\"bday\" required "
	               "aria-describedby=\"f_birth_date-error\" aria-invalid=\"true\">");
	contains(html, "<div class=\"invalid-feedback d-block\" id=\"f_birth_date-error\">"
	               "Ngày sinh: không được sau ngày hôm nay.</div>");
	/* Checked options, selected option, the group's legend and error. */
	contains(html, "<fieldset class=\"mb-3\" id=\"f_gender\" aria-describedby=\"f_gender-error\">");
	contains(html, "<legend class=\"form-label fs-6\">Giới tính</legend>");
	contains(html, "<input class=\"form-check-input is-invalid\" type=\"radio\" id=\"f_gender-1\" "
	               "name=\"f_gender\" value=\"nu\" checked aria-invalid=\"true\">");
	contains(html, "<label class=\"form-check-label\" for=\"f_gender-1\">Nữ</label>");
	contains(html, "<input class=\"form-check-input is-invalid\" type=\"radio\" id=\"f_gender-0\" "
	               "name=\"f_gender\" value=\"nam\" aria-invalid=\"true\">");
	contains(html, "<option value=\"hcm\" selected>TP HCM</option>");
	contains(html, "<option value=\"hn\">Hà Nội</option>");
	contains(html, "type=\"checkbox\" id=\"f_copies-0\" name=\"f_copies\" value=\"a-1\" checked>");
	contains(html, "type=\"checkbox\" id=\"f_pledge\" name=\"f_pledge\" value=\"1\" checked required>");
	contains(html, "<label class=\"form-check-label\" for=\"f_pledge\">Tôi cam đoan "
	               "<span class=\"required-marker\">(bắt buộc)</span></label>");
	contains(html, "<textarea class=\"form-control\" id=\"f_addr\" name=\"f_addr\" rows=\"3\" "
	               "maxlength=\"500\" autocomplete=\"street-address\"></textarea>");
	contains(html, "type=\"text\" id=\"f_cid\" name=\"f_cid\" value=\"\" maxlength=\"12\" "
	               "inputmode=\"numeric\">");
	contains(html, "type=\"number\" id=\"f_qty\" name=\"f_qty\" value=\"\" min=\"1\" max=\"10\" "
	               "step=\"1\" inputmode=\"numeric\">");
	contains(html, "type=\"email\" id=\"f_email\" name=\"f_email\" value=\"\" maxlength=\"254\" "
	               "autocomplete=\"email\" spellcheck=\"false\">");
	/* Only the two fields with an error show one. */
	{
		const char *p = html;
		size_t n = 0;

		while ((p = strstr(p, "invalid-feedback")) != NULL) {
			n++;
			p++;
		}
		assert_int_equal(n, 2);
	}

	buf_free(&out);
	tpl_set_free(set);
	json_decref(view);
	json_decref(schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_schemas),
		cmocka_unit_test(test_bad_root),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_bad_lengths_and_patterns),
		cmocka_unit_test(test_bad_bounds),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_prefill),
		cmocka_unit_test_setup_teardown(test_answers_text, answers_setup, answers_teardown),
		cmocka_unit_test_setup_teardown(test_answers_number_date, answers_setup,
		                                answers_teardown),
		cmocka_unit_test_setup_teardown(test_answers_choices, answers_setup, answers_teardown),
		cmocka_unit_test_setup_teardown(test_answers_identity, answers_setup, answers_teardown),
		cmocka_unit_test_setup_teardown(test_answers_whole_form, answers_setup,
		                                answers_teardown),
		cmocka_unit_test_setup_teardown(test_prefill, answers_setup, answers_teardown),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
