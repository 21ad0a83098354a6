#!/usr/bin/python3
"""Build the declaration forms of the demonstration catalogue and embed them in its JSON.

    /usr/bin/python3 scripts/make_demo_templates.py [--check] [data/demo-catalog.json]

Every document of data/demo-catalog.json that has a "template" names a file such as
"to-khai-dang-ky-khai-sinh.docx"; its content is defined in TEMPLATES below (the form's title and
its blank lines, in Vietnamese).  The script writes each file as a minimal WordprocessingML
package (Office Open XML: [Content_Types].xml, _rels/.rels, word/document.xml), then stores its
base64 text and SHA-256 in the JSON as docs/catalog-format.md requires, and rewrites the JSON in
the canonical export form (two-space indentation, UTF-8 without escapes, final newline).

The packages are byte-for-byte reproducible: entries are stored uncompressed with a fixed date,
so running the script twice gives the same JSON.  --check changes nothing and exits 1 when the
JSON is not what the script would write (a template edited here but not embedded, or the
reverse).  A template named in the JSON without a definition here, or a definition no document
uses, is an error: both are usually typos.

Standard library only.
"""
import base64
import hashlib
import io
import json
import os
import re
import sys
import unicodedata
import zipfile
from xml.sax.saxutils import escape

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the bytes do not depend on when the script ran
PAGE_TEXT_WIDTH = 9071            # twips: A4 (11906) minus margins 1701 + 1134
FONT = "Times New Roman"
SIZE = 26                         # half-points: 13 pt, the usual size of administrative forms
NAME_RE = re.compile(r"^[^/\\\x00-\x1f\x7f]{1,200}$")

NOTICE = ("Bản trình diễn: biểu mẫu được trình bày lại để minh họa cho Cổng Dịch vụ công. Khi "
          "thực hiện thủ tục, sử dụng mẫu ban hành kèm theo văn bản quy phạm pháp luật hiện hành.")

