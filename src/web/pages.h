/* pages.h: the route table and the page handlers. */
#ifndef MC_PAGES_H
#define MC_PAGES_H

#include <stddef.h>

#include "http/router.h"

/* The one route table: every URL the portal answers. */
extern const struct route web_routes[];
extern const size_t web_routes_count;

/* pages_public.c */
int page_home(struct req *r);
int page_healthz(struct req *r);

/* pages_account.c */
int page_register_form(struct req *r);
int page_register(struct req *r);
int page_register_sent(struct req *r);
int page_activate(struct req *r);
int page_resend_form(struct req *r);
int page_resend(struct req *r);
int page_email_confirm(struct req *r);
int page_login_form(struct req *r);
int page_login(struct req *r);
int page_logout(struct req *r);
int page_forgot_form(struct req *r);
int page_forgot(struct req *r);
int page_reset_form(struct req *r);
int page_reset(struct req *r);
int page_profile(struct req *r);
int page_profile_contact(struct req *r);
int page_profile_password(struct req *r);
int page_profile_email(struct req *r);

/* pages_catalog.c */
int page_services(struct req *r);
int page_service(struct req *r);
int page_service_template(struct req *r);

/* dossiers (citizen) */
int page_dossier_new_form(struct req *r);
int page_dossier_new(struct req *r);
int page_dossiers(struct req *r);
int page_dossier(struct req *r);
int page_dossier_form(struct req *r);
int page_dossier_form_save(struct req *r);
int page_dossier_withdraw(struct req *r);
int page_dossier_edit(struct req *r);
int page_dossier_edit_save(struct req *r);
int page_dossier_check(struct req *r);
int page_dossier_submit(struct req *r);
int page_dossier_resend(struct req *r);
int page_dossier_confirm(struct req *r);
int page_dossier_file(struct req *r);

/* back office (pages_staff.c) */
int page_staff_home(struct req *r);
int page_staff_queue(struct req *r);
int page_staff_dossier(struct req *r);
int page_staff_act(struct req *r);
int page_staff_receipt(struct req *r);
int page_staff_scans(struct req *r);
int page_staff_walkin_list(struct req *r);
int page_staff_walkin_form(struct req *r);
int page_staff_walkin(struct req *r);

/* dossier lookup (pages_lookup.c) */
int page_lookup(struct req *r);
int page_lookup_attach(struct req *r);

/* administration: agencies, staff, holidays, audit (pages_admin.c) */
int page_admin_home(struct req *r);
int page_admin_agencies(struct req *r);
int page_admin_agency_new_form(struct req *r);
int page_admin_agency_create(struct req *r);
int page_admin_agency(struct req *r);
int page_admin_agency_update(struct req *r);
int page_admin_agency_deactivate(struct req *r);
int page_admin_agency_activate(struct req *r);
int page_admin_department_create(struct req *r);
int page_admin_department_rename(struct req *r);
int page_admin_department_deactivate(struct req *r);
int page_admin_department_activate(struct req *r);
int page_admin_staff(struct req *r);
int page_admin_staff_new_form(struct req *r);
int page_admin_staff_create(struct req *r);
int page_admin_staff_edit(struct req *r);
int page_admin_staff_update(struct req *r);
int page_admin_staff_deactivate(struct req *r);
int page_admin_staff_activate(struct req *r);
int page_admin_staff_password_link(struct req *r);
int page_admin_holidays(struct req *r);
int page_admin_holiday_create(struct req *r);
int page_admin_holiday(struct req *r);
int page_admin_holiday_update(struct req *r);
int page_admin_holiday_delete(struct req *r);
int page_admin_audit(struct req *r);
int page_admin_audit_entry(struct req *r);
int page_admin_mail(struct req *r);
int page_admin_mail_retry(struct req *r);

/* administration: procedures and offerings (pages_admin_catalog.c) */
#define ADMIN_CATALOG_FORM_BODY   (256u * 1024)       /* forms; the schema editor's 200 KiB */
#define ADMIN_CATALOG_UPLOAD_BODY (11u * 1024 * 1024) /* a document with its template (10 MiB) */
int page_admin_procedures(struct req *r);
int page_admin_procedure_new_form(struct req *r);
int page_admin_procedure_create(struct req *r);
int page_admin_procedure(struct req *r);
int page_admin_procedure_update(struct req *r);
int page_admin_procedure_deactivate(struct req *r);
int page_admin_procedure_activate(struct req *r);
int page_admin_procedure_schema(struct req *r);
int page_admin_procedure_schema_save(struct req *r);
int page_admin_procedure_schema_preview(struct req *r);
int page_admin_document_new_form(struct req *r);
int page_admin_document_create(struct req *r);
int page_admin_document(struct req *r);
int page_admin_document_update(struct req *r);
int page_admin_document_delete(struct req *r);
int page_admin_document_up(struct req *r);
int page_admin_document_down(struct req *r);
int page_admin_document_template_delete(struct req *r);
int page_admin_offerings(struct req *r);
int page_admin_offering_new_form(struct req *r);
int page_admin_offering_create(struct req *r);
int page_admin_offering(struct req *r);
int page_admin_offering_update(struct req *r);
int page_admin_offering_deactivate(struct req *r);
int page_admin_offering_activate(struct req *r);

#endif
