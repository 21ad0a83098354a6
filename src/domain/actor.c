/* actor.c: names of staff roles, and the command line as an actor. */
#include "domain/actor.h"

#include <stdio.h>
#include <string.h>

static const struct {
	enum staff_role role;
	const char *name;
	const char *label;
} roles[] = {
	{ STAFF_INTAKE, "intake", "Cán bộ tiếp nhận" },
	{ STAFF_SPECIALIST, "specialist", "Chuyên viên xử lý" },
	{ STAFF_LEADER, "leader", "Lãnh đạo" },
	{ STAFF_AGENCY_ADMIN, "agency_admin", "Quản trị cơ quan" },
	{ STAFF_SYSTEM_ADMIN, "system_admin", "Quản trị hệ thống" },
};

const char *staff_role_name(enum staff_role role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "";
}

enum staff_role staff_role_parse(const char *name)
{
	if (name != NULL)
		for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
			if (strcmp(roles[i].name, name) == 0)
				return roles[i].role;
	return STAFF_NONE;
}

const char *staff_role_label(enum staff_role role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == role)
			return roles[i].label;
	return "";
}

int actor_is_admin(const struct actor *a)
{
	return a != NULL && a->role == ROLE_STAFF &&
	       (a->staff_role == STAFF_AGENCY_ADMIN || a->staff_role == STAFF_SYSTEM_ADMIN);
}

const char *actor_home(const struct actor *a)
{
	if (a == NULL || a->role == ROLE_ANONYMOUS)
		return "/";
	if (a->role == ROLE_CITIZEN)
		return "/profile";
	if (actor_is_admin(a))
		return "/admin";
	return "/";
}

void actor_command_line(struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->role = ROLE_STAFF;
	a->staff_role = STAFF_SYSTEM_ADMIN;
	snprintf(a->account_type, sizeof(a->account_type), "staff");
	snprintf(a->full_name, sizeof(a->full_name), "Dòng lệnh motcua");
}
