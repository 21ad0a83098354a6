/* workflow.c: the table of statuses and transitions (workflow.h). */
#include "domain/workflow.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Statuses in the order a dossier meets them. */
static const struct wf_status statuses[] = {
	{ "draft", "Nháp", 0, 0, WF_STEP_NONE, 0 },
	{ "unconfirmed", "Chờ xác thực", 0, 0, WF_STEP_NONE, 0 },
	/* The desk checks a dossier within a working day. */
	{ "pending", "Chờ tiếp nhận", 1, 0, WF_STEP_HOURS, 8 },
	{ "supplement", "Yêu cầu bổ sung", 5, 0, WF_STEP_NONE, 0 },
	/* Handed to the department the same day, or the next when received after 15:00. */
	{ "received", "Đã tiếp nhận", 2, 0, WF_STEP_SAME_DAY, 0 },
	/* The department keeps all but what the leader and the hand-back need. */
	{ "processing", "Đang xử lý", 4, 0, WF_STEP_BEFORE_DUE, 12 },
	{ "awaiting_approval", "Chờ lãnh đạo phê duyệt", 4, 0, WF_STEP_HOURS, 8 },
	{ "approved", "Đã phê duyệt", 4, 0, WF_STEP_HOURS, 4 },
	/* The result waits at the desk until the appointment. */
	{ "done", "Đã xử lý xong", 9, 0, WF_STEP_BEFORE_DUE, 0 },
	{ "returned", "Đã trả kết quả", 10, 1, WF_STEP_NONE, 0 },
	{ "refused", "Không được tiếp nhận", 3, 1, WF_STEP_NONE, 0 },
	{ "withdrawn", "Đã rút", 7, 1, WF_STEP_NONE, 0 },
	{ "expired", "Hết hạn xác thực", 0, 1, WF_STEP_NONE, 0 },
};

#define STAFF (WF_INTAKE | WF_SPECIALIST | WF_LEADER)
#define DEPT_VARIANTS (WF_STANDARD | WF_NO_LEADER)         /* with a department */
#define APPROVAL_VARIANTS (WF_STANDARD | WF_NO_DEPARTMENT) /* with a leader's approval */
#define IN_PROGRESS_NOTE "Nội dung thông báo"

/*
 * The transitions.  A status change the citizen can see (its portal code changes) sends the
 * citizen an e-mail; steps inside the agency (a claim, a draft sent to the leader, an approval)
 * do not.  The citizen's own actions (submit, confirm, update, withdraw) and the sweep's are
 * here too, so the table is the whole story.
 */
