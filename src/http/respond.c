/* respond.c: request accessors and the one way every response leaves: with security headers. */
#include "http/req.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/server.h"
#include "lib/buf.h"
#include "lib/token.h"
#include "lib/err.h"
#include "lib/tpl.h"
#include "lib/utf8.h"
#include "limit.h"
#include "store/db.h"

/* No inline script or style anywhere; Bootstrap's form controls draw their icons from data:
 * SVG images, hence img-src data:. */
static const char csp[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
	"form-action 'self'; frame-ancestors 'none'";

h2o_iovec_t req_path(const struct req *r)
{
	const h2o_req_t *h = r->h2o;
	size_t len = h->query_at != SIZE_MAX ? h->query_at : h->path.len;

	return h2o_iovec_init(h->path.base, len);
}

const char *req_header(const struct req *r, const h2o_token_t *token, size_t *len)
{
	ssize_t i = h2o_find_header(&r->h2o->headers, token, -1);

	if (i < 0)
		return NULL;
	if (len)
		*len = r->h2o->headers.entries[i].value.len;
	return r->h2o->headers.entries[i].value.base;
}

int req_query(struct req *r, const struct form **out)
{
	const h2o_req_t *h = r->h2o;
	int rc;

	if (r->query == NULL) {
		struct form *f = h2o_mem_alloc_pool(r->pool, sizeof(*f));
		memset(f, 0, sizeof(*f));
		if (h->query_at != SIZE_MAX) {
			rc = form_parse_query(r->pool, h->path.base + h->query_at + 1,
			                      h->path.len - h->query_at - 1, f);
			if (rc != 0)
				return rc;
		}
		r->query = f;
	}
	*out = r->query;
	return 0;
}

static int content_type_is(const char *ct, size_t len, const char *want)
{
	size_t wl = strlen(want);

	return len >= wl && strncasecmp(ct, want, wl) == 0 &&
	       (len == wl || ct[wl] == ';' || ct[wl] == ' ');
}

int req_form(struct req *r, const struct form **out)
{
	h2o_req_t *h = r->h2o;
	const char *ct;
	size_t ctlen = 0;
	struct form *f;
	int rc;

	if (r->form != NULL) {
		*out = r->form;
		return 0;
	}
	f = h2o_mem_alloc_pool(r->pool, sizeof(*f));
	memset(f, 0, sizeof(*f));
	ct = req_header(r, H2O_TOKEN_CONTENT_TYPE, &ctlen);
	if (h->entity.base == NULL || h->entity.len == 0) {
		/* An empty body is an empty form. */
	} else if (ct != NULL && content_type_is(ct, ctlen, "application/x-www-form-urlencoded")) {
		if (h->entity.len > LIMIT_FORM_BODY_BYTES)
			return MC_ETOOBIG;
		rc = form_parse_urlencoded(r->pool, h->entity.base, h->entity.len, f);
		if (rc != 0)
			return rc;
	} else if (ct != NULL && content_type_is(ct, ctlen, "multipart/form-data")) {
		struct multipart_limits lim = multipart_default_limits();
		struct multipart *mp = h2o_mem_alloc_pool(r->pool, sizeof(*mp));
		const char *boundary;
		size_t nfields = 0;

		rc = multipart_boundary(r->pool, ct, ctlen, &boundary);
		if (rc != 0)
			return rc;
		rc = multipart_parse(r->pool, boundary, h->entity.base, h->entity.len, &lim, mp);
		if (rc != 0)
			return rc;
		f->fields = h2o_mem_alloc_pool(r->pool, sizeof(*f->fields) * (mp->count + 1));
		for (size_t i = 0; i < mp->count; i++) {
			if (mp->parts[i].filename != NULL)
				continue;
			f->fields[nfields].name = mp->parts[i].name;
			f->fields[nfields].value = mp->parts[i].data;
			f->fields[nfields].value_len = mp->parts[i].len;
			nfields++;
		}
		f->count = nfields;
		r->multipart = mp;
	} else {
		return MC_EINVAL;
	}
	r->form = f;
	*out = f;
	return 0;
}

const char *req_param(struct req *r, const char *name)
{
	size_t len, o = 0;
	const char *raw = router_param(&r->match, name, &len);
	char *dec, *nfc;
	size_t nfclen;

	if (raw == NULL)
		return NULL;
	dec = h2o_mem_alloc_pool(r->pool, len + 1);
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return NULL;
			hi = form_hex((unsigned char)raw[i + 1]);
			lo = form_hex((unsigned char)raw[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			dec[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			dec[o++] = raw[i];
		}
	}
	if (memchr(dec, '/', o) != NULL || utf8_to_nfc(r->pool, dec, o, &nfc, &nfclen) != 0)
		return NULL;
	return nfc;
}

int http_status_for(int err)
{
	switch (err) {
	case MC_EINVAL: return 400;
	case MC_ENOTFOUND: return 404;
	case MC_EFORBIDDEN: return 403;
	case MC_ECONFLICT: return 409;
	case MC_ETOOBIG: return 413;
	case MC_ELIMIT: return 429;
	case MC_EUNAVAIL: return 503;
	default: return 500;
	}
}

int respond_header(struct req *r, const char *name, const char *value)
{
	size_t vl = strlen(value);

	if (strpbrk(value, "\r\n") != NULL)
		return MC_EINVAL;
	h2o_add_header_by_str(r->pool, &r->h2o->res.headers, name, strlen(name), 1, NULL,
	                      h2o_strdup(r->pool, value, vl).base, vl);
	return 0;
}

void add_security_headers(struct req *r)
{
	h2o_headers_t *hd = &r->h2o->res.headers;

	h2o_add_header_by_str(r->pool, hd, H2O_STRLIT("content-security-policy"), 0, NULL,
	                      csp, sizeof(csp) - 1);
	h2o_add_header_by_str(r->pool, hd, H2O_STRLIT("x-content-type-options"), 0, NULL,
	                      H2O_STRLIT("nosniff"));
	h2o_add_header_by_str(r->pool, hd, H2O_STRLIT("referrer-policy"), 0, NULL,
	                      H2O_STRLIT("same-origin"));
	h2o_add_header_by_str(r->pool, hd, H2O_STRLIT("x-frame-options"), 0, NULL,
	                      H2O_STRLIT("DENY"));
	h2o_add_header_by_str(r->pool, hd, H2O_STRLIT("x-request-id"), 0, NULL, r->id,
	                      strlen(r->id));
}

static const char *reason_for(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "";
	}
}

void respond_bytes(struct req *r, int status, const char *content_type, const char *body,
                   size_t len)
{
	h2o_req_t *h = r->h2o;
	static h2o_generator_t generator = { NULL, NULL };
	h2o_iovec_t v = h2o_iovec_init(body, len);

	if (r->responded)
		return;
	r->responded = 1;
	h->res.status = status;
	h->res.reason = reason_for(status);
	h->res.content_length = status == 304 ? SIZE_MAX : len;
	if (content_type != NULL)
		h2o_add_header(r->pool, &h->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
		               strlen(content_type));
	add_security_headers(r);
	h2o_start_response(h, &generator);
	/* HEAD gets the headers of GET, Content-Length included, and no body. */
	if (h2o_memis(h->method.base, h->method.len, H2O_STRLIT("HEAD")) || status == 304)
		h2o_send(h, NULL, 0, H2O_SEND_STATE_FINAL);
	else
		h2o_send(h, &v, 1, H2O_SEND_STATE_FINAL);
}

static const char html_type[] = "text/html; charset=utf-8";

/* Render page 'tpl' with 'data' (taking it) into 'out'; MC_EIO when the template fails. */
static int render_page(struct req *r, const char *tpl, json_t *data, struct buf *out)
{
	int rc = 0;

	buf_init(out, r->pool);
	if (data == NULL)
		data = json_object();
	json_object_set(data, "site", r->app->site);
	if (r->actor.role != ROLE_ANONYMOUS)
		json_object_set_new(data, "user",
		                    json_pack("{s:s, s:s, s:b, s:b, s:b, s:b}", "full_name",
		                              r->actor.full_name, "csrf", r->actor.csrf, "is_citizen",
		                              r->actor.role == ROLE_CITIZEN, "is_staff",
		                              r->actor.role == ROLE_STAFF, "is_admin",
		                              actor_is_admin(&r->actor), "handles_dossiers",
		                              r->actor.role == ROLE_STAFF &&
		                                  (r->actor.staff_role == STAFF_INTAKE ||
		                                   r->actor.staff_role == STAFF_SPECIALIST ||
		                                   r->actor.staff_role == STAFF_LEADER)));
	if (tpl_render(r->app->templates, tpl, data, out) != 0)
		rc = MC_EIO;
	json_decref(data);
	return rc;
}

static void send_page(struct req *r, int status, const char *body, size_t len)
{
	h2o_add_header(r->pool, &r->h2o->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	               H2O_STRLIT("no-store"));
	respond_bytes(r, status, html_type, body, len);
}

void respond_page(struct req *r, int status, const char *tpl, json_t *data)
{
	struct buf out;

	if (render_page(r, tpl, data, &out) != 0) {
		respond_error(r, 500);
		return;
	}
	send_page(r, status, out.data, out.len);
}

/* A page in the connection's memo. */
struct kept_page {
	int status;
	size_t len;
	char body[];
};

static void kept_page_drop(void *p)
{
	free(p);
}

/* The memo key of this URL's page for this session: 0, or MC_EINVAL (no session, too long). */
static int kept_key(const struct req *r, char key[DB_MEMO_KEY_MAX + 1])
{
	const h2o_iovec_t *url = &r->h2o->path; /* path and query, as sent */
	int n;

	if (r->actor.session_hash[0] == '\0' || url->len > DB_MEMO_KEY_MAX)
		return MC_EINVAL;
	n = snprintf(key, DB_MEMO_KEY_MAX + 1, "page:%s:%.*s", r->actor.session_hash,
	             (int)url->len, url->base);
	return n > 0 && n <= DB_MEMO_KEY_MAX ? 0 : MC_EINVAL;
}

int respond_kept(struct req *r)
{
	char key[DB_MEMO_KEY_MAX + 1];
	const struct kept_page *p;
	char *body;

	if (kept_key(r, key) != 0 || (p = db_memo_get(r->db, key)) == NULL)
		return 0;
	/* The memo's copy may go with the next memo call; h2o sends from the request's pool. */
	body = h2o_mem_alloc_pool(r->pool, p->len > 0 ? p->len : 1);
	memcpy(body, p->body, p->len);
	send_page(r, p->status, body, p->len);
	return 1;
}

void respond_page_keep(struct req *r, int status, const char *tpl, json_t *data)
{
	char key[DB_MEMO_KEY_MAX + 1];
	struct kept_page *p;
	struct buf out;

	if (render_page(r, tpl, data, &out) != 0) {
		respond_error(r, 500);
		return;
	}
	if (kept_key(r, key) == 0 && (p = malloc(sizeof(*p) + out.len)) != NULL) {
		p->status = status;
		p->len = out.len;
		memcpy(p->body, out.data, out.len);
		db_memo_put(r->db, key, r->memo_since, p, sizeof(*p) + out.len, kept_page_drop);
	}
	send_page(r, status, out.data, out.len);
}

/* The fixed texts of the error pages.  They say what happened and what to do; they never
 * repeat anything the client sent. */
static const struct error_text {
	int status;
	const char *title;
	const char *message;
} error_texts[] = {
	{ 400, "Yêu cầu không hợp lệ",
	  "Máy chủ không đọc được yêu cầu này. Vui lòng kiểm tra lại thông tin đã nhập rồi gửi lại." },
	{ 403, "Không có quyền truy cập",
	  "Bạn không có quyền thực hiện thao tác này, hoặc phiên làm việc đã hết hạn. Vui lòng tải lại trang rồi thử lại." },
	{ 404, "Không tìm thấy trang",
	  "Trang bạn tìm không tồn tại hoặc đã được chuyển đi. Vui lòng kiểm tra lại địa chỉ." },
	{ 405, "Phương thức không được hỗ trợ",
	  "Địa chỉ này không hỗ trợ thao tác bạn vừa gửi." },
	{ 409, "Dữ liệu đã thay đổi",
	  "Thông tin này vừa được thay đổi ở nơi khác. Vui lòng tải lại trang để xem nội dung mới nhất rồi thử lại." },
	{ 413, "Dữ liệu gửi lên quá lớn",
	  "Nội dung hoặc tệp đính kèm vượt quá dung lượng cho phép. Vui lòng giảm dung lượng rồi gửi lại." },
	{ 422, "Thông tin chưa hợp lệ",
	  "Một số thông tin chưa đúng yêu cầu. Vui lòng quay lại, sửa các mục được đánh dấu rồi gửi lại." },
	{ 429, "Quá nhiều yêu cầu",
	  "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại." },
	{ 500, "Lỗi hệ thống",
	  "Hệ thống gặp sự cố khi xử lý yêu cầu. Thông tin của bạn không bị mất; vui lòng thử lại sau ít phút." },
	{ 503, "Hệ thống tạm thời không phục vụ được",
	  "Hệ thống đang quá tải hoặc đang bảo trì. Vui lòng thử lại sau ít phút." },
};

int render_error_page(const struct app *app, h2o_mem_pool_t *pool, int status, struct buf *out)
{
	const struct error_text *e = NULL;
	json_t *data;

	for (size_t i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++)
		if (error_texts[i].status == status)
			e = &error_texts[i];
	if (e == NULL) {
		status = 500;
		e = &error_texts[8];
	}
	data = json_pack("{s:i, s:s, s:s, s:O}", "status", status, "title", e->title, "message",
	                 e->message, "site", app->site);
	buf_init(out, pool);
	if (data == NULL || tpl_render(app->templates, "error", data, out) != 0) {
		/* The template set itself failed: a plain, still Vietnamese, answer. */
		out->len = 0;
		buf_puts(out, "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>");
		buf_puts(out, e->title);
		buf_puts(out, "</title><h1>");
		buf_puts(out, e->title);
		buf_puts(out, "</h1><p>");
		buf_puts(out, e->message);
		buf_puts(out, "</p></html>");
	}
	json_decref(data);
	return status;
}

void respond_error(struct req *r, int status)
{
	struct buf out;

	status = render_error_page(r->app, r->pool, status, &out);
	h2o_add_header(r->pool, &r->h2o->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	               H2O_STRLIT("no-store"));
	respond_bytes(r, status, html_type, out.data, out.len);
}

void respond_err(struct req *r, int err)
{
	respond_error(r, http_status_for(err));
}

void respond_json(struct req *r, int status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT);
	size_t len;
	char *copy;

	json_decref(body);
	if (s == NULL) {
		respond_error(r, 500);
		return;
	}
	len = strlen(s);
	copy = h2o_mem_alloc_pool(r->pool, len);
	memcpy(copy, s, len);
	free(s);
	h2o_add_header(r->pool, &r->h2o->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	               H2O_STRLIT("no-store"));
	respond_bytes(r, status, "application/json", copy, len);
}