# Items of a form:
#   ("title", text)          centred, bold, upper case as written
#   ("center", text)         centred
#   ("italic", text)         centred, italic (a note under the title)
#   ("to", text)             "Kính gửi: ..." followed by a dotted line
#   ("field", label)         the label, then a dotted line to the right margin
#   ("heading", text)        bold, left
#   ("text", text)           a plain paragraph
#   ("box", text)            a line with a check box "☐ text"
#   ("sign", who, how)       the signature block on the right: who (bold), how (italic)
NATIONAL = [("center", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            ("center", "Độc lập – Tự do – Hạnh phúc"),
            ("center", "―――――――――――")]
PLACE_DATE = ("field", "Làm tại: …………………, ngày ……… tháng ……… năm ………")

TEMPLATES = {
    "to-khai-dang-ky-khai-sinh.docx": NATIONAL + [
        ("title", "TỜ KHAI ĐĂNG KÝ KHAI SINH"),
        ("to", "Kính gửi:"),
        ("field", "Họ, chữ đệm, tên người yêu cầu:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Nơi cư trú:"),
        ("field", "Quan hệ với người được khai sinh:"),
        ("heading", "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Ngày, tháng, năm sinh:"),
        ("field", "Ghi bằng chữ:"),
        ("field", "Giới tính:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Nơi sinh:"),
        ("field", "Quê quán:"),
        ("heading", "Thông tin người mẹ"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Năm sinh:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Nơi cư trú:"),
        ("heading", "Thông tin người cha"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Năm sinh:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Nơi cư trú:"),
        ("text", "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được "
                 "sự thỏa thuận nhất trí của các bên liên quan theo quy định pháp luật, và chịu "
                 "hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình."),
        PLACE_DATE,
        ("box", "Đề nghị cấp bản sao Giấy khai sinh; số lượng: ……… bản"),
        ("sign", "NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ],
    "to-khai-dang-ky-ket-hon.docx": NATIONAL + [
        ("title", "TỜ KHAI ĐĂNG KÝ KẾT HÔN"),
        ("to", "Kính gửi:"),
        ("heading", "Bên nữ"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Ngày, tháng, năm sinh:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Nơi cư trú:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Kết hôn lần thứ mấy:"),
        ("heading", "Bên nam"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Ngày, tháng, năm sinh:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Nơi cư trú:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Kết hôn lần thứ mấy:"),
        ("text", "Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn của "
                 "chúng tôi là tự nguyện, không vi phạm quy định của Luật Hôn nhân và gia đình, và "
                 "chịu trách nhiệm trước pháp luật về cam đoan của mình."),
        PLACE_DATE,
        ("box", "Đề nghị cấp bản sao Trích lục kết hôn; số lượng: ……… bản"),
        ("sign", "BÊN NỮ", "(Ký, ghi rõ họ, chữ đệm, tên)"),
        ("sign", "BÊN NAM", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ],
    "to-khai-dang-ky-khai-tu.docx": NATIONAL + [
        ("title", "TỜ KHAI ĐĂNG KÝ KHAI TỬ"),
        ("to", "Kính gửi:"),
        ("field", "Họ, chữ đệm, tên người yêu cầu:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Nơi cư trú:"),
        ("field", "Quan hệ với người đã chết:"),
        ("heading", "Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây:"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Ngày, tháng, năm sinh:"),
        ("field", "Giới tính:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Số định danh cá nhân:"),
        ("field", "Nơi cư trú cuối cùng:"),
        ("field", "Đã chết vào lúc: ……… giờ ……… phút, ngày ……… tháng ……… năm ………"),
        ("field", "Nơi chết:"),
        ("field", "Nguyên nhân chết:"),
        ("field", "Giấy báo tử / giấy tờ thay thế số:"),
        ("text", "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm "
                 "trước pháp luật về cam đoan của mình."),
        PLACE_DATE,
        ("box", "Đề nghị cấp bản sao Trích lục khai tử; số lượng: ……… bản"),
        ("sign", "NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ],
    "to-khai-cap-ban-sao-trich-luc-ho-tich.docx": NATIONAL + [
        ("title", "TỜ KHAI CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH"),
        ("to", "Kính gửi:"),
        ("field", "Họ, chữ đệm, tên người yêu cầu:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Nơi cư trú:"),
        ("field", "Quan hệ với người được cấp bản sao Trích lục:"),
        ("heading", "Đề nghị cấp bản sao Trích lục hộ tịch về:"),
        ("field", "Loại việc hộ tịch (khai sinh, kết hôn, khai tử...):"),
        ("field", "Họ, chữ đệm, tên người được cấp bản sao:"),
        ("field", "Ngày, tháng, năm sinh:"),
        ("field", "Nơi đã đăng ký:"),
        ("field", "Số đăng ký (nếu có): ……… ngày đăng ký:"),
        ("field", "Số lượng bản sao đề nghị cấp:"),
        ("field", "Mục đích sử dụng:"),
        ("text", "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm "
                 "trước pháp luật về cam đoan của mình."),
        PLACE_DATE,
        ("sign", "NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ],
    "to-khai-cap-giay-xac-nhan-tinh-trang-hon-nhan.docx": NATIONAL + [
        ("title", "TỜ KHAI CẤP GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"),
        ("to", "Kính gửi:"),
        ("field", "Họ, chữ đệm, tên người yêu cầu:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Nơi cư trú:"),
        ("field", "Quan hệ với người được cấp Giấy xác nhận:"),
        ("heading", "Đề nghị cấp Giấy xác nhận tình trạng hôn nhân cho người có tên dưới đây:"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Ngày, tháng, năm sinh:"),
        ("field", "Giới tính:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Số định danh cá nhân:"),
        ("field", "Nơi cư trú:"),
        ("field", "Trong thời gian cư trú tại:"),
        ("field", "Từ ngày ……… tháng ……… năm ……… đến ngày ……… tháng ……… năm ………"),
        ("field", "Tình trạng hôn nhân:"),
        ("field", "Mục đích sử dụng Giấy xác nhận tình trạng hôn nhân:"),
        ("text", "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm "
                 "trước pháp luật về cam đoan của mình."),
        PLACE_DATE,
        ("field", "Đề nghị cấp ……… bản Giấy xác nhận tình trạng hôn nhân"),
        ("sign", "NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ],
    "to-khai-dang-ky-lai-khai-sinh.docx": NATIONAL + [
        ("title", "TỜ KHAI ĐĂNG KÝ LẠI KHAI SINH"),
        ("to", "Kính gửi:"),
        ("field", "Họ, chữ đệm, tên người yêu cầu:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Nơi cư trú:"),
        ("field", "Quan hệ với người được đăng ký lại khai sinh:"),
        ("heading", "Đề nghị cơ quan đăng ký lại khai sinh cho người dưới đây:"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Ngày, tháng, năm sinh:"),
        ("field", "Giới tính:"),
        ("field", "Dân tộc:"),
        ("field", "Quốc tịch:"),
        ("field", "Nơi sinh:"),
        ("field", "Quê quán:"),
        ("field", "Họ, chữ đệm, tên người mẹ:"),
        ("field", "Họ, chữ đệm, tên người cha:"),
        ("field", "Đã đăng ký khai sinh tại:"),
        ("field", "Lý do đăng ký lại:"),
        ("text", "Tôi cam đoan đã nộp đủ các giấy tờ mình có, những nội dung khai trên đây là đúng "
                 "sự thật, và chịu trách nhiệm trước pháp luật về cam đoan của mình."),
        PLACE_DATE,
        ("sign", "NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ],
    "giay-de-nghi-dang-ky-ho-kinh-doanh.docx": NATIONAL + [
        ("title", "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH"),
        ("to", "Kính gửi: Ủy ban nhân dân"),
        ("heading", "Thông tin chủ hộ kinh doanh"),
        ("field", "Họ, chữ đệm, tên (ghi bằng chữ in hoa):"),
        ("field", "Giới tính: ……… Ngày sinh:"),
        ("field", "Dân tộc: ……… Quốc tịch:"),
        ("field", "Số định danh cá nhân:"),
        ("field", "Nơi thường trú:"),
        ("field", "Điện thoại: ……… Thư điện tử:"),
        ("heading", "Đăng ký hộ kinh doanh với các nội dung sau"),
        ("field", "Tên hộ kinh doanh (ghi bằng chữ in hoa):"),
        ("field", "Địa chỉ trụ sở hộ kinh doanh:"),
        ("field", "Điện thoại: ……… Thư điện tử:"),
        ("field", "Ngành, nghề kinh doanh:"),
        ("field", ""),
        ("field", "Vốn kinh doanh (bằng số, bằng chữ):"),
        ("field", "Số lượng lao động:"),
        ("box", "Cá nhân thành lập hộ kinh doanh"),
        ("box", "Các thành viên hộ gia đình cùng thành lập hộ kinh doanh (kèm danh sách thành viên)"),
        ("text", "Tôi cam kết bản thân không thuộc diện bị cấm thành lập hộ kinh doanh theo quy "
                 "định và chịu trách nhiệm trước pháp luật về tính hợp pháp, chính xác, trung "
                 "thực của nội dung đăng ký."),
        PLACE_DATE,
        ("sign", "CHỦ HỘ KINH DOANH", "(Ký và ghi họ tên)"),
    ],
    "thong-bao-thay-doi-noi-dung-dang-ky-ho-kinh-doanh.docx": NATIONAL + [
        ("title", "THÔNG BÁO THAY ĐỔI NỘI DUNG ĐĂNG KÝ HỘ KINH DOANH"),
        ("to", "Kính gửi: Ủy ban nhân dân"),
        ("field", "Tên hộ kinh doanh (ghi bằng chữ in hoa):"),
        ("field", "Số Giấy chứng nhận đăng ký hộ kinh doanh:"),
        ("field", "Mã số thuế:"),
        ("field", "Địa chỉ trụ sở:"),
        ("heading", "Đăng ký thay đổi nội dung sau"),
        ("box", "Tên hộ kinh doanh"),
        ("box", "Địa chỉ trụ sở hộ kinh doanh"),
        ("box", "Ngành, nghề kinh doanh"),
        ("box", "Vốn kinh doanh"),
        ("box", "Chủ hộ kinh doanh"),
        ("box", "Thông tin liên lạc"),
        ("field", "Nội dung sau khi thay đổi:"),
        ("field", ""),
        ("field", ""),
        ("field", "Ngày thay đổi có hiệu lực:"),
        ("text", "Tôi cam kết chịu trách nhiệm trước pháp luật về tính hợp pháp, chính xác, trung "
                 "thực của nội dung Thông báo này."),
        PLACE_DATE,
        ("sign", "CHỦ HỘ KINH DOANH", "(Ký và ghi họ tên)"),
    ],
    "don-de-nghi-cap-giay-phep-xay-dung.docx": NATIONAL + [
        ("title", "ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG"),
        ("italic", "(Sử dụng cho nhà ở riêng lẻ)"),
        ("to", "Kính gửi: Ủy ban nhân dân"),
        ("heading", "1. Thông tin về chủ đầu tư"),
        ("field", "Tên chủ đầu tư (chủ hộ):"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Địa chỉ liên hệ:"),
        ("field", "Số điện thoại:"),
        ("heading", "2. Thông tin công trình"),
        ("field", "Địa điểm xây dựng:"),
        ("field", "Lô đất số: ……… Diện tích: ……… m²"),
        ("field", "Tại: ……… Thửa đất số: ……… Tờ bản đồ số:"),
        ("heading", "3. Nội dung đề nghị cấp phép"),
        ("field", "Cấp công trình:"),
        ("field", "Diện tích xây dựng tầng một: ……… m²"),
        ("field", "Tổng diện tích sàn: ……… m²"),
        ("field", "Chiều cao công trình: ……… m"),
        ("field", "Số tầng (ghi rõ tầng hầm, tầng lửng, tum):"),
        ("heading", "4. Tổ chức, cá nhân lập thiết kế"),
        ("field", "Tên tổ chức, cá nhân:"),
        ("field", "Mã số chứng chỉ năng lực hoặc chứng chỉ hành nghề:"),
        ("heading", "5. Dự kiến thời gian hoàn thành công trình"),
        ("field", "……… tháng"),
        ("text", "Tôi xin cam kết làm theo đúng giấy phép được cấp, nếu sai tôi xin hoàn toàn chịu "
                 "trách nhiệm và bị xử lý theo quy định của pháp luật."),
        PLACE_DATE,
        ("sign", "NGƯỜI LÀM ĐƠN", "(Ký, ghi rõ họ tên)"),
    ],
    "to-khai-yeu-cau-cap-phieu-ly-lich-tu-phap.docx": NATIONAL + [
        ("title", "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP"),
        ("italic", "(Dùng cho cá nhân tự yêu cầu cấp Phiếu)"),
        ("to", "Kính gửi:"),
        ("field", "Họ, chữ đệm, tên:"),
        ("field", "Tên gọi khác (nếu có):"),
        ("field", "Giới tính: ……… Ngày, tháng, năm sinh:"),
        ("field", "Nơi sinh:"),
        ("field", "Quốc tịch: ……… Dân tộc:"),
        ("field", "Số định danh cá nhân / Hộ chiếu:"),
        ("field", "Nơi thường trú:"),
        ("field", "Nơi tạm trú:"),
        ("field", "Họ, chữ đệm, tên cha:"),
        ("field", "Họ, chữ đệm, tên mẹ:"),
        ("field", "Họ, chữ đệm, tên vợ/chồng:"),
        ("field", "Điện thoại: ……… Thư điện tử:"),
        ("heading", "Quá trình cư trú, nghề nghiệp, nơi làm việc (từ khi đủ 14 tuổi)"),
        ("field", "Từ tháng/năm ……… đến tháng/năm ……… :"),
        ("field", "Từ tháng/năm ……… đến tháng/năm ……… :"),
        ("field", "Từ tháng/năm ……… đến tháng/năm ……… :"),
        ("box", "Phiếu lý lịch tư pháp số 1"),
        ("box", "Phiếu lý lịch tư pháp số 2"),
        ("box", "Yêu cầu xác nhận về việc cấm đảm nhiệm chức vụ, thành lập, quản lý doanh "
                "nghiệp, hợp tác xã"),
        ("field", "Số lượng Phiếu yêu cầu cấp: ……… Phiếu"),
        ("field", "Mục đích sử dụng Phiếu:"),
        ("text", "Tôi xin cam đoan những lời khai trên là đúng sự thật và chịu trách nhiệm về lời "
                 "khai của mình."),
        PLACE_DATE,
        ("sign", "NGƯỜI KHAI", "(Ký, ghi rõ họ tên)"),
    ],
    "phieu-yeu-cau-chung-thuc-hop-dong-giao-dich.docx": NATIONAL + [
        ("title", "PHIẾU YÊU CẦU CHỨNG THỰC HỢP ĐỒNG, GIAO DỊCH"),
        ("to", "Kính gửi:"),
        ("field", "Họ, chữ đệm, tên người yêu cầu:"),
        ("field", "Số định danh cá nhân / giấy tờ tùy thân:"),
        ("field", "Địa chỉ liên hệ:"),
        ("field", "Số điện thoại:"),
        ("field", "Tên hợp đồng, giao dịch cần chứng thực:"),
        ("field", "Số trang:"),
        ("heading", "Các giấy tờ nộp kèm theo Phiếu này"),
        ("field", "1."),
        ("field", "2."),
        ("field", "3."),
        ("box", "Yêu cầu chứng thực ngoài trụ sở; lý do: …………………"),
        ("field", "Thời gian nhận hồ sơ: ……… giờ ……… phút, ngày ……… tháng ……… năm ………"),
        PLACE_DATE,
        ("sign", "NGƯỜI YÊU CẦU", "(Ký và ghi rõ họ tên)"),
    ],
}


def _run(text, bold=False, italic=False, size=SIZE):
    props = '<w:rFonts w:ascii="%s" w:hAnsi="%s" w:cs="%s"/>' % (FONT, FONT, FONT)
    if bold:
        props += "<w:b/>"
    if italic:
        props += "<w:i/>"
    props += '<w:sz w:val="%d"/><w:szCs w:val="%d"/>' % (size, size)
    return '<w:r><w:rPr>%s</w:rPr><w:t xml:space="preserve">%s</w:t></w:r>' % (props,
                                                                              escape(text))


def _para(runs, align=None, leader=False, after=80):
    ppr = ""
    if leader:
        ppr += ('<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="%d"/></w:tabs>'
                % PAGE_TEXT_WIDTH)
    ppr += '<w:spacing w:before="0" w:after="%d"/>' % after
    if align:
        ppr += '<w:jc w:val="%s"/>' % align
    tab = '<w:r><w:tab/></w:r>' if leader else ""
    return "<w:p><w:pPr>%s</w:pPr>%s%s</w:p>" % (ppr, "".join(runs), tab)


def _paragraphs(items):
    out = []
    for item in items:
        kind = item[0]
        if kind == "title":
            out.append(_para([_run(item[1], bold=True, size=28)], "center", after=40))
        elif kind == "center":
            out.append(_para([_run(item[1], bold=True)], "center", after=0))
        elif kind == "italic":
            out.append(_para([_run(item[1], italic=True)], "center"))
        elif kind == "to":
            out.append(_para([_run(item[1] + " ")], leader=True, after=160))
        elif kind == "field":
            out.append(_para([_run(item[1] + " " if item[1] else "")], leader=True))
        elif kind == "heading":
            out.append(_para([_run(item[1], bold=True)], after=60))
        elif kind == "text":
            out.append(_para([_run(item[1])], "both"))
        elif kind == "box":
            out.append(_para([_run("\u2610 " + item[1])]))
        elif kind == "sign":
            out.append(_para([_run(item[1], bold=True)], "right", after=0))
            out.append(_para([_run(item[2], italic=True)], "right", after=480))
        else:
            raise ValueError("unknown item kind %r" % kind)
    out.append(_para([_run(NOTICE, italic=True, size=20)], "both"))
    return "".join(out)


def docx_bytes(items):
    """A minimal valid .docx holding 'items', as bytes (reproducible)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '</Types>')
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/>'
        '</Relationships>')
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:body>%s<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701" w:header="720" '
        'w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>' % _paragraphs(items))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, text in (("[Content_Types].xml", content_types), ("_rels/.rels", rels),
                           ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, unicodedata.normalize("NFC", text).encode("utf-8"))
    return buf.getvalue()


def embed(catalog):
    """Fill every template of 'catalog' in place.  Raises ValueError on an unknown template."""
    used = set()
    for i, proc in enumerate(catalog["procedures"]):
        for j, document in enumerate(proc.get("documents", [])):
            tpl = document.get("template")
            if tpl is None:
                continue
            name = tpl.get("name", "")
            where = "procedures[%d] (%s).documents[%d]" % (i, proc.get("code"), j)
            if not NAME_RE.match(name):
                raise ValueError("%s: bad template file name %r" % (where, name))
            if name not in TEMPLATES:
                raise ValueError("%s: no definition of template %r in %s"
                                 % (where, name, os.path.basename(__file__)))
            used.add(name)
            data = docx_bytes(TEMPLATES[name])
            document["template"] = {
                "name": name,
                "media_type": DOCX_TYPE,
                "sha256": hashlib.sha256(data).hexdigest(),
                "content_base64": base64.b64encode(data).decode("ascii"),
            }
    unused = sorted(set(TEMPLATES) - used)
    if unused:
        raise ValueError("templates defined but used by no document: %s" % ", ".join(unused))


def canonical(catalog):
    return json.dumps(catalog, ensure_ascii=False, indent=2) + "\n"


def main(argv):
    args = [a for a in argv[1:] if a != "--check"]
    check = "--check" in argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = args[0] if args else os.path.join(root, "data", "demo-catalog.json")
    with open(path, encoding="utf-8") as fh:
        before = fh.read()
    catalog = json.loads(before)
    try:
        embed(catalog)
    except ValueError as e:
        print("make_demo_templates: %s" % e, file=sys.stderr)
        return 1
    after = canonical(catalog)
    if check:
        if after != before:
            print("make_demo_templates: %s is not up to date; run %s" % (path, argv[0]),
                  file=sys.stderr)
            return 1
        return 0
    if after != before:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(after)
        os.replace(tmp, path)
    print("%s: %d templates embedded" % (path, sum(
        1 for p in catalog["procedures"] for d in p.get("documents", []) if "template" in d)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