static const struct wf_transition transitions[] = {
	/* ---- the citizen ---- */
	{ "submit", "Nộp hồ sơ", "draft", "unconfirmed", WF_CITIZEN, WF_ALL_VARIANTS, 0, NULL,
	  "dossier_confirm", WF_CLOCK_KEEP },
	{ "confirm", "Xác thực hồ sơ", "unconfirmed", "pending", WF_CITIZEN, WF_ALL_VARIANTS, 0,
	  NULL, "dossier_received", WF_CLOCK_KEEP },
	{ "expire", "Hết hạn xác thực", "unconfirmed", "expired", WF_SYSTEM, WF_ALL_VARIANTS, 0,
	  NULL, "dossier_expired", WF_CLOCK_KEEP },
	{ "withdraw", "Rút hồ sơ", "unconfirmed", "withdrawn", WF_CITIZEN, WF_ALL_VARIANTS,
	  WF_NEED_NOTE, "Lý do rút hồ sơ", "dossier_withdrawn", WF_CLOCK_KEEP },
	{ "withdraw", "Rút hồ sơ", "pending", "withdrawn", WF_CITIZEN, WF_ALL_VARIANTS, WF_NEED_NOTE,
	  "Lý do rút hồ sơ", "dossier_withdrawn", WF_CLOCK_STOP },
	{ "update", "Cập nhật nội dung hồ sơ", "supplement", "pending", WF_CITIZEN,
	  WF_ALL_VARIANTS, 0, NULL, "dossier_updated", WF_CLOCK_RESUME },

	/* ---- the one-stop desk receives ---- */
	{ "receive", "Tiếp nhận", "pending", "received", WF_INTAKE, WF_ALL_VARIANTS,
	  WF_OPTIONAL_NOTE, "Ghi chú", "dossier_accepted", WF_CLOCK_START },
	{ "request_supplement", "Yêu cầu bổ sung", "pending", "supplement", WF_INTAKE,
	  WF_ALL_VARIANTS, WF_NEED_NOTE, "Giấy tờ, nội dung cần bổ sung", "dossier_supplement",
	  WF_CLOCK_PAUSE },
	{ "refuse", "Từ chối tiếp nhận", "pending", "refused", WF_INTAKE, WF_ALL_VARIANTS,
	  WF_NEED_NOTE, "Lý do không tiếp nhận", "dossier_refused", WF_CLOCK_STOP },
	{ "forward", "Chuyển phòng chuyên môn", "received", "processing", WF_INTAKE, DEPT_VARIANTS,
	  WF_NEED_DEPARTMENT | WF_OPTIONAL_NOTE | WF_INTERNAL_NOTE, "Ghi chú chuyển hồ sơ", "dossier_forwarded",
	  WF_CLOCK_KEEP },

	/* ---- the department (the desk itself when there is none) ---- */
	{ "claim", "Nhận xử lý", "processing", "processing", WF_SPECIALIST, DEPT_VARIANTS, 0, NULL,
	  NULL, WF_CLOCK_KEEP },
	{ "reassign", "Phân công lại", "processing", "processing", WF_LEADER, DEPT_VARIANTS,
	  WF_NEED_ASSIGNEE | WF_OPTIONAL_NOTE | WF_INTERNAL_NOTE, "Ghi chú phân công", NULL, WF_CLOCK_KEEP },
	{ "request_supplement", "Yêu cầu bổ sung", "processing", "supplement", WF_SPECIALIST,
	  DEPT_VARIANTS, WF_NEED_NOTE | WF_NEED_CLAIM, "Lý do, nội dung cần bổ sung",
	  "dossier_supplement", WF_CLOCK_PAUSE },
	{ "request_supplement", "Yêu cầu bổ sung", "received", "supplement", WF_INTAKE,
	  WF_NO_DEPARTMENT, WF_NEED_NOTE, "Lý do, nội dung cần bổ sung", "dossier_supplement",
	  WF_CLOCK_PAUSE },
	{ "submit_result", "Trình lãnh đạo phê duyệt", "processing", "awaiting_approval",
	  WF_SPECIALIST, WF_STANDARD, WF_NEED_RESULT | WF_NEED_CLAIM | WF_OPTIONAL_NOTE | WF_INTERNAL_NOTE,
	  "Ý kiến trình", NULL, WF_CLOCK_KEEP },
	{ "propose_refusal", "Đề xuất từ chối giải quyết", "processing", "awaiting_approval",
	  WF_SPECIALIST, WF_STANDARD, WF_NEED_NOTE | WF_NEED_CLAIM | WF_INTERNAL_NOTE,
	  "Lý do từ chối giải quyết", NULL, WF_CLOCK_KEEP },
	{ "submit_result", "Trình lãnh đạo phê duyệt", "received", "awaiting_approval", WF_INTAKE,
	  WF_NO_DEPARTMENT, WF_NEED_RESULT | WF_OPTIONAL_NOTE | WF_INTERNAL_NOTE, "Ý kiến trình",
	  "dossier_status",
	  WF_CLOCK_KEEP },
	{ "propose_refusal", "Đề xuất từ chối giải quyết", "received", "awaiting_approval",
	  WF_INTAKE, WF_NO_DEPARTMENT, WF_NEED_NOTE | WF_INTERNAL_NOTE, "Lý do từ chối giải quyết",
	  "dossier_status",
	  WF_CLOCK_KEEP },
	/* Without a leader the department decides itself. */
	{ "finish", "Hoàn thành xử lý", "processing", "done", WF_SPECIALIST, WF_NO_LEADER,
	  WF_NEED_RESULT | WF_NEED_CLAIM, NULL, "dossier_done", WF_CLOCK_STOP },
	{ "refuse_result", "Từ chối giải quyết", "processing", "done", WF_SPECIALIST, WF_NO_LEADER,
	  WF_NEED_NOTE | WF_NEED_CLAIM, "Lý do từ chối giải quyết", "dossier_done", WF_CLOCK_STOP },

	/* ---- the leader ---- */
	{ "approve", "Phê duyệt", "awaiting_approval", "approved", WF_LEADER, WF_STANDARD,
	  WF_OPTIONAL_NOTE | WF_INTERNAL_NOTE, "Ý kiến phê duyệt", NULL, WF_CLOCK_KEEP },
	{ "approve", "Phê duyệt", "awaiting_approval", "done", WF_LEADER, WF_NO_DEPARTMENT,
	  WF_OPTIONAL_NOTE | WF_INTERNAL_NOTE, "Ý kiến phê duyệt", "dossier_done", WF_CLOCK_STOP },
	{ "send_back", "Trả lại để xử lý lại", "awaiting_approval", "processing", WF_LEADER,
	  WF_STANDARD, WF_NEED_NOTE | WF_INTERNAL_NOTE, "Lý do trả lại", NULL, WF_CLOCK_KEEP },
	{ "send_back", "Trả lại để xử lý lại", "awaiting_approval", "received", WF_LEADER,
	  WF_NO_DEPARTMENT, WF_NEED_NOTE | WF_INTERNAL_NOTE, "Lý do trả lại", "dossier_status", WF_CLOCK_KEEP },

	/* ---- back to the desk, and to the citizen ---- */
	{ "hand_back", "Chuyển kết quả về bộ phận một cửa", "approved", "done",
	  WF_SPECIALIST | WF_LEADER, WF_STANDARD, 0, NULL, "dossier_done", WF_CLOCK_STOP },
	{ "return", "Trả kết quả", "done", "returned", WF_INTAKE, WF_ALL_VARIANTS,
	  WF_NEED_RETURN | WF_OPTIONAL_NOTE, "Ghi chú", "dossier_returned", WF_CLOCK_KEEP },

	/* ---- at any step in progress ---- */
	{ "note", "Gửi thông báo", "received", "received", STAFF, WF_ALL_VARIANTS, WF_NEED_NOTE,
	  IN_PROGRESS_NOTE, "dossier_note", WF_CLOCK_KEEP },
	{ "note", "Gửi thông báo", "processing", "processing", STAFF, DEPT_VARIANTS, WF_NEED_NOTE,
	  IN_PROGRESS_NOTE, "dossier_note", WF_CLOCK_KEEP },
	{ "note", "Gửi thông báo", "awaiting_approval", "awaiting_approval", STAFF,
	  APPROVAL_VARIANTS, WF_NEED_NOTE, IN_PROGRESS_NOTE, "dossier_note", WF_CLOCK_KEEP },
	{ "note", "Gửi thông báo", "approved", "approved", STAFF, WF_STANDARD, WF_NEED_NOTE,
	  IN_PROGRESS_NOTE, "dossier_note", WF_CLOCK_KEEP },
	{ "note", "Gửi thông báo", "done", "done", STAFF, WF_ALL_VARIANTS, WF_NEED_NOTE,
	  IN_PROGRESS_NOTE, "dossier_note", WF_CLOCK_KEEP },
	/* Notes for staff only: nothing changes, nobody outside is told. */
	{ "internal_note", "Ghi chú nội bộ", "received", "received", STAFF, WF_ALL_VARIANTS,
	  WF_NEED_NOTE | WF_INTERNAL_NOTE, "Ghi chú nội bộ", NULL, WF_CLOCK_KEEP },
	{ "internal_note", "Ghi chú nội bộ", "processing", "processing", STAFF, DEPT_VARIANTS,
	  WF_NEED_NOTE | WF_INTERNAL_NOTE, "Ghi chú nội bộ", NULL, WF_CLOCK_KEEP },
	{ "internal_note", "Ghi chú nội bộ", "awaiting_approval", "awaiting_approval", STAFF,
	  APPROVAL_VARIANTS, WF_NEED_NOTE | WF_INTERNAL_NOTE, "Ghi chú nội bộ", NULL, WF_CLOCK_KEEP },
	{ "internal_note", "Ghi chú nội bộ", "approved", "approved", STAFF, WF_STANDARD,
	  WF_NEED_NOTE | WF_INTERNAL_NOTE, "Ghi chú nội bộ", NULL, WF_CLOCK_KEEP },
	{ "internal_note", "Ghi chú nội bộ", "done", "done", STAFF, WF_ALL_VARIANTS,
	  WF_NEED_NOTE | WF_INTERNAL_NOTE, "Ghi chú nội bộ", NULL, WF_CLOCK_KEEP },
	/* A late dossier: a leader gives the reason and a new date (the apology letter). */
	{ "extend", "Gia hạn (xin lỗi, hẹn lại)", "received", "received", WF_LEADER,
	  WF_ALL_VARIANTS, WF_NEED_NOTE | WF_NEED_DUE, "Lý do chậm trễ", "dossier_extended",
	  WF_CLOCK_EXTEND },
	{ "extend", "Gia hạn (xin lỗi, hẹn lại)", "processing", "processing", WF_LEADER,
	  DEPT_VARIANTS, WF_NEED_NOTE | WF_NEED_DUE, "Lý do chậm trễ", "dossier_extended",
	  WF_CLOCK_EXTEND },
	{ "extend", "Gia hạn (xin lỗi, hẹn lại)", "awaiting_approval", "awaiting_approval",
	  WF_LEADER, APPROVAL_VARIANTS, WF_NEED_NOTE | WF_NEED_DUE, "Lý do chậm trễ",
	  "dossier_extended", WF_CLOCK_EXTEND },
	{ "extend", "Gia hạn (xin lỗi, hẹn lại)", "approved", "approved", WF_LEADER, WF_STANDARD,
	  WF_NEED_NOTE | WF_NEED_DUE, "Lý do chậm trễ", "dossier_extended", WF_CLOCK_EXTEND },
};

