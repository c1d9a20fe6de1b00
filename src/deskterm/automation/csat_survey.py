"""The satisfaction survey's words, in the languages of the shop's customers.

The survey asks for a rating by reply, because a reply works on every channel (email and
the marketplaces' chats alike); where a survey page is reachable the email also carries
its link. Written for people, short: one question, how to answer, that a comment helps.
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"

SURVEYS: dict[str, str] = {
    "en": (
        "How did we do? Please reply with a number from 1 (poor) to 5 (excellent)."
        " A few words on why help us too. Thank you!"
    ),
    "id": (
        "Bagaimana pelayanan kami? Mohon balas dengan angka 1 (buruk) sampai 5"
        " (sangat baik). Komentar singkat juga sangat membantu. Terima kasih!"
    ),
    "ms": (
        "Bagaimana perkhidmatan kami? Sila balas dengan nombor 1 (teruk) hingga 5"
        " (cemerlang). Sedikit komen juga sangat membantu. Terima kasih!"
    ),
    "tl": (
        "Kumusta ang aming serbisyo? Mag-reply ng numero mula 1 (hindi maganda) hanggang"
        " 5 (napakahusay). Makakatulong din ang maikling komento. Salamat!"
    ),
    "vi": (
        "Bạn thấy dịch vụ của chúng tôi thế nào? Vui lòng trả lời bằng một số từ 1 (kém)"
        " đến 5 (rất tốt). Một vài góp ý cũng giúp chúng tôi rất nhiều. Cảm ơn bạn!"
    ),
    "th": (
        "บริการของเราเป็นอย่างไรบ้าง? กรุณาตอบกลับด้วยตัวเลข 1 (แย่) ถึง 5 (ดีมาก)"
        " ความคิดเห็นสั้นๆ ก็ช่วยเราได้มาก ขอบคุณค่ะ"
    ),
    "pt": (
        "Como foi o nosso atendimento? Responda com um número de 1 (ruim) a 5 (excelente)."
        " Um comentário também nos ajuda. Obrigado!"
    ),
    "es": (
        "¿Qué tal te atendimos? Responde con un número del 1 (malo) al 5 (excelente)."
        " Un comentario también nos ayuda. ¡Gracias!"
    ),
    "zh": (
        "您对我们的服务满意吗？请回复 1（很差）到 5（非常好）之间的数字。欢迎留下简短意见，谢谢！"
    ),
}

LINK_LINES: dict[str, str] = {
    "en": "Or rate us here: {url}",
    "id": "Atau beri nilai di sini: {url}",
    "ms": "Atau beri penilaian di sini: {url}",
    "tl": "O i-rate kami dito: {url}",
    "vi": "Hoặc đánh giá tại đây: {url}",
    "th": "หรือให้คะแนนที่นี่: {url}",
    "pt": "Ou avalie aqui: {url}",
    "es": "O califícanos aquí: {url}",
    "zh": "或在此评分：{url}",
}


def survey_language(language: str | None) -> str:
    """The survey's language for a customer whose messages are in ``language``: theirs
    when the survey is written in it, else English."""
    code = (language or "").split("-")[0].lower()
    return code if code in SURVEYS else DEFAULT_LANGUAGE


def survey_text(language: str | None, *, url: str | None = None) -> str:
    """The survey in the customer's language, with the survey page's link when given."""
    code = survey_language(language)
    text = SURVEYS[code]
    if url:
        text += "\n\n" + LINK_LINES[code].format(url=url)
    return text
