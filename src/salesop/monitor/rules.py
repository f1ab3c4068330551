"""Pure rules of supervision: quiet hours, retry backoff, webhook bodies and signatures."""

import base64
import hashlib
import hmac
import json
import time as _time
from datetime import datetime, time, timedelta
from urllib.parse import quote_plus

RETRY_BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1
SEND_LEASE = timedelta(minutes=2)  # a claimed delivery is retried if its sender died
# A send's every network step may take its time-out (connect, greeting, TLS, login, sender,
# recipient, data, body, answer): a lease shorter than that let a second sender take a message
# a slow server was still accepting, and send it twice.
NETWORK_STEPS = 10
# A batch stops claiming after this long, so a slow server holds a worker thread (and the
# sweeps behind it) for a minute or so, not one time-out per message.
BATCH_SECONDS = 60


def send_lease(timeout_seconds: float) -> timedelta:
    """How long a claimed message or delivery is left to its sender."""
    return max(SEND_LEASE, timedelta(seconds=timeout_seconds * NETWORK_STEPS))


# Ops are told email is failing when one message failed this many tries in a row (6 minutes
# with the back-off above): one refusal is often a greylisting server's "try later".
EMAIL_ALERT_AFTER_ATTEMPTS = 3


def in_quiet_hours(local: time, start: time | None, end: time | None) -> bool:
    """Whether `local` falls in [start, end); the window may wrap midnight (22:00-07:00)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(local_now: datetime, start: time | None, end: time | None) -> datetime:
    """`local_now` if outside quiet hours, else the moment they end (same zone)."""
    if not in_quiet_hours(local_now.timetz().replace(tzinfo=None), start, end):
        return local_now
    candidate = local_now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local_now:
        candidate += timedelta(days=1)
    return candidate


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_BACKOFF[attempts - 1]


def _hmac_b64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk robots check timestamp + sign = base64(HMAC-SHA256(secret, "ts\\nsecret"))."""
    if not secret:
        return url
    ts = now_ms if now_ms is not None else int(_time.time() * 1000)
    sign = _hmac_b64(secret.encode(), f"{ts}\n{secret}".encode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={quote_plus(sign)}"


def feishu_sign(secret: str, ts: int) -> str:
    """Feishu/Lark bots: base64(HMAC-SHA256(key="ts\\nsecret", message=b""))."""
    return _hmac_b64(f"{ts}\n{secret}".encode(), b"")


def generic_signature(secret: str, ts: int, body: bytes) -> str:
    """Generic receivers verify HMAC-SHA256(secret, "<ts>.<body>") and reject old timestamps."""
    return (
        "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    )


# What chat apps read as markup (links, mentions, emphasis, headings) in text people typed (a
# customer's recap correction, a ticket's title): shown as look-alike characters instead.
_CHAT_MARKUP = str.maketrans(
    {"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "'", "*": "＊", "#": "＃"}
)
CHAT_TITLE_LIMIT = 300


def chat_title(title: str) -> str:
    """A title as a chat message's first line: one line, no markup, at most CHAT_TITLE_LIMIT
    characters (a 5,000-character correction would pass the apps' message limits)."""
    line = " ".join(str(title).split()).translate(_CHAT_MARKUP)
    return line if len(line) <= CHAT_TITLE_LIMIT else line[: CHAT_TITLE_LIMIT - 1] + "…"


def webhook_request(
    kind: str, url: str, secret: str, payload: dict, now_s: int | None = None
) -> tuple[str, dict[str, str], bytes]:
    """(url, headers, body) for one delivery in the receiver's own format."""
    ts = now_s if now_s is not None else int(_time.time())
    text = payload["text"]
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "salesop"}
    if kind == "wecom":
        body = {"msgtype": "markdown", "markdown": {"content": text}}
    elif kind == "dingtalk":
        url = dingtalk_signed_url(url, secret, ts * 1000)
        body = {"msgtype": "markdown", "markdown": {"title": payload["title"], "text": text}}
    elif kind == "feishu":
        body = {"msg_type": "text", "content": {"text": text}}
        if secret:
            body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
    elif kind == "slack":
        body = {"text": text}
    else:
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers["X-Salesop-Timestamp"] = str(ts)
        if secret:
            headers["X-Salesop-Signature"] = generic_signature(secret, ts, raw)
        return url, headers, raw
    return url, headers, json.dumps(body, ensure_ascii=False).encode()