void respond_redirect(struct req *r, int status, const char *path)
{
	/* Only our own paths: "/x", never "//host" or "/\\host", nothing with CR or LF. */
	if (path == NULL || path[0] != '/' || path[1] == '/' || path[1] == '\\' ||
	    strpbrk(path, "\r\n") != NULL)
		path = "/";
	respond_header(r, "location", path);
	h2o_add_header(r->pool, &r->h2o->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	               H2O_STRLIT("no-store"));
	respond_bytes(r, status, NULL, "", 0);
}

void respond_cookie(struct req *r, const char *name, const char *value, long max_age_s)
{
	char line[512];

	if (max_age_s >= 0)
		snprintf(line, sizeof(line), "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", name,
		         value, max_age_s, r->app->secure_cookies ? "; Secure" : "");
	else
		snprintf(line, sizeof(line), "%s=%s; Path=/; HttpOnly; SameSite=Lax%s", name, value,
		         r->app->secure_cookies ? "; Secure" : "");
	respond_header(r, "set-cookie", line);
}

const char *req_csrf_token(struct req *r)
{
	char *out;

	if (r->actor.role != ROLE_ANONYMOUS)
		return r->actor.csrf;
	if (r->anon_csrf[0] == '\0') {
		token_new(r->anon_csrf);
		respond_cookie(r, COOKIE_CSRF, r->anon_csrf, -1);
	}
	out = h2o_mem_alloc_pool(r->pool, TOKEN_LEN + 1);
	token_sign(r->app->key, r->anon_csrf, out);
	return out;
}

int req_csrf_valid(struct req *r, const char *token)
{
	char want[TOKEN_LEN + 1];

	if (token == NULL || token[0] == '\0')
		return 0;
	if (r->actor.role != ROLE_ANONYMOUS)
		return token_equal(token, r->actor.csrf);
	if (r->anon_csrf[0] == '\0')
		return 0;
	token_sign(r->app->key, r->anon_csrf, want);
	return token_equal(token, want);
}

const char *req_client(struct req *r)
{
	h2o_conn_t *conn = r->h2o->conn;
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	socklen_t sl;

	if (r->client[0] != '\0')
		return r->client;
	sl = conn->callbacks->get_peername(conn, (struct sockaddr *)&ss);
	if (sl == 0 || h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, host) == SIZE_MAX)
		snprintf(r->client, sizeof(r->client), "unknown");
	else
		snprintf(r->client, sizeof(r->client), "%.63s", host);
	return r->client;
}
