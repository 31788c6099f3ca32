#!/usr/bin/env python3
"""Writes Tests/OAuthCoreTests/Fixtures/qr-segno.json: QR matrices made by segno (an independent encoder) for
the same text, version, error-correction level and mask, which QRCodeTests compares module by module.
Run with the project venv: .build-venv/bin/python scripts/qr-fixtures.py (needs `pip install segno`)."""
import json, os, segno
from segno import encoder

# segno 1.6.6 writes eight zero bits after the terminator even when the stream already ends on a codeword
# boundary (encoder.write_padding_bits); ISO/IEC 18004:2015 §7.4.10 adds padding bits only when it does not.
# Both decode the same, but the pad codewords then sit one place later; make segno follow the standard here.
_original_padding = encoder.write_padding_bits
def _padding_per_standard(buff, version, length):
    if length % 8:
        _original_padding(buff, version, length)
encoder.write_padding_bits = _padding_per_standard

CASES = [
    ("https://example.com/device?user_code=BCDF-GHJK", "M", None, None),
    ("http://127.0.0.1:41857/device?user_code=XZPQ-VWMC", "M", None, None),
    ("https://microsoft.com/devicelogin", "M", None, None),
    ("https://www.google.com/device", "L", None, None),
    ("http://127.0.0.1:9400/device?user_code=WDJB-MJHT", "M", None, 3),
    ("HELLO", "L", 1, 0),
    ("https://login.example.org/activate?user_code=XZPQ-VWMC&lang=en", "L", None, 5),
    ("https://github.com/login/device", "M", 3, 7),
    ("https://device.example/" + "a" * 120, "M", None, 2),
    ("https://idp.example.net/oauth2/device/verify?user_code=" + "B" * 8 + "&client=" + "x" * 200, "M", None, 6),
    ("https://auth.example.com/realms/demo/device?user_code=" + "Q" * 8 + "&" + "p=" + "y" * 240, "L", None, 1),
]

out = []
for text, ec, version, mask in CASES:
    q = segno.make_qr(text.encode("utf-8"), error=ec, version=version, mask=mask, mode="byte", boost_error=False)
    rows = ["".join("1" if m else "0" for m in row) for row in q.matrix]
    # "chosen": segno picked the mask by the penalty rules (ISO/IEC 18004 §7.8.3), so the test checks ours picks it too.
    out.append({"text": text, "ec": ec, "version": int(q.version), "mask": q.mask, "chosen": mask is None, "rows": rows})
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "OAuthCoreTests", "Fixtures", "qr-segno.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump({"generator": "segno " + segno.__version__, "cases": out}, f, indent=1)
    f.write("\n")
print(path, len(out), "cases")
