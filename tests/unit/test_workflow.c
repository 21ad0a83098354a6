/* test_workflow.c: the workflow table's own consistency, variant by variant. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/workflow.h"

static const enum wf_variant variants[] = { WF_STANDARD, WF_NO_DEPARTMENT, WF_NO_LEADER };

static size_t status_index(const char *code)
{
	size_t n;
	const struct wf_status *s = wf_statuses(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].code, code) == 0)
			return i;
	fail_msg("unknown status %s", code);
	return 0;
}

static void test_every_row_is_well_formed(void **state)
{
	size_t n, ns;
	const struct wf_transition *t = wf_transitions(&n);
	const struct wf_status *s = wf_statuses(&ns);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct wf_status *from = wf_status(t[i].from), *to = wf_status(t[i].to);

		assert_non_null(from);
		assert_non_null(to);
		if (from->final)
			fail_msg("%s leaves final status %s", t[i].action, t[i].from);
		assert_true(t[i].roles != 0 && t[i].variants != 0);
		assert_true(t[i].label != NULL && t[i].label[0] != '\0');
		/* A note's field needs a label, and only a note's. */
		if ((t[i].needs & (WF_NEED_NOTE | WF_OPTIONAL_NOTE)) != 0)
			assert_true(t[i].note_label != NULL && t[i].note_label[0] != '\0');
		else
			assert_null(t[i].note_label);
		assert_false((t[i].needs & WF_NEED_NOTE) && (t[i].needs & WF_OPTIONAL_NOTE));
		/* Whatever the citizen can see change is mailed to the citizen. */
		if (from->portal != to->portal && t[i].mail == NULL)
			fail_msg("%s %s -> %s changes the portal code without a mail", t[i].action,
			         t[i].from, t[i].to);
		/* A citizen is never mailed a note meant for staff alone, unless the mail leaves
		 * notes out (dossier_status, dossier_forwarded, dossier_done). */
		if ((t[i].needs & WF_INTERNAL_NOTE) && t[i].mail != NULL)
			assert_true(strcmp(t[i].mail, "dossier_status") == 0 ||
			            strcmp(t[i].mail, "dossier_forwarded") == 0 ||
			            strcmp(t[i].mail, "dossier_done") == 0);
		/* One row per action and status in each variant. */
		for (size_t j = i + 1; j < n; j++)
			if ((t[i].variants & t[j].variants) && strcmp(t[i].from, t[j].from) == 0 &&
			    strcmp(t[i].action, t[j].action) == 0)
				fail_msg("%s from %s twice", t[i].action, t[i].from);
	}
	for (size_t i = 0; i < ns; i++) {
		assert_true(s[i].portal >= 0 && s[i].portal <= 10);
		assert_ptr_equal(wf_status(s[i].code), &s[i]);
	}
	assert_null(wf_status("nonsense"));
	assert_null(wf_status(NULL));
}

/* Spread 'marks' along the transitions of variant 'v' until nothing changes: forward (a status
 * reached leads to the one after it) or backward (a status that ends makes the one before it
 * end).  Also marks in 'used' every status the variant's transitions touch. */
static void spread(enum wf_variant v, char *marks, char *used, int forward)
{
	size_t n;
	const struct wf_transition *t = wf_transitions(&n);
	int changed = 1;

	while (changed) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			size_t a, b;

			if (!(t[i].variants & v))
				continue;
			a = status_index(forward ? t[i].from : t[i].to);
			b = status_index(forward ? t[i].to : t[i].from);
			used[a] = used[b] = 1;
			if (marks[a] && !marks[b])
				marks[b] = changed = 1;
		}
	}
}