static const struct {
	enum wf_variant v;
	const char *name, *label;
} variants[] = {
	{ WF_STANDARD, "standard", "Một cửa → phòng chuyên môn → lãnh đạo → một cửa" },
	{ WF_NO_DEPARTMENT, "no_department", "Một cửa xử lý, lãnh đạo phê duyệt" },
	{ WF_NO_LEADER, "no_leader", "Một cửa → phòng chuyên môn quyết định → một cửa" },
};

const struct wf_status *wf_status(const char *code)
{
	for (size_t i = 0; code != NULL && i < COUNT(statuses); i++)
		if (strcmp(statuses[i].code, code) == 0)
			return &statuses[i];
	return NULL;
}

const struct wf_status *wf_statuses(size_t *n)
{
	*n = COUNT(statuses);
	return statuses;
}

const struct wf_transition *wf_transitions(size_t *n)
{
	*n = COUNT(transitions);
	return transitions;
}

enum wf_variant wf_variant_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < COUNT(variants); i++)
		if (strcmp(variants[i].name, name) == 0)
			return variants[i].v;
	return 0;
}

const char *wf_variant_name(enum wf_variant v)
{
	for (size_t i = 0; i < COUNT(variants); i++)
		if (variants[i].v == v)
			return variants[i].name;
	return "";
}

