"""Planted topics for the generated documents (``bench/generate.py --topics``).

A planted document gets a passage of TOPIC_SENTENCES sentences on one of :data:`TOPICS`,
built from the topic's own terms in frames every topic shares ("Tập trung lãnh đạo, chỉ
đạo thực hiện có hiệu quả …"), inserted among its body paragraphs; its truth records the
topic. The rest of the document (header, random title theme, real sentences, citations,
recipients, signature) stays what it was, so two documents of one topic share a passage's
worth of terms in a body of boilerplate and unrelated sentences: what "documents like
this one" must find (bench/similar/run.py measures it).

The topic is drawn from its own random stream, (seed, document), so planting changes no
other part of any document, and a document's topic does not depend on the others.
"""

from __future__ import annotations

from random import Random

# Share of documents that get a topic; the others are unplanted noise.
TOPIC_SHARE = 0.6
TOPIC_SENTENCES = (4, 8)  # sentences of a planted passage, at least and at most

# Topic → its distinctive terms (phrases an official would write about it).
TOPICS: dict[str, tuple[str, ...]] = {
    "chuyen-doi-so": ("chuyển đổi số", "chính quyền số", "hạ tầng số", "nền tảng số",
                      "dữ liệu số dùng chung", "kỹ năng số", "dịch vụ công trực tuyến",
                      "an toàn thông tin mạng", "thanh toán không dùng tiền mặt"),
    "nong-thon-moi": ("xã nông thôn mới nâng cao", "tiêu chí nông thôn mới", "sản phẩm OCOP",
                      "cảnh quan nông thôn", "hợp tác xã nông nghiệp", "thôn, bản kiểu mẫu",
                      "thu nhập của cư dân nông thôn", "nước sạch nông thôn"),
    "tham-nhung": ("kê khai tài sản, thu nhập", "thu hồi tài sản tham nhũng",
                   "kiểm soát quyền lực", "xung đột lợi ích", "tố cáo hành vi tham nhũng",
                   "lợi ích nhóm", "chạy chức, chạy quyền", "nhũng nhiễu"),
    "du-lich": ("sản phẩm du lịch đặc thù", "du lịch cộng đồng", "khu du lịch quốc gia",
                "lượng khách du lịch", "xúc tiến, quảng bá du lịch", "cơ sở lưu trú",
                "du lịch sinh thái", "homestay"),
    "moi-truong": ("rác thải nhựa", "chất thải rắn sinh hoạt", "ô nhiễm nguồn nước",
                   "quan trắc môi trường", "nước thải công nghiệp", "khu xử lý chất thải",
                   "phân loại rác tại nguồn", "bụi mịn"),
    "giao-duc": ("đội ngũ nhà giáo", "kiên cố hóa trường lớp", "phổ cập giáo dục mầm non",
                 "trường đạt chuẩn quốc gia", "chương trình giáo dục phổ thông mới",
                 "học sinh bỏ học", "sách giáo khoa", "bữa ăn bán trú"),
    "y-te": ("y tế cơ sở", "bảo hiểm y tế toàn dân", "trạm y tế xã", "y tế dự phòng",
             "khám, chữa bệnh", "tiêm chủng mở rộng", "bác sĩ gia đình", "hồ sơ sức khỏe điện tử"),
    "quoc-phong": ("khu vực phòng thủ", "dân quân tự vệ", "thế trận quốc phòng toàn dân",
                   "cột mốc biên giới", "tuyển chọn và gọi công dân nhập ngũ",
                   "giáo dục quốc phòng và an ninh", "diễn tập khu vực phòng thủ", "lực lượng dự bị động viên"),
    "dat-dai": ("giải phóng mặt bằng", "bồi thường, hỗ trợ, tái định cư",
                "giấy chứng nhận quyền sử dụng đất", "thu hồi đất", "khai thác khoáng sản",
                "bảng giá đất", "lấn chiếm đất công", "khu tái định cư"),
    "dan-van": ("dân vận khéo", "quy chế dân chủ ở cơ sở", "đối thoại trực tiếp với Nhân dân",
                "tiếp công dân", "khiếu nại, tố cáo đông người", "tổ dân vận",
                "hòa giải ở cơ sở", "giám sát, phản biện xã hội"),
}

# Frames every topic shares: {a} and {b} are two of the topic's terms.
FRAMES: tuple[str, ...] = (
    "Đẩy mạnh {a}, gắn với {b} trên địa bàn.",
    "Tập trung lãnh đạo, chỉ đạo thực hiện có hiệu quả {a} và {b}.",
    "Nâng cao nhận thức của cán bộ, đảng viên và Nhân dân về {a}.",
    "Huy động các nguồn lực cho {a}, ưu tiên {b}.",
    "Kiểm tra, giám sát việc thực hiện {a}; kịp thời tháo gỡ khó khăn, vướng mắc trong {b}.",
    "Kết quả {a} còn thấp so với yêu cầu; {b} chưa được quan tâm đúng mức.",
    "Phân công cụ thể trách nhiệm của người đứng đầu trong {a} và {b}.",
    "Sơ kết, đánh giá kết quả {a}, nhân rộng các mô hình tốt về {b}.",
)


def topic_of(seed: int, index: int) -> str | None:
    """The topic planted in document ``index`` of a corpus of ``seed`` (None: none)."""
    rng = Random(f"topic-{seed}-{index}")
    if rng.random() >= TOPIC_SHARE:
        return None
    return rng.choice(sorted(TOPICS))


def topic_paragraphs(seed: int, index: int, topic: str) -> list[str]:
    """The planted passage: a few paragraphs of sentences on ``topic``."""
    rng = Random(f"topic-text-{seed}-{index}")
    terms = TOPICS[topic]
    sentences = []
    for _ in range(rng.randint(*TOPIC_SENTENCES)):
        a, b = rng.sample(terms, 2)
        sentences.append(rng.choice(FRAMES).format(a=a, b=b))
    return [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]


def plant(paragraphs: list[str], seed: int, index: int) -> tuple[list[str], str | None]:
    """``paragraphs`` (a body) with the document's topic passage inserted in the middle,
    and the topic (the body unchanged and None for an unplanted document)."""
    topic = topic_of(seed, index)
    if topic is None:
        return paragraphs, None
    where = Random(f"topic-place-{seed}-{index}").randint(1, max(1, len(paragraphs) - 1))
    return paragraphs[:where] + topic_paragraphs(seed, index, topic) + paragraphs[where:], topic
