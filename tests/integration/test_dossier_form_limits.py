"""The limits the dossier form states, against the real binary on demo data: the documents'
step names the total size a dossier's files may take, as src/limit.h sets it
(LIMIT_DOSSIER_FILES_BYTES), in the words the refusal uses.
"""
from admin_helpers import admin_site, page_text  # noqa: F401
from dossier_helpers import (DEATH, LIMIT_DOSSIER_FILES_BYTES, MIB, get, start_from_catalogue,
                             step_count)


def test_documents_step_states_the_total_size(admin_site):
    site = admin_site
    citizen = site.citizen_session()
    did = start_from_catalogue(site, citizen, DEATH)
    r = get(site, citizen, "/dossiers/%d/form?step=%d" % (did, step_count(site, did)))
    assert r.status_code == 200, page_text(r)[:300]
    limit = "%d MB" % (LIMIT_DOSSIER_FILES_BYTES // MIB)
    assert ("Tổng dung lượng các tệp của một hồ sơ không quá %s." % limit) in page_text(r)

    # A step of answers shows no documents, nor their limit.
    r = get(site, citizen, "/dossiers/%d/form?step=1" % did)
    assert r.status_code == 200 and "Tổng dung lượng" not in page_text(r)