const char *wf_variant_label(enum wf_variant v)
{
	for (size_t i = 0; i < COUNT(variants); i++)
		if (variants[i].v == v)
			return variants[i].label;
	return "";
}

const struct wf_transition *wf_find(enum wf_variant v, const char *from, const char *action)
{
	for (size_t i = 0; from != NULL && action != NULL && i < COUNT(transitions); i++) {
		const struct wf_transition *t = &transitions[i];

		if ((t->variants & v) && strcmp(t->from, from) == 0 && strcmp(t->action, action) == 0)
			return t;
	}
	return NULL;
}

int wf_allows(const struct wf_transition *t, unsigned roles)
{
	return t != NULL && (t->roles & roles) != 0;
}

size_t wf_available(enum wf_variant v, const char *from, unsigned roles,
                    const struct wf_transition **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; from != NULL && i < COUNT(transitions); i++) {
		const struct wf_transition *t = &transitions[i];

		if (!(t->variants & v) || strcmp(t->from, from) != 0 || !wf_allows(t, roles))
			continue;
		if (n < cap)
			out[n] = t;
		n++;
	}
	return n;
}

/* ---- printing ---- */

static void print_roles(FILE *f, unsigned roles)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { WF_CITIZEN, "citizen" }, { WF_INTAKE, "intake" },
	              { WF_SPECIALIST, "specialist" }, { WF_LEADER, "leader" },
	              { WF_SYSTEM, "system" } };
	const char *sep = "";

	for (size_t i = 0; i < COUNT(names); i++)
		if (roles & names[i].bit) {
			fprintf(f, "%s%s", sep, names[i].name);
			sep = ",";
		}
}