/* In each variant every status used is reached from a draft, and leads to a final status. */
static void test_no_dead_ends(void **state)
{
	size_t ns;
	const struct wf_status *s = wf_statuses(&ns);

	(void)state;
	for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
		char *reached = calloc(ns, 1), *ends = calloc(ns, 1), *used = calloc(ns, 1);

		assert_non_null(reached);
		assert_non_null(ends);
		assert_non_null(used);
		reached[status_index("draft")] = 1;
		spread(variants[v], reached, used, 1);
		for (size_t i = 0; i < ns; i++)
			ends[i] = s[i].final;
		spread(variants[v], ends, used, 0);
		for (size_t i = 0; i < ns; i++) {
			if (used[i] && !reached[i])
				fail_msg("%s: %s is never reached", wf_variant_name(variants[v]), s[i].code);
			if (used[i] && !ends[i])
				fail_msg("%s: %s never ends", wf_variant_name(variants[v]), s[i].code);
		}
		/* Every variant returns a result to the citizen. */
		assert_true(used[status_index("returned")]);
		free(reached);
		free(ends);
		free(used);
	}
}

static void test_lookups(void **state)
{
	const struct wf_transition *out[16];
	size_t n;

	(void)state;
	assert_int_equal(wf_variant_parse("standard"), WF_STANDARD);
	assert_int_equal(wf_variant_parse("no_department"), WF_NO_DEPARTMENT);
	assert_int_equal(wf_variant_parse("no_leader"), WF_NO_LEADER);
	assert_int_equal(wf_variant_parse("other"), 0);
	assert_string_equal(wf_variant_name(WF_NO_LEADER), "no_leader");
	/* The same action leads elsewhere in another variant. */
	assert_string_equal(wf_find(WF_STANDARD, "awaiting_approval", "approve")->to, "approved");
	assert_string_equal(wf_find(WF_NO_DEPARTMENT, "awaiting_approval", "approve")->to, "done");
	assert_null(wf_find(WF_NO_LEADER, "awaiting_approval", "approve"));
	assert_null(wf_find(WF_NO_DEPARTMENT, "received", "forward"));
	assert_null(wf_find(WF_STANDARD, "returned", "note"));
	assert_null(wf_find(WF_STANDARD, "pending", "approve"));
	/* Who may. */
	assert_true(wf_allows(wf_find(WF_STANDARD, "pending", "receive"), WF_INTAKE));
	assert_false(wf_allows(wf_find(WF_STANDARD, "pending", "receive"), WF_SPECIALIST));
	assert_false(wf_allows(wf_find(WF_STANDARD, "pending", "receive"), WF_CITIZEN));
	assert_false(wf_allows(NULL, WF_INTAKE));
	/* What a desk officer may do with a pending dossier: receive, ask, refuse. */
	n = wf_available(WF_STANDARD, "pending", WF_INTAKE, out, 16);
	assert_int_equal(n, 3);
	assert_string_equal(out[0]->action, "receive");
	assert_string_equal(out[1]->action, "request_supplement");
	assert_string_equal(out[2]->action, "refuse");
	/* A specialist and a leader of the department on a processing dossier. */
	n = wf_available(WF_STANDARD, "processing", WF_SPECIALIST | WF_LEADER, out, 16);
	/* claim, reassign, supplement, result, refusal, note, internal note, extend */
	assert_int_equal(n, 8);
	assert_int_equal(wf_available(WF_STANDARD, "processing", WF_SPECIALIST, out, 2), 6);
}

static void test_print(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	wf_print(f, 0, 0);
	fclose(f);
	assert_non_null(strstr(text, "workflow standard:"));
	assert_non_null(strstr(text, "workflow no_department:"));
	assert_non_null(strstr(text, "workflow no_leader:"));
	assert_non_null(strstr(text, "receive            pending           -> received"));
	free(text);
	f = open_memstream(&text, &len);
	wf_print(f, WF_NO_LEADER, 1);
	fclose(f);
	assert_non_null(strstr(text, "digraph no_leader {"));
	assert_null(strstr(text, "digraph standard"));
	assert_non_null(strstr(text, "processing -> done [label=\"Hoàn thành xử lý\"]"));
	assert_null(strstr(text, "awaiting_approval"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_is_well_formed),
		cmocka_unit_test(test_no_dead_ends),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
