# bench/gen_catalog.awk: a catalogue of N synthetic procedures (docs/catalog-format.md) for the
# search benchmark.  Usage: awk -v n=10000 -f bench/gen_catalog.awk > catalog.json
# Names combine real Vietnamese procedure words so that searches hit realistic shares of rows.
BEGIN {
	if (n == "") n = 10000
	nv = split("Đăng ký|Cấp|Cấp lại|Cấp đổi|Điều chỉnh|Gia hạn|Xác nhận|Chứng thực|Thu hồi|Thẩm định|Phê duyệt|Công nhận", verb, "|")
	no = split("khai sinh|kết hôn|khai tử|giấy phép xây dựng|hộ kinh doanh|tạm trú|thường trú|giấy chứng nhận quyền sử dụng đất|giấy phép lái xe|chữ ký|bản sao từ bản chính|trích lục hộ tịch|giấy phép kinh doanh rượu|chứng chỉ hành nghề|giấy phép môi trường|hợp đồng|di chúc|giám hộ|nuôi con nuôi|thay đổi hộ tịch", obj, "|")
	ns = split("|có yếu tố nước ngoài|cho người khuyết tật|tại cấp xã|lưu động|cho doanh nghiệp|đối với công trình cấp III|trong khu công nghiệp", suf, "|")
	nf = split("Hộ tịch|Chứng thực|Xây dựng|Đất đai|Kinh doanh|Cư trú|Giao thông|Y tế|Giáo dục|Môi trường|Lao động|Tư pháp", field, "|")
	split("central|province|commune", level, "|")
	split("citizen|business|both", applicant, "|")
	split("info|forms|partial|full", mode, "|")
	printf "{\n  \"format\": \"motcua-catalog\",\n  \"version\": 1,\n  \"procedures\": [\n"
	for (i = 1; i <= n; i++) {
		name = verb[(i % nv) + 1] " " obj[(int(i / nv) % no) + 1]
		s = suf[(int(i / (nv * no)) % ns) + 1]
		if (s != "") name = name " " s
		name = name " (trường hợp " i ")"
		kind = (i % 3 == 0) ? "same_day" : "days"
		value = (kind == "days") ? (i % 30) + 1 : 0
		printf "    {\n"
		printf "      \"code\": \"%d.%06d\",\n", (i % 3) + 1, i
		printf "      \"name\": \"%s\",\n", name
		printf "      \"field\": \"%s\",\n", field[(i % nf) + 1]
		printf "      \"level\": \"%s\",\n", level[(i % 3) + 1]
		printf "      \"applicant_type\": \"%s\",\n", applicant[(int(i / 3) % 3) + 1]
		printf "      \"description\": \"Thủ tục tổng hợp số %d dùng để đo tốc độ tìm kiếm.\",\n", i
		printf "      \"steps\": \"Bước 1: Nộp hồ sơ.\\nBước 2: Nhận kết quả.\",\n"
		printf "      \"submission\": \"Trực tiếp hoặc trực tuyến.\",\n"
		printf "      \"conditions\": \"\",\n"
		printf "      \"time\": {\n        \"kind\": \"%s\",\n        \"value\": %d,\n        \"note\": \"\"\n      },\n", kind, value
		printf "      \"fees\": [\n        {\n          \"amount\": %d,\n          \"description\": \"Lệ phí\"\n        }\n      ],\n", (i % 5) * 25000
		printf "      \"legal_basis\": \"Nghị định 118/2025/NĐ-CP.\",\n"
		printf "      \"result\": \"Giấy chứng nhận\",\n"
		printf "      \"service_mode\": \"%s\",\n", mode[(i % 4) + 1]
		printf "      \"active\": true,\n"
		printf "      \"documents\": [],\n"
		printf "      \"form\": {\n        \"sections\": [\n          {\n            \"title\": \"Thông tin người yêu cầu\",\n"
		printf "            \"fields\": [\n              {\n                \"name\": \"ho_ten\",\n                \"label\": \"Họ và tên\",\n                \"type\": \"text\",\n                \"required\": true\n              }\n            ]\n          }\n        ]\n      }\n"
		printf "    }%s\n", (i < n) ? "," : ""
	}
	printf "  ]\n}\n"
}
