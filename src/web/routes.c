/* routes.c: every URL in one table, each row naming its handler and who may call it. */
#include "web/pages.h"

#include "http/static.h"
#include "limit.h"

/* Account forms are small: 64 KiB is far more than any of them needs. */
#define FORM (64u * 1024)

const struct route web_routes[] = {
	{ "GET", "/", page_home, WHO_ANYONE, 0, 0 },
	{ "GET", "/healthz", page_healthz, WHO_ANYONE, 0, 0 },
	{ "GET", "/static/{path*}", static_serve, WHO_ANYONE, 0, 0 },

	{ "GET", "/register", page_register_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/register", page_register, WHO_ANYONE, FORM, 0 },
	{ "GET", "/register/sent", page_register_sent, WHO_ANYONE, 0, 0 },
	{ "GET", "/activate", page_activate, WHO_ANYONE, 0, 0 },
	{ "GET", "/activate/resend", page_resend_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/activate/resend", page_resend, WHO_ANYONE, FORM, 0 },
	{ "GET", "/login", page_login_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/login", page_login, WHO_ANYONE, FORM, 0 },
	{ "POST", "/logout", page_logout, WHO_USER, FORM, 0 },
	{ "GET", "/password/forgot", page_forgot_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/password/forgot", page_forgot, WHO_ANYONE, FORM, 0 },
	{ "GET", "/password/reset", page_reset_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/password/reset", page_reset, WHO_ANYONE, FORM, 0 },
	{ "GET", "/email/confirm", page_email_confirm, WHO_ANYONE, 0, 0 },
	{ "GET", "/profile", page_profile, WHO_CITIZEN, 0, 0 },
	{ "POST", "/profile", page_profile_contact, WHO_CITIZEN, FORM, 0 },
	{ "GET", "/profile/password", page_profile, WHO_CITIZEN, 0, 0 },
	{ "POST", "/profile/password", page_profile_password, WHO_CITIZEN, FORM, 0 },
	{ "GET", "/profile/email", page_profile, WHO_CITIZEN, 0, 0 },
	{ "POST", "/profile/email", page_profile_email, WHO_CITIZEN, FORM, 0 },
	{ "GET", "/services", page_services, WHO_ANYONE, 0, 0 },
	{ "GET", "/services/{code}", page_service, WHO_ANYONE, 0, 0 },
	{ "GET", "/services/{code}/templates/{doc}/{name}", page_service_template, WHO_ANYONE, 0, 0 },

	/* dossiers (citizen) */
	/* /dossiers/new comes before /dossiers/{id}, which would take "new" as an id.  The form's
	 * answers may be long (textareas of 5,000 characters): it takes the urlencoded limit. */
	{ "GET", "/dossiers", page_dossiers, WHO_CITIZEN, 0, 0 },
	{ "GET", "/dossiers/new", page_dossier_new_form, WHO_CITIZEN, 0, 0 },
	{ "POST", "/dossiers/new", page_dossier_new, WHO_CITIZEN, FORM, 0 },
	/* The mail's link: the token is the proof, whoever follows it. */
	{ "GET", "/dossiers/confirm", page_dossier_confirm, WHO_ANYONE, 0, 0 },
	{ "GET", "/dossiers/{id}", page_dossier, WHO_CITIZEN, 0, 0 },
	{ "GET", "/dossiers/{id}/form", page_dossier_form, WHO_CITIZEN, 0, 0 },
	{ "POST", "/dossiers/{id}/form", page_dossier_form_save, WHO_CITIZEN, LIMIT_DOSSIER_POST_BYTES, 0 },
	{ "GET", "/dossiers/{id}/edit", page_dossier_edit, WHO_CITIZEN, 0, 0 },
	{ "POST", "/dossiers/{id}/edit", page_dossier_edit_save, WHO_CITIZEN, LIMIT_DOSSIER_POST_BYTES, 0 },
	{ "GET", "/dossiers/{id}/check", page_dossier_check, WHO_CITIZEN, 0, 0 },
	{ "POST", "/dossiers/{id}/submit", page_dossier_submit, WHO_CITIZEN, FORM, 0 },
	{ "POST", "/dossiers/{id}/resend", page_dossier_resend, WHO_CITIZEN, FORM, 0 },
	/* The owner's, and the handling agencies' staff's (the domain decides which). */
	{ "GET", "/dossiers/{id}/files/{file}", page_dossier_file, WHO_USER, 0, 0 },
	{ "POST", "/dossiers/{id}/withdraw", page_dossier_withdraw, WHO_CITIZEN, FORM, 0 },

	/* back office: queues, dossiers and the workflow's actions (staff) */
	{ "GET", "/staff", page_staff_home, WHO_STAFF, 0, 0 },
	{ "GET", "/staff/queue/{code}", page_staff_queue, WHO_STAFF, 0, 0 },
	{ "GET", "/staff/dossiers/{id}", page_staff_dossier, WHO_STAFF, 0, 0 },
	{ "POST", "/staff/dossiers/{id}/act", page_staff_act, WHO_STAFF, FORM, 0 },
	{ "GET", "/staff/dossiers/{id}/receipt", page_staff_receipt, WHO_STAFF, 0, 0 },
	{ "POST", "/staff/dossiers/{id}/files", page_staff_scans, WHO_STAFF, LIMIT_DOSSIER_POST_BYTES, 0 },
	{ "GET", "/staff/walk-in", page_staff_walkin_list, WHO_STAFF, 0, 0 },
	{ "GET", "/staff/walk-in/{offering}", page_staff_walkin_form, WHO_STAFF, 0, 0 },
	{ "POST", "/staff/walk-in/{offering}", page_staff_walkin, WHO_STAFF, FORM, 0 },

	/* dossier lookup: any dossier by procedure, desk and receipt number (citizen) */
	{ "GET", "/lookup", page_lookup, WHO_CITIZEN, 0, 0 },
	{ "POST", "/lookup/attach", page_lookup_attach, WHO_CITIZEN, FORM, 0 },

	/* administration: agencies, staff, holidays, audit */
	{ "GET", "/admin", page_admin_home, WHO_ADMIN, 0, 0 },
	{ "GET", "/admin/agencies", page_admin_agencies, WHO_ADMIN, 0, 0 },
	{ "GET", "/admin/agencies/new", page_admin_agency_new_form, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/agencies/new", page_admin_agency_create, WHO_ADMIN, FORM, 0 },
	{ "GET", "/admin/agencies/{id}", page_admin_agency, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/agencies/{id}", page_admin_agency_update, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/agencies/{id}/deactivate", page_admin_agency_deactivate, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/agencies/{id}/activate", page_admin_agency_activate, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/agencies/{id}/departments", page_admin_department_create, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/departments/{id}", page_admin_department_rename, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/departments/{id}/deactivate", page_admin_department_deactivate, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/departments/{id}/activate", page_admin_department_activate, WHO_ADMIN, FORM, 0 },
	{ "GET", "/admin/staff", page_admin_staff, WHO_ADMIN, 0, 0 },
	{ "GET", "/admin/staff/new", page_admin_staff_new_form, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/staff/new", page_admin_staff_create, WHO_ADMIN, FORM, 0 },
	{ "GET", "/admin/staff/{id}", page_admin_staff_edit, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/staff/{id}", page_admin_staff_update, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/staff/{id}/deactivate", page_admin_staff_deactivate, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/staff/{id}/activate", page_admin_staff_activate, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/staff/{id}/password-link", page_admin_staff_password_link, WHO_ADMIN, FORM, 0 },
	{ "GET", "/admin/holidays", page_admin_holidays, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/holidays", page_admin_holiday_create, WHO_ADMIN, FORM, 0 },
	{ "GET", "/admin/holidays/{id}", page_admin_holiday, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/holidays/{id}", page_admin_holiday_update, WHO_ADMIN, FORM, 0 },
	{ "POST", "/admin/holidays/{id}/delete", page_admin_holiday_delete, WHO_ADMIN, FORM, 0 },
	{ "GET", "/admin/audit", page_admin_audit, WHO_ADMIN, 0, 0 },
	{ "GET", "/admin/audit/{id}", page_admin_audit_entry, WHO_ADMIN, 0, 0 },
	{ "GET", "/admin/mail", page_admin_mail, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/mail/{id}/retry", page_admin_mail_retry, WHO_ADMIN, FORM, 0 },

	/* administration: procedures and offerings (the schema editor posts multipart, so its
	 * 200 KiB of JSON fits the form limit without percent-encoding) */
	{ "GET", "/admin/procedures", page_admin_procedures, WHO_ADMIN, 0, 0 },
	{ "GET", "/admin/procedures/new", page_admin_procedure_new_form, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/procedures/new", page_admin_procedure_create, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "GET", "/admin/procedures/{id}", page_admin_procedure, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/procedures/{id}", page_admin_procedure_update, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/procedures/{id}/deactivate", page_admin_procedure_deactivate, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/procedures/{id}/activate", page_admin_procedure_activate, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "GET", "/admin/procedures/{id}/form", page_admin_procedure_schema, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/procedures/{id}/form", page_admin_procedure_schema_save, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/procedures/{id}/form/preview", page_admin_procedure_schema_preview, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "GET", "/admin/procedures/{id}/documents/new", page_admin_document_new_form, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/procedures/{id}/documents/new", page_admin_document_create, WHO_ADMIN, ADMIN_CATALOG_UPLOAD_BODY, 0 },
	{ "GET", "/admin/documents/{id}", page_admin_document, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/documents/{id}", page_admin_document_update, WHO_ADMIN, ADMIN_CATALOG_UPLOAD_BODY, 0 },
	{ "POST", "/admin/documents/{id}/delete", page_admin_document_delete, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/documents/{id}/up", page_admin_document_up, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/documents/{id}/down", page_admin_document_down, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/documents/{id}/template/delete", page_admin_document_template_delete, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "GET", "/admin/offerings", page_admin_offerings, WHO_ADMIN, 0, 0 },
	{ "GET", "/admin/offerings/new", page_admin_offering_new_form, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/offerings/new", page_admin_offering_create, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "GET", "/admin/offerings/{id}", page_admin_offering, WHO_ADMIN, 0, 0 },
	{ "POST", "/admin/offerings/{id}", page_admin_offering_update, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/offerings/{id}/deactivate", page_admin_offering_deactivate, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
	{ "POST", "/admin/offerings/{id}/activate", page_admin_offering_activate, WHO_ADMIN, ADMIN_CATALOG_FORM_BODY, 0 },
};

const size_t web_routes_count = sizeof(web_routes) / sizeof(web_routes[0]);