static const char *clock_name(enum wf_clock c)
{
	static const char *const names[] = { "-", "start", "pause", "resume", "stop", "extend" };

	return (unsigned)c < COUNT(names) ? names[c] : "?";
}

static void print_needs(FILE *f, unsigned needs)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { WF_NEED_NOTE, "note" },         { WF_OPTIONAL_NOTE, "note?" },
	              { WF_NEED_DEPARTMENT, "department" }, { WF_NEED_ASSIGNEE, "assignee" },
	              { WF_NEED_RESULT, "result" },     { WF_NEED_RETURN, "return-method" },
	              { WF_NEED_DUE, "new-due-date" },  { WF_NEED_CLAIM, "claimed" },
	              { WF_INTERNAL_NOTE, "internal" } };
	const char *sep = "";

	for (size_t i = 0; i < COUNT(names); i++)
		if (needs & names[i].bit) {
			fprintf(f, "%s%s", sep, names[i].name);
			sep = ",";
		}
	if (*sep == '\0')
		fputc('-', f);
}

/* Print 's' left-aligned in 'width' characters (UTF-8: a character is counted once). */
static void print_padded(FILE *f, const char *s, int width)
{
	int chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		chars += (*p & 0xC0) != 0x80;
	fputs(s, f);
	for (; chars < width; chars++)
		fputc(' ', f);
}

static void print_text(FILE *f, enum wf_variant v)
{
	fprintf(f, "workflow %s: %s\n", wf_variant_name(v), wf_variant_label(v));
	for (size_t i = 0; i < COUNT(transitions); i++) {
		const struct wf_transition *t = &transitions[i];
		const struct wf_status *to = wf_status(t->to);

		if (!(t->variants & v))
			continue;
		fprintf(f, "  %-18s %-17s -> %-17s by ", t->action, t->from, t->to);
		print_roles(f, t->roles);
		fputs("; needs ", f);
		print_needs(f, t->needs);
		fprintf(f, "; mail %s; clock %s; portal %d\n", t->mail != NULL ? t->mail : "-",
		        clock_name(t->clock), to != NULL ? to->portal : 0);
	}
}

static void print_dot(FILE *f, enum wf_variant v)
{
	fprintf(f, "digraph %s {\n\trankdir=LR;\n\tnode [shape=box, style=rounded];\n",
	        wf_variant_name(v));
	for (size_t i = 0; i < COUNT(statuses); i++) {
		int used = 0;

		for (size_t j = 0; j < COUNT(transitions) && !used; j++)
			used = (transitions[j].variants & v) && (strcmp(transitions[j].from,
			                                                statuses[i].code) == 0 ||
			                                         strcmp(transitions[j].to,
			                                                statuses[i].code) == 0);
		if (used)
			fprintf(f, "\t%s [label=\"%s\\n(%d)\"%s];\n", statuses[i].code, statuses[i].label,
			        statuses[i].portal, statuses[i].final ? ", peripheries=2" : "");
	}
	for (size_t i = 0; i < COUNT(transitions); i++) {
		const struct wf_transition *t = &transitions[i];

		if (!(t->variants & v))
			continue;
		fprintf(f, "\t%s -> %s [label=\"%s\"%s];\n", t->from, t->to, t->label,
		        strcmp(t->from, t->to) == 0 ? ", style=dashed" : "");
	}
	fputs("}\n", f);
}

void wf_print(FILE *f, enum wf_variant only, int dot)
{
	int first = 1;

	if (!dot) {
		fputs("statuses (code, label, national portal code):\n", f);
		for (size_t i = 0; i < COUNT(statuses); i++) {
			fprintf(f, "  %-17s ", statuses[i].code);
			print_padded(f, statuses[i].label, 24);
			fprintf(f, " %2d%s\n", statuses[i].portal, statuses[i].final ? "  final" : "");
		}
	}
	for (size_t i = 0; i < COUNT(variants); i++) {
		if (only != 0 && variants[i].v != only)
			continue;
		if (!dot || !first)
			fputc('\n', f);
		first = 0;
		if (dot)
			print_dot(f, variants[i].v);
		else
			print_text(f, variants[i].v);
	}
}
